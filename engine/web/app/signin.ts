/** The sign-in form the workspace, dashboard and admin pages share; a page renders once its role is signed in. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, currentPrincipal, hasRole, type Principal, signIn, signOut } from './api.js';
import { html, Refusal } from './ui.js';

/** Shows the form until someone with `role` (or a higher one) signs in, then renders `children(principal)`. */
export function SignedIn({
  role,
  title,
  children,
}: {
  role: Principal['role'];
  title: string;
  children: (p: Principal) => unknown;
}) {
  const [who, setWho] = useState<Principal | undefined>();
  const [checked, setChecked] = useState(false);
  const [id, setId] = useState(() => new URLSearchParams(location.search).get('id') ?? '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const accept = (p: Principal | undefined) => {
    if (p && !hasRole(p, role)) {
      setError(new ApiError(403, 'forbidden', `this page needs role ${role}; you are ${p.role} "${p.id}"`));
      return;
    }
    setWho(p);
  };
  useEffect(() => {
    currentPrincipal().then(
      (p) => {
        accept(p);
        setChecked(true);
      },
      () => setChecked(true),
    );
  }, []);
  if (who) return children(who);
  if (!checked) return html`<p class="boot">Loading…</p>`;
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      accept(await signIn(id, password));
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="signin">
    <h1>${title}</h1>
    <form onSubmit=${submit}>
      <label for="signin-id">Your id</label>
      <input
        id="signin-id"
        name="username"
        autocomplete="username"
        required
        value=${id}
        onInput=${(e: Event) => setId((e.target as HTMLInputElement).value)}
      />
      <label for="signin-password">Password</label>
      <input
        id="signin-password"
        name="password"
        type="password"
        autocomplete="current-password"
        required
        value=${password}
        onInput=${(e: Event) => setPassword((e.target as HTMLInputElement).value)}
      />
      <button type="submit" class="primary" disabled=${busy}>Sign in</button>
      <${Refusal} error=${error} />
      ${
        error instanceof ApiError && error.code === 'forbidden'
          ? html`<button type="button" class="link" onClick=${() => void signOut().then(() => location.reload())}>
              Sign out and use another id
            </button>`
          : null
      }
    </form>
  </main>`;
}
