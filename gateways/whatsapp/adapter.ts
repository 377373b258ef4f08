/** WhatsApp Cloud API: `whatsapp_business_account` webhooks in, Graph `/<phone id>/messages` out. */
import { z } from 'zod';
import type { InboundEvent, MessageReceived } from '../../protocol/channels.js';
import { SendError, type ChannelAdapter, type Integration, type WebhookRequest } from '../channel.js';
import { keywordSignal } from '../keywords.js';
import { GRAPH_BASE_URL, graphSendError } from '../meta/graph.js';
import { metaHandshake, verifyMetaSignature } from '../meta/webhook.js';
import { parseJsonBody, secondsToMs } from '../parse.js';
import { joinUrl, postJson } from '../provider-http.js';
import { whatsappBody } from './message.js';
import { whatsappRichSupport } from './rich.js';

const media = z
  .object({
    id: z.string().optional(),
    mime_type: z.string().optional(),
    caption: z.string().optional(),
    filename: z.string().optional(),
    link: z.string().optional(),
  })
  .passthrough();
const message = z
  .object({
    from: z.string().min(1),
    id: z.string().min(1),
    timestamp: z.union([z.string(), z.number()]),
    type: z.string(),
    text: z.object({ body: z.string() }).optional(),
    image: media.optional(),
    audio: media.optional(),
    video: media.optional(),
    document: media.optional(),
    sticker: media.optional(),
    location: z
      .object({
        latitude: z.number(),
        longitude: z.number(),
        name: z.string().optional(),
        address: z.string().optional(),
      })
      .optional(),
    contacts: z.array(z.record(z.string(), z.unknown())).optional(),
    interactive: z
      .object({
        type: z.string(),
        button_reply: z.object({ id: z.string(), title: z.string().optional() }).optional(),
        list_reply: z.object({ id: z.string(), title: z.string().optional() }).optional(),
      })
      .passthrough()
      .optional(),
    button: z.object({ payload: z.string().optional(), text: z.string().optional() }).optional(),
    reaction: z.object({ message_id: z.string().optional(), emoji: z.string().optional() }).optional(),
    referral: z
      .object({
        source_type: z.string().optional(),
        source_id: z.string().optional(),
        source_url: z.string().optional(),
      })
      .passthrough()
      .optional(),
    system: z.object({ body: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();
const status = z
  .object({
    id: z.string().min(1),
    status: z.string(),
    timestamp: z.union([z.string(), z.number()]),
    recipient_id: z.string().min(1),
    errors: z
      .array(
        z
          .object({ code: z.number().optional(), title: z.string().optional(), message: z.string().optional() })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();
const body = z
  .object({
    object: z.literal('whatsapp_business_account'),
    entry: z.array(
      z
        .object({
          id: z.string().optional(),
          changes: z.array(
            z
              .object({
                field: z.string(),
                value: z
                  .object({
                    metadata: z.object({ phone_number_id: z.string().optional() }).passthrough().optional(),
                    contacts: z
                      .array(
                        z
                          .object({
                            wa_id: z.string().optional(),
                            profile: z.object({ name: z.string().optional() }).optional(),
                          })
                          .passthrough(),
                      )
                      .optional(),
                    messages: z.array(message).optional(),
                    statuses: z.array(status).optional(),
                  })
                  .passthrough(),
              })
              .passthrough(),
          ),
        })
        .passthrough(),
    ),
  })
  .passthrough();

type WaMessage = z.infer<typeof message>;

const MEDIA_TYPES = ['image', 'audio', 'video', 'document', 'sticker'] as const;

function toEvent(m: WaMessage, integration: Integration, names: Map<string, string>): InboundEvent {
  const base = {
    channel: 'whatsapp' as const,
    integrationId: integration.id,
    channelUserId: m.from,
    messageId: m.id,
    at: secondsToMs(m.timestamp) ?? 0,
    ...(names.get(m.from) ? { displayName: names.get(m.from) } : {}),
  };
  const msg = (fields: Omit<MessageReceived, keyof typeof base | 'type'>): MessageReceived => ({
    type: 'message.received',
    ...base,
    ...fields,
  });
  const referral = m.referral
    ? {
        referral: {
          source:
            m.referral.source_type === 'ad'
              ? ('ad' as const)
              : m.referral.source_type === 'post'
                ? ('post' as const)
                : ('other' as const),
          ...(m.referral.source_id ? { ref: m.referral.source_id } : {}),
        },
      }
    : {};
  if (m.type === 'text' && m.text) {
    const signal = keywordSignal(m.text.body, integration);
    if (signal) return { type: signal, ...base, text: m.text.body };
    return msg({ kind: 'text', text: m.text.body, ...referral });
  }
  const mediaType = MEDIA_TYPES.find((t) => t === m.type);
  if (mediaType && m[mediaType]) {
    const x = m[mediaType]!;
    return msg({
      kind: mediaType === 'sticker' ? 'sticker' : 'media',
      ...referral,
      media: [
        {
          ...(x.id ? { id: x.id } : {}),
          ...(x.mime_type ? { mimeType: x.mime_type } : {}),
          ...(x.caption ? { caption: x.caption } : {}),
          ...(x.filename ? { filename: x.filename } : {}),
        },
      ],
      ...(x.caption ? { text: x.caption } : {}),
    });
  }
  if (m.type === 'location' && m.location) return msg({ kind: 'location', location: m.location });
  if (m.type === 'contacts' && m.contacts) return msg({ kind: 'contact', contact: { contacts: m.contacts } });
  if (m.type === 'interactive' && m.interactive) {
    const reply = m.interactive.button_reply ?? m.interactive.list_reply;
    if (reply)
      return msg({
        kind: 'postback',
        postback: { payload: reply.id, ...(reply.title ? { title: reply.title } : {}) },
        ...(reply.title ? { text: reply.title } : {}),
      });
  }
  if (m.type === 'button' && m.button) {
    return msg({
      kind: 'postback',
      postback: {
        payload: m.button.payload ?? m.button.text ?? '',
        ...(m.button.text ? { title: m.button.text } : {}),
      },
      ...(m.button.text ? { text: m.button.text } : {}),
    });
  }
  if (m.type === 'reaction' && m.reaction)
    return msg({ kind: 'reaction', ...(m.reaction.emoji ? { text: m.reaction.emoji } : {}) });
  return msg({ kind: 'unsupported', ...(m.system?.body ? { text: m.system.body } : {}) });
}

/** The WhatsApp Cloud API adapter. */
export const whatsappAdapter: ChannelAdapter = {
  channel: 'whatsapp',
  length: { max: 4096, unit: 'chars', split: true },
  // Cloud API default throughput per business phone number.
  defaultRatePerSecond: 80,
  handshake: metaHandshake,
  verify: verifyMetaSignature,
  richSupport: whatsappRichSupport,
  normalize(req: WebhookRequest, integration: Integration): InboundEvent[] {
    const payload = parseJsonBody(req.rawBody, body);
    const events: InboundEvent[] = [];
    for (const entry of payload.entry) {
      for (const change of entry.changes) {
        if (change.field !== 'messages') continue;
        const v = change.value;
        const names = new Map(
          (v.contacts ?? []).filter((c) => c.wa_id && c.profile?.name).map((c) => [c.wa_id!, c.profile!.name!]),
        );
        for (const m of v.messages ?? []) events.push(toEvent(m, integration, names));
        for (const s of v.statuses ?? []) {
          if (s.status !== 'delivered' && s.status !== 'read' && s.status !== 'failed') continue; // `sent` is known from the send call
          const err = s.errors?.[0];
          const reason =
            s.status === 'failed'
              ? {
                  code: err?.code === 131047 ? 'reply_window_closed' : 'provider_rejected',
                  message: err?.message ?? err?.title ?? 'the message could not be delivered',
                  ...(err?.code !== undefined ? { providerCode: String(err.code) } : {}),
                }
              : undefined;
          events.push({
            type: 'receipt.received',
            channel: 'whatsapp',
            integrationId: integration.id,
            channelUserId: s.recipient_id,
            messageId: `${s.id}:${s.status}`,
            at: secondsToMs(s.timestamp) ?? 0,
            status: s.status,
            providerMessageIds: [s.id],
            ...(reason ? { reason } : {}),
          });
        }
      }
    }
    return events;
  },
  async send(message, integration, fetchImpl) {
    const phoneId = integration.credentials.phoneNumberId;
    const token = integration.credentials.accessToken;
    if (!phoneId || !token)
      throw new SendError(
        'integration_misconfigured',
        `integration ${integration.id} needs credentials.phoneNumberId and credentials.accessToken`,
        false,
      );
    const url = joinUrl(integration.sendBaseUrl ?? GRAPH_BASE_URL, `${phoneId}/messages`);
    const res = await postJson(fetchImpl, url, whatsappBody(message), { authorization: `Bearer ${token}` });
    if (res.status >= 300) throw graphSendError(res);
    const id = (res.body as { messages?: { id?: string }[] } | undefined)?.messages?.[0]?.id;
    return id ? { providerMessageId: id } : {};
  },
};
