/**
 * Administration: the routing configuration as forms — queues, agents with their skills and
 * capacity, standard responses — and the whole file as JSON, applied with
 * `PUT /admin/routing/config` (every node reloads it). The engine validates; each issue it
 * names (`agents[0].queues[1]: queue "x" is not configured`) is shown at that field, and all of
 * them in a summary that links to the fields.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, request, signOut } from './api.js';
import { contains, fieldOf, getAt, idOf, setAt } from './paths.js';
import { SignedIn } from './signin.js';
import { createStore, html, mount, Refusal, useStore } from './ui.js';

type Source = Record<string, unknown> & {
  queues?: Record<string, unknown>[];
  agents?: Record<string, unknown>[];
  cannedResponses?: Record<string, unknown>[];
};
interface Issue {
  path: string;
  message: string;
}

interface AdminState {
  draft: Source;
  /** Bumped when the draft is replaced as a whole, so fields drop what was typed. */
  generation: number;
  version?: number;
  issues: Issue[];
  applied?: string;
  error?: Error;
  busy: boolean;
}

const admin = createStore<AdminState>({ draft: {}, generation: 0, issues: [], busy: false });
const patch = (p: Partial<AdminState>) => admin.set((s) => ({ ...s, ...p }));

async function load(): Promise<void> {
  try {
    const r = await request<{ version: number; source: Source | null }>('GET', '/admin/routing/config');
    admin.set((s) => ({ ...s, draft: r.source ?? {}, version: r.version, generation: s.generation + 1, issues: [] }));
  } catch (err) {
    patch({ error: err as Error });
  }
}

async function apply(): Promise<boolean> {
  patch({ busy: true, error: undefined, applied: undefined });
  try {
    const r = await request<{ version: number; queues: number; agents: number; flows: number }>(
      'PUT',
      '/admin/routing/config',
      admin.get().draft,
    );
    patch({
      busy: false,
      issues: [],
      version: r.version,
      applied: `Applied version ${r.version}: ${r.queues} queues, ${r.agents} agents, ${r.flows} flows. Every node reloads it.`,
    });
    return true;
  } catch (err) {
    const issues =
      err instanceof ApiError && err.code === 'config_invalid' && Array.isArray(err.details)
        ? (err.details as Issue[])
        : [];
    patch({ busy: false, issues, error: issues.length ? undefined : (err as Error) });
    return false;
  }
}

function edit(path: string, value: unknown): void {
  admin.set((s) => ({
    ...s,
    draft: setAt(s.draft, path, value),
    issues: s.issues.filter((i) => !contains(path, i.path)),
    applied: undefined,
  }));
}

// ---- Fields ----------------------------------------------------------------------------------

type Kind = 'text' | 'number' | 'list' | 'skills' | 'capacity' | 'textarea' | 'select';

function shown(kind: Kind, v: unknown): string {
  if (v === undefined || v === null) return '';
  if (kind === 'list') return Array.isArray(v) ? v.join(', ') : String(v);
  if (kind === 'skills')
    return Object.entries((v ?? {}) as Record<string, unknown>)
      .map(([k, n]) => `${k}:${n}`)
      .join(', ');
  if (kind === 'capacity') return String((v as { media?: { message?: { max?: unknown } } }).media?.message?.max ?? '');
  return String(v);
}

/** What a field's text means in the file; a number that is not one stays text, for the engine to name. */
function parsed(kind: Kind, raw: string, old: unknown): unknown {
  const t = raw.trim();
  const num = (s: string) => (s !== '' && Number.isFinite(Number(s)) ? Number(s) : s);
  switch (kind) {
    case 'number':
      return t === '' ? undefined : num(t);
    case 'list':
      return t === ''
        ? []
        : t
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean);
    case 'skills':
      return Object.fromEntries(
        t
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
          .map((x) => {
            const [k, n] = x.split(':').map((y) => y.trim());
            return [k!, n === undefined ? 1 : num(n)];
          }),
      );
    case 'capacity': {
      if (t === '') return undefined;
      const u = (old ?? {}) as { media?: Record<string, unknown>; totalMax?: unknown };
      const max = num(t);
      return {
        ...u,
        media: { ...(u.media ?? {}), message: { max } },
        totalMax: u.totalMax ?? (typeof max === 'number' && max > 0 ? max : 1),
      };
    }
    default:
      return raw === '' ? undefined : raw;
  }
}

function ErrorText({ path }: { path: string }) {
  const s = useStore(admin);
  const mine = s.issues.filter((i) => fieldOf(FIELDS(s.draft), i.path) === path);
  if (mine.length === 0) return null;
  return html`<span class="field-error" id=${`${idOf(path)}-error`}>
    ${mine.map((i) => html`<span>${i.path === path ? '' : `${i.path}: `}${i.message}</span>`)}
  </span>`;
}

function Field({
  path,
  label,
  kind = 'text',
  options,
  hint,
}: {
  path: string;
  label: string;
  kind?: Kind;
  options?: string[];
  hint?: string;
}) {
  const s = useStore(admin);
  const value = getAt(s.draft, path);
  // What was typed; the fieldsets are keyed by the draft's generation, so a replaced draft starts afresh.
  const [raw, setRaw] = useState(shown(kind, value));
  const invalid = s.issues.some((i) => fieldOf(FIELDS(s.draft), i.path) === path);
  const id = idOf(path);
  const describedBy = [invalid ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  const onInput = (e: Event) => {
    const v = (e.target as HTMLInputElement).value;
    setRaw(v);
    edit(path, parsed(kind, v, value));
  };
  const common = {
    id,
    class: 'control',
    'aria-invalid': invalid ? 'true' : undefined,
    'aria-describedby': describedBy,
  };
  return html`<div class=${`field ${invalid ? 'invalid' : ''}`} data-path=${path}>
    <label for=${id}>${label}</label>
    ${
      kind === 'select'
        ? html`<select ...${common} value=${raw} onChange=${onInput}>
            <option value="">(default)</option>
            ${(options ?? []).map((o) => html`<option value=${o}>${o}</option>`)}
          </select>`
        : kind === 'textarea'
          ? html`<textarea ...${common} rows="2" value=${raw} onInput=${onInput}></textarea>`
          : html`<input ...${common} inputmode=${kind === 'number' || kind === 'capacity' ? 'numeric' : undefined} value=${raw} onInput=${onInput} />`
    }
    ${hint ? html`<span class="hint" id=${`${id}-hint`}>${hint}</span>` : null}
    <${ErrorText} path=${path} />
  </div>`;
}

/** Every path a form field or fieldset shows, for putting each issue at one. */
function FIELDS(d: Source): string[] {
  const out = ['queues', 'agents', 'cannedResponses'];
  (d.queues ?? []).forEach((_, i) => {
    const p = `queues[${i}]`;
    out.push(
      p,
      ...['id', 'name', 'alertingTimeoutSeconds', 'serviceLevelSeconds', 'acw.mode', 'acw.timeoutSeconds'].map(
        (f) => `${p}.${f}`,
      ),
    );
  });
  (d.agents ?? []).forEach((_, i) => {
    const p = `agents[${i}]`;
    out.push(p, ...['id', 'name', 'queues', 'skills', 'utilization'].map((f) => `${p}.${f}`));
  });
  (d.cannedResponses ?? []).forEach((_, i) => {
    const p = `cannedResponses[${i}]`;
    out.push(p, ...['id', 'name', 'text'].map((f) => `${p}.${f}`));
  });
  return out;
}

function remove(list: 'queues' | 'agents' | 'cannedResponses', i: number) {
  admin.set((s) => ({
    ...s,
    draft: { ...s.draft, [list]: (s.draft[list] ?? []).filter((_, j) => j !== i) },
    generation: s.generation + 1,
  }));
}
function add(list: 'queues' | 'agents' | 'cannedResponses', item: Record<string, unknown>) {
  admin.set((s) => ({ ...s, draft: { ...s.draft, [list]: [...(s.draft[list] ?? []), item] } }));
}

function Entries({
  list,
  title,
  noun,
  blank,
  render,
}: {
  list: 'queues' | 'agents' | 'cannedResponses';
  title: string;
  noun: string;
  blank: Record<string, unknown>;
  render: (p: string, item: Record<string, unknown>) => unknown;
}) {
  const s = useStore(admin);
  const items = s.draft[list] ?? [];
  return html`<section class="panel" aria-labelledby=${`${list}-title`}>
    <header><h2 id=${`${list}-title`}>${title}</h2><span class="hint">${items.length}</span></header>
    <${ErrorText} path=${list} />
    ${items.map((item, i) => {
      const p = `${list}[${i}]`;
      const name = String(item.name ?? item.id ?? `${noun} ${i + 1}`);
      return html`<fieldset class="entry" key=${`${s.generation}-${i}`} data-path=${p}>
        <legend>${name}</legend>
        <${ErrorText} path=${p} />
        <div class="fields">${render(p, item)}</div>
        <button type="button" class="link" onClick=${() => remove(list, i)}>Remove ${name}</button>
      </fieldset>`;
    })}
    <button type="button" onClick=${() => add(list, blank)}>Add ${noun}</button>
  </section>`;
}

function Json() {
  const s = useStore(admin);
  const [text, setText] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (open) setText(JSON.stringify(s.draft, null, 2));
  }, [open, s.generation]);
  const use = () => {
    try {
      const v = JSON.parse(text) as unknown;
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the file must be a JSON object');
      admin.set((x) => ({ ...x, draft: v as Source, generation: x.generation + 1 }));
      setError(undefined);
    } catch (err) {
      setError(new ApiError(400, 'invalid_json', (err as Error).message));
    }
  };
  return html`<section class="panel" aria-labelledby="json-title">
    <header><h2 id="json-title">The whole file</h2>
      <button type="button" aria-expanded=${open} onClick=${() => setOpen(!open)}>${open ? 'Hide JSON' : 'Edit as JSON'}</button>
    </header>
    ${
      open
        ? html`<label for="routing-json">Routing configuration (JSON): flows, skills, codes, templates and the rest</label>
          <textarea id="routing-json" class="json" rows="18" value=${text} onInput=${(e: Event) => setText((e.target as HTMLTextAreaElement).value)}></textarea>
          <${Refusal} error=${error} onDismiss=${() => setError(undefined)} />
          <button type="button" onClick=${use}>Use this JSON</button>`
        : null
    }
  </section>`;
}

function Summary() {
  const s = useStore(admin);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (s.issues.length) ref.current?.focus();
  }, [s.issues.length > 0]);
  if (s.issues.length === 0) return null;
  const fields = FIELDS(s.draft);
  return html`<div class="issues" role="alert" tabindex="-1" ref=${ref} aria-labelledby="issues-title">
    <h2 id="issues-title">The engine refused the configuration (${s.issues.length} ${s.issues.length === 1 ? 'problem' : 'problems'}) <code>config_invalid</code></h2>
    <ul>
      ${s.issues.map((i) => {
        const f = fieldOf(fields, i.path);
        return html`<li>${f ? html`<a href=${`#${idOf(f)}`}>${i.path}</a>` : html`<code>${i.path}</code> (edit it as JSON)`}: ${i.message}</li>`;
      })}
    </ul>
  </div>`;
}

const ACW = ['optional', 'mandatory', 'timeboxed'];

function Admin() {
  const s = useStore(admin);
  useEffect(() => void load(), []);
  const queues = (s.draft.queues ?? []).map((q) => String(q.id ?? '')).filter(Boolean);
  return html`<div class="dashboard">
    <header class="topbar">
      <h1>Switchboard — administration</h1>
      <a class="topbar-link" href="/ui/dashboard">Dashboard</a>
      <button type="button" class="link" onClick=${() => void signOut().then(() => location.reload())}>Sign out</button>
    </header>
    <main class="boards admin">
      <form
        class="apply-bar panel"
        onSubmit=${(e: Event) => {
          e.preventDefault();
          void apply().then((ok) => (ok ? load() : undefined));
        }}
      >
        <p class="bar-text">Routing configuration ${s.version !== undefined ? html`version <strong>${s.version}</strong>` : ''}</p>
        <button type="submit" class="primary" disabled=${s.busy}>${s.busy ? 'Applying…' : 'Apply'}</button>
        <button type="button" onClick=${() => void load()}>Revert to the applied one</button>
        ${s.applied ? html`<p class="bar-text ok" role="status">${s.applied}</p>` : null}
      </form>
      <${Refusal} error=${s.error} onDismiss=${() => patch({ error: undefined })} />
      <${Summary} />
      <${Entries}
        list="queues"
        title="Queues"
        noun="queue"
        blank=${{ id: '', name: '' }}
        render=${(p: string) => html`
          <${Field} path=${`${p}.id`} label="Id" />
          <${Field} path=${`${p}.name`} label="Name" />
          <${Field} path=${`${p}.alertingTimeoutSeconds`} label="Alerting timeout (s)" kind="number" />
          <${Field} path=${`${p}.serviceLevelSeconds`} label="Service level target (s)" kind="number" />
          <${Field} path=${`${p}.acw.mode`} label="Wrap-up" kind="select" options=${ACW} />
          <${Field} path=${`${p}.acw.timeoutSeconds`} label="Wrap-up time box (s)" kind="number" />`}
      />
      <${Entries}
        list="agents"
        title="Agents"
        noun="agent"
        blank=${{ id: '', name: '', queues: [] }}
        render=${(p: string) => html`
          <${Field} path=${`${p}.id`} label="Id" />
          <${Field} path=${`${p}.name`} label="Name" />
          <${Field} path=${`${p}.queues`} label="Queues" kind="list" hint=${`comma-separated: ${queues.join(', ')}`} />
          <${Field} path=${`${p}.skills`} label="Skills" kind="skills" hint="name:level (1–5), comma-separated" />
          <${Field} path=${`${p}.utilization`} label="Messaging capacity" kind="capacity" hint="interactions at once" />`}
      />
      <${Entries}
        list="cannedResponses"
        title="Standard responses"
        noun="response"
        blank=${{ id: '', name: '', text: '' }}
        render=${(p: string) => html`
          <${Field} path=${`${p}.id`} label="Id" />
          <${Field} path=${`${p}.name`} label="Name" />
          <${Field} path=${`${p}.text`} label="Text" kind="textarea" hint="{{name}}, {{firstName}}, {{agent}} are filled in" />`}
      />
      <${Json} />
    </main>
  </div>`;
}

function App() {
  return html`<${SignedIn} role="admin" title="Administration">${() => html`<${Admin} />`}</${SignedIn}>`;
}

void mount(App);
