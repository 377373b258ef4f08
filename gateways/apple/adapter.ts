/**
 * Apple Messages for Business (MSP REST API): Apple calls `Authorization: Bearer <HS256 JWT, aud = MSP id>` (the body
 * is not signed), message id in `id`, customer in `source-id`; bodies may arrive gzip-compressed. Sends go to
 * `/v1/message` with a JWT issued by the MSP id.
 */
import { parseJsonBody } from '../parse.js';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { ChannelAdapter, Integration, SendResult, WebhookRequest, AdapterOptions } from '../channel.js';
import { SendError, WebhookError } from '../channel.js';
import type { InboundEvent, MediaItem, MessageReceived, OutboundMessage } from '../../protocol/channels.js';
import { boundPassThrough } from '../bound.js';
import { jwtProblem, signAppleJwt } from './jwt.js';
import { appleInteractiveData, applePickerAnswer, appleRichSupport } from './rich.js';
import { type AppleMessage, appleMessage } from './schema.js';

/** Apple's MSP gateway; integrations override it with `sendBaseUrl`. */
export const APPLE_API_BASE_URL = 'https://mspgw.push.apple.com';
/** Decompressed bodies above this are refused (interactive data over 10 KB arrives by reference anyway). */
export const APPLE_MAX_BODY_BYTES = 1024 * 1024;
const SEND_TIMEOUT_MS = 10_000;

/** Options of the Apple adapter. */
export type AppleAdapterOptions = AdapterOptions;

/** Builds the Apple Messages for Business adapter. */
export function createAppleAdapter(options: AppleAdapterOptions = {}): ChannelAdapter {
  const now = options.now ?? Date.now;
  return {
    channel: 'apple',
    length: { max: 2_000, unit: 'chars', split: true },

    verify(req: WebhookRequest, integration: Integration): void {
      const auth = req.headers.get('authorization') ?? '';
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      if (!m) throw new WebhookError(401, 'signature_invalid', 'the Authorization header must be "Bearer <JWT>"');
      const problem = jwtProblem(m[1]!, integration.secret, integration.credentials.mspId, now());
      if (problem) throw new WebhookError(401, 'signature_invalid', problem);
      const business = integration.credentials.businessId;
      const destination = req.headers.get('destination-id');
      if (business && destination && destination !== business) {
        throw new WebhookError(
          403,
          'destination_mismatch',
          `destination-id ${destination} is not this integration's business id`,
        );
      }
    },

    normalize(req: WebhookRequest, integration: Integration): InboundEvent[] {
      const msg = parse(req.rawBody);
      const messageId = msg.id ?? req.headers.get('id');
      const channelUserId = msg.sourceId ?? req.headers.get('source-id');
      if (!messageId)
        throw new WebhookError(400, 'body_invalid', 'id: the message id is missing (body id or id header)');
      if (!channelUserId)
        throw new WebhookError(
          400,
          'body_invalid',
          'sourceId: the customer id is missing (body sourceId or source-id header)',
        );
      const receivedAt = now();
      const base = {
        channel: 'apple' as const,
        integrationId: integration.id,
        channelUserId,
        messageId,
        at: receivedAt,
        receivedAt,
      };
      const routing = routingOf(msg, req.headers);
      switch (msg.type) {
        case 'typing_start':
        case 'typing_end':
          return [{ ...base, type: 'typing.indicated', active: msg.type === 'typing_start', by: 'customer' }];
        case 'close':
          return [{ ...base, type: 'conversation.closed_by_customer' }];
        case 'text': {
          const media = (msg.attachments ?? []).map(attachmentOf);
          if (media.length > 0) {
            const text = textWithoutPlaceholders(msg.body);
            return [{ ...base, type: 'message.received', kind: 'media', media, ...(text ? { text } : {}), ...routing }];
          }
          return [
            { ...base, type: 'message.received', kind: 'text', text: textWithoutPlaceholders(msg.body), ...routing },
          ];
        }
        case 'interactive':
          return [{ ...base, type: 'message.received', kind: 'postback', postback: postbackOf(msg), ...routing }];
        default:
          return [{ ...base, type: 'message.received', kind: 'unsupported', ...routing }];
      }
    },

    richSupport: appleRichSupport,
    async send(message: OutboundMessage, integration: Integration, fetchImpl: typeof fetch): Promise<SendResult> {
      const { mspId, businessId } = integration.credentials;
      if (!mspId || !businessId)
        throw new SendError(
          'integration_misconfigured',
          `Apple integration ${integration.id} needs credentials.mspId and credentials.businessId`,
          false,
        );
      const rich = message.kind === 'rich' && message.rich ? message.rich : undefined;
      const text = rich ? '' : textOf(message);
      // A UUID derived from our id and the part's text: a retried send carries the same Apple message id,
      // while the parts of a split message (which share message.id) get different ones.
      const id = uuidFrom(`${message.id}\n${text}`);
      const content = rich
        ? { type: 'interactive', interactiveData: appleInteractiveData(rich, id) }
        : { type: 'text', body: text };
      const token = signAppleJwt(integration.secret, { iss: mspId, iat: Math.floor(now() / 1000) });
      const base = (integration.sendBaseUrl ?? APPLE_API_BASE_URL).replace(/\/$/, '');
      let res: Response;
      try {
        res = await fetchImpl(`${base}/v1/message`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            id,
            'source-id': businessId,
            'destination-id': message.channelUserId,
            'auto-reply': 'false',
            'msp-agent': 'switchboard',
          },
          body: JSON.stringify({
            v: 1,
            id,
            sourceId: businessId,
            destinationId: message.channelUserId,
            ...content,
          }),
          signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        });
      } catch (cause) {
        throw new SendError('provider_unreachable', `Apple MSP gateway unreachable: ${(cause as Error).message}`, true);
      }
      if (res.ok) return { providerMessageId: id };
      const detail = (await res.text().catch(() => '')).slice(0, 200);
      const msg = `Apple ${res.status}${detail ? `: ${detail}` : ''}`;
      const ra = Number(res.headers.get('retry-after'));
      const retryAfterMs = Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined;
      if (res.status === 429) throw new SendError('rate_limited', msg, true, '429', retryAfterMs);
      if (res.status >= 500) throw new SendError('provider_error', msg, true, String(res.status), retryAfterMs);
      if (res.status === 401 || res.status === 403)
        throw new SendError('auth_failed', `${msg} (check mspId and the API secret)`, false, String(res.status));
      if (res.status === 404 || res.status === 410)
        throw new SendError(
          'recipient_unavailable',
          `${msg} (the customer's conversation no longer exists)`,
          false,
          String(res.status),
        );
      throw new SendError('rejected', msg, false, String(res.status));
    },
  };
}

/** The shared default Apple adapter. */
export const appleAdapter = createAppleAdapter();

function parse(raw: Uint8Array): AppleMessage {
  let bytes = raw;
  // Apple may gzip message bodies: detect the gzip magic number rather than trusting headers.
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      bytes = gunzipSync(raw, { maxOutputLength: APPLE_MAX_BODY_BYTES });
    } catch (e) {
      const tooBig = (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
      throw new WebhookError(
        tooBig ? 413 : 400,
        tooBig ? 'body_too_large' : 'body_malformed',
        tooBig ? `the decompressed body exceeds ${APPLE_MAX_BODY_BYTES} bytes` : 'the gzip body cannot be decompressed',
      );
    }
  }
  return parseJsonBody(bytes, appleMessage);
}

/** Apple marks where each attachment sits in the text with U+FFFC; the attachments themselves are the media. */
function textWithoutPlaceholders(body: string | undefined): string {
  const text = body ?? '';
  return text.includes('\uFFFC') ? text.replaceAll('\uFFFC', '').trim() : text;
}

function routingOf(msg: AppleMessage, headers: Headers): Pick<MessageReceived, 'routing'> {
  const intent = msg.intent ?? headers.get('intent') ?? undefined;
  const group = msg.group ?? headers.get('group') ?? undefined;
  const locale = msg.locale ?? headers.get('locale') ?? undefined;
  if (!intent && !group && !locale) return {};
  return { routing: { ...(intent ? { intent } : {}), ...(group ? { group } : {}), ...(locale ? { locale } : {}) } };
}

function attachmentOf(a: NonNullable<AppleMessage['attachments']>[number]): MediaItem {
  // The file is encrypted: downloading needs owner + signature (preDownload) and the AES key to decrypt it.
  const download: Record<string, string> = {};
  for (const k of ['owner', 'key', 'signature', 'signature-base64', 'size'] as const) {
    const v = a[k];
    if (v !== undefined) download[k] = String(v);
  }
  return {
    url: a.url,
    id: a.url,
    ...(a.mimeType ? { mimeType: a.mimeType } : {}),
    ...(a.name ? { filename: a.name } : {}),
    download,
  };
}

function postbackOf(msg: AppleMessage): { payload: string; title?: string; picked?: string } {
  const d = msg.interactiveData;
  if (d) {
    const title = d.receivedMessage?.title ?? d.replyMessage?.title;
    // Quick replies carry the chosen identifier; list/time pickers and forms carry their data dictionary.
    const quick = (d.data as { ['quick-reply']?: { selectedIdentifier?: unknown } } | undefined)?.['quick-reply']
      ?.selectedIdentifier;
    // A list or time picker answer names the chosen items or slot: their identifiers are the payloads given.
    const picked = typeof quick === 'string' ? undefined : applePickerAnswer(d.data);
    if (picked) return { ...picked, ...(title && !picked.title ? { title } : {}) };
    // Only a bounded copy: the data may nest deeper than JSON.stringify (or the wire codec) can go.
    const payload = typeof quick === 'string' ? quick : JSON.stringify(boundPassThrough(d.data ?? {}));
    return { payload, ...(title ? { title } : {}) };
  }
  if (msg.interactiveDataRef) {
    // Over 10 KB: the data is an encrypted attachment; keep the reference for the fetch.
    return {
      payload: JSON.stringify({ interactiveDataRef: msg.interactiveDataRef }),
      ...(msg.interactiveDataRef.title ? { title: msg.interactiveDataRef.title } : {}),
    };
  }
  throw new WebhookError(
    400,
    'body_invalid',
    'interactiveData: an interactive message needs interactiveData or interactiveDataRef',
  );
}

function textOf(m: OutboundMessage): string {
  if (m.kind === 'text' && m.text) return m.text;
  // Apple attachments must be encrypted and uploaded first; a media reply goes out as its link.
  if (m.kind === 'media' && m.media?.url) return [m.media.caption ?? m.text, m.media.url].filter(Boolean).join('\n');
  throw new SendError(
    'unsupported_message',
    `Apple Messages cannot send a ${m.kind} message${m.kind === 'template' ? ' (no templates)' : ' without content'}`,
    false,
  );
}

function uuidFrom(id: string): string {
  const h = createHash('sha1').update(`switchboard-apple:${id}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
