/**
 * Conversations over HTTP: read a conversation and its paged history, ask for a reply (checked
 * by the channel's policy; refusals carry the reason code), record consent, read contacts and
 * their cross-channel history, and link identities explicitly.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { DeliverResult } from '../../actors/types.js';
import type { ActorEvent, ActorRef } from '../../protocol/actor.js';
import { parseConversationKey } from '../../machines/conversation-ids.js';
import type { Engine } from '../engine.js';
import { principalOf } from '../auth/middleware.js';
import { isPerson } from '../auth/principal.js';
import { ApiError, parseBody } from './errors.js';
import { messageFields, RequestId } from './message-schema.js';
import { conversationConfigOf, phoneRegion } from '../config/conversation.js';
import { normalizePhone } from '../phone.js';
import { contactHistory, conversationHistory, decodeCursor, encodeCursor } from '../history-read.js';

export const ReplyBody = z
  .object({
    requestId: RequestId,
    interactionId: z.string().optional(),
    agentId: z.string().min(1).optional(),
    ...messageFields,
    tag: z.string().optional(),
    visibility: z.enum(['public', 'private']).optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();

export const ConsentBody = z.object({ optedIn: z.boolean() }).strict();
export const LinkBody = z.union([
  z.object({ conversationKey: z.string().min(1) }).strict(),
  z.object({ kind: z.enum(['phone', 'email']), value: z.string().min(3), verified: z.literal(true) }).strict(),
]);
export const Paging = z.object({
  from: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

function conversationRef(key: string): ActorRef {
  if (!parseConversationKey(key)) {
    throw new ApiError(
      400,
      'invalid_conversation_key',
      `"${key}" is not <channel>:<integrationId>:<channelUserId> with a known channel`,
    );
  }
  return { type: 'conversation', key };
}

function rejected(r: DeliverResult): never {
  if (r.status === 'rejected') throw new ApiError(422, r.code, r.message);
  throw new ApiError(
    409,
    'duplicate_request',
    'this request id was already applied; read the history for its messages',
  );
}

let seqNo = 0;
/** Event ids for API calls without a caller id: unique per process and time. */
function apiId(engine: Engine, what: string): string {
  return `api:${what}:${engine.clock.now()}:${process.pid}:${++seqNo}`;
}

/** The conversation and contact routes. */
export function conversationRoutes(engine: Engine): Hono {
  const app = new Hono();

  app.get('/conversations/:key', (c) => {
    const ref = conversationRef(c.req.param('key'));
    const snap = engine.host.read(ref);
    if (!snap)
      throw new ApiError(
        404,
        'conversation_not_found',
        `no conversation "${ref.key}" exists yet; it starts with the customer's first message`,
      );
    const ctx = snap.context as Record<string, unknown> & { window: unknown; policy: { channel: string } };
    return c.json({
      conversationKey: ref.key,
      state: snap.value,
      contactId: ctx.contactId ?? null,
      current: ctx.current ?? null,
      interactions: ctx.interactions,
      messages: ctx.seq,
      threadingWindowMs: ctx.threadingWindowMs,
      window: ctx.window,
    });
  });

  app.get('/conversations/:key/history', (c) => {
    const ref = conversationRef(c.req.param('key'));
    const q = Paging.safeParse(c.req.query());
    if (!q.success) throw new ApiError(400, 'invalid_query', 'from must be a non-negative integer and limit 1–200');
    const snap = engine.host.read(ref);
    if (!snap) throw new ApiError(404, 'conversation_not_found', `no conversation "${ref.key}" exists yet`);
    const total = (snap.context as { seq: number }).seq;
    const entries = conversationHistory(engine.host, ref.key, q.data.from, q.data.limit, total);
    // Positions, not sequence numbers: a late customer message is listed where it was sent.
    const after = q.data.from + entries.length;
    const next = entries.length > 0 && after < total ? after : null;
    return c.json({ conversationKey: ref.key, total, entries, next });
  });

  app.post('/conversations/:key/replies', async (c) => {
    const ref = conversationRef(c.req.param('key'));
    const b = await parseBody(c, ReplyBody);
    const { agentId, ...rest } = b;
    // The acting agent is the credential's, never the body's: `agentId` may only repeat it.
    const p = principalOf(c)!;
    const person = isPerson(p);
    if (agentId !== undefined && (!person || agentId !== p.id))
      throw new ApiError(
        403,
        'forbidden',
        person
          ? `agentId must be your own id ("${p.id}") or left out: nobody replies in another agent's name`
          : 'an API key replies as the system: leave agentId out',
      );
    const event: ActorEvent = {
      type: 'reply.requested',
      ...rest,
      sender: person ? { kind: 'agent', agentId: p.id } : { kind: 'system', reason: 'api' },
    };
    const r = await engine.host.send(
      ref,
      event,
      `api:reply:${ref.key}:${b.requestId}${b.dryRun ? `:dry:${apiId(engine, 'x')}` : ''}`,
    );
    if (r.status !== 'applied') rejected(r);
    const res = r.responses[0];
    if (!res) throw new ApiError(500, 'no_response', 'the conversation did not answer the reply request');
    if (!res.ok)
      throw new ApiError(
        res.code === 'invalid_request' ? 400 : 422,
        res.code ?? 'refused',
        res.message ?? 'refused by the channel policy',
      );
    return c.json(res.data ?? {}, b.dryRun ? 200 : 201);
  });

  app.post('/conversations/:key/consent', async (c) => {
    const ref = conversationRef(c.req.param('key'));
    const b = await parseBody(c, ConsentBody);
    const p = parseConversationKey(ref.key)!;
    const r = await engine.host.send(
      ref,
      {
        type: b.optedIn ? 'contact.opted_in' : 'contact.opted_out',
        ...p,
        messageId: apiId(engine, 'consent'),
        at: engine.clock.now(),
      },
      apiId(engine, 'consent'),
    );
    if (r.status !== 'applied') rejected(r);
    return c.json({ conversationKey: ref.key, optedIn: b.optedIn });
  });

  app.get('/contacts/:id', (c) => {
    const id = c.req.param('id');
    const snap = engine.host.read({ type: 'contact', key: id });
    if (!snap) throw new ApiError(404, 'contact_not_found', `no contact "${id}"`);
    return c.json({ contactId: id, ...(snap.context as object) });
  });

  app.get('/contacts/:id/history', (c) => {
    const id = c.req.param('id');
    const snap = engine.host.read({ type: 'contact', key: id });
    if (!snap) throw new ApiError(404, 'contact_not_found', `no contact "${id}"`);
    const limit = Paging.shape.limit.safeParse(c.req.query('limit'));
    if (!limit.success) throw new ApiError(400, 'invalid_query', 'limit must be an integer 1–200');
    const cursor = decodeCursor(c.req.query('cursor'));
    if (cursor === undefined)
      throw new ApiError(400, 'invalid_cursor', 'cursor must be the "next" value of a previous page');
    const keys = (snap.context as { identities: { conversationKey: string }[] }).identities.map(
      (i) => i.conversationKey,
    );
    const { entries, positions, more } = contactHistory(engine.host, keys, cursor, limit.data);
    return c.json({ contactId: id, conversations: keys, entries, next: more ? encodeCursor(positions) : null });
  });

  /** Moves a conversation to `contactId`: the conversation, the contact's identities, and the merge mark on the previous one. */
  const relink = async (contactId: string, conversationKey: string, previous: string | undefined) => {
    const p = parseConversationKey(conversationKey)!;
    await engine.host.send(
      { type: 'conversation', key: conversationKey },
      { type: 'contact.linked', contactId },
      apiId(engine, 'link'),
    );
    await engine.host.send(
      { type: 'contact', key: contactId },
      { type: 'contact.identity_added', identity: { ...p, conversationKey } },
      apiId(engine, 'link'),
    );
    if (previous && previous !== contactId)
      await engine.host.send(
        { type: 'contact', key: previous },
        { type: 'contact.merged', into: contactId },
        apiId(engine, 'link'),
      );
  };

  app.post('/contacts/:id/links', async (c) => {
    const id = c.req.param('id');
    const b = await parseBody(c, LinkBody);
    if ('conversationKey' in b) {
      const ref = conversationRef(b.conversationKey);
      const conv = engine.host.read(ref);
      if (!conv) throw new ApiError(404, 'conversation_not_found', `no conversation "${ref.key}"`);
      await relink(id, ref.key, (conv.context as { contactId?: string }).contactId);
      return c.json({ contactId: id, linked: ref.key }, 201);
    }
    let value: string;
    if (b.kind === 'email') value = b.value.trim().toLowerCase();
    else {
      const region = phoneRegion(conversationConfigOf(engine.options?.actorTypes ?? []));
      const e164 = normalizePhone(b.value, { defaultRegion: region });
      if (!e164)
        throw new ApiError(
          422,
          'phone_invalid',
          `"${b.value}" is not a phone number; write it with its country code (+15551234567)${region ? '' : ', or start the engine with --default-region for national numbers'}`,
        );
      value = e164;
    }
    await engine.host.send(
      { type: 'contact', key: id },
      { type: 'contact.verified_added', kind: b.kind, value },
      apiId(engine, 'verified'),
    );
    const r = await engine.host.send(
      { type: 'identity', key: `${b.kind}:${value}` },
      { type: 'identity.claimed', contactId: id },
      apiId(engine, 'claim'),
    );
    const owner =
      (r.status === 'applied' ? (r.responses[0]?.data as { contactId?: string } | undefined)?.contactId : undefined) ??
      id;
    if (owner !== id) {
      // The identity already belongs to another contact: one person, so this contact's conversations join it.
      const mine = engine.host.read({ type: 'contact', key: id })?.context as
        | { identities?: { conversationKey: string }[] }
        | undefined;
      for (const i of mine?.identities ?? []) await relink(owner, i.conversationKey, id);
      if (!mine?.identities?.length)
        await engine.host.send(
          { type: 'contact', key: id },
          { type: 'contact.merged', into: owner },
          apiId(engine, 'link'),
        );
    }
    return c.json({ contactId: id, identity: `${b.kind}:${value}`, owner }, 201);
  });

  return app;
}
