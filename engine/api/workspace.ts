/**
 * What the agent workspace needs beyond the agent API: one bootstrap read (codes, canned
 * responses, templates, queues and agents to transfer to, the engine's clock), an interaction's
 * details (contact, reply-window state, wrap-up deadline), the contact's cross-channel history
 * read backwards for infinite scroll, typing indicators, and media uploads for attachments.
 * The agent's live feed also follows the conversations it holds (`agentFeedFollow`).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AgentContext } from '../../machines/agent-logic.js';
import type { ChannelPolicy } from '../../machines/channel-policies.js';
import type { ContactContext } from '../../machines/contact.machine.js';
import { conversationTopic, convIdOf, parseConversationKey } from '../../machines/conversation-ids.js';
import type { ConversationContext } from '../../machines/conversation-threading.js';
import type { InteractionContext } from '../../machines/interaction.machine.js';
import type { WindowPhase } from '../../machines/reply-policy.js';
import { summarizeWindow } from '../../machines/reply-window-summary.js';
import { conversationOfTypingSubject, subjects } from '../../protocol/subjects.js';
import { encode } from '../../protocol/wire.js';
import { routingHolderOf, type RoutingConfigHolder } from '../config/routing.js';
import type { Engine } from '../engine.js';
import { contactHistoryBackward, decodeCursor, encodeCursor } from '../history-read.js';
import type { LiveFollow } from '../live.js';
import { ApiError } from './errors.js';

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;
/** Largest attachment accepted (WhatsApp's image limit). */
export const MEDIA_MAX_BYTES = 5 * 1024 * 1024;
/** Media types an agent may attach, with the file extension they are stored under. */
export const MEDIA_TYPES: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
  'application/pdf': 'pdf',
};
const MEDIA_ID = /^([0-9a-f]{32})\.([a-z0-9]{2,4})$/;
export const TypingBody = z.object({ on: z.boolean().default(true) }).strict();
/** A page of the transcript read backwards: `before` is the previous page's `next`. */
export const TimelineQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(30),
  before: z.string().optional(),
});

/** The subjects an agent's feed follows for one conversation: its history/status topic and typing. */
export function conversationSubjects(conversationKey: string): string[] {
  return [subjects.live(conversationTopic(convIdOf(conversationKey))), subjects.typing(conversationKey)];
}

/**
 * What an agent's feed follows besides its own topic: the conversations of its offers and
 * interactions, kept up to date from the agent's own events (offer, accepted, removed, wrapped up).
 */
export function agentFeedFollow(state: AgentContext | undefined): LiveFollow {
  const held = new Map<string, string>();
  for (const o of Object.values(state?.offers ?? {})) held.set(o.interactionId, o.conversationKey);
  for (const it of Object.values(state?.interactions ?? {})) held.set(it.interactionId, it.conversationKey);
  const wanted = () => [...new Set(held.values())].flatMap(conversationSubjects);
  return {
    initial: wanted(),
    next(data) {
      const iid = typeof data.interactionId === 'string' ? data.interactionId : undefined;
      if (!iid) return undefined;
      if (data.kind === 'offer' && typeof data.conversationKey === 'string') held.set(iid, data.conversationKey);
      else if (data.kind === 'offer_closed' && data.outcome !== 'accepted') held.delete(iid);
      else if (data.kind === 'interaction_removed' || data.kind === 'wrapped_up') held.delete(iid);
      else return undefined;
      return wanted();
    },
    map(subject, data) {
      const key = conversationOfTypingSubject(subject);
      if (key === undefined) return data;
      // The agent's own typing goes to the customer, not back to the agent.
      if (data.from !== 'customer') return undefined;
      return { kind: 'typing', conversationKey: key, on: data.on !== false };
    },
  };
}

/** The workspace routes. */
export function workspaceRoutes(engine: Engine): Hono {
  const app = new Hono();
  const holder = (): RoutingConfigHolder => {
    const h = routingHolderOf(engine.options.actorTypes);
    if (!h) throw new ApiError(503, 'routing_not_hosted', 'this engine does not host the routing actors');
    return h;
  };
  const agentId = (c: Context): string => {
    const id = c.req.param('agentId') ?? '';
    if (!TOKEN.test(id))
      throw new ApiError(400, 'invalid_agent_id', `agent id "${id}" must be 1–64 letters, digits, _ or -`);
    if (!Object.hasOwn(holder().config().agents, id))
      throw new ApiError(404, 'unknown_agent', `agent "${id}" is not in the routing configuration`);
    return id;
  };
  const agentState = (id: string) => engine.host.read({ type: 'agent', key: id })?.context as AgentContext | undefined;
  const clock = () => ({ now: engine.clock.now(), virtual: !!engine.virtualClock });

  /** The interaction as this agent knows it (offered, held, waiting for a code, or held before); 404 otherwise. */
  const interactionOf = (id: string, interactionId: string) => {
    const s = agentState(id);
    const held = s?.interactions[interactionId];
    const offer = Object.values(s?.offers ?? {}).find((o) => o.interactionId === interactionId);
    const ix = engine.host.read({ type: 'interaction', key: interactionId })?.context as InteractionContext | undefined;
    const pending = s?.pendingWrapups[interactionId];
    const key = held?.conversationKey ?? offer?.conversationKey ?? ix?.conversationKey;
    const known = held || offer || pending || ix?.agentId === id || ix?.lastAgentId === id;
    if (!key || !known)
      throw new ApiError(404, 'interaction_not_found', `no interaction ${interactionId} is known to agent ${id}`);
    return { key, held, offer, pending, ix };
  };

  app.get('/clock', (c) => c.json(clock()));

  app.get('/agents/:agentId/workspace', (c) => {
    const id = agentId(c);
    const cfg = holder().config();
    const s = agentState(id);
    const me = cfg.agents[id]!;
    return c.json({
      agent: { id, name: me.name, queues: me.queues, skills: me.skills },
      presence: s?.presence ?? 'offline',
      reason: s?.reason ?? null,
      presenceSince: s?.presenceSince ?? null,
      notReadyReasons: cfg.notReadyReasons.filter((r) => r !== 'RONA'),
      wrapupCodes: cfg.wrapupCodes,
      cannedResponses: Object.values(cfg.cannedResponses),
      templates: cfg.templates,
      queues: Object.values(cfg.queues).map((q) => ({
        id: q.id,
        name: q.name,
        alertSound: !!q.alertSound,
        acw: q.acw,
        alertingTimeoutSeconds: q.alertingTimeoutSeconds,
      })),
      agents: Object.values(cfg.agents)
        .filter((a) => a.id !== id)
        .map((a) => ({ id: a.id, name: a.name, presence: agentState(a.id)?.presence ?? 'offline' })),
      ...clock(),
    });
  });

  app.get('/agents/:agentId/interactions/:interactionId', (c) => {
    const id = agentId(c);
    const interactionId = c.req.param('interactionId');
    const { key, held, offer, pending, ix } = interactionOf(id, interactionId);
    const conv = engine.host.read({ type: 'conversation', key });
    const ctx = conv?.context as (ConversationContext & { policy: ChannelPolicy }) | undefined;
    const phase = (conv?.value as { window?: WindowPhase } | undefined)?.window;
    const contactId = ctx?.contactId ?? ix?.contactId;
    const contact = contactId
      ? (engine.host.read({ type: 'contact', key: contactId })?.context as ContactContext | undefined)
      : undefined;
    const parsed = parseConversationKey(key);
    const queueId = held?.queueId ?? offer?.queueId ?? pending?.queueId ?? ix?.queueId;
    const queue = queueId ? holder().config().queues[queueId] : undefined;
    const stage = held?.stage ?? (offer ? 'alerting' : pending ? 'wrapup_optional' : 'ended');
    const wrapupSince = held?.stage === 'wrapup' ? held.since : pending?.since;
    return c.json({
      interactionId,
      conversationKey: key,
      channel: parsed?.channel,
      integrationId: parsed?.integrationId,
      queue: queue ? { id: queue.id, name: queue.name } : null,
      stage,
      since: held?.since ?? offer?.at ?? null,
      contact: {
        id: contactId ?? null,
        displayName: contact?.displayName ?? null,
        identities: (contact?.identities ?? []).map((i) => ({
          channel: i.channel,
          conversationKey: i.conversationKey,
        })),
        verified: contact?.verified ?? [],
      },
      window: ctx && phase ? summarizeWindow(phase, ctx.window, ctx.policy, engine.clock.now()) : null,
      maxLength: ctx?.policy.length ?? null,
      wrapup:
        stage === 'wrapup' || stage === 'wrapup_optional'
          ? {
              mode: queue?.acw.mode ?? 'optional',
              ...(queue?.acw.mode === 'timeboxed' && wrapupSince !== undefined
                ? { deadlineAt: wrapupSince + queue.acw.timeoutSeconds * 1_000, defaultCode: queue.acw.defaultCode }
                : {}),
            }
          : null,
      ...clock(),
    });
  });

  app.get('/agents/:agentId/interactions/:interactionId/timeline', (c) => {
    const id = agentId(c);
    const { key, ix } = interactionOf(id, c.req.param('interactionId'));
    const q = TimelineQuery.safeParse(c.req.query());
    if (!q.success) throw new ApiError(400, 'invalid_query', 'limit must be an integer 1–200');
    const cursor = decodeCursor(c.req.query('before'));
    if (cursor === undefined)
      throw new ApiError(400, 'invalid_cursor', 'before must be the "next" value of a previous page');
    const conv = engine.host.read({ type: 'conversation', key })?.context as ConversationContext | undefined;
    const contactId = conv?.contactId ?? ix?.contactId;
    const contact = contactId
      ? (engine.host.read({ type: 'contact', key: contactId })?.context as ContactContext | undefined)
      : undefined;
    const keys = [...new Set([key, ...(contact?.identities ?? []).map((i) => i.conversationKey)])];
    const { entries, positions, more } = contactHistoryBackward(engine.host, keys, cursor, q.data.limit);
    return c.json({
      contactId: contactId ?? null,
      conversations: keys,
      // Oldest first within the page, as a transcript reads; `next` pages further back.
      entries: entries.reverse(),
      next: more ? encodeCursor(positions) : null,
    });
  });

  app.post('/agents/:agentId/interactions/:interactionId/typing', async (c) => {
    const id = agentId(c);
    const { key, held } = interactionOf(id, c.req.param('interactionId'));
    if (held?.stage !== 'connected')
      throw new ApiError(409, 'not_connected', `agent ${id} is not connected to this interaction`);
    const parsed = TypingBody.safeParse(await c.req.json().catch(() => ({})));
    if (!parsed.success) throw new ApiError(400, 'invalid_body', 'send {"on": true|false}');
    engine.nc.publish(subjects.typing(key), encode({ from: 'agent', agentId: id, on: parsed.data.on }));
    return c.json({ ok: true }, 202);
  });

  const mediaDir = join(engine.options.dataDir, 'media');
  app.post('/media', async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const ext = Object.hasOwn(MEDIA_TYPES, type) ? MEDIA_TYPES[type] : undefined;
    if (!ext)
      throw new ApiError(
        415,
        'media_type_unsupported',
        `"${type || 'no content-type'}" cannot be attached; use one of ${Object.keys(MEDIA_TYPES).join(', ')}`,
      );
    if (Number(c.req.header('content-length') ?? 0) > MEDIA_MAX_BYTES)
      throw new ApiError(413, 'body_too_large', `an attachment is limited to ${MEDIA_MAX_BYTES / 1024 / 1024} MB`);
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > MEDIA_MAX_BYTES)
      throw new ApiError(413, 'body_too_large', `an attachment is limited to ${MEDIA_MAX_BYTES / 1024 / 1024} MB`);
    if (bytes.byteLength === 0) throw new ApiError(400, 'media_empty', 'the attachment is empty');
    const id = `${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}.${ext}`;
    await mkdir(mediaDir, { recursive: true });
    await writeFile(join(mediaDir, id), bytes);
    // The platform fetches the file: the address is the one the browser reached the engine at.
    const url = `${new URL(c.req.url).origin}/media/${id}`;
    return c.json({ id, url, mimeType: type, size: bytes.byteLength }, 201);
  });
  app.get('/media/:id', async (c) => {
    const m = MEDIA_ID.exec(c.req.param('id'));
    const type = m ? Object.entries(MEDIA_TYPES).find(([, e]) => e === m[2])?.[0] : undefined;
    const file = m && type ? join(mediaDir, c.req.param('id')) : undefined;
    const s = file ? await stat(file).catch(() => undefined) : undefined;
    if (!file || !s?.isFile()) throw new ApiError(404, 'media_not_found', 'no such attachment');
    return c.body(new Uint8Array(await readFile(file)), 200, {
      'content-type': type!,
      'x-content-type-options': 'nosniff',
      'cache-control': 'public, max-age=31536000, immutable',
      'content-security-policy': "default-src 'none'; sandbox",
    });
  });

  return app;
}
