/**
 * Open messaging, compatible with Genesys Cloud Open Messaging: middleware posts the documented inbound message,
 * receipt and event bodies, and Genesys' own outbound webhook bodies (`direction: "Outbound"`: the business's
 * messages and typing, recorded in the customer's conversation, never customer input); Switchboard posts the "Outbound Open NormalizedMessage" to the middleware's webhook,
 * signed `X-Hub-Signature-256: sha256=<base64 HMAC-SHA256(secret, body)>` (base64, not hex).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ZodType } from 'zod';
import type { ChannelAdapter, Integration, SendResult, WebhookRequest, AdapterOptions } from '../channel.js';
import { clipDepth } from '../bound.js';
import { SendError, WebhookError } from '../channel.js';
import type {
  InboundEvent,
  MediaItem,
  MessageEchoed,
  MessageReceived,
  OriginatingEntity,
  OutboundMessage,
  TypingIndicated,
} from '../../protocol/channels.js';
import { type OpenEvent, type OpenMessage, openEvent, openMessage, openReceipt } from './schema.js';

const SEND_TIMEOUT_MS = 10_000;
/** How deep the answer to an inbound API call echoes the posted body. */
const ACK_ECHO_MAX_DEPTH = 32;

/** The base64 signature value Genesys puts in X-Hub-Signature-256 (with its `sha256=` prefix). */
export function openSignature(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`;
}

/** Options of the open messaging adapter. */
export type OpenAdapterOptions = AdapterOptions;

/** Builds the open messaging adapter. */
export function createOpenAdapter(options: OpenAdapterOptions = {}): ChannelAdapter {
  const now = options.now ?? Date.now;
  return {
    channel: 'open',
    length: { max: 10_000, unit: 'chars', split: true },

    verify(req: WebhookRequest, integration: Integration): void {
      const sig = req.headers.get('x-hub-signature-256');
      if (sig) {
        if (!same(sig, openSignature(integration.secret, req.rawBody))) {
          throw new WebhookError(
            401,
            'signature_invalid',
            'X-Hub-Signature-256 does not match sha256=<base64 HMAC-SHA256(secret, body)>',
          );
        }
        return;
      }
      // The Genesys inbound API authenticates with a bearer token instead of a body signature.
      const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.get('authorization') ?? '')?.[1];
      const token = integration.credentials.inboundToken;
      if (bearer && token && same(bearer, token)) return;
      throw new WebhookError(
        401,
        'signature_invalid',
        bearer
          ? "the bearer token is not this integration's inbound token"
          : 'sign the body (X-Hub-Signature-256: sha256=<base64 HMAC-SHA256>) or send Authorization: Bearer <inbound token>',
      );
    },

    normalize(req: WebhookRequest, integration: Integration): InboundEvent[] {
      const value = json(req.rawBody);
      const kind = kindOf(req.url, value);
      const receivedAt = now();
      if (kind === 'event') return typingOf(parse(value, openEvent), integration, receivedAt);
      if (kind === 'receipt') {
        const r = parse(value, openReceipt);
        const status = r.status.toLowerCase();
        // Published/Sent/Removed carry nothing the conversation needs; Failed is how middleware reports a refusal.
        if (status !== 'delivered' && status !== 'read' && status !== 'failed') return [];
        const why = r.reasons?.[0];
        const reason =
          status === 'failed'
            ? {
                code: 'delivery_failed',
                message: why?.message ?? 'the middleware could not deliver the message',
                ...(why?.code ? { providerCode: why.code } : {}),
              }
            : undefined;
        return [
          {
            type: 'receipt.received',
            channel: 'open',
            integrationId: integration.id,
            channelUserId: r.channel.to.id,
            messageId: `receipt:${r.id}:${status}`,
            at: time(r.channel.time, 'channel.time'),
            receivedAt,
            status,
            providerMessageIds: [r.id],
            ...(reason ? { reason } : {}),
          },
        ];
      }
      const m = parse(value, openMessage);
      if (isOutbound(m.direction)) return [echoOf(m, integration, receivedAt)];
      const messageId = m.channel.messageId ?? m.id ?? m.channel.id;
      if (!messageId)
        throw new WebhookError(
          400,
          'body_invalid',
          "channel.messageId: the middleware's message id is required (it is the dedupe id)",
        );
      if (m.text === undefined && !m.content?.length)
        throw new WebhookError(400, 'body_invalid', 'text: a message needs text and/or content');
      const from = m.channel.from;
      const displayName = from.nickname ?? ([from.firstName, from.lastName].filter(Boolean).join(' ') || undefined);
      return [
        {
          type: 'message.received',
          channel: 'open',
          integrationId: integration.id,
          channelUserId: from.id,
          messageId,
          at: time(m.channel.time, 'channel.time'),
          receivedAt,
          ...(displayName ? { displayName } : {}),
          ...contentOf(m),
        },
      ];
    },

    acknowledge(req: WebhookRequest, events: readonly InboundEvent[]): Response {
      // Genesys answers the inbound API with the normalized message it stored; echo the body with its id.
      let body: Record<string, unknown> = {};
      try {
        // Fields the echo does not need may nest deeper than JSON.stringify can go: keep a bounded copy.
        body = clipDepth(JSON.parse(new TextDecoder().decode(req.rawBody)), ACK_ECHO_MAX_DEPTH) as Record<
          string,
          unknown
        >;
      } catch {
        // verified and normalized already; an empty echo is still a success
      }
      const first = events[0];
      const id = first?.type === 'message.received' ? first.messageId : body.id;
      return Response.json(
        { ...body, ...(id !== undefined ? { id } : {}), direction: body.direction ?? 'Inbound', status: 'Accepted' },
        { status: 200 },
      );
    },

    async send(message: OutboundMessage, integration: Integration, fetchImpl: typeof fetch): Promise<SendResult> {
      const url = integration.sendBaseUrl;
      if (!url)
        throw new SendError(
          'integration_misconfigured',
          `open integration ${integration.id} has no sendBaseUrl (the middleware's outbound webhook URL)`,
          false,
        );
      // One id per part: a split message's parts share message.id but not their text.
      const id =
        message.kind === 'text'
          ? `${message.id}.${createHash('sha1')
              .update(message.text ?? '')
              .digest('hex')
              .slice(0, 8)}`
          : message.id;
      const body = JSON.stringify(normalizedMessage(message, integration, id, new Date(now()).toISOString()));
      const headers: Record<string, string> = {
        ...customHeaders(integration),
        'content-type': 'application/json',
        'x-hub-signature-256': openSignature(integration.secret, body),
      };
      let res: Response;
      try {
        res = await fetchImpl(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
      } catch (cause) {
        throw new SendError(
          'provider_unreachable',
          `the open messaging webhook did not answer: ${(cause as Error).message}`,
          true,
        );
      }
      if (res.ok) return { providerMessageId: id };
      const detail = (await res.text().catch(() => '')).slice(0, 200);
      const msg = `open messaging webhook answered ${res.status}${detail ? `: ${detail}` : ''}`;
      const ra = Number(res.headers.get('retry-after'));
      const retryAfterMs = Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined;
      // Genesys retries 408/429/5xx; the rest is the middleware refusing the message.
      if (res.status === 429) throw new SendError('rate_limited', msg, true, '429', retryAfterMs);
      if (res.status >= 500 || res.status === 408)
        throw new SendError('provider_error', msg, true, String(res.status), retryAfterMs);
      if (res.status === 401 || res.status === 403) throw new SendError('auth_failed', msg, false, String(res.status));
      throw new SendError('rejected', msg, false, String(res.status));
    },
  };
}

/** The shared default open messaging adapter. */
export const openAdapter = createOpenAdapter();

function kindOf(url: string, value: unknown): 'message' | 'receipt' | 'event' {
  // The Genesys paths (routes.ts) say which body it is; bare webhook posts are told apart by shape.
  const named = (() => {
    try {
      return new URL(url).searchParams.get('kind');
    } catch {
      return null;
    }
  })();
  if (named === 'receipt' || named === 'event' || named === 'message') return named;
  const v = (value ?? {}) as Record<string, unknown>;
  if (Array.isArray(v.events)) return 'event';
  if (typeof v.status === 'string' && v.text === undefined && v.content === undefined) return 'receipt';
  return 'message';
}

/** Genesys → middleware bodies (its outbound webhook) say `direction: "Outbound"`: the business's side. */
function isOutbound(direction: string | undefined): boolean {
  return direction?.toLowerCase() === 'outbound';
}

function entityOf(value: string | undefined): OriginatingEntity {
  return value?.toLowerCase() === 'bot' ? 'bot' : 'human';
}

/**
 * A Genesys outbound message (an agent's or bot's reply, signed X-Hub-Signature-256): never customer input. It
 * belongs to the conversation of the customer it went to (`channel.to.id`), as the business's message.
 */
function echoOf(m: OpenMessage, integration: Integration, receivedAt: number): MessageEchoed {
  const customer = m.channel.to?.id;
  if (!customer)
    throw new WebhookError(400, 'body_invalid', 'channel.to.id: an outbound message names the customer it went to');
  const id = m.id ?? m.channel.messageId;
  if (!id) throw new WebhookError(400, 'body_invalid', "id: the outbound message's Genesys id is required");
  const media = mediaOf(m);
  const nickname = m.channel.from.nickname;
  return {
    type: 'message.echoed',
    channel: 'open',
    integrationId: integration.id,
    channelUserId: customer,
    messageId: id,
    dedupeId: `outbound:${id}`,
    at: time(m.channel.time, 'channel.time'),
    receivedAt,
    kind: media.length > 0 ? 'media' : m.text !== undefined ? 'text' : 'unsupported',
    ...(m.text !== undefined ? { text: m.text } : {}),
    ...(media.length > 0 ? { media } : {}),
    originatingEntity: entityOf(m.originatingEntity),
    ...(nickname ? { senderName: nickname } : {}),
  };
}

/** Typing events either way: the customer's (middleware → Switchboard) or the business's (Genesys outbound). */
function typingOf(e: OpenEvent, integration: Integration, receivedAt: number): TypingIndicated[] {
  const outbound = isOutbound(e.direction);
  const customer = outbound ? e.channel.to?.id : e.channel.from?.id;
  const typing = e.events.filter((x) => x.eventType.toLowerCase() === 'typing');
  if (typing.length === 0) return []; // other event types carry nothing a conversation shows
  if (!customer)
    throw new WebhookError(
      400,
      'body_invalid',
      `${outbound ? 'channel.to.id' : 'channel.from.id'}: a typing event names the customer`,
    );
  const at = e.channel.time !== undefined ? time(e.channel.time, 'channel.time') : receivedAt;
  const id = e.id ?? e.channel.messageId ?? `typing:${outbound ? 'out' : 'in'}:${customer}:${at}`;
  return typing.map((x, i) => ({
    type: 'typing.indicated' as const,
    channel: 'open' as const,
    integrationId: integration.id,
    channelUserId: customer,
    messageId: typing.length > 1 ? `${id}:${i}` : id,
    dedupeId: `${outbound ? 'outbound' : 'event'}:${typing.length > 1 ? `${id}:${i}` : id}`,
    at,
    receivedAt,
    active: x.typing?.type?.toLowerCase() !== 'off',
    by: outbound ? ('business' as const) : ('customer' as const),
    ...(outbound ? { originatingEntity: entityOf(e.originatingEntity) } : {}),
    ...(x.typing?.duration !== undefined ? { durationMs: x.typing.duration } : {}),
  }));
}

function mediaOf(m: OpenMessage): MediaItem[] {
  return (m.content ?? [])
    .filter((c) => c.contentType === 'Attachment' && c.attachment)
    .map((c) => {
      const a = c.attachment!;
      return {
        ...(a.url ? { url: a.url } : {}),
        ...(a.id ? { id: a.id } : {}),
        ...(a.mime ? { mimeType: a.mime } : {}),
        ...(a.filename ? { filename: a.filename } : {}),
        ...(a.text ? { caption: a.text } : {}),
      };
    });
}

function contentOf(m: OpenMessage): Pick<MessageReceived, 'kind' | 'text' | 'media' | 'postback' | 'location'> {
  const text = m.text !== undefined ? { text: m.text } : {};
  const items = m.content ?? [];
  const button = items.find((c) => c.contentType === 'ButtonResponse' && c.buttonResponse);
  if (button?.buttonResponse) {
    const b = button.buttonResponse;
    return {
      kind: 'postback',
      postback: { payload: b.payload ?? b.text ?? '', ...(b.text ? { title: b.text } : {}) },
      ...text,
    };
  }
  const loc = items.find((c) => c.contentType === 'Location' && c.location)?.location;
  if (loc)
    return {
      kind: 'location',
      location: { latitude: loc.latitude, longitude: loc.longitude, ...(loc.address ? { address: loc.address } : {}) },
      ...text,
    };
  const media = mediaOf(m);
  if (media.length > 0) return { kind: 'media', media, ...text };
  if (m.text !== undefined) return { kind: 'text', text: m.text };
  return { kind: 'unsupported' };
}

function normalizedMessage(
  m: OutboundMessage,
  integration: Integration,
  id: string,
  time: string,
): Record<string, unknown> {
  const nickname = typeof integration.options?.name === 'string' ? integration.options.name : integration.id;
  const base = {
    id,
    channel: {
      id: integration.id,
      platform: 'Open',
      type: 'Private',
      messageId: id,
      time,
      to: { id: m.channelUserId, idType: 'Opaque' },
      from: { nickname, id: integration.id, idType: 'Opaque' },
    },
    type: 'Text',
    originatingEntity: 'Human',
    direction: 'Outbound',
    conversationId: m.interactionId ?? m.conversationKey,
  };
  if (m.kind === 'text' && m.text !== undefined) return { ...base, text: m.text };
  if (m.kind === 'media' && m.media?.url) {
    const mime = m.media.mimeType ?? 'application/octet-stream';
    const mediaType = mime.startsWith('image/')
      ? 'Image'
      : mime.startsWith('video/')
        ? 'Video'
        : mime.startsWith('audio/')
          ? 'Audio'
          : 'File';
    const caption = m.media.caption ?? m.text;
    return {
      ...base,
      ...(caption ? { text: caption } : {}),
      content: [
        {
          contentType: 'Attachment',
          attachment: {
            id: m.id,
            mediaType,
            url: m.media.url,
            mime,
            ...(m.media.filename ? { filename: m.media.filename } : {}),
          },
        },
      ],
    };
  }
  throw new SendError(
    'unsupported_message',
    `open messaging cannot send a ${m.kind} message${m.kind === 'template' ? ' (no templates)' : ' without content'}`,
    false,
  );
}

function customHeaders(integration: Integration): Record<string, string> {
  // Genesys lets an integration add fixed webhookHeaders to every outbound request.
  const h = integration.options?.webhookHeaders;
  if (!h || typeof h !== 'object') return {};
  return Object.fromEntries(
    Object.entries(h as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function time(iso: string, path: string): number {
  const t = Date.parse(iso);
  if (!Number.isFinite(t))
    throw new WebhookError(
      400,
      'body_invalid',
      `${path}: expected an ISO-8601 time, got ${JSON.stringify(iso.slice(0, 40))}`,
    );
  return t;
}

function json(raw: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    throw new WebhookError(400, 'body_malformed', 'the request body is not valid UTF-8 JSON');
  }
}

function parse<T>(value: unknown, schema: ZodType<T>): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new WebhookError(400, 'body_invalid', `${issue?.path.join('.') || '(body)'}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}
