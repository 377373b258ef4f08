/**
 * Actions of the conversation's threading region: opening an interaction, recording customer
 * messages in history, telling routing (the `interaction` actor) what happened, the first-contact
 * identity claims, and ending an interaction.
 */
import { enqueueActions } from 'xstate';
import type { MessageReceived } from '../protocol/channels.js';
import { convIdOf, interactionIdOf, messageIdOf } from './conversation-ids.js';
import type { ReplyContext } from './reply-policy.js';
import { appendHistory } from './reply-window-region.js';

/** Longest threading window (and the life of an interaction no agent has answered yet). */
export const THREADING_MAX_MS = 72 * 3_600_000;
/** Customer messages remembered for unsend (platform id → history seq), on channels with unsend. */
export const RECENT_INBOUND_MAX = 100;

/** The interaction the conversation currently threads into. */
export interface CurrentInteraction {
  readonly interactionId: string;
  readonly openedAt: number;
  readonly agentId?: string;
  readonly lastAgentId?: string;
}

/** The conversation's context: the reply-window's plus threading and contact. */
export interface ConversationContext extends ReplyContext {
  threadingWindowMs: number;
  contactId?: string;
  /** The customer's phone in E.164 on phone-based channels: the identity the first contact claims. */
  phone?: string;
  interactions: number;
  current?: CurrentInteraction;
  recentInbound: [string, number][];
  /** Outbound messages the provider accepted: [providerMessageId, seq, sentAt] (conversation-delivery.ts). */
  sent: [string, number, number][];
  /** Receipts that overtook their `sent` report: [providerMessageId, status, at, reasonCode?, reasonMessage?]. */
  parked: [string, 'delivered' | 'read' | 'failed', number, string?, string?][];
}

/** Actions here are written against ConversationContext and typed `never` so any host machine's config accepts them. */
type Enq = ((action: { type: string; params?: unknown }) => void) & { assign: (a: unknown) => void };
type Args = { context: ConversationContext; event: { type: string; at?: number; [k: string]: unknown }; enqueue: Enq };

function toInteraction(enqueue: Enq, interactionId: string, event: Record<string, unknown>): void {
  enqueue({
    type: 'actor.send',
    params: { to: { type: 'interaction', key: interactionId }, event: { ...event, interactionId } },
  });
}

function messageSummary(ctx: ConversationContext, e: MessageReceived, seq: number) {
  return {
    messageId: messageIdOf(ctx.address.convId, seq),
    platformMessageId: e.messageId,
    kind: e.kind,
    ...(e.text !== undefined ? { text: e.text } : {}),
    ...(e.routing ? { routing: e.routing } : {}),
    ...(e.referral ? { referral: e.referral } : {}),
    ...(e.public ? { public: e.public } : {}),
  };
}

/** Appends the customer message to history; returns the context changes (the caller assigns them). */
function recordInbound(
  enqueue: Enq,
  ctx: ConversationContext,
  e: MessageReceived,
  seq: number,
  interactionId?: string,
) {
  appendHistory(enqueue, ctx, {
    seq,
    messageId: messageIdOf(ctx.address.convId, seq),
    at: e.at,
    direction: 'inbound',
    kind: e.kind,
    platformMessageId: e.messageId,
    ...(interactionId ? { interactionId } : {}),
    ...(e.text !== undefined ? { text: e.text } : {}),
    ...(e.media ? { media: e.media } : {}),
    ...(e.location ? { detail: { location: e.location } } : e.postback ? { detail: { postback: e.postback } } : {}),
  });
  // Only channels with unsend need the map; the snapshot is rewritten on every event.
  if (!ctx.policy.unsendDeletes) return ctx.recentInbound;
  const recent = [...ctx.recentInbound, [e.messageId, seq] as [string, number]];
  return recent.length > RECENT_INBOUND_MAX ? recent.slice(recent.length - RECENT_INBOUND_MAX) : recent;
}

/** A customer message outside any interaction (a keyword such as STOP): history only. */
export const recordOnly: never = enqueueActions((args) => {
  const { context, event, enqueue } = args as unknown as Args;
  const e = event as unknown as MessageReceived;
  const recentInbound = recordInbound(enqueue, context, e, context.seq, context.current?.interactionId);
  enqueue.assign({ seq: context.seq + 1, recentInbound });
}) as never;

/** Opens a new interaction for a customer message: new id, history marker, `interaction.opened`. */
export const openInteraction: never = enqueueActions((args) => {
  const { context, event, enqueue } = args as unknown as Args;
  const e = event as unknown as MessageReceived;
  const at = e.at ?? 0;
  const n = context.interactions + 1;
  const interactionId = interactionIdOf(context.address.convId, n);
  let contactId = context.contactId;
  if (!contactId) {
    // First contact: a contact of its own, claimed by the channel's verified identity (phone).
    contactId = `ct_${convIdOf(context.address.conversationKey)}`;
    const { channel, integrationId, channelUserId, conversationKey } = context.address;
    enqueue({
      type: 'actor.send',
      params: {
        to: { type: 'contact', key: contactId },
        event: {
          type: 'contact.identity_added',
          identity: { channel, integrationId, channelUserId, conversationKey },
          ...(e.displayName ? { displayName: e.displayName } : {}),
        },
      },
    });
    const phone = context.phone;
    if (phone) {
      enqueue({
        type: 'actor.send',
        params: {
          to: { type: 'contact', key: contactId },
          event: { type: 'contact.verified_added', kind: 'phone', value: phone },
        },
      });
      enqueue({
        type: 'actor.send',
        params: {
          to: { type: 'identity', key: `phone:${phone}` },
          event: { type: 'identity.claimed', contactId, conversationKey },
        },
      });
    }
  }
  const seq = context.seq;
  appendHistory(enqueue, context, {
    seq,
    messageId: messageIdOf(context.address.convId, seq),
    at,
    interactionId,
    direction: 'event',
    kind: 'interaction.opened',
  });
  const recentInbound = recordInbound(enqueue, context, e, seq + 1, interactionId);
  toInteraction(enqueue, interactionId, {
    type: 'interaction.opened',
    conversationKey: context.address.conversationKey,
    contactId,
    channel: context.address.channel,
    integrationId: context.address.integrationId,
    channelUserId: context.address.channelUserId,
    message: messageSummary(context, e, seq + 1),
    at,
  });
  enqueue({
    type: 'record',
    params: {
      kind: 'conversation.interaction_opened',
      data: { conversationKey: context.address.conversationKey, interactionId, contactId },
    },
  });
  enqueue.assign({ seq: seq + 2, interactions: n, contactId, recentInbound, current: { interactionId, openedAt: at } });
}) as never;

/** A customer message continuing the current interaction: history plus the routing event. */
export function continueInteraction(kind: 'interaction.message_received' | 'interaction.customer_returned'): never {
  return enqueueActions((args) => {
    const { context, event, enqueue } = args as unknown as Args;
    const e = event as unknown as MessageReceived;
    const cur = context.current!;
    const recentInbound = recordInbound(enqueue, context, e, context.seq, cur.interactionId);
    toInteraction(enqueue, cur.interactionId, {
      type: kind,
      message: messageSummary(context, e, context.seq),
      at: e.at,
      ...(kind === 'interaction.customer_returned'
        ? {
            conversationKey: context.address.conversationKey,
            ...(cur.lastAgentId ? { lastAgentId: cur.lastAgentId } : {}),
          }
        : {}),
    });
    enqueue.assign({ seq: context.seq + 1, recentInbound });
  }) as never;
}

/** Ends the current interaction: routing learns why, history gets a marker. */
export function endInteraction(reason: 'expired' | 'closed_by_customer' | 'opted_out' | 'unfollowed'): never {
  return enqueueActions((args) => {
    const { context, event, enqueue } = args as unknown as Args;
    const cur = context.current;
    if (!cur) return;
    const at = event.at ?? 0;
    if (reason === 'expired') toInteraction(enqueue, cur.interactionId, { type: 'interaction.expired', at });
    else toInteraction(enqueue, cur.interactionId, { type: 'interaction.customer_left', reason, at });
    appendHistory(enqueue, context, {
      seq: context.seq,
      messageId: messageIdOf(context.address.convId, context.seq),
      at,
      interactionId: cur.interactionId,
      direction: 'event',
      kind: 'interaction.closed',
      detail: { reason },
    });
    enqueue({
      type: 'record',
      params: {
        kind: 'conversation.interaction_closed',
        data: { conversationKey: context.address.conversationKey, interactionId: cur.interactionId, reason },
      },
    });
    enqueue.assign({ seq: context.seq + 1, current: undefined });
  }) as never;
}
