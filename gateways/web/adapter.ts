/**
 * Web messaging, Switchboard's own widget protocol. The browser:
 * 1. `POST /web/<integrationId>/sessions` → `{sessionId, token}` (see routes.ts);
 * 2. posts what the customer does to `POST /webhooks/web/<integrationId>` (the gateway's webhook route, so it is
 *    published to JetStream like any channel) with `Authorization: Bearer <token>` and a JSON body — one item or an
 *    array of items: `{type:"message", clientMessageId, text?, media?, location?, postback?, contact?}`,
 *    `{type:"receipt", clientMessageId, status:"delivered"|"read", messageIds}`, `{type:"close", clientMessageId}`,
 *    `{type:"typing"}`; `clientMessageId` (unique per session, reused on retries) is the dedupe id;
 * 3. listens on `GET /web/<integrationId>/sessions/<sessionId>/stream?token=…` (server-sent events) and, after a
 *    `reset` or on a new page, reads `GET /web/<integrationId>/sessions/<sessionId>/history` (routes.ts).
 * Agent messages reach that stream through `send`: a signed POST to `<sendBaseUrl>/web/<id>/sessions/<sid>/outbound`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ChannelAdapter, Integration, SendResult, WebhookRequest, AdapterOptions } from '../channel.js';
import { SendError, WebhookError } from '../channel.js';
import type { InboundEvent, OutboundMessage } from '../../protocol/channels.js';
import { bearerOf, outboundSignature, sessionOf } from './session.js';

const SEND_TIMEOUT_MS = 10_000;
const clientId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits and . _ : - only, at most 128');

const item = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('message'),
    clientMessageId: clientId,
    text: z.string().max(4_000).optional(),
    media: z
      .array(
        z.object({
          url: z.url(),
          mimeType: z.string().optional(),
          filename: z.string().optional(),
          caption: z.string().optional(),
        }),
      )
      .min(1)
      .max(10)
      .optional(),
    location: z
      .object({
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        name: z.string().optional(),
        address: z.string().optional(),
      })
      .optional(),
    postback: z.object({ payload: z.string().max(1_000), title: z.string().optional() }).optional(),
    contact: z
      .object({
        name: z.string().max(200).optional(),
        phone: z.string().max(40).optional(),
        email: z.string().max(200).optional(),
      })
      .optional(),
    displayName: z.string().max(200).optional(),
  }),
  z.object({
    type: z.literal('receipt'),
    clientMessageId: clientId,
    status: z.enum(['delivered', 'read']),
    messageIds: z.array(z.string().min(1)).min(1).max(100),
  }),
  z.object({ type: z.literal('close'), clientMessageId: clientId }),
  z.object({ type: z.literal('typing'), on: z.boolean().optional() }),
]);
const batch = z.array(item).min(1).max(50);

/** Options of the web adapter. */
export type WebAdapterOptions = AdapterOptions;

/** Builds the web messaging adapter. */
export function createWebAdapter(options: WebAdapterOptions = {}): ChannelAdapter {
  const now = options.now ?? Date.now;
  return {
    channel: 'web',
    length: { max: 4_000, unit: 'chars', split: true },

    verify(req: WebhookRequest, integration: Integration): void {
      const token = bearerOf(req.headers);
      if (!token)
        throw new WebhookError(
          401,
          'signature_invalid',
          'send the session token as Authorization: Bearer <token> (POST /web/<integration>/sessions issues one)',
        );
      if (!sessionOf(token, integration.secret, integration.id))
        throw new WebhookError(401, 'signature_invalid', 'the session token is not valid for this integration');
    },

    normalize(req: WebhookRequest, integration: Integration): InboundEvent[] {
      const sessionId = sessionOf(bearerOf(req.headers) ?? '', integration.secret, integration.id);
      if (!sessionId)
        throw new WebhookError(401, 'signature_invalid', 'the session token is not valid for this integration');
      let value: unknown;
      try {
        value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(req.rawBody));
      } catch {
        throw new WebhookError(400, 'body_malformed', 'the request body is not valid UTF-8 JSON');
      }
      // One item or a batch; parsed separately so errors name the bad field rather than the union.
      const r = Array.isArray(value) ? batch.safeParse(value) : item.safeParse(value);
      if (!r.success) {
        const issue = r.error.issues[0];
        throw new WebhookError(
          400,
          'body_invalid',
          `${issue?.path.join('.') || '(body)'}: ${issue?.message ?? 'invalid'}`,
        );
      }
      const at = now();
      const base = {
        channel: 'web' as const,
        integrationId: integration.id,
        channelUserId: sessionId,
        at,
        receivedAt: at,
      };
      const out: InboundEvent[] = [];
      for (const i of Array.isArray(r.data) ? r.data : [r.data as z.infer<typeof item>]) {
        if (i.type === 'typing') {
          const active = i.on !== false;
          out.push({
            ...base,
            type: 'typing.indicated',
            messageId: `${sessionId}:typing:${at}:${active ? 'on' : 'off'}`,
            active,
            by: 'customer',
          });
          continue;
        }
        // Namespaced by session: two browsers may pick the same client id.
        const messageId = `${sessionId}:${i.clientMessageId}`;
        if (i.type === 'close') out.push({ ...base, type: 'conversation.closed_by_customer', messageId });
        else if (i.type === 'receipt')
          out.push({
            ...base,
            type: 'receipt.received',
            messageId,
            status: i.status,
            providerMessageIds: i.messageIds,
          });
        else {
          const who = i.displayName ? { displayName: i.displayName } : {};
          const text = i.text !== undefined ? { text: i.text } : {};
          if (i.postback)
            out.push({
              ...base,
              ...who,
              type: 'message.received',
              messageId,
              kind: 'postback',
              postback: i.postback,
              ...text,
            });
          else if (i.contact)
            out.push({
              ...base,
              ...who,
              type: 'message.received',
              messageId,
              kind: 'contact',
              contact: i.contact,
              ...text,
            });
          else if (i.location)
            out.push({
              ...base,
              ...who,
              type: 'message.received',
              messageId,
              kind: 'location',
              location: i.location,
              ...text,
            });
          else if (i.media)
            out.push({ ...base, ...who, type: 'message.received', messageId, kind: 'media', media: i.media, ...text });
          else if (i.text !== undefined && i.text.trim() !== '')
            out.push({ ...base, ...who, type: 'message.received', messageId, kind: 'text', text: i.text });
          else
            throw new WebhookError(
              400,
              'body_invalid',
              `clientMessageId ${i.clientMessageId}: a message needs text, media, location, contact or postback`,
            );
        }
      }
      return out;
    },

    // Web messaging renders the canonical rich model natively.
    richSupport: () => undefined,
    async send(message: OutboundMessage, integration: Integration, fetchImpl: typeof fetch): Promise<SendResult> {
      const base = integration.sendBaseUrl;
      if (!base)
        throw new SendError(
          'integration_misconfigured',
          `web integration ${integration.id} has no sendBaseUrl (the base URL of the gateway serving /web streams)`,
          false,
        );
      if (message.kind === 'template')
        throw new SendError('unsupported_message', 'web messaging has no template messages; send text or media', false);
      // One id per part: a split message's parts share message.id but not their text.
      const id =
        message.kind === 'text'
          ? `${message.id}.${createHash('sha1')
              .update(message.text ?? '')
              .digest('hex')
              .slice(0, 8)}`
          : message.id;
      // `messageId` is Switchboard's message id, the one history entries carry: the widget merges stream and history on it.
      const payload = JSON.stringify({
        id,
        messageId: message.id,
        kind: message.kind,
        at: now(),
        ...(message.text !== undefined ? { text: message.text } : {}),
        ...(message.media ? { media: message.media } : {}),
        // The widget renders every rich element itself: the canonical model goes as is.
        ...(message.rich ? { rich: message.rich } : {}),
      });
      const url = `${base.replace(/\/$/, '')}/web/${encodeURIComponent(integration.id)}/sessions/${encodeURIComponent(message.channelUserId)}/outbound`;
      let res: Response;
      try {
        res = await fetchImpl(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-switchboard-signature': outboundSignature(integration.secret, payload),
          },
          body: payload,
          signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        });
      } catch (cause) {
        throw new SendError(
          'provider_unreachable',
          `the web stream server did not answer: ${(cause as Error).message}`,
          true,
        );
      }
      if (res.ok) return { providerMessageId: id };
      const err = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
      const msg = `web stream server ${res.status}: ${err.error?.message ?? res.statusText}`;
      if (res.status === 429 || res.status >= 500)
        throw new SendError(res.status === 429 ? 'rate_limited' : 'provider_error', msg, true, String(res.status));
      if (res.status === 401) throw new SendError('auth_failed', msg, false, '401');
      throw new SendError(err.error?.code ?? 'rejected', msg, false, String(res.status));
    },
  };
}

/** The shared default web adapter. */
export const webAdapter = createWebAdapter();
