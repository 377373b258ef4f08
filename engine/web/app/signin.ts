/** The sign-in form the workspace, dashboard and admin pages share. */
import { useEffect, useState } from 'preact/hooks';
import { type Principal, principal, signIn } from './api.js';
import { html, Refusal } from './ui.js';

/** Shows the form until someone signs in, then renders `children(principal)`. */
export function SignedIn({
  role,
  title,
  children,
}: {
  role: Principal['role'];
  title: string;
  children: (p: Principal) => unknown;
}) {
  const [who, setWho] = useState<Principal | undefined>(() => {
    const p = principal();
    return p && p.role === role ? p : undefined;
  });
  const [id, setId] = useState(() => new URLSearchParams(location.search).get('agent') ?? '');
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  // A link may name the agent (the demo prints one): sign in at once.
  useEffect(() => {
    if (!who && id) void submit();
  }, []);
  if (who) return children(who);
  async function submit(e?: Event) {
    e?.preventDefault();
    setBusy(true);
    try {
      setWho(await signIn(id, role));
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }
  return html`<main class="signin">
    <h1>${title}</h1>
    <form onSubmit=${submit} aria-describedby="signin-help">
      <label for="signin-id">${role === 'agent' ? 'Agent id' : 'User id'}</label>
      <input
        id="signin-id"
        name="id"
        autocomplete="username"
        required
        value=${id}
        onInput=${(e: Event) => setId((e.target as HTMLInputElement).value)}
      />
      <button type="submit" disabled=${busy}>Sign in</button>
      <p id="signin-help" class="hint">Sign in with the id the routing configuration gives you.</p>
      <${Refusal} error=${error} />
    </form>
  </main>`;
}
