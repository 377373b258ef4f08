/**
 * The agent API: log in/out, presence, a live feed of offers and customer messages (SSE),
 * accept/decline, send (through the conversation actor's channel policy, canned responses
 * filled in), transfer, end, wrap up, and the contact's history. Every refusal is JSON with a code.
 */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { DeliverResult } from '../../actors/types.js';
import type { AgentContext } from '../../machines/agent-logic.js';
import { own } from '../../machines/routing-config.js';
import type { RespondParams } from '../../protocol/effects.js';
import type { ActorEvent } from '../../protocol/actor.js';
import { mapRichTexts } from '../../protocol/rich.js';
import { routingHolderOf, type RoutingConfigHolder } from '../config/routing.js';
import type { Engine } from '../engine.js';
import { liveStream } from '../live.js';
import { conversationRoutes } from './conversations.js';
import { ApiError, parseBody } from './errors.js';
import { RichMessageSchema } from './rich-schema.js';
import { agentFeedFollow } from './workspace.js';

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;
export const PresenceBody = z
  .object({ presence: z.enum(['available', 'not_ready', 'offline']), reason: z.string().min(1).optional() })
  .strict();
export const TransferBody = z
  .object({ queueId: z.string().min(1).optional(), agentId: z.string().min(1).optional() })
  .strict()
  .refine((b) => !!b.queueId !== !!b.agentId, 'give exactly one of queueId or agentId');
// A missing code is not a schema error: the route answers `wrapup_code_required` with the codes to use.
export const WrapupBody = z.object({ code: z.string().nullish() }).strict();
export const SendBody = z
  .object({
    requestId: z
      .string()
      .regex(/^[\w.:-]{1,200}$/)
      .optional(),
    kind: z.enum(['text', 'template', 'media', 'rich']).default('text'),
    text: z.string().min(1).optional(),
    /** `kind: 'rich'` (or a canned response holding one): quick replies, buttons, a list, a carousel, a picker. */
    rich: RichMessageSchema.optional(),
    cannedResponseId: z.string().min(1).optional(),
    params: z.record(z.string(), z.string()).optional(),
    template: z
      .object({ name: z.string().min(1), language: z.string().min(1), params: z.array(z.string()).optional() })
      .strict()
      .optional(),
    media: z
      .array(
        z
          .object({
            url: z.string().url().optional(),
            id: z.string().optional(),
            mimeType: z.string().optional(),
            caption: z.string().optional(),
            filename: z.string().max(255).optional(),
          })
          .strict(),
      )
      .min(1)
      .optional(),
    tag: z.string().optional(),
    /** Public posts: answer on the post (default) or move to a private message. */
    visibility: z.enum(['public', 'private']).optional(),
  })
  .strict();

/** Status codes for refusal reason codes. */
const STATUS: Record<string, ContentfulStatusCode> = {
  unknown_agent: 404,
  unknown_queue: 404,
  offer_not_found: 404,
  canned_response_not_found: 404,
  presence_invalid: 422,
  reason_invalid: 422,
  wrapup_code_invalid: 422,
  wrapup_code_required: 422,
  transfer_target_invalid: 422,
  text_required: 422,
  rich_required: 422,
};

/** Turns an actor's answer into JSON: 200 with data, or the refusal with its code. */
export function answer(c: Context, r: DeliverResult, refusalStatus: ContentfulStatusCode = 409): Response {
  if (r.status === 'rejected') throw new ApiError(422, r.code, r.message);
  if (r.status !== 'applied') throw new ApiError(409, 'duplicate_request', 'this request id was already applied');
  const res: RespondParams | undefined = r.responses[0];
  if (!res) return c.json({ ok: true });
  if (!res.ok)
    throw new ApiError(
      (res.code && own(STATUS, res.code)) || refusalStatus,
      res.code ?? 'refused',
      res.message ?? 'refused',
    );
  return c.json({ ok: true, ...(res.data ?? {}) });
}

/** Mounts the agent API. */
export function agentRoutes(engine: Engine): Hono {
  const app = new Hono();
  const holder = (): RoutingConfigHolder => {
    const h = routingHolderOf(engine.options.actorTypes);
    if (!h) throw new ApiError(503, 'routing_not_hosted', 'this engine does not host the routing actors');
    return h;
  };
  let seq = 0;
  const requestId = (c: Context, what: string) =>
    c.req.header('idempotency-key') ?? `api:${what}:${engine.clock.now()}:${process.pid}:${++seq}`;
  const agentId = (c: Context): string => {
    const id = c.req.param('agentId') ?? '';
    if (!TOKEN.test(id))
      throw new ApiError(400, 'invalid_agent_id', `agent id "${id}" must be 1–64 letters, digits, _ or -`);
    if (!own(holder().config().agents, id))
      throw new ApiError(404, 'unknown_agent', `agent "${id}" is not in the routing configuration`);
    return id;
  };
  const toAgent = (c: Context, id: string, event: ActorEvent) =>
    engine.host.send({ type: 'agent', key: id }, event, requestId(c, `${id}:${event.type}`));
  const state = (id: string): AgentContext | undefined =>
    engine.host.read({ type: 'agent', key: id })?.context as AgentContext | undefined;
  /** Remembers that the agent accepted an interaction of this conversation (it may read its history later). */
  const grantAccess = async (agentId: string, interactionId: string, conversationKey: string) => {
    const r = await engine.host
      .send(
        { type: 'access', key: conversationKey },
        { type: 'access.granted', agentId, interactionId, at: engine.clock.now() },
        `access:${conversationKey}:${interactionId}:${agentId}`,
      )
      .catch((err: unknown) => ({ status: 'rejected', code: 'error', message: String(err) }) as const);
    if (r.status === 'rejected')
      engine.log?.warn({ agentId, conversationKey, reason: r.message }, 'access grant not recorded');
  };
  /** The refusal of a wrap-up without a code, naming the queue's wrap-up mode and the codes to choose from. */
  const wrapupCodeRequired = (id: string, interactionId: string): ApiError => {
    const s = state(id);
    const queueId = s && (own(s.interactions, interactionId) ?? own(s.pendingWrapups, interactionId))?.queueId;
    const cfg = holder().config();
    const queue = queueId !== undefined ? own(cfg.queues, queueId) : undefined;
    const codes = cfg.wrapupCodes.join(', ');
    const message =
      queue?.acw.mode === 'mandatory'
        ? `wrap-up of interaction ${interactionId} is mandatory in queue ${queue.id}: send {"code": "<code>"} with one of: ${codes}`
        : `a wrap-up needs a code: send {"code": "<code>"} with one of: ${codes}`;
    return new ApiError(422, 'wrapup_code_required', message);
  };
  const connected = (id: string, interactionId: string) => {
    const s = state(id);
    const it = s && own(s.interactions, interactionId);
    if (it?.stage !== 'connected')
      throw new ApiError(409, 'not_connected', `agent ${id} is not connected to interaction ${interactionId}`);
    return it;
  };

  app.post('/agents/:agentId/login', async (c) => answer(c, await toAgent(c, agentId(c), { type: 'agent.logged_in' })));
  app.post('/agents/:agentId/logout', async (c) =>
    answer(c, await toAgent(c, agentId(c), { type: 'agent.logged_out' })),
  );
  app.post('/agents/:agentId/presence', async (c) => {
    const id = agentId(c);
    const b = await parseBody(c, PresenceBody);
    return answer(c, await toAgent(c, id, { type: 'agent.presence_changed', ...b }));
  });
  app.get('/agents/:agentId', (c) => {
    const id = agentId(c);
    const s = state(id);
    return c.json({
      agentId: id,
      presence: s?.presence ?? 'offline',
      reason: s?.reason,
      offers: Object.values(s?.offers ?? {}),
      interactions: Object.values(s?.interactions ?? {}),
      pendingWrapups: s?.pendingWrapups ?? {},
      stats: s?.stats,
    });
  });
  app.get('/agents/:agentId/events', (c) => {
    const id = agentId(c);
    const s = state(id);
    // The feed also carries the held conversations' history entries, delivery statuses and typing.
    return liveStream(
      c,
      engine.nc,
      `agent.${id}`,
      {
        kind: 'snapshot',
        presence: s?.presence ?? 'offline',
        reason: s?.reason,
        offers: Object.values(s?.offers ?? {}),
        interactions: Object.values(s?.interactions ?? {}),
        pendingWrapups: s?.pendingWrapups ?? {},
        now: engine.clock.now(),
      },
      agentFeedFollow(s),
    );
  });
  app.post('/agents/:agentId/offers/:offerId/accept', async (c) => {
    const id = agentId(c);
    const r = await toAgent(c, id, { type: 'agent.offer_accepted', offerId: c.req.param('offerId') });
    const res = answer(c, r);
    if (r.status === 'applied' && r.responses[0]?.ok) {
      const d = r.responses[0].data as { interactionId: string; conversationKey: string };
      await grantAccess(id, d.interactionId, d.conversationKey);
      return c.json({ ok: true, ...d, history: `/agents/${id}/interactions/${d.interactionId}/history` });
    }
    return res;
  });
  app.post('/agents/:agentId/offers/:offerId/decline', async (c) =>
    answer(c, await toAgent(c, agentId(c), { type: 'agent.offer_declined', offerId: c.req.param('offerId') })),
  );
  app.post('/agents/:agentId/interactions/:interactionId/end', async (c) =>
    answer(
      c,
      await toAgent(c, agentId(c), { type: 'agent.interaction_ended', interactionId: c.req.param('interactionId') }),
    ),
  );
  app.post('/agents/:agentId/interactions/:interactionId/wrapup', async (c) => {
    const id = agentId(c);
    const interactionId = c.req.param('interactionId');
    // No body, `{}`, `{"code": ""}` and `{"code": null}` all mean "no code".
    const b = await parseBody(c, WrapupBody, { emptyIsObject: true });
    if (!b.code) throw wrapupCodeRequired(id, interactionId);
    return answer(c, await toAgent(c, id, { type: 'agent.wrapup_submitted', interactionId, code: b.code }));
  });
  app.post('/agents/:agentId/interactions/:interactionId/transfer', async (c) => {
    const id = agentId(c);
    const b = await parseBody(c, TransferBody);
    return answer(
      c,
      await toAgent(c, id, {
        type: 'agent.transfer_requested',
        interactionId: c.req.param('interactionId'),
        target: b,
      }),
    );
  });
  app.post('/agents/:agentId/interactions/:interactionId/messages', async (c) => {
    const id = agentId(c);
    const interactionId = c.req.param('interactionId');
    const b = await parseBody(c, SendBody);
    const it = connected(id, interactionId);
    let text = b.text;
    let kind = b.kind;
    let rich = b.rich;
    if (b.cannedResponseId) {
      const canned = own(holder().config().cannedResponses, b.cannedResponseId);
      if (!canned) throw new ApiError(404, 'canned_response_not_found', `no canned response "${b.cannedResponseId}"`);
      const fill = (t: string) => t.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => b.params?.[k] ?? '');
      if (canned.rich) {
        // A canned rich message: its labels take the same {{params}} as a canned text.
        kind = 'rich';
        rich = mapRichTexts(canned.rich, fill);
      } else text = fill(canned.text ?? '');
    }
    if (kind === 'text' && !text)
      throw new ApiError(422, 'text_required', 'a text message needs text or cannedResponseId');
    if (kind === 'rich' && !rich)
      throw new ApiError(422, 'rich_required', 'a rich message needs rich or a cannedResponseId holding one');
    const event = {
      type: 'reply.requested',
      requestId: b.requestId ?? requestId(c, `${id}:reply`),
      interactionId,
      sender: { kind: 'agent', agentId: id },
      kind,
      text,
      ...(rich ? { rich } : {}),
      template: b.template,
      media: b.media,
      tag: b.tag,
      ...(b.visibility ? { visibility: b.visibility } : {}),
    };
    const r = await engine.host.send(
      { type: 'conversation', key: it.conversationKey },
      event,
      `reply:${event.requestId}`,
    );
    return answer(c, r, 409);
  });
  app.get('/agents/:agentId/interactions/:interactionId/history', async (c) => {
    const id = agentId(c);
    const interactionId = c.req.param('interactionId');
    const s = state(id);
    const key =
      (s && own(s.interactions, interactionId)?.conversationKey) ??
      Object.values(s?.offers ?? {}).find((o) => o.interactionId === interactionId)?.conversationKey ??
      (
        engine.host.read({ type: 'interaction', key: interactionId })?.context as
          | { conversationKey?: string }
          | undefined
      )?.conversationKey;
    if (!key)
      throw new ApiError(404, 'interaction_not_found', `no interaction ${interactionId} is known to agent ${id}`);
    const q = new URL(c.req.url).search;
    return conversationRoutes(engine).request(`/conversations/${encodeURIComponent(key)}/history${q}`);
  });
  app.get('/routing/canned-responses', (c) =>
    c.json({ cannedResponses: Object.values(holder().config().cannedResponses) }),
  );
  app.get('/routing/wrapup-codes', (c) =>
    c.json({ wrapupCodes: holder().config().wrapupCodes, notReadyReasons: holder().config().notReadyReasons }),
  );
  return app;
}
