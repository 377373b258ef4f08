/**
 * LINE Messaging API: `x-line-signature` = base64 HMAC-SHA256(channel secret, raw body); events deduplicated by
 * `webhookEventId`, messages identified by `message.id`; replies use the event's single-use reply token
 * (1 minute), push otherwise.
 */
import { parseJsonBody } from '../parse.js';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AdapterOptions, ChannelAdapter, Integration, SendResult, WebhookRequest } from '../channel.js';
import { SendError, WebhookError } from '../channel.js';
import type { InboundEvent, MessageReceived, OutboundMessage } from '../../protocol/channels.js';
import { lineRichMessage, lineRichSupport } from './rich.js';
import { type LineEvent, lineWebhookBody } from './schema.js';

/** Public LINE API base; integrations override it with `sendBaseUrl`. */
export const LINE_API_BASE_URL = 'https://api.line.me';
const SEND_TIMEOUT_MS = 10_000;

/** Options of the LINE adapter. */
export type LineAdapterOptions = AdapterOptions;

/**
 * Builds the LINE adapter. The reply token travels with the canonical event (message, postback and follow
 * events) to the conversation, which decides within the token's life to answer with it (`replyTo`); the
 * adapter then uses the reply API, and push when there is no token or LINE refuses it.
 */
export function createLineAdapter(options: LineAdapterOptions = {}): ChannelAdapter {
  const now = options.now ?? Date.now;
  return {
    channel: 'line',
    length: { max: 5_000, unit: 'chars', split: true },

    verify(req: WebhookRequest, integration: Integration): void {
      const header = req.headers.get('x-line-signature');
      if (!header) throw new WebhookError(401, 'signature_invalid', 'the x-line-signature header is missing');
      const expected = createHmac('sha256', integration.secret).update(req.rawBody).digest();
      const given = Buffer.from(header, 'base64');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new WebhookError(
          401,
          'signature_invalid',
          'x-line-signature does not match the body signed with the channel secret',
        );
      }
    },

    normalize(req: WebhookRequest, integration: Integration): InboundEvent[] {
      const body = parseJsonBody(req.rawBody, lineWebhookBody);
      const receivedAt = now();
      const out: InboundEvent[] = [];
      for (const e of body.events) {
        const ev = normalizeEvent(e, integration.id, receivedAt);
        if (ev) out.push(ev);
      }
      return out;
    },

    richSupport: lineRichSupport,
    async send(message: OutboundMessage, integration: Integration, fetchImpl: typeof fetch): Promise<SendResult> {
      const token = integration.credentials.accessToken;
      if (!token)
        throw new SendError(
          'integration_misconfigured',
          `LINE integration ${integration.id} has no credentials.accessToken`,
          false,
        );
      const messages = [lineMessageOf(message)];
      const base = (integration.sendBaseUrl ?? LINE_API_BASE_URL).replace(/\/$/, '');
      const replyToken = message.replyTo ? rawToken(message.replyTo) : undefined;
      if (replyToken) {
        const res = await call(fetchImpl, `${base}/v2/bot/message/reply`, token, { replyToken, messages });
        if (res.ok) return providerIdOf(await res.json().catch(() => ({})));
        const err = await errorOf(res);
        // Used or expired token: fall back to push (the message still reaches the customer).
        if (!(res.status === 400 && /reply token/i.test(err.message))) throw err;
      }
      // A split message's parts share message.id: the retry key also covers the part's content.
      const res = await call(
        fetchImpl,
        `${base}/v2/bot/message/push`,
        token,
        { to: message.channelUserId, messages },
        `${message.id}\n${JSON.stringify(messages)}`,
      );
      // 409: this retry key was already accepted, i.e. an earlier attempt was delivered.
      if (res.status === 409) return { providerMessageId: res.headers.get('x-line-accepted-request-id') ?? undefined };
      if (!res.ok) throw await errorOf(res);
      return providerIdOf(await res.json().catch(() => ({})));
    },
  };
}

/** The shared default LINE adapter. */
export const lineAdapter = createLineAdapter();

function normalizeEvent(e: LineEvent, integrationId: string, receivedAt: number): InboundEvent | undefined {
  // A group or room is one conversation (replies are pushed to it); a 1:1 chat is keyed by the user.
  const s = e.source;
  const channelUserId = s?.type === 'group' ? s.groupId : s?.type === 'room' ? s.roomId : s?.userId;
  if (!channelUserId) return undefined; // e.g. events without a source: nothing to route
  // webhookEventId is what a redelivery repeats: the dedupe id. A message's own id is LINE's message.id.
  const base = {
    channel: 'line' as const,
    integrationId,
    channelUserId,
    messageId: e.webhookEventId,
    dedupeId: e.webhookEventId,
    at: e.timestamp,
    receivedAt,
  };
  // A redelivered event's reply token may be unusable: only fresh ones travel on.
  const reply = e.replyToken && !e.deliveryContext?.isRedelivery ? { replyToken: e.replyToken } : {};
  switch (e.type) {
    case 'message': {
      if (!e.message)
        throw new WebhookError(
          400,
          'body_invalid',
          `event ${e.webhookEventId}: a message event needs a message object`,
        );
      return { ...base, messageId: e.message.id, type: 'message.received', ...messageFields(e.message), ...reply };
    }
    case 'postback': {
      if (!e.postback)
        throw new WebhookError(400, 'body_invalid', `event ${e.webhookEventId}: a postback event needs postback.data`);
      // A date/time picker answers with params.date, params.time or params.datetime.
      const p = e.postback.params ?? {};
      const picked = [p.datetime, p.date, p.time].find((v): v is string => typeof v === 'string');
      return {
        ...base,
        type: 'message.received',
        kind: 'postback',
        postback: { payload: e.postback.data, ...(picked ? { picked } : {}) },
        ...(picked ? { text: picked } : {}),
        ...reply,
      };
    }
    case 'follow':
      return { ...base, type: 'contact.followed', ...reply };
    case 'unfollow':
      return { ...base, type: 'contact.unfollowed' };
    case 'unsend': {
      if (!e.unsend)
        throw new WebhookError(
          400,
          'body_invalid',
          `event ${e.webhookEventId}: an unsend event needs unsend.messageId`,
        );
      return { ...base, type: 'message.unsent', unsentMessageId: e.unsend.messageId };
    }
    default:
      // join/leave/memberJoined/beacon/… carry no customer input for a conversation.
      return undefined;
  }
}

type MessageFields = Pick<MessageReceived, 'kind' | 'text' | 'media' | 'location'>;

function messageFields(m: NonNullable<LineEvent['message']>): MessageFields {
  switch (m.type) {
    case 'text':
      return { kind: 'text', text: m.text ?? '' };
    case 'image':
    case 'video':
    case 'audio':
    case 'file': {
      // Content is fetched by message id (api-data.line.me/v2/bot/message/{id}/content) unless external.
      const url = m.contentProvider?.type === 'external' ? m.contentProvider.originalContentUrl : undefined;
      const mimeType = m.type === 'file' ? undefined : `${m.type}/*`;
      return {
        kind: 'media',
        media: [
          {
            id: m.id,
            ...(url ? { url } : {}),
            ...(mimeType ? { mimeType } : {}),
            ...(m.fileName ? { filename: m.fileName } : {}),
          },
        ],
      };
    }
    case 'location':
      if (typeof m.latitude !== 'number' || typeof m.longitude !== 'number') {
        throw new WebhookError(400, 'body_invalid', `message ${m.id}: a location needs latitude and longitude`);
      }
      return {
        kind: 'location',
        location: {
          latitude: m.latitude,
          longitude: m.longitude,
          ...(m.title ? { name: m.title } : {}),
          ...(m.address ? { address: m.address } : {}),
        },
      };
    case 'sticker':
      return {
        kind: 'sticker',
        media: [
          { id: `${m.packageId ?? ''}/${m.stickerId ?? ''}`, ...(m.keywords ? { caption: m.keywords.join(' ') } : {}) },
        ],
      };
    default:
      return { kind: 'unsupported' };
  }
}

function lineMessageOf(m: OutboundMessage): Record<string, unknown> {
  if (m.kind === 'rich' && m.rich) return lineRichMessage(m.rich);
  if (m.kind === 'text' && m.text) return { type: 'text', text: m.text };
  if (m.kind === 'media' && m.media?.url) {
    const mime = m.media.mimeType ?? '';
    if (mime.startsWith('image/'))
      return { type: 'image', originalContentUrl: m.media.url, previewImageUrl: m.media.url };
    if (mime.startsWith('video/'))
      return { type: 'video', originalContentUrl: m.media.url, previewImageUrl: m.media.url };
    // LINE cannot send files by URL: the link goes as text.
    return { type: 'text', text: [m.media.caption, m.media.url].filter(Boolean).join('\n') };
  }
  throw new SendError(
    'unsupported_message',
    `LINE cannot send a ${m.kind} message without ${m.kind === 'media' ? 'media.url' : 'text'}`,
    false,
  );
}

/** The reply token in `replyTo`; a webhookEventId (26-character ULID, from events queued before tokens travelled) is none. */
function rawToken(replyTo: string): string | undefined {
  return /^[0-9A-Z]{26}$/.test(replyTo) ? undefined : replyTo;
}

async function call(
  fetchImpl: typeof fetch,
  url: string,
  token: string,
  body: unknown,
  retryKey?: string,
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  // Push retries stay idempotent with X-Line-Retry-Key (a UUID derived from our message id).
  if (retryKey) headers['x-line-retry-key'] = uuidOf(retryKey);
  try {
    return await fetchImpl(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
  } catch (cause) {
    throw new SendError('provider_unreachable', `LINE API unreachable: ${(cause as Error).message}`, true);
  }
}

function providerIdOf(body: unknown): SendResult {
  const sent = (body as { sentMessages?: { id?: string }[] }).sentMessages;
  const id = sent?.[0]?.id;
  return id ? { providerMessageId: id } : {};
}

/** Maps LINE error responses (`{"message": …}`) to reason codes. */
async function errorOf(res: Response): Promise<SendError> {
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  const msg = body.message ?? res.statusText;
  const retryAfter = Number(res.headers.get('retry-after'));
  const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
  if (res.status === 429 && /quota|monthly limit/i.test(msg))
    return new SendError('quota_exceeded', `LINE monthly message quota reached: ${msg}`, false, '429');
  if (res.status === 429) return new SendError('rate_limited', `LINE rate limit: ${msg}`, true, '429', retryAfterMs);
  if (res.status >= 500)
    return new SendError('provider_error', `LINE API ${res.status}: ${msg}`, true, String(res.status), retryAfterMs);
  if (res.status === 401 || res.status === 403)
    return new SendError('auth_failed', `LINE refused the channel access token: ${msg}`, false, String(res.status));
  if (/reply token/i.test(msg)) return new SendError('reply_token_invalid', `LINE: ${msg}`, false, String(res.status));
  if (res.status === 404 || /not found/i.test(msg))
    return new SendError('recipient_invalid', `LINE: ${msg}`, false, String(res.status));
  return new SendError('rejected', `LINE API ${res.status}: ${msg}`, false, String(res.status));
}

function uuidOf(id: string): string {
  const h = createHmac('sha1', 'switchboard-line-retry-key').update(id).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
