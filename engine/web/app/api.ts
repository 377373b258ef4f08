/**
 * The pages' one way to the engine: every HTTP call and live feed goes through here, with the
 * signed-in principal's credential attached, so how a browser signs in is decided in one place.
 * Every refusal comes back as an `ApiError` with the engine's reason code and sentence.
 */

/** A refusal from the engine: `{error: {code, message}}`, or a network failure. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Who is signed in: a person of the routing configuration, by the engine's answer. */
export interface Principal {
  readonly id: string;
  readonly role: 'agent' | 'supervisor' | 'admin';
}

const RANK: Record<Principal['role'], number> = { agent: 1, supervisor: 2, admin: 3 };

/** Whether the principal's role includes `needed` (an admin is also a supervisor, a supervisor also an agent). */
export function hasRole(p: Principal, needed: Principal['role']): boolean {
  return (RANK[p.role] ?? 0) >= RANK[needed];
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined;

/** Renews the session a little before it expires (the engine's tokens are short-lived). */
function keepFresh(expiresAt: number): void {
  if (refreshTimer) clearTimeout(refreshTimer);
  const inMs = Math.max(30_000, expiresAt - Date.now() - 5 * 60_000);
  refreshTimer = setTimeout(() => {
    request<{ expiresAt: number }>('POST', '/auth/refresh').then(
      (r) => keepFresh(r.expiresAt),
      () => undefined, // the next call answers 401 and the page asks to sign in again
    );
  }, inMs);
}

/**
 * Who this browser is signed in as: the session cookie (HttpOnly, so the page cannot read it) is
 * checked by the engine. A link may carry a session token in its fragment (`#token=…`, never sent
 * to a server; the demo prints one): it is exchanged for the cookie and removed from the address.
 */
export async function currentPrincipal(): Promise<Principal | undefined> {
  const token = /(?:^|&)token=([^&]+)/.exec(location.hash.slice(1))?.[1];
  if (token) {
    history.replaceState(null, '', location.pathname + location.search);
    await request('POST', '/auth/refresh', undefined, { headers: { authorization: `Bearer ${token}` } }).catch(
      () => undefined,
    );
  }
  try {
    const r = await request<{ expiresAt: number; principal: Principal }>('POST', '/auth/refresh');
    keepFresh(r.expiresAt);
    return r.principal;
  } catch {
    return undefined;
  }
}

/** Signs in with the id and password an operator gave (`switchboard auth set-password`). */
export async function signIn(id: string, password: string): Promise<Principal> {
  if (!id.trim() || !password) throw new ApiError(400, 'credentials_required', 'enter your id and your password');
  const r = await request<{ expiresAt: number; principal: Principal }>('POST', '/auth/login', {
    id: id.trim(),
    password,
  });
  keepFresh(r.expiresAt);
  return r.principal;
}

export async function signOut(): Promise<void> {
  if (refreshTimer) clearTimeout(refreshTimer);
  await request('POST', '/auth/logout').catch(() => undefined);
}

/** One call to the engine; resolves with its JSON answer or throws ApiError. */
export async function request<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  init: { headers?: Record<string, string>; raw?: BodyInit } = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.headers ?? {}),
      },
      body: init.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
  } catch (err) {
    throw new ApiError(0, 'engine_unreachable', `the engine did not answer (${(err as Error).message})`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? res.statusText, e?.details);
  }
  return (json ?? {}) as T;
}

/** A live feed (server-sent events) that reconnects by itself and reports whether it is connected. */
export interface Feed {
  close(): void;
}

/** Opens `path` as a live feed; `on(event, data)` for every named event, `onState` when it connects or drops. */
export function openFeed(
  path: string,
  on: (event: string, data: Record<string, unknown>) => void,
  onState: (connected: boolean) => void = () => undefined,
  events: readonly string[] = [],
): Feed {
  let es: EventSource | undefined;
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const connect = () => {
    es = new EventSource(path, { withCredentials: true });
    es.onopen = () => onState(true);
    es.onerror = () => {
      onState(false);
      // EventSource retries by itself unless the server refused the stream (closed state).
      if (es?.readyState === EventSource.CLOSED && !closed) retry = setTimeout(connect, 2_000);
    };
    for (const name of events)
      es.addEventListener(name, (e) => {
        try {
          on(name, JSON.parse((e as MessageEvent<string>).data) as Record<string, unknown>);
        } catch {
          // a malformed event is skipped, never fatal
        }
      });
  };
  connect();
  return {
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      es?.close();
    },
  };
}

// ---- The agent API -------------------------------------------------------------------------

const agent = (id: string) => `/agents/${encodeURIComponent(id)}`;
const ix = (id: string, interactionId: string) => `${agent(id)}/interactions/${encodeURIComponent(interactionId)}`;

/** Routes the workspace uses, by the signed-in agent. */
export const agentApi = {
  workspace: (id: string) => request<WorkspaceBoot>('GET', `${agent(id)}/workspace`),
  login: (id: string) => request('POST', `${agent(id)}/login`),
  logout: (id: string) => request('POST', `${agent(id)}/logout`),
  presence: (id: string, presence: string, reason?: string) =>
    request<{ presence: string; reason?: string }>('POST', `${agent(id)}/presence`, {
      presence,
      ...(reason ? { reason } : {}),
    }),
  accept: (id: string, offerId: string) =>
    request<{ interactionId: string; conversationKey: string }>(
      'POST',
      `${agent(id)}/offers/${encodeURIComponent(offerId)}/accept`,
    ),
  decline: (id: string, offerId: string) =>
    request('POST', `${agent(id)}/offers/${encodeURIComponent(offerId)}/decline`),
  detail: (id: string, interactionId: string) => request<InteractionDetail>('GET', ix(id, interactionId)),
  timeline: (id: string, interactionId: string, before?: string, limit = 30) =>
    request<TimelinePage>(
      'GET',
      `${ix(id, interactionId)}/timeline?limit=${limit}${before ? `&before=${encodeURIComponent(before)}` : ''}`,
    ),
  send: (id: string, interactionId: string, body: SendBody) =>
    request<{ ok: boolean; messageIds?: string[] }>('POST', `${ix(id, interactionId)}/messages`, body),
  typing: (id: string, interactionId: string, on: boolean) =>
    request('POST', `${ix(id, interactionId)}/typing`, { on }),
  end: (id: string, interactionId: string) => request<{ mode?: string }>('POST', `${ix(id, interactionId)}/end`),
  wrapup: (id: string, interactionId: string, code: string) =>
    request('POST', `${ix(id, interactionId)}/wrapup`, { code }),
  transfer: (id: string, interactionId: string, target: { queueId: string } | { agentId: string }) =>
    request('POST', `${ix(id, interactionId)}/transfer`, target),
  feedPath: (id: string) => `${agent(id)}/events`,
  upload: (file: Blob) =>
    request<{ id: string; url: string; mimeType: string; size: number }>('POST', '/media', undefined, {
      headers: { 'content-type': file.type || 'application/octet-stream' },
      raw: file,
    }),
  clock: () => request<{ now: number; virtual: boolean }>('GET', '/clock'),
};

// ---- Shapes the engine answers with -----------------------------------------------------------

export interface WorkspaceBoot {
  agent: { id: string; name: string; queues: string[] };
  presence: 'offline' | 'available' | 'not_ready';
  reason: string | null;
  notReadyReasons: string[];
  wrapupCodes: string[];
  cannedResponses: { id: string; name: string; text: string; rich?: unknown }[];
  templates: { name: string; language: string; text?: string; params: string[]; channels: string[] }[];
  queues: {
    id: string;
    name: string;
    alertSound: boolean;
    acw: { mode: string; timeoutSeconds: number; defaultCode: string };
  }[];
  agents: { id: string; name: string; presence: string }[];
  now: number;
  virtual: boolean;
}

export interface WindowSummary {
  phase: string;
  state:
    | 'open'
    | 'unlimited'
    | 'grace'
    | 'templates_only'
    | 'closed'
    | 'ended_by_customer'
    | 'opted_out'
    | 'customer_must_start';
  freeForm: boolean;
  templates: boolean;
  closesAt?: number;
  graceEndsAt?: number;
  extraLeft?: number;
  repliesLeft?: number;
  tags?: Record<string, number>;
  publicPost?: { privateRepliesLeft: number; privateUntil?: number };
}

export interface InteractionDetail {
  interactionId: string;
  conversationKey: string;
  channel?: string;
  queue: { id: string; name: string } | null;
  stage: 'connected' | 'wrapup' | 'wrapup_optional' | 'alerting' | 'ended';
  since: number | null;
  contact: {
    id: string | null;
    displayName: string | null;
    identities: { channel: string; conversationKey: string }[];
    verified: { kind: string; value: string }[];
  };
  window: WindowSummary | null;
  wrapup: { mode: string; deadlineAt?: number; defaultCode?: string } | null;
  now: number;
  virtual: boolean;
}

export interface MediaItem {
  url?: string;
  id?: string;
  mimeType?: string;
  caption?: string;
  filename?: string;
}

export interface Entry {
  seq: number;
  messageId: string;
  conversationKey: string;
  at: number;
  interactionId?: string;
  direction: 'inbound' | 'outbound' | 'event';
  kind: string;
  text?: string;
  media?: MediaItem[];
  template?: { name: string; language: string; params?: string[] };
  sender?: Record<string, string>;
  status?: 'pending' | 'sent' | 'delivered' | 'read' | 'failed';
  failure?: { code: string; message: string };
  deleted?: boolean;
  detail?: Record<string, unknown>;
}

export interface TimelinePage {
  contactId: string | null;
  conversations: string[];
  entries: Entry[];
  next: string | null;
}

export interface SendBody {
  requestId?: string;
  kind?: 'text' | 'template' | 'media';
  text?: string;
  template?: { name: string; language: string; params?: string[] };
  media?: MediaItem[];
  tag?: string;
  visibility?: 'public' | 'private';
}
