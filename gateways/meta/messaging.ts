/** Messenger and Instagram share one webhook shape (`entry[].messaging[]`) and one Send API: both live here. */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { InboundEvent, MediaItem, MessageReceived, OutboundMessage } from '../../protocol/channels.js';
import { SendError, WebhookError, type Integration, type WebhookRequest } from '../channel.js';
import { keywordSignal } from '../keywords.js';
import { parseJsonBody } from '../parse.js';
import { joinUrl, postJson } from '../provider-http.js';
import { GRAPH_BASE_URL, graphSendError } from './graph.js';
import { metaRichMessage } from './rich.js';

const attachment = z
  .object({
    type: z.string(),
    payload: z
      .object({
        url: z.string().optional(),
        title: z.string().optional(),
        coordinates: z.object({ lat: z.number(), long: z.number() }).optional(),
      })
      .passthrough()
      .nullish(),
  })
  .passthrough();
const referral = z
  .object({ ref: z.string().optional(), source: z.string().optional(), ad_id: z.string().optional() })
  .passthrough();
const event = z
  .object({
    sender: z.object({ id: z.string().min(1) }),
    recipient: z.object({ id: z.string().min(1) }),
    // Delivery events (message_deliveries) carry no timestamp: only their watermark.
    timestamp: z.number().optional(),
    message: z
      .object({
        mid: z.string().min(1),
        text: z.string().optional(),
        is_echo: z.boolean().optional(),
        is_deleted: z.boolean().optional(),
        quick_reply: z.object({ payload: z.string() }).optional(),
        attachments: z.array(attachment).optional(),
        referral: referral.optional(),
      })
      .passthrough()
      .optional(),
    postback: z
      .object({ mid: z.string().optional(), title: z.string().optional(), payload: z.string().optional() })
      .passthrough()
      .optional(),
    delivery: z
      .object({ mids: z.array(z.string()).optional(), watermark: z.number() })
      .passthrough()
      .optional(),
    read: z.object({ watermark: z.number().optional(), mid: z.string().optional() }).passthrough().optional(),
    reaction: z
      .object({
        mid: z.string(),
        action: z.string().optional(),
        emoji: z.string().optional(),
        reaction: z.string().optional(),
      })
      .passthrough()
      .optional(),
    referral: referral.optional(),
    optin: z.object({ ref: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();
const body = z
  .object({
    object: z.string(),
    entry: z.array(
      z
        .object({
          id: z.string(),
          time: z.number().optional(),
          messaging: z.array(event).optional(),
          standby: z.array(event).optional(),
        })
        .passthrough(),
    ),
  })
  .passthrough();

type MetaEvent = z.infer<typeof event>;
type MessagingChannel = 'messenger' | 'instagram';

function referralOf(r: z.infer<typeof referral> | undefined): MessageReceived['referral'] | undefined {
  if (!r) return undefined;
  const src = (r.source ?? '').toUpperCase();
  const ref = r.ad_id ?? r.ref;
  return {
    source: src === 'ADS' ? 'ad' : src === 'SHORTLINK' || src === 'CUSTOMER_CHAT_PLUGIN' ? 'link' : 'other',
    ...(ref ? { ref } : {}),
  };
}

function mediaOf(attachments: z.infer<typeof attachment>[]): MediaItem[] {
  return attachments.map((a) => ({
    ...(a.payload?.url ? { url: a.payload.url } : {}),
    mimeType: a.type,
    ...(a.payload?.title ? { caption: a.payload.title } : {}),
  }));
}

function toEvent(
  channel: MessagingChannel,
  e: MetaEvent,
  integration: Integration,
  entryTime: number | undefined,
): InboundEvent | undefined {
  // Every event but a delivery has its own timestamp; a delivery is dated by its entry (or its watermark).
  const at = e.timestamp ?? entryTime ?? e.delivery?.watermark;
  if (at === undefined) {
    throw new WebhookError(
      400,
      'body_invalid',
      'timestamp: a messaging event without delivery.watermark needs its timestamp (ms)',
    );
  }
  const base = { channel, integrationId: integration.id, channelUserId: e.sender.id, at };
  const m = e.message;
  if (m) {
    if (m.is_echo) return undefined; // the business's own message, never customer input
    if (m.is_deleted) return { type: 'message.unsent', ...base, messageId: `${m.mid}:deleted`, unsentMessageId: m.mid };
    const ref = referralOf(m.referral ?? e.referral);
    const common = { type: 'message.received' as const, ...base, messageId: m.mid, ...(ref ? { referral: ref } : {}) };
    if (m.quick_reply)
      return {
        ...common,
        kind: 'postback',
        postback: { payload: m.quick_reply.payload, ...(m.text ? { title: m.text } : {}) },
        ...(m.text ? { text: m.text } : {}),
      };
    const loc = m.attachments?.find((a) => a.type === 'location' && a.payload?.coordinates);
    if (loc)
      return {
        ...common,
        kind: 'location',
        location: {
          latitude: loc.payload!.coordinates!.lat,
          longitude: loc.payload!.coordinates!.long,
          ...(loc.payload?.title ? { name: loc.payload.title } : {}),
        },
      };
    if (m.attachments?.length) {
      const sticker = m.attachments.every(
        (a) => (a.payload as { sticker_id?: unknown } | null | undefined)?.sticker_id !== undefined,
      );
      return {
        ...common,
        kind: sticker ? 'sticker' : 'media',
        media: mediaOf(m.attachments),
        ...(m.text ? { text: m.text } : {}),
      };
    }
    if (m.text !== undefined) {
      const signal = keywordSignal(m.text, integration);
      if (signal) return { type: signal, ...base, messageId: m.mid, text: m.text };
      return { ...common, kind: 'text', text: m.text };
    }
    return { ...common, kind: 'unsupported' };
  }
  if (e.postback) {
    const id = e.postback.mid ?? `postback:${e.sender.id}:${at}`;
    const ref = referralOf(e.referral);
    return {
      type: 'message.received',
      ...base,
      messageId: id,
      kind: 'postback',
      postback: { payload: e.postback.payload ?? '', ...(e.postback.title ? { title: e.postback.title } : {}) },
      ...(e.postback.title ? { text: e.postback.title } : {}),
      ...(ref ? { referral: ref } : {}),
    };
  }
  if (e.delivery) {
    // "mids … may not be present"; "all messages with a timestamp before watermark were delivered".
    const mids = e.delivery.mids ?? [];
    const w = e.delivery.watermark;
    return {
      type: 'receipt.received',
      ...base,
      messageId: `delivery:${w}${mids.length ? `:${digest(mids.join(','))}` : ''}`,
      status: 'delivered',
      watermark: w,
      ...(mids.length ? { providerMessageIds: mids } : {}),
    };
  }
  if (e.read) {
    // Instagram names the last message read; Messenger a watermark: what was read, not when (that is `timestamp`).
    if (e.read.mid)
      return {
        type: 'receipt.received',
        ...base,
        messageId: `read:${e.read.mid}`,
        status: 'read',
        providerMessageIds: [e.read.mid],
      };
    const w = e.read.watermark ?? at;
    return { type: 'receipt.received', ...base, messageId: `read:${w}`, status: 'read', watermark: w };
  }
  if (e.reaction) {
    const action = e.reaction.action ?? 'react';
    return {
      type: 'message.received',
      ...base,
      messageId: `reaction:${e.reaction.mid}:${action}:${at}`,
      kind: 'reaction',
      ...(action === 'react' && (e.reaction.emoji ?? e.reaction.reaction)
        ? { text: e.reaction.emoji ?? e.reaction.reaction }
        : {}),
    };
  }
  if (e.optin) return { type: 'contact.opted_in', ...base, messageId: `optin:${e.sender.id}:${at}` };
  return undefined; // standalone referrals, typing and other notifications carry no customer input
}

/** A short stable digest for dedupe ids built from several platform ids. */
function digest(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 12);
}

/** Parses a Messenger (`object: page`) or Instagram (`object: instagram`) webhook into canonical events. */
export function normalizeMessaging(
  channel: MessagingChannel,
  req: WebhookRequest,
  integration: Integration,
): InboundEvent[] {
  const payload = parseJsonBody(req.rawBody, body);
  const expected = channel === 'messenger' ? 'page' : 'instagram';
  if (payload.object !== expected)
    throw new WebhookError(
      400,
      'body_invalid',
      `object must be "${expected}" for a ${channel} integration, got "${payload.object}"`,
    );
  const events: InboundEvent[] = [];
  for (const entry of payload.entry) {
    // Standby events belong to the thread owner (handover protocol): another app answers them.
    for (const e of entry.messaging ?? []) {
      if (e.sender.id === entry.id) continue; // sent by the page/account itself (echo)
      const ev = toEvent(channel, e, integration, entry.time);
      if (ev) events.push(ev);
    }
  }
  return events;
}

/** Sends one message through the Messenger/Instagram Send API (`/<page or IG id>/messages`). */
export async function sendMessaging(
  channel: MessagingChannel,
  m: OutboundMessage,
  integration: Integration,
  fetchImpl: typeof fetch,
): Promise<{ providerMessageId?: string }> {
  const token = integration.credentials.accessToken;
  if (!token)
    throw new SendError(
      'integration_misconfigured',
      `integration ${integration.id} needs credentials.accessToken`,
      false,
    );
  const account = channel === 'messenger' ? integration.credentials.pageId : integration.credentials.accountId;
  let message: Record<string, unknown>;
  if (m.kind === 'text' && m.text) message = { text: m.text };
  else if (m.kind === 'rich' && m.rich) message = metaRichMessage(m.rich);
  else if (m.kind === 'media' && m.media?.url) {
    const top = m.media.mimeType?.split('/')[0];
    const type = top === 'image' || top === 'video' || top === 'audio' ? top : 'file';
    message = { attachment: { type, payload: { url: m.media.url, is_reusable: true } } };
  } else {
    throw new SendError('message_invalid', `${channel} sends text or media with a URL; got kind "${m.kind}"`, false);
  }
  const body = {
    recipient: { id: m.channelUserId },
    messaging_type: m.tag ? 'MESSAGE_TAG' : 'RESPONSE',
    ...(m.tag ? { tag: m.tag } : {}),
    message,
  };
  const url = joinUrl(integration.sendBaseUrl ?? GRAPH_BASE_URL, `${account ?? 'me'}/messages`);
  const res = await postJson(fetchImpl, url, body, { authorization: `Bearer ${token}` });
  if (res.status >= 300) throw graphSendError(res);
  const id = (res.body as { message_id?: string } | undefined)?.message_id;
  return id ? { providerMessageId: id } : {};
}
