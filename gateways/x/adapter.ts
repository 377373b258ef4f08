/** X direct messages through the Account Activity API: CRC, signed webhooks, own DMs filtered out. */
import { z } from 'zod';
import type { InboundEvent } from '../../protocol/channels.js';
import { SendError, type ChannelAdapter, type Integration, type WebhookRequest } from '../channel.js';
import { keywordSignal } from '../keywords.js';
import { millis, parseJsonBody } from '../parse.js';
import { sendXDirectMessage } from './api.js';
import { verifyXSignature, xCrcHandshake } from './webhook.js';

const media = z
  .object({ id_str: z.string().optional(), media_url_https: z.string().optional(), type: z.string().optional() })
  .passthrough();
const dm = z
  .object({
    type: z.string(),
    id: z.string().min(1),
    created_timestamp: z.union([z.string(), z.number()]),
    message_create: z
      .object({
        target: z.object({ recipient_id: z.string() }),
        sender_id: z.string().min(1),
        message_data: z
          .object({
            text: z.string().optional(),
            quick_reply_response: z
              .object({ type: z.string().optional(), metadata: z.string().optional() })
              .passthrough()
              .optional(),
            attachment: z
              .object({ type: z.string(), media: media.optional(), location: z.unknown().optional() })
              .passthrough()
              .optional(),
          })
          .passthrough(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
const markRead = z
  .object({
    created_timestamp: z.union([z.string(), z.number()]),
    sender_id: z.string(),
    last_read_event_id: z.string(),
  })
  .passthrough();
const typing = z
  .object({
    created_timestamp: z.union([z.string(), z.number()]),
    sender_id: z.string().min(1),
    target: z.object({ recipient_id: z.string() }).passthrough().optional(),
  })
  .passthrough();
const follow = z
  .object({
    type: z.enum(['follow', 'unfollow']),
    created_timestamp: z.union([z.string(), z.number()]).optional(),
    target: z.object({ id: z.string() }).passthrough(),
    source: z.object({ id: z.string(), name: z.string().optional() }).passthrough(),
  })
  .passthrough();
const body = z
  .object({
    for_user_id: z.string().min(1),
    direct_message_events: z.array(dm).optional(),
    direct_message_mark_read_events: z.array(markRead).optional(),
    direct_message_indicate_typing_events: z.array(typing).optional(),
    follow_events: z.array(follow).optional(),
    users: z.record(z.string(), z.object({ name: z.string().optional() }).passthrough()).optional(),
  })
  .passthrough();

/** Parses an Account Activity payload into DM events (own sent DMs dropped), read receipts, typing and follows. */
export function normalizeXActivity(req: WebhookRequest, integration: Integration): InboundEvent[] {
  const p = parseJsonBody(req.rawBody, body);
  const events: InboundEvent[] = [];
  for (const e of p.direct_message_events ?? []) {
    const mc = e.message_create;
    if (e.type !== 'message_create' || !mc) continue;
    if (mc.sender_id === p.for_user_id) continue; // X sends copies of the account's own DMs
    const name = p.users?.[mc.sender_id]?.name;
    const base = {
      channel: 'x' as const,
      integrationId: integration.id,
      channelUserId: mc.sender_id,
      messageId: e.id,
      at: millis(e.created_timestamp) ?? 0,
      ...(name ? { displayName: name } : {}),
    };
    const d = mc.message_data;
    const m = d.attachment?.media;
    if (d.quick_reply_response) {
      events.push({
        type: 'message.received',
        ...base,
        kind: 'postback',
        postback: { payload: d.quick_reply_response.metadata ?? '', ...(d.text ? { title: d.text } : {}) },
        ...(d.text ? { text: d.text } : {}),
      });
    } else if (m) {
      events.push({
        type: 'message.received',
        ...base,
        kind: 'media',
        media: [
          {
            ...(m.media_url_https ? { url: m.media_url_https } : {}),
            ...(m.id_str ? { id: m.id_str } : {}),
            ...(m.type ? { mimeType: m.type } : {}),
          },
        ],
        ...(d.text ? { text: d.text } : {}),
      });
    } else {
      const signal = keywordSignal(d.text, integration);
      events.push(
        signal
          ? { type: signal, ...base, text: d.text }
          : { type: 'message.received', ...base, kind: 'text', text: d.text ?? '' },
      );
    }
  }
  for (const r of p.direct_message_mark_read_events ?? []) {
    if (r.sender_id === p.for_user_id) continue; // the account read the customer's message
    events.push({
      type: 'receipt.received',
      channel: 'x',
      integrationId: integration.id,
      channelUserId: r.sender_id,
      messageId: `read:${r.last_read_event_id}`,
      at: millis(r.created_timestamp) ?? 0,
      status: 'read',
      providerMessageIds: [r.last_read_event_id],
    });
  }
  for (const t of p.direct_message_indicate_typing_events ?? []) {
    if (t.sender_id === p.for_user_id) continue; // the account itself typing
    const at = millis(t.created_timestamp) ?? 0;
    // X sends a typing event when the customer starts typing; the indicator lapses by itself.
    events.push({
      type: 'typing.indicated',
      channel: 'x',
      integrationId: integration.id,
      channelUserId: t.sender_id,
      messageId: `typing:${t.sender_id}:${at}`,
      at,
      active: true,
      by: 'customer',
    });
  }
  for (const f of p.follow_events ?? []) {
    if (f.target.id !== p.for_user_id) continue; // the account followed someone
    const at = millis(f.created_timestamp) ?? 0;
    events.push({
      type: f.type === 'follow' ? 'contact.followed' : 'contact.unfollowed',
      channel: 'x',
      integrationId: integration.id,
      channelUserId: f.source.id,
      messageId: `${f.type}:${f.source.id}:${at}`,
      at,
    });
  }
  return events;
}

/** The X DM adapter. */
export const xAdapter: ChannelAdapter = {
  channel: 'x',
  length: { max: 10_000, unit: 'chars', split: true },
  handshake: xCrcHandshake,
  verify: verifyXSignature,
  normalize: normalizeXActivity,
  async send(message, integration, fetchImpl) {
    if (message.kind !== 'text' || !message.text)
      throw new SendError('message_invalid', `X direct messages send text; got kind "${message.kind}"`, false);
    return sendXDirectMessage(integration, message.channelUserId, message.text, fetchImpl);
  },
};
