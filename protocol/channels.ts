/** Canonical channel events shared by gateways and the engine. */
import type { RichMessage } from './rich.js';

export const CHANNELS = [
  'whatsapp',
  'messenger',
  'instagram',
  'x',
  'line',
  'sms',
  'telegram',
  'apple',
  'web',
  'open',
  'social',
] as const;
export type Channel = (typeof CHANNELS)[number];

export function isChannel(value: string): value is Channel {
  return (CHANNELS as readonly string[]).includes(value);
}

/** What a customer sent. */
export type InboundKind =
  | 'text'
  | 'media'
  | 'location'
  | 'contact'
  | 'postback'
  | 'sticker'
  | 'reaction'
  | 'unsupported';

export interface MediaItem {
  readonly url?: string;
  readonly id?: string;
  readonly mimeType?: string;
  readonly caption?: string;
  readonly filename?: string;
  /** What the platform requires to fetch or decrypt the file (Apple: owner, key, signature). */
  readonly download?: Readonly<Record<string, string>>;
}

export interface Location {
  readonly latitude: number;
  readonly longitude: number;
  readonly name?: string;
  readonly address?: string;
}

/** Fields every canonical inbound event carries, keeping the platform's own ids. */
export interface InboundBase {
  readonly channel: Channel;
  /** The configured integration (a WhatsApp number, a Facebook page, an SMS number …). */
  readonly integrationId: string;
  /** The customer's id on the channel (phone, page-scoped id, opaque id …). */
  readonly channelUserId: string;
  /** The platform's id of this message or event (LINE `message.id`, Telegram `message_id` in its chat, …). */
  readonly messageId: string;
  /**
   * The id the platform repeats when it retries a webhook, when that is not the message id (LINE
   * `webhookEventId`, Telegram `update_id`): the dedupe id. `messageId` otherwise.
   */
  readonly dedupeId?: string;
  /** The platform's timestamp, ms since epoch. */
  readonly at: number;
  /** When the gateway received it, ms since epoch. */
  readonly receivedAt?: number;
  readonly displayName?: string;
}

/** A customer message. */
export interface MessageReceived extends InboundBase {
  readonly type: 'message.received';
  readonly kind: InboundKind;
  readonly text?: string;
  readonly media?: readonly MediaItem[];
  readonly location?: Location;
  readonly contact?: Record<string, unknown>;
  /**
   * The customer's answer to a rich message (button, list row, quick reply, picked time): the payload
   * given in the rich message, the label shown, and for date/time pickers the value picked (ISO 8601).
   */
  readonly postback?: { readonly payload: string; readonly title?: string; readonly picked?: string };
  /** What opened the conversation when it was not the customer typing: an ad click, a link … */
  readonly referral?: { readonly source: 'ad' | 'link' | 'post' | 'other'; readonly ref?: string };
  /** Public posts: the post/comment id and whether it is public. */
  readonly public?: { readonly postId: string; readonly parentId?: string; readonly keywords?: readonly string[] };
  /** Apple Messages intent/group ids and locale, used by routing rules. */
  readonly routing?: { readonly intent?: string; readonly group?: string; readonly locale?: string };
  /** LINE: the event's single-use reply token (about a minute); a reply within its life uses it. */
  readonly replyToken?: string;
}

/** Who wrote a business-side message on the platform: a person or a bot (Genesys `originatingEntity`). */
export type OriginatingEntity = 'human' | 'bot';

/**
 * A message the business sent to the customer on the platform itself, not through Switchboard
 * (Genesys Open Messaging outbound webhooks): recorded in the customer's conversation, never
 * customer input, never opening an interaction.
 */
export interface MessageEchoed extends InboundBase {
  readonly type: 'message.echoed';
  readonly kind: InboundKind;
  readonly text?: string;
  readonly media?: readonly MediaItem[];
  readonly originatingEntity: OriginatingEntity;
  /** The sender's display name on the platform, when given. */
  readonly senderName?: string;
}

/**
 * Someone started or stopped typing (X DM typing, Apple typing_start/typing_end, open messaging
 * typing either way). Shown live to the handling agent; never stored, never opening an interaction.
 */
export interface TypingIndicated extends InboundBase {
  readonly type: 'typing.indicated';
  /** true: started typing; false: stopped. */
  readonly active: boolean;
  /** The customer, or the business's side on the platform (a Genesys agent or bot). */
  readonly by: 'customer' | 'business';
  readonly originatingEntity?: OriginatingEntity;
  /** How long the indicator lasts, when the platform says (ms). */
  readonly durationMs?: number;
}

/** Customer took a message back (Instagram unsend). */
export interface MessageUnsent extends InboundBase {
  readonly type: 'message.unsent';
  readonly unsentMessageId: string;
}

/** Delivery/read receipts from the platform for a message the business sent. */
export interface ReceiptReceived extends InboundBase {
  readonly type: 'receipt.received';
  /** `failed` arrives asynchronously on some channels (WhatsApp statuses, e.g. 131047 outside the window). */
  readonly status: 'delivered' | 'read' | 'failed';
  /** Why a `failed` receipt failed, mapped to a Switchboard reason code. */
  readonly reason?: { readonly code: string; readonly message: string; readonly providerCode?: string };
  /** The provider's message ids the receipt covers. */
  readonly providerMessageIds?: readonly string[];
  /**
   * Everything the business sent at or before this time (ms) reached `status` (Messenger delivery
   * and read watermarks). `at` stays the time of the receipt itself.
   */
  readonly watermark?: number;
}

/** Customer closed the conversation (Apple Messages close), followed/unfollowed, opted out/in, asked for help. */
export interface CustomerSignal extends InboundBase {
  readonly type:
    | 'conversation.closed_by_customer'
    | 'contact.opted_out'
    | 'contact.opted_in'
    | 'contact.help_requested'
    | 'contact.followed'
    | 'contact.unfollowed';
  readonly text?: string;
  /** LINE follow events: the reply token, as on messages. */
  readonly replyToken?: string;
}

/** Every canonical inbound event a gateway publishes. */
export type InboundEvent =
  | MessageReceived
  | MessageUnsent
  | ReceiptReceived
  | CustomerSignal
  | MessageEchoed
  | TypingIndicated;

/** The type of every event a gateway may publish: the canonical inbound events and delivery statuses. */
export const GATEWAY_EVENT_TYPES: ReadonlySet<string> = new Set<string>([
  'message.received',
  'message.echoed',
  'message.unsent',
  'receipt.received',
  'typing.indicated',
  'conversation.closed_by_customer',
  'contact.opted_out',
  'contact.opted_in',
  'contact.help_requested',
  'contact.followed',
  'contact.unfollowed',
  'delivery.updated',
] satisfies (InboundEvent | DeliveryUpdated)['type'][]);

/**
 * Why an envelope that arrived on a gateway's subject (`sb.inbound.*`) is not one a gateway may
 * send, or undefined when it is: only customer events and delivery statuses, to a conversation,
 * and a customer event only to its own conversation (channel, integration and user as in the event).
 */
export function gatewayEnvelopeProblem(env: {
  readonly to: { readonly type: string; readonly key: string };
  readonly event: { readonly type: string; readonly [field: string]: unknown };
}): string | undefined {
  if (env.to.type !== 'conversation') return `a gateway may address conversations only, not a ${env.to.type} actor`;
  if (!GATEWAY_EVENT_TYPES.has(env.event.type)) return `a gateway may not send a ${env.event.type} event`;
  if (env.event.type === 'delivery.updated') return undefined;
  const e = env.event as Partial<InboundBase>;
  if (typeof e.channel !== 'string' || typeof e.integrationId !== 'string' || typeof e.channelUserId !== 'string')
    return 'a customer event needs channel, integrationId and channelUserId';
  const key = conversationKey(e as InboundBase);
  if (key !== env.to.key) return `a customer event of ${key} addressed to conversation ${env.to.key}`;
  return undefined;
}

/** The conversation actor key of an inbound event: one conversation per (channel, integration, user). */
export function conversationKey(e: Pick<InboundBase, 'channel' | 'integrationId' | 'channelUserId'>): string {
  return `${e.channel}:${e.integrationId}:${e.channelUserId}`;
}

/** A message the engine wants delivered on a channel; consumed by that channel's delivery worker. */
export interface OutboundMessage {
  /** Switchboard's id of the message: dedupe id and the key of its delivery status. */
  readonly id: string;
  readonly channel: Channel;
  readonly integrationId: string;
  readonly channelUserId: string;
  /** Where delivery status events go back to. */
  readonly conversationKey: string;
  readonly interactionId?: string;
  readonly kind: 'text' | 'media' | 'template' | 'rich';
  readonly text?: string;
  readonly media?: MediaItem;
  /** `kind: 'rich'`: the canonical rich message, mapped by the channel's gateway (protocol/rich.ts). */
  readonly rich?: RichMessage;
  readonly template?: { readonly name: string; readonly language: string; readonly params?: readonly string[] };
  /** Messenger/Instagram message tag, e.g. HUMAN_AGENT. */
  readonly tag?: string;
  /** Reply to a platform message: the LINE reply token itself, the post or comment id on public posts, … */
  readonly replyTo?: string;
  /** Public social: reply publicly on the post, or privately. */
  readonly visibility?: 'public' | 'private';
}

/** Delivery status a gateway reports back to the conversation actor. */
export interface DeliveryUpdated {
  readonly type: 'delivery.updated';
  readonly messageId: string;
  readonly status: 'pending' | 'sent' | 'delivered' | 'read' | 'failed';
  readonly providerMessageId?: string;
  readonly reason?: { readonly code: string; readonly message: string; readonly providerCode?: string };
  /** A rich message the channel could not carry went out degraded, as the integration's `richFallback` says. */
  readonly degraded?: { readonly to: 'numbered_text'; readonly reason: string };
  readonly at: number;
}
