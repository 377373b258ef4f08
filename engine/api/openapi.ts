/**
 * The engine's OpenAPI 3.1 description, served at GET /openapi.json. Operations are listed here once, keyed like the
 * authorization table (`<METHOD> <hono path>`); request bodies are the zod schemas the handlers validate with
 * (converted by zod's own JSON Schema generator), and each operation's roles come from engine/auth/policy.ts.
 * test/engine/openapi.test.ts fails when a mounted route is missing here or answers a status not described.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { describeRule, ROUTE_RULES } from '../auth/policy.js';
import { RoutingFileSchema } from '../config/routing.js';
import { FileBody } from './admin.js';
import { PresenceBody, SendBody, TransferBody, WrapupBody } from './agents.js';
import { AuditQuery, LoginBody } from './auth.js';
import { ConsentBody, LinkBody, Paging, ReplyBody } from './conversations.js';
import { AdvanceBody } from './health.js';
import { TimelineQuery, TypingBody } from './workspace.js';
import { BoardQuery, ReportQuerySchema } from './reports.js';
import { OutboundBatchBody, OutboundBody } from './outbound.js';

/** One operation: what it does, its body or query, and the statuses it answers besides the error ones. */
export interface Operation {
  readonly tag: string;
  readonly summary: string;
  readonly body?: z.ZodType;
  readonly query?: z.ZodObject;
  /** Success statuses (default 200); `text/event-stream` for live feeds. */
  readonly ok?: readonly number[];
  readonly stream?: boolean;
  /** The success body's media type when it is neither JSON nor a stream (Prometheus' text format). */
  readonly text?: string;
  /** Error statuses this operation may answer besides 400/401/403/404 (e.g. 409, 422, 503). */
  readonly errors?: readonly number[];
}

const REFUSALS = [409, 422];

/** Every engine operation. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  'GET /healthz': { tag: 'health', summary: 'Liveness: the process answers.' },
  'GET /readyz': {
    tag: 'health',
    summary:
      'Readiness: consuming, outbox below its threshold (503 with the reasons otherwise); `degraded` with the backlog per partition while messages wait.',
    errors: [503],
  },
  'GET /openapi.json': { tag: 'health', summary: 'This document.' },
  'POST /auth/login': {
    tag: 'auth',
    summary: 'Sign in with id and password; answers a short-lived session token and sets the HttpOnly cookie.',
    body: LoginBody,
    errors: [429],
  },
  'POST /auth/logout': { tag: 'auth', summary: 'Clears the session cookie.' },
  'GET /auth/me': { tag: 'auth', summary: 'Who the credential is: id and role.' },
  'POST /auth/refresh': { tag: 'auth', summary: 'A fresh session token for the person signed in.' },
  'GET /admin/audit': {
    tag: 'admin',
    summary: 'The audit log: admin and supervisor actions and refused authorizations, newest first.',
    query: AuditQuery,
  },
  'GET /admin/clock': { tag: 'admin', summary: "The engine's now, and whether the clock is virtual." },
  'POST /admin/clock/advance': {
    tag: 'admin',
    summary: 'Virtual clock only: moves time forward, firing due timers causally.',
    body: AdvanceBody,
    errors: [409, 503],
  },
  'GET /admin/actors/:type/:key': { tag: 'admin', summary: "An actor's snapshot and pending timers." },
  'GET /metrics': {
    tag: 'health',
    summary:
      'Prometheus metrics in the text exposition format (docs/metrics.md): events, commits, outbox, timers, JetStream lag, dead letters, offers, queues and agents.',
    text: 'text/plain; version=0.0.4',
  },
  'GET /admin/stats': { tag: 'admin', summary: 'Host counters (applied, duplicates, commits), readiness, outbox.' },
  'PUT /admin/routing/config': {
    tag: 'admin',
    summary: 'Validates and applies a routing file on every node (docs/configuration.md); errors name each bad path.',
    body: RoutingFileSchema,
    errors: [422],
  },
  'POST /admin/routing/config/file': {
    tag: 'admin',
    summary: 'Applies a routing file by name from the engine’s --config-dir (409 when none is configured).',
    body: FileBody,
    errors: [409, 422],
  },
  'GET /admin/routing/config': { tag: 'admin', summary: 'The routing file as applied, and its resolved form.' },
  'GET /admin/queues/:queueId': { tag: 'admin', summary: "A queue's waiting interactions and counters." },
  'GET /reports/queues': {
    tag: 'reports',
    summary: 'Queue intervals: offered, answered, abandoned, SL %, ASA, AHT … (JSON, or CSV by Accept or format=csv).',
    query: ReportQuerySchema,
    errors: [503],
  },
  'GET /reports/agents': {
    tag: 'reports',
    summary: 'Agent intervals: answered, handle and wrap-up time, alerts, RONA, time per presence and reason.',
    query: ReportQuerySchema,
    errors: [503],
  },
  'GET /reports/wrapup-codes': {
    tag: 'reports',
    summary: 'Wrap-up codes per queue and interval: count and wrap-up time.',
    query: ReportQuerySchema,
    errors: [503],
  },
  'GET /reports/realtime/queues': {
    tag: 'reports',
    summary: 'Queue boards now: waiting, longest wait, offering, connected, wrap-up, agents by presence, SL %.',
    query: BoardQuery,
    errors: [503],
  },
  'GET /reports/realtime/agents': {
    tag: 'reports',
    summary: 'Agent boards now: presence and reason with time in it, interactions per media, free capacity.',
    query: BoardQuery,
    errors: [503],
  },
  'GET /reports/realtime/events': {
    tag: 'reports',
    summary: 'Board updates as server-sent events: a snapshot, then a queue or agent event per change.',
    query: BoardQuery,
    stream: true,
    errors: [503],
  },
  'POST /agents/:agentId/login': { tag: 'agents', summary: 'Logs the agent in (available).', errors: REFUSALS },
  'POST /agents/:agentId/logout': { tag: 'agents', summary: 'Logs the agent out.', errors: REFUSALS },
  'POST /agents/:agentId/presence': {
    tag: 'agents',
    summary: 'Sets presence: available, not_ready (with a configured reason) or offline.',
    body: PresenceBody,
    errors: REFUSALS,
  },
  'GET /agents/:agentId': { tag: 'agents', summary: "The agent's presence, offers and interactions." },
  'GET /agents/:agentId/events': {
    tag: 'agents',
    summary: "The agent's live feed (server-sent events: offer, message, typing, status, …).",
    stream: true,
  },
  'POST /agents/:agentId/offers/:offerId/accept': { tag: 'agents', summary: 'Accepts an offer.', errors: REFUSALS },
  'POST /agents/:agentId/offers/:offerId/decline': { tag: 'agents', summary: 'Declines an offer.', errors: REFUSALS },
  'POST /agents/:agentId/interactions/:interactionId/end': {
    tag: 'agents',
    summary: 'Ends the interaction (wrap-up follows per the queue).',
    errors: REFUSALS,
  },
  'POST /agents/:agentId/interactions/:interactionId/wrapup': {
    tag: 'agents',
    summary: 'Gives the wrap-up code (wrapup_code_required when the queue makes it mandatory).',
    body: WrapupBody,
    errors: REFUSALS,
  },
  'POST /agents/:agentId/interactions/:interactionId/transfer': {
    tag: 'agents',
    summary: 'Transfers to a queue or an agent.',
    body: TransferBody,
    errors: REFUSALS,
  },
  'POST /agents/:agentId/interactions/:interactionId/messages': {
    tag: 'agents',
    summary: "Sends a message to the customer through the channel's reply policy (text, canned, template, media).",
    body: SendBody,
    errors: REFUSALS,
  },
  'GET /agents/:agentId/interactions/:interactionId/history': {
    tag: 'agents',
    summary: "The customer's history across channels, as the agent handling it sees it.",
    query: Paging,
  },
  'GET /agents/:agentId/workspace': {
    tag: 'workspace',
    summary: 'What the workspace starts with: codes, canned responses, templates, queues and agents, the clock.',
    errors: [503],
  },
  'GET /agents/:agentId/interactions/:interactionId': {
    tag: 'workspace',
    summary: 'An interaction as the agent knows it: contact, reply-window state, wrap-up deadline.',
  },
  'GET /agents/:agentId/interactions/:interactionId/timeline': {
    tag: 'workspace',
    summary: "The contact's history across channels, newest page first (for a transcript that scrolls back).",
    query: TimelineQuery,
  },
  'POST /agents/:agentId/interactions/:interactionId/typing': {
    tag: 'workspace',
    summary: 'Tells the customer the agent is typing (NATS core; nothing is kept).',
    body: TypingBody,
    ok: [202],
    errors: [409],
  },
  'GET /clock': { tag: 'workspace', summary: "The engine's now, and whether the clock is virtual." },
  'POST /media': {
    tag: 'workspace',
    summary: 'Uploads an attachment (the raw bytes, with its Content-Type); answers its id and public URL.',
    ok: [201],
    errors: [415],
  },
  'GET /media/:id': { tag: 'workspace', summary: 'An attachment, by id (public: platforms fetch it).' },
  'GET /routing/canned-responses': { tag: 'agents', summary: 'The canned responses library.' },
  'GET /routing/wrapup-codes': { tag: 'agents', summary: 'The wrap-up codes.' },
  'GET /conversations/:key': {
    tag: 'conversations',
    summary: 'A conversation (key <channel>:<integrationId>:<channelUserId>): window, interaction, contact.',
  },
  'GET /conversations/:key/history': { tag: 'conversations', summary: "A conversation's history.", query: Paging },
  'POST /conversations/:key/replies': {
    tag: 'conversations',
    summary: 'Replies as the connected agent (or as the system with an admin key).',
    body: ReplyBody,
    errors: REFUSALS,
  },
  'POST /conversations/:key/consent': {
    tag: 'conversations',
    summary: "Records the customer's opt-in for business-initiated messages.",
    body: ConsentBody,
    errors: REFUSALS,
  },
  'GET /contacts/:id': { tag: 'contacts', summary: 'A contact and its linked conversations.' },
  'GET /contacts/:id/history': { tag: 'contacts', summary: "A contact's history across channels.", query: Paging },
  'POST /contacts/:id/links': {
    tag: 'contacts',
    summary: 'Links a conversation, or a verified phone or email, to the contact.',
    body: LinkBody,
    errors: REFUSALS,
  },
  'POST /outbound/messages': {
    tag: 'outbound',
    summary:
      "Sends a business-initiated message to one recipient (a conversation, a contact, or a channel address), checked by the channel's policy: template_required, opt_in_required, opted_out, unknown_contact … (422), duplicate_request (409). 200 on a dry run.",
    body: OutboundBody,
    ok: [200, 201],
    errors: REFUSALS,
  },
  'POST /outbound/messages/batch': {
    tag: 'outbound',
    summary:
      "Sends one business-initiated message to up to 1,000 recipients; every recipient is answered once, in order, with accepted, refused (and its reason code) or duplicate. Accepted messages are queued and go out at the integration's rate.",
    body: OutboundBatchBody,
  },
};

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'A reason code, e.g. template_required.' },
        message: { type: 'string', description: 'A sentence saying what is wrong and how to fix it.' },
      },
    },
  },
};

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad input: invalid_json or invalid_body with the path of the bad field.',
  401: 'unauthenticated: no credential, or an expired or invalid one.',
  403: 'forbidden: the credential lacks the role or scope named in the message.',
  404: 'Not found (unknown agent, queue, offer, conversation, …).',
  409: 'Refused by the actor: the reason code says why (e.g. offer_not_found, reply_window_closed).',
  413: 'body_too_large.',
  422: 'Refused as invalid for this state or configuration (e.g. wrapup_code_required, config_invalid).',
  415: 'media_type_unsupported: the attachment type cannot be sent; the message lists the ones that can.',
  429: 'rate_limited: retry later.',
  503: 'Not ready, or a partition or the clock is unavailable for now.',
};

const jsonSchema = (s: z.ZodType) =>
  z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

/** The OpenAPI 3.1 document of the engine. */
export function engineOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, op] of Object.entries(OPERATIONS)) {
    const [method, path] = key.split(' ') as [string, string];
    const rule = ROUTE_RULES[key];
    const params = [...path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const query = op.query
      ? Object.entries((jsonSchema(op.query).properties ?? {}) as Record<string, unknown>).map(([name, schema]) => ({
          name,
          in: 'query',
          required: false,
          schema,
        }))
      : [];
    const responses: Record<string, unknown> = {};
    for (const code of op.ok ?? [200])
      responses[String(code)] = {
        description: op.stream ? 'A text/event-stream of live events.' : 'Success.',
        content: op.stream
          ? { 'text/event-stream': { schema: { type: 'string' } } }
          : op.text
            ? { [op.text]: { schema: { type: 'string' } } }
            : { 'application/json': { schema: { type: 'object' } } },
      };
    const errors = new Set([400, 404, 413, ...(op.errors ?? [])]);
    if (rule?.allow !== 'public') {
      errors.add(401);
      errors.add(403);
    }
    for (const code of [...errors].sort())
      responses[String(code)] = {
        description: ERROR_TEXT[code] ?? 'Error.',
        // /readyz answers its readiness report, not an error object.
        content: {
          'application/json': {
            schema: key === 'GET /readyz' ? { type: 'object' } : { $ref: '#/components/schemas/Error' },
          },
        },
      };
    const openPath = path.replace(/:(\w+)/g, '{$1}');
    paths[openPath] ??= {};
    paths[openPath][method.toLowerCase()] = {
      tags: [op.tag],
      summary: op.summary,
      operationId: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
      ...(rule?.allow === 'public'
        ? { security: [] }
        : { description: `Needs ${rule ? describeRule(rule) : 'role admin'}.` }),
      parameters: [...params, ...query],
      ...(op.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard engine API',
      version: '0.1.0',
      description:
        'Agents, supervisors and operators of a Switchboard engine. Errors are {"error":{"code","message"}}.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { cookie: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (sbk.…) or a session token.' },
        cookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'sb_session',
          description: 'The session cookie from /auth/login.',
        },
      },
      schemas: { Error: ERROR_SCHEMA },
    },
    paths,
  };
}

/** Serves GET /openapi.json (open: it describes, it grants nothing). */
export function openApiRoutes(): Hono {
  const app = new Hono();
  let doc: Record<string, unknown> | undefined;
  app.get('/openapi.json', (c) => {
    doc ??= engineOpenApi();
    return c.json(doc);
  });
  return app;
}
