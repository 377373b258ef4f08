/**
 * Telegram Bot API webhooks: the static `X-Telegram-Bot-Api-Secret-Token` (no HMAC), one Update per request
 * deduplicated by `update_id`, messages identified by `message_id` in their chat; sends through sendMessage/sendPhoto/… with the bot token in the path.
 */
import { parseJsonBody } from '../parse.js';
import { timingSafeEqual } from 'node:crypto';
import type { ChannelAdapter, Integration, SendResult, WebhookRequest, AdapterOptions } from '../channel.js';
import { telegramRichFields, telegramRichSupport } from './rich.js';
import { SendError, WebhookError } from '../channel.js';
import type { InboundEvent, MediaItem, MessageReceived, OutboundMessage } from '../../protocol/channels.js';
import { type TelegramMessage, telegramUpdate } from './schema.js';

/** Public Bot API base; integrations override it with `sendBaseUrl`. */
export const TELEGRAM_API_BASE_URL = 'https://api.telegram.org';
const SEND_TIMEOUT_MS = 10_000;

/** Options of the Telegram adapter. */
export type TelegramAdapterOptions = AdapterOptions;

/** Builds the Telegram adapter. */
export function createTelegramAdapter(options: TelegramAdapterOptions = {}): ChannelAdapter {
  const now = options.now ?? Date.now;
  return {
    channel: 'telegram',
    length: { max: 4_096, unit: 'chars', split: true },

    verify(req: WebhookRequest, integration: Integration): void {
      const given = req.headers.get('x-telegram-bot-api-secret-token');
      if (!given)
        throw new WebhookError(
          401,
          'signature_invalid',
          'the X-Telegram-Bot-Api-Secret-Token header is missing; set secret_token in setWebhook',
        );
      const a = Buffer.from(given);
      const b = Buffer.from(integration.secret);
      if (a.length !== b.length || !timingSafeEqual(a, b)) {
        throw new WebhookError(
          401,
          'signature_invalid',
          'X-Telegram-Bot-Api-Secret-Token does not match the secret_token of this integration',
        );
      }
    },

    normalize(req: WebhookRequest, integration: Integration): InboundEvent[] {
      const u = parse(req.rawBody);
      const receivedAt = now();
      // update_id is what a retry repeats (the dedupe id); a message's own id is its message_id in its chat.
      const dedupeId = String(u.update_id);
      const m = u.message ?? u.edited_message;
      if (m) {
        if (m.from?.is_bot) return [];
        return [{ ...baseOf(m, integration.id, dedupeId, receivedAt), type: 'message.received', ...contentOf(m) }];
      }
      if (u.callback_query) {
        const q = u.callback_query;
        const chatId = q.message?.chat.id ?? q.from.id;
        return [
          {
            type: 'message.received',
            channel: 'telegram',
            integrationId: integration.id,
            channelUserId: String(chatId),
            messageId: `callback:${q.id}`,
            dedupeId,
            at: q.message ? q.message.date * 1000 : receivedAt,
            receivedAt,
            ...nameOf(q.from),
            kind: 'postback',
            postback: { payload: q.data ?? '', ...(q.message?.text ? { title: q.message.text } : {}) },
          },
        ];
      }
      if (u.my_chat_member && u.my_chat_member.chat.type === 'private') {
        // The customer blocked (kicked) or unblocked the bot.
        const c = u.my_chat_member;
        const status = c.new_chat_member.status;
        const type = status === 'kicked' ? 'contact.unfollowed' : status === 'member' ? 'contact.followed' : undefined;
        if (!type) return [];
        return [
          {
            type,
            channel: 'telegram',
            integrationId: integration.id,
            channelUserId: String(c.chat.id),
            messageId: `member:${c.date}:${status}`,
            dedupeId,
            at: c.date * 1000,
            receivedAt,
            ...nameOf(c.from),
          },
        ];
      }
      return []; // channel posts, inline queries, polls … are not customer conversation input
    },

    richSupport: telegramRichSupport,
    async send(message: OutboundMessage, integration: Integration, fetchImpl: typeof fetch): Promise<SendResult> {
      const token = integration.credentials.botToken;
      if (!token)
        throw new SendError(
          'integration_misconfigured',
          `Telegram integration ${integration.id} has no credentials.botToken`,
          false,
        );
      const [method, body] = requestOf(message);
      const base = (integration.sendBaseUrl ?? TELEGRAM_API_BASE_URL).replace(/\/$/, '');
      let res: Response;
      try {
        res = await fetchImpl(`${base}/bot${token}/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        });
      } catch (cause) {
        throw new SendError('provider_unreachable', `Telegram Bot API unreachable: ${(cause as Error).message}`, true);
      }
      const json = (await res.json().catch(() => ({}))) as TelegramResponse;
      if (res.ok && json.ok && json.result?.message_id !== undefined)
        return { providerMessageId: String(json.result.message_id) };
      throw errorOf(res.status, json);
    },
  };
}

/** The shared default Telegram adapter. */
export const telegramAdapter = createTelegramAdapter();

interface TelegramResponse {
  ok?: boolean;
  result?: { message_id?: number };
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

function parse(raw: Uint8Array) {
  return parseJsonBody(raw, telegramUpdate);
}

function nameOf(u: { first_name?: string; last_name?: string; username?: string } | undefined): {
  displayName?: string;
} {
  const name = [u?.first_name, u?.last_name].filter(Boolean).join(' ') || u?.username;
  return name ? { displayName: name } : {};
}

function baseOf(m: TelegramMessage, integrationId: string, dedupeId: string, receivedAt: number) {
  return {
    channel: 'telegram' as const,
    integrationId,
    channelUserId: String(m.chat.id),
    messageId: String(m.message_id),
    dedupeId,
    at: m.date * 1000,
    receivedAt,
    ...nameOf(m.from),
  };
}

type Content = Pick<MessageReceived, 'kind' | 'text' | 'media' | 'location' | 'contact'>;

function contentOf(m: TelegramMessage): Content {
  const caption = m.caption ? { caption: m.caption } : {};
  const item = (f: { file_id: string; mime_type?: string; file_name?: string }, mime?: string): MediaItem => ({
    id: f.file_id,
    ...((f.mime_type ?? mime) ? { mimeType: f.mime_type ?? mime } : {}),
    ...(f.file_name ? { filename: f.file_name } : {}),
    ...caption,
  });
  const text = m.caption ? { text: m.caption } : {};
  // Photos come in several sizes, the largest last.
  if (m.photo?.length) return { kind: 'media', media: [item(m.photo[m.photo.length - 1]!, 'image/jpeg')], ...text };
  for (const f of [m.document, m.video, m.audio, m.voice, m.animation, m.video_note])
    if (f) return { kind: 'media', media: [item(f)], ...text };
  if (m.sticker)
    return {
      kind: 'sticker',
      media: [{ id: m.sticker.file_id, ...(m.sticker.emoji ? { caption: m.sticker.emoji } : {}) }],
    };
  if (m.venue)
    return {
      kind: 'location',
      location: {
        latitude: m.venue.location.latitude,
        longitude: m.venue.location.longitude,
        name: m.venue.title,
        address: m.venue.address,
      },
    };
  if (m.location)
    return { kind: 'location', location: { latitude: m.location.latitude, longitude: m.location.longitude } };
  if (m.contact) {
    // Only the contact's documented fields: unknown ones may be anything, nested any depth.
    const c = m.contact;
    return {
      kind: 'contact',
      contact: {
        phone_number: c.phone_number,
        first_name: c.first_name,
        ...(c.last_name !== undefined ? { last_name: c.last_name } : {}),
        ...(c.user_id !== undefined ? { user_id: c.user_id } : {}),
        ...(c.vcard !== undefined ? { vcard: c.vcard } : {}),
      },
    };
  }
  if (typeof m.text === 'string') return { kind: 'text', text: m.text };
  return { kind: 'unsupported' };
}

function requestOf(m: OutboundMessage): [string, Record<string, unknown>] {
  const chat_id = m.channelUserId;
  const reply =
    m.replyTo && /^\d+$/.test(m.replyTo)
      ? { reply_parameters: { message_id: Number(m.replyTo), allow_sending_without_reply: true } }
      : {};
  if (m.kind === 'text' && m.text) return ['sendMessage', { chat_id, text: m.text, ...reply }];
  if (m.kind === 'rich' && m.rich) return ['sendMessage', { chat_id, ...telegramRichFields(m.rich), ...reply }];
  if (m.kind === 'media' && (m.media?.url || m.media?.id)) {
    const file = m.media.url ?? m.media.id;
    const mime = m.media.mimeType ?? '';
    const caption = m.media.caption ?? m.text;
    const extra = caption ? { caption } : {};
    if (mime.startsWith('image/')) return ['sendPhoto', { chat_id, photo: file, ...extra, ...reply }];
    if (mime.startsWith('video/')) return ['sendVideo', { chat_id, video: file, ...extra, ...reply }];
    if (mime.startsWith('audio/')) return ['sendAudio', { chat_id, audio: file, ...extra, ...reply }];
    return ['sendDocument', { chat_id, document: file, ...extra, ...reply }];
  }
  throw new SendError(
    'unsupported_message',
    `Telegram cannot send a ${m.kind} message${m.kind === 'template' ? ' (no templates on Telegram)' : ' without content'}`,
    false,
  );
}

/** Bot API errors: `{ok:false, error_code, description, parameters}`. */
function errorOf(status: number, j: TelegramResponse): SendError {
  const code = String(j.error_code ?? status);
  const desc = j.description ?? `HTTP ${status}`;
  const msg = `Telegram ${code}: ${desc}`;
  if (code === '429')
    return new SendError(
      'rate_limited',
      msg,
      true,
      code,
      j.parameters?.retry_after !== undefined ? j.parameters.retry_after * 1000 : undefined,
    );
  if (status >= 500 || Number(code) >= 500) return new SendError('provider_error', msg, true, code);
  if (code === '403' && /blocked|deactivated|kicked/i.test(desc))
    return new SendError('recipient_blocked', msg, false, code);
  // An unknown bot token answers 404 "Not Found" (the method path does not exist for it).
  if (code === '401' || (code === '404' && /^not found$/i.test(desc)))
    return new SendError('auth_failed', msg, false, code);
  if (/chat not found|user not found|PEER_ID_INVALID/i.test(desc))
    return new SendError('recipient_invalid', msg, false, code);
  if (/message is too long|text is too long|caption is too long/i.test(desc))
    return new SendError('message_too_long', msg, false, code);
  if (code === '403') return new SendError('forbidden', msg, false, code);
  return new SendError('rejected', msg, false, code);
}
