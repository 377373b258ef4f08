/**
 * Proactive (business-initiated) messages over HTTP: one recipient, or a batch of up to
 * OUTBOUND_BATCH_MAX. Each recipient's conversation decides with its channel's policy (a template
 * where the channel needs one, the customer's opt-in, an opt-out), so every recipient gets its own
 * answer with a reason code; nothing is refused for the whole batch but a malformed body. What is
 * accepted goes through the conversation's outbox to the gateway's delivery worker, which holds the
 * integration's rate (WhatsApp's per-number throughput): queued in JetStream, never dropped. A
 * customer's answer is an ordinary inbound message and opens an interaction like any other.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { DeliverResult } from '../../actors/types.js';
import type { ContactContext } from '../../machines/contact.machine.js';
import { parseConversationKey } from '../../machines/conversation-ids.js';
import { CHANNELS, conversationKey } from '../../protocol/channels.js';
import type { Engine } from '../engine.js';
import { principalOf } from '../auth/middleware.js';
import { ApiError, parseBody } from './errors.js';
import { messageFields, RequestId } from './message-schema.js';

/** At most this many recipients in one batch request (about 100 KB of JSON). */
export const OUTBOUND_BATCH_MAX = 1_000;
/** Recipients of a batch handed to their conversations at once (keeps one batch from crowding out others). */
const BATCH_CONCURRENCY = 200;

/** Who a proactive message goes to: a conversation, a contact (optionally on one channel or integration), or a channel address. */
export const Recipient = z.union([
  z.object({ conversationKey: z.string().min(1) }).strict(),
  z
    .object({
      contactId: z.string().min(1),
      channel: z.enum(CHANNELS).optional(),
      integrationId: z.string().min(1).optional(),
    })
    .strict(),
  z.object({ channel: z.enum(CHANNELS), integrationId: z.string().min(1), channelUserId: z.string().min(1) }).strict(),
]);
type RecipientT = z.infer<typeof Recipient>;

/** The message itself, as a reply's (no tags: those extend windows for human agents only). */
export const ProactiveMessage = z
  .object({
    ...messageFields,
  })
  .strict();
type MessageT = z.infer<typeof ProactiveMessage>;

/** `POST /outbound/messages`: one recipient. */
export const OutboundBody = ProactiveMessage.extend({
  requestId: RequestId,
  to: Recipient,
  dryRun: z.boolean().optional(),
}).strict();

/** `POST /outbound/messages/batch`: one message to many recipients, each answered on its own. */
export const OutboundBatchBody = z
  .object({
    requestId: RequestId,
    recipients: z.array(Recipient).min(1).max(OUTBOUND_BATCH_MAX),
    message: ProactiveMessage,
    dryRun: z.boolean().optional(),
  })
  .strict();

/** The answer for one recipient. */
export interface RecipientResult {
  readonly index: number;
  readonly conversationKey?: string;
  /** accepted: queued for delivery (or allowed, on a dry run); refused: `code` says why; duplicate: this request id already reached it. */
  readonly status: 'accepted' | 'refused' | 'duplicate';
  readonly code?: string;
  readonly message?: string;
  readonly messageIds?: readonly string[];
}

type Resolved = { ok: true; conversationKey: string } | { ok: false; code: string; message: string };

/** The conversation a recipient names, when it exists on this engine. */
function resolve(engine: Engine, to: RecipientT): Resolved {
  let key: string;
  if ('conversationKey' in to) {
    if (!parseConversationKey(to.conversationKey))
      return {
        ok: false,
        code: 'invalid_recipient',
        message: `"${to.conversationKey}" is not <channel>:<integrationId>:<channelUserId> with a known channel`,
      };
    key = to.conversationKey;
  } else if ('contactId' in to) {
    let id = to.contactId;
    let contact: ContactContext | undefined;
    // A merged contact's conversations live on the contact it was merged into (at most a few hops).
    for (let hop = 0; hop < 5; hop++) {
      contact = engine.host.read({ type: 'contact', key: id })?.context as ContactContext | undefined;
      if (!contact?.mergedInto) break;
      id = contact.mergedInto;
    }
    if (!contact) return { ok: false, code: 'unknown_contact', message: `no contact "${to.contactId}"` };
    const identity = contact.identities.find(
      (i) =>
        (to.channel === undefined || i.channel === to.channel) &&
        (to.integrationId === undefined || i.integrationId === to.integrationId),
    );
    if (!identity)
      return {
        ok: false,
        code: 'no_channel_identity',
        message: `contact "${to.contactId}" has no conversation${to.channel ? ` on ${to.channel}` : ''}${to.integrationId ? ` with integration ${to.integrationId}` : ''}`,
      };
    key = identity.conversationKey;
  } else {
    key = conversationKey(to);
    if (!parseConversationKey(key))
      return { ok: false, code: 'invalid_recipient', message: `"${key}" is not a valid conversation address` };
  }
  // A conversation starts with the customer (or a recorded consent): a campaign never creates one.
  if (!engine.host.read({ type: 'conversation', key }))
    return {
      ok: false,
      code: 'unknown_contact',
      message: `no conversation "${key}" exists: the customer has never written, and no consent was recorded (POST /conversations/{key}/consent)`,
    };
  return { ok: true, conversationKey: key };
}

let dryNo = 0;

/** Hands one recipient's message to its conversation and turns the answer into a result. */
async function sendOne(
  engine: Engine,
  index: number,
  key: string,
  requestId: string,
  message: MessageT,
  dryRun: boolean,
  caller: string,
): Promise<RecipientResult> {
  const eventId = dryRun
    ? `api:outbound:dry:${requestId}:${key}:${engine.clock.now()}:${process.pid}:${++dryNo}`
    : `api:outbound:${requestId}:${key}`;
  const r: DeliverResult = await engine.host.send(
    { type: 'conversation', key },
    {
      type: 'reply.requested',
      requestId,
      ...message,
      proactive: true,
      sender: { kind: 'system', reason: `proactive:${caller}` },
      ...(dryRun ? { dryRun: true } : {}),
      at: engine.clock.now(),
    },
    eventId,
  );
  const base = { index, conversationKey: key };
  if (r.status === 'duplicate')
    return {
      ...base,
      status: 'duplicate',
      code: 'duplicate_request',
      message:
        'this request id already reached this recipient (accepted or refused); read its conversation history, or retry with a new request id',
    };
  if (r.status !== 'applied')
    return {
      ...base,
      status: 'refused',
      code: r.status === 'rejected' ? r.code : 'not_applied',
      message: r.status === 'rejected' ? r.message : 'the conversation did not take the request',
    };
  const res = r.responses[0];
  if (!res) return { ...base, status: 'refused', code: 'no_response', message: 'the conversation did not answer' };
  if (!res.ok)
    return { ...base, status: 'refused', code: res.code ?? 'refused', message: res.message ?? 'refused by the policy' };
  const ids = (res.data as { messageIds?: string[] } | undefined)?.messageIds ?? [];
  return { ...base, status: 'accepted', messageIds: ids };
}

/** Answers every recipient once, in order: a recipient repeated in the same batch is refused after its first entry. */
async function sendBatch(
  engine: Engine,
  requestId: string,
  recipients: readonly RecipientT[],
  message: MessageT,
  dryRun: boolean,
  caller: string,
): Promise<RecipientResult[]> {
  const results: RecipientResult[] = new Array(recipients.length);
  const seen = new Set<string>();
  const work: { index: number; key: string }[] = [];
  recipients.forEach((to, index) => {
    const r = resolve(engine, to);
    if (!r.ok) results[index] = { index, status: 'refused', code: r.code, message: r.message };
    else if (seen.has(r.conversationKey))
      results[index] = {
        index,
        conversationKey: r.conversationKey,
        status: 'refused',
        code: 'duplicate_recipient',
        message: 'this conversation is already listed earlier in the batch; it gets the message once',
      };
    else {
      seen.add(r.conversationKey);
      work.push({ index, key: r.conversationKey });
    }
  });
  for (let i = 0; i < work.length; i += BATCH_CONCURRENCY) {
    const chunk = work.slice(i, i + BATCH_CONCURRENCY);
    const done = await Promise.all(
      chunk.map((w) => sendOne(engine, w.index, w.key, requestId, message, dryRun, caller)),
    );
    for (const d of done) results[d.index] = d;
  }
  return results;
}

/** The proactive-message routes. */
export function outboundRoutes(engine: Engine): Hono {
  const app = new Hono();

  app.post('/outbound/messages', async (c) => {
    const b = await parseBody(c, OutboundBody);
    const { requestId, to, dryRun, ...message } = b;
    const [res] = await sendBatch(engine, requestId, [to], message, dryRun ?? false, principalOf(c)!.id);
    if (res!.status === 'refused') throw new ApiError(422, res!.code!, res!.message!);
    if (res!.status === 'duplicate') throw new ApiError(409, res!.code!, res!.message!);
    return c.json({ requestId, ...res }, dryRun ? 200 : 201);
  });

  app.post('/outbound/messages/batch', async (c) => {
    const b = await parseBody(c, OutboundBatchBody);
    const results = await sendBatch(
      engine,
      b.requestId,
      b.recipients,
      b.message,
      b.dryRun ?? false,
      principalOf(c)!.id,
    );
    const byCode: Record<string, number> = {};
    for (const r of results) if (r.code) byCode[r.code] = (byCode[r.code] ?? 0) + 1;
    const count = (s: RecipientResult['status']) => results.filter((r) => r.status === s).length;
    return c.json({
      requestId: b.requestId,
      total: results.length,
      accepted: count('accepted'),
      refused: count('refused'),
      duplicates: count('duplicate'),
      byCode,
      results,
    });
  });

  return app;
}
