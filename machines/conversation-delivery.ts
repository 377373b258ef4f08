/**
 * Delivery status of the conversation's outbound messages. The delivery worker reports
 * `delivery.updated` (sent with the provider's id, or failed) for Switchboard's message id; the
 * platform later sends `receipt.received` (delivered, read, failed) for the PROVIDER's ids and/or a
 * watermark time (Messenger: everything sent before it). The conversation keeps a bounded map provider id → history seq to route those
 * receipts to the right history page, and parks receipts that overtake their `sent` report.
 */
import { enqueueActions } from 'xstate';
import type { DeliveryUpdated, ReceiptReceived } from '../protocol/channels.js';
import { conversationTopic, historyKey, messageIdOf, pageOf, seqOfMessageId } from './conversation-ids.js';
import type { ConversationContext } from './conversation-threading.js';
import type { DeliveryStatus } from './history.machine.js';

/** Outbound messages remembered for receipts: [providerId, seq, sentAt]. */
export const SENT_MAX = 50;
/** Receipts that arrived before their message's `sent` report: [providerId, status, at, reasonCode?, reasonMessage?]. */
export const PARKED_MAX = 50;

type Reason = { code: string; message: string; providerCode?: string };
type Enq = ((action: { type: string; params?: unknown }) => void) & { assign: (a: unknown) => void };

function statusTo(
  enqueue: Enq,
  ctx: ConversationContext,
  seq: number,
  status: DeliveryStatus,
  at: number,
  extra: { providerMessageId?: string; reason?: Reason; degraded?: { to: string; reason: string } } = {},
): void {
  enqueue({
    type: 'actor.send',
    params: {
      to: { type: 'history', key: historyKey(ctx.address.conversationKey, pageOf(seq)) },
      event: {
        type: 'history.status_updated',
        seq,
        status,
        at,
        ...(extra.providerMessageId ? { providerMessageId: extra.providerMessageId } : {}),
        ...(extra.reason ? { reason: extra.reason } : {}),
        ...(extra.degraded ? { degraded: extra.degraded } : {}),
      },
    },
  });
  enqueue({
    type: 'notify',
    params: {
      topic: conversationTopic(ctx.address.convId),
      data: {
        kind: 'status',
        conversationKey: ctx.address.conversationKey,
        seq,
        messageId: messageIdOf(ctx.address.convId, seq),
        status,
        at,
        ...(extra.reason ? { reason: extra.reason } : {}),
        ...(extra.degraded ? { degraded: extra.degraded } : {}),
      },
    },
  });
}

function bounded<T>(list: T[], max: number): T[] {
  return list.length > max ? list.slice(list.length - max) : list;
}

/** `delivery.updated` from the delivery worker: history status, provider id remembered, parked receipts applied. */
export const onDeliveryUpdated: never = enqueueActions((args) => {
  const { context, event, enqueue } = args as unknown as {
    context: ConversationContext;
    event: DeliveryUpdated;
    enqueue: Enq;
  };
  const seq = seqOfMessageId(context.address.convId, event.messageId);
  if (seq === undefined) {
    enqueue({
      type: 'record',
      params: {
        kind: 'conversation.delivery_unknown',
        data: { conversationKey: context.address.conversationKey, messageId: event.messageId },
      },
    });
    return;
  }
  statusTo(enqueue, context, seq, event.status, event.at, {
    providerMessageId: event.providerMessageId,
    reason: event.reason,
    degraded: event.degraded,
  });
  enqueue({
    type: 'record',
    params: {
      kind: 'conversation.delivery',
      data: {
        conversationKey: context.address.conversationKey,
        messageId: event.messageId,
        status: event.status,
        ...(event.reason ? { reason: event.reason } : {}),
      },
    },
  });
  const changes: Partial<ConversationContext> = {};
  const pid = event.providerMessageId;
  if (pid) {
    changes.sent = bounded([...context.sent, [pid, seq, event.at]], SENT_MAX);
    const parked = context.parked.filter((p) => p[0] === pid);
    for (const [, status, at, code, message] of parked)
      statusTo(enqueue, context, seq, status, at, code ? { reason: { code, message: message ?? code } } : {});
    if (parked.length > 0) changes.parked = context.parked.filter((p) => p[0] !== pid);
  }
  if (event.status === 'failed' && event.reason?.code === 'opted_out')
    changes.window = { ...context.window, optedOut: true, optedIn: false };
  enqueue.assign(changes);
}) as never;

/** `receipt.received` from the platform: by provider ids, or every remembered message sent up to a watermark. */
export const onReceipt: never = enqueueActions((args) => {
  const { context, event, enqueue } = args as unknown as {
    context: ConversationContext;
    event: ReceiptReceived;
    enqueue: Enq;
  };
  const reason = event.reason;
  const changes: Partial<ConversationContext> = {};
  const ids = event.providerMessageIds ?? [];
  const updated = new Set<number>();
  if (ids.length > 0) {
    const parked = [...context.parked];
    for (const pid of ids) {
      const hit = context.sent.find((s) => s[0] === pid);
      if (hit) {
        statusTo(enqueue, context, hit[1], event.status, event.at, reason ? { reason } : {});
        updated.add(hit[1]);
      } else parked.push([pid, event.status, event.at, reason?.code, reason?.message]);
    }
    if (parked.length !== context.parked.length) changes.parked = bounded(parked, PARKED_MAX);
  }
  // A watermark: everything sent at or before it reached this status; the status time stays the receipt's
  // own `at`. Receipts without ids or watermark (older events) used `at` as the watermark.
  const watermark = event.watermark ?? (ids.length === 0 ? event.at : undefined);
  if (watermark !== undefined)
    for (const [, seq, sentAt] of context.sent)
      if (sentAt <= watermark && !updated.has(seq))
        statusTo(enqueue, context, seq, event.status, event.at, reason ? { reason } : {});
  if (event.status === 'failed' && reason?.code === 'opted_out')
    changes.window = { ...context.window, optedOut: true, optedIn: false };
  enqueue.assign(changes);
}) as never;
