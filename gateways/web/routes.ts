/**
 * The browser side of web messaging, a hono sub-app the gateway mounts at its root (`app.route('/', webRoutes(deps).app)`).
 * What it needs (`WebRoutesDeps`): `integration(id)` — the configured web integration or undefined (its `secret` signs
 * session tokens and outbound posts; `options.allowedOrigins` lists widget origins for CORS, default any); optionally a
 * shared `WebSessionHub` and the SSE heartbeat interval. Routes:
 * - `POST /web/:integrationId/sessions` → 201 `{sessionId, token, messagesUrl, streamUrl}`; at most
 *   `sessionsPerAddressPerMinute` per source address (429 `rate_limited` with Retry-After above it), since a session
 *   costs nothing to ask for and each one can open streams and start conversations;
 * - `GET  /web/:integrationId/sessions/:sessionId/stream` (token in `?token=` or Authorization) → `text/event-stream`
 *   of `message` events (`id: <epoch>-<seq>`, Last-Event-ID resumes; `reset` when messages were missed);
 * - `GET  /web/:integrationId/sessions/:sessionId/history?from=&limit=` (same token) → the customer's own messages and
 *   the agents' replies, read from the engine's conversation history API at the integration's `options.historyUrl`
 *   (the engine's base URL; 501 when not configured) with `credentials.historyApiKey` (an engine API key of role
 *   gateway), stripped of agent ids, notes and events;
 * - the agent's typing reaches the stream as a `typing` event without an id (never replayed); the customer's goes
 *   to the webhook as `{type:"typing"}` like any widget event;
 * - `POST /web/:integrationId/sessions/:sessionId/outbound` — the web adapter's send, signed
 *   `X-Switchboard-Signature: sha256=<hex HMAC-SHA256(secret, body)>`; duplicate ids are accepted once.
 * Customer messages go to the gateway's `/webhooks/web/:integrationId` (see adapter.ts).
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { Integration } from '../channel.js';
import { addressKey, sourceAddress } from '../source-address.js';
import { WindowLimiter } from '../window-limiter.js';
import { WebSessionHub } from './hub.js';
import { bearerOf, newSessionId, outboundSignature, sameString, sessionOf, sessionToken } from './session.js';

/** Interval of SSE comment lines that keep proxies from closing an idle stream. */
export const DEFAULT_SSE_HEARTBEAT_MS = 15_000;
const OUTBOUND_LIMIT_BYTES = 256 * 1024;
/** Open SSE streams allowed per session (browser tabs). */
export const MAX_STREAMS_PER_SESSION = 5;
/** Sessions one source address may create per minute unless the config says otherwise. */
export const DEFAULT_WEB_SESSIONS_PER_ADDRESS_PER_MINUTE = 30;
const SESSION_WINDOW_MS = 60_000;

/** What the web routes need from the gateway. */
export interface WebRoutesDeps {
  /** The web integration with this id, or undefined. */
  readonly integration: (id: string) => Integration | undefined;
  readonly hub?: WebSessionHub;
  readonly heartbeatMs?: number;
  /** Used to read the engine's history API (tests pass a stub). */
  readonly fetchImpl?: typeof fetch;
  /** Sessions one source address may create per minute (0: no limit); DEFAULT_WEB_SESSIONS_PER_ADDRESS_PER_MINUTE. */
  readonly sessionsPerAddressPerMinute?: number;
  /** Take the source address from X-Forwarded-For (the gateway is behind the operator's reverse proxy). */
  readonly trustProxy?: boolean;
  /** The time the session limit counts in (ms); the wall clock by default. */
  readonly now?: () => number;
}

const outbound = z.object({
  id: z.string().min(1).max(256),
  messageId: z.string().min(1).max(256).optional(),
  kind: z.enum(['text', 'media']),
  at: z.number(),
  text: z.string().optional(),
  media: z.record(z.string(), z.unknown()).optional(),
});

function fail(c: Context, status: number, code: string, message: string): Response {
  return c.json({ error: { code, message } }, status as 400);
}

/** Builds the web messaging sub-app and the hub its streams read from. */
export function webRoutes(deps: WebRoutesDeps): { app: Hono; hub: WebSessionHub } {
  const hub = deps.hub ?? new WebSessionHub();
  const heartbeatMs = deps.heartbeatMs ?? DEFAULT_SSE_HEARTBEAT_MS;
  const app = new Hono();
  const perMinute = deps.sessionsPerAddressPerMinute ?? DEFAULT_WEB_SESSIONS_PER_ADDRESS_PER_MINUTE;
  const sessionLimit =
    perMinute > 0 ? new WindowLimiter(perMinute, SESSION_WINDOW_MS, deps.now ?? Date.now) : undefined;
  const webIntegration = (id: string) => {
    const i = deps.integration(id);
    return i && i.channel === 'web' ? i : undefined;
  };

  // The widget runs on the business's site: both its own routes and the webhook route it posts to answer CORS.
  const widgetCors = cors({
    origin: (origin, c) => {
      const allowed = webIntegration(c.req.param('integrationId') ?? '')?.options?.allowedOrigins;
      if (!Array.isArray(allowed)) return origin || '*';
      return allowed.includes(origin) ? origin : null;
    },
    allowHeaders: ['authorization', 'content-type', 'last-event-id'],
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    // The widget reads how long to wait after a 429.
    exposeHeaders: ['retry-after'],
    maxAge: 600,
  });
  app.use('/web/:integrationId/*', widgetCors);
  app.use('/webhooks/web/:integrationId', widgetCors);

  app.post('/web/:integrationId/sessions', (c) => {
    const integration = webIntegration(c.req.param('integrationId'));
    if (!integration)
      return fail(c, 404, 'unknown_integration', `no web integration "${c.req.param('integrationId')}" is configured`);
    const limited = sessionLimit?.hit(addressKey(sourceAddress(c, deps.trustProxy)));
    if (limited && !limited.allowed) {
      const seconds = Math.max(1, Math.ceil(limited.retryAfterMs / 1000));
      c.header('retry-after', String(seconds));
      return fail(
        c,
        429,
        'rate_limited',
        `too many chat sessions were started from this address; try again in ${seconds} s`,
      );
    }
    const sessionId = newSessionId();
    const base = `/web/${encodeURIComponent(integration.id)}`;
    return c.json(
      {
        sessionId,
        token: sessionToken(integration.secret, integration.id, sessionId),
        messagesUrl: `/webhooks/web/${encodeURIComponent(integration.id)}`,
        streamUrl: `${base}/sessions/${sessionId}/stream`,
      },
      201,
    );
  });

  app.get('/web/:integrationId/sessions/:sessionId/stream', (c) => {
    const integration = webIntegration(c.req.param('integrationId'));
    if (!integration)
      return fail(c, 404, 'unknown_integration', `no web integration "${c.req.param('integrationId')}" is configured`);
    const token = bearerOf(c.req.raw.headers, new URL(c.req.url).searchParams);
    const sessionId = token ? sessionOf(token, integration.secret, integration.id) : undefined;
    if (!sessionId || sessionId !== c.req.param('sessionId'))
      return fail(c, 401, 'signature_invalid', 'the session token is missing or not valid for this session');
    const key = `${integration.id}/${sessionId}`;
    // A few tabs per session are normal; more is a leak or abuse holding sockets open.
    if (hub.listeners(key) >= MAX_STREAMS_PER_SESSION)
      return fail(
        c,
        429,
        'too_many_streams',
        `at most ${MAX_STREAMS_PER_SESSION} streams may be open per session; close one first`,
      );
    const resume = c.req.header('last-event-id') ?? c.req.query('lastEventId') ?? '';
    const [epoch, seqText] = resume.split('-');
    // Ids from another process (restart) or a dropped backlog: the browser reloads history, then streams.
    const resumable = epoch === hub.epoch && /^\d+$/.test(seqText ?? '');
    let last = resumable ? Number(seqText) : 0;
    let reset = resume !== '' && !resumable;
    let lastSignal = hub.signalSeq(key);
    return streamSSE(c, async (stream) => {
      let dirty = true;
      let wake: (() => void) | undefined;
      let closed = false;
      const unsubscribe = hub.subscribe(key, () => {
        dirty = true;
        wake?.();
      });
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      try {
        await stream.writeSSE({ event: 'ready', data: JSON.stringify({ sessionId }) });
        while (!closed) {
          if (dirty) {
            dirty = false;
            const { events, gap } = hub.since(key, last);
            if (reset || gap) {
              await stream.writeSSE({
                event: 'reset',
                data: JSON.stringify({
                  reason: reset
                    ? 'the stream restarted; reload the history'
                    : 'messages were missed; reload the history',
                }),
              });
              reset = false;
            }
            for (const e of events) {
              await stream.writeSSE({ id: `${hub.epoch}-${e.seq}`, event: e.event, data: JSON.stringify(e.data) });
              last = e.seq;
            }
            // Transient events (typing) carry no id, so a reconnect never asks for them again.
            for (const e of hub.signalsSince(key, lastSignal)) {
              await stream.writeSSE({ event: e.event, data: JSON.stringify(e.data) });
              lastSignal = e.seq;
            }
            continue;
          }
          const woke = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), heartbeatMs);
            wake = () => {
              clearTimeout(timer);
              resolve(true);
            };
            if (dirty || closed) wake();
          });
          wake = undefined;
          if (!woke && !closed) await stream.write(': heartbeat\n\n');
        }
      } finally {
        unsubscribe();
      }
    });
  });

  app.get('/web/:integrationId/sessions/:sessionId/history', async (c) => {
    const integration = webIntegration(c.req.param('integrationId'));
    if (!integration)
      return fail(c, 404, 'unknown_integration', `no web integration "${c.req.param('integrationId')}" is configured`);
    const token = bearerOf(c.req.raw.headers, new URL(c.req.url).searchParams);
    const sessionId = token ? sessionOf(token, integration.secret, integration.id) : undefined;
    if (!sessionId || sessionId !== c.req.param('sessionId'))
      return fail(c, 401, 'signature_invalid', 'the session token is missing or not valid for this session');
    const base = integration.options?.historyUrl;
    if (typeof base !== 'string')
      return fail(
        c,
        501,
        'history_not_configured',
        `web integration ${integration.id} has no options.historyUrl (the engine's base URL)`,
      );
    const from = c.req.query('from') ?? '0';
    const limit = c.req.query('limit') ?? '50';
    if (!/^\d{1,9}$/.test(from) || !/^\d{1,3}$/.test(limit))
      return fail(c, 400, 'invalid_query', 'from and limit must be non-negative integers');
    // Only this session's conversation is ever read: the key is built here, never taken from the browser.
    const key = encodeURIComponent(`web:${integration.id}:${sessionId}`);
    let res: Response;
    try {
      // The engine answers only with a credential: an API key of role gateway (credentials.historyApiKey).
      const apiKey = integration.credentials?.historyApiKey;
      res = await (deps.fetchImpl ?? fetch)(
        `${base.replace(/\/$/, '')}/conversations/${key}/history?from=${from}&limit=${limit}`,
        {
          signal: AbortSignal.timeout(10_000),
          ...(typeof apiKey === 'string' ? { headers: { authorization: `Bearer ${apiKey}` } } : {}),
        },
      );
    } catch (err) {
      return fail(c, 503, 'history_unavailable', `the engine did not answer: ${(err as Error).message}`);
    }
    if (res.status === 404) return c.json({ entries: [], next: null });
    if (!res.ok) return fail(c, 502, 'history_unavailable', `the engine answered ${res.status}`);
    const page = (await res.json().catch(() => ({}))) as { entries?: Record<string, unknown>[]; next?: number | null };
    const entries = (page.entries ?? [])
      .filter((e) => (e.direction === 'inbound' || e.direction === 'outbound') && !e.deleted)
      .map((e) =>
        Object.fromEntries(
          ['seq', 'messageId', 'at', 'direction', 'kind', 'text', 'media', 'status']
            .filter((k) => e[k] !== undefined)
            .map((k) => [k, e[k]]),
        ),
      );
    return c.json({ entries, next: page.next ?? null });
  });

  app.post(
    '/web/:integrationId/sessions/:sessionId/outbound',
    bodyLimit({
      maxSize: OUTBOUND_LIMIT_BYTES,
      onError: (c) =>
        fail(c, 413, 'body_too_large', `an outbound web message is limited to ${OUTBOUND_LIMIT_BYTES} bytes`),
    }),
    async (c) => {
      const integration = webIntegration(c.req.param('integrationId'));
      if (!integration)
        return fail(
          c,
          404,
          'unknown_integration',
          `no web integration "${c.req.param('integrationId')}" is configured`,
        );
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const given = c.req.header('x-switchboard-signature') ?? '';
      if (!sameString(given, outboundSignature(integration.secret, raw)))
        return fail(
          c,
          401,
          'signature_invalid',
          'X-Switchboard-Signature does not match the body signed with the integration secret',
        );
      if (!/^[A-Za-z0-9_-]{16,64}$/.test(c.req.param('sessionId')))
        return fail(c, 404, 'unknown_session', 'not a web session id');
      let value: unknown;
      try {
        value = JSON.parse(new TextDecoder().decode(raw));
      } catch {
        return fail(c, 400, 'body_malformed', 'the body is not JSON');
      }
      const r = outbound.safeParse(value);
      if (!r.success)
        return fail(
          c,
          400,
          'body_invalid',
          `${r.error.issues[0]?.path.join('.') || '(body)'}: ${r.error.issues[0]?.message}`,
        );
      const key = `${integration.id}/${c.req.param('sessionId')}`;
      const added = hub.push(key, 'message', r.data, r.data.id);
      return c.json({ id: r.data.id, duplicate: !added, listeners: hub.listeners(key) }, 202);
    },
  );

  return { app, hub };
}
