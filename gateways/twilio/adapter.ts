/**
 * Twilio Programmable Messaging (SMS/MMS): form-encoded webhooks signed with X-Twilio-Signature, inbound
 * messages keyed by MessageSid, STOP/START/HELP keywords as customer signals, status callbacks as receipts,
 * sends through the Messages resource; lengths measured in GSM-7/UCS-2 segments.
 */
import type { ChannelAdapter, Integration, SendResult, WebhookRequest } from '../channel.js';
import { SendError, WebhookError } from '../channel.js';
import type { InboundEvent, MediaItem, OutboundMessage } from '../../protocol/channels.js';
import { smsSegments, SMS_MAX_SEGMENTS, TWILIO_MAX_BODY_CHARS } from './segments.js';
import { bodySha256, signatureMatches, twilioSignature, urlVariants } from './signature.js';

/** Public Twilio REST base; integrations override it with `sendBaseUrl`. */
export const TWILIO_API_BASE_URL = 'https://api.twilio.com';
const SEND_TIMEOUT_MS = 10_000;
const MAX_MEDIA = 10;

/** Twilio's default keywords (Advanced Opt-Out defaults): the whole message, case-insensitive. */
export const SMS_KEYWORDS = {
  optOut: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'],
  optIn: ['START', 'YES', 'UNSTOP', 'OPTIN'],
  help: ['HELP', 'INFO'],
} as const;

/** Options of the Twilio adapter (the clock stamps `at`: Twilio webhooks carry no timestamp). */
export interface TwilioAdapterOptions {
  readonly now?: () => number;
}

/** The TwiML answer Twilio expects: an empty response (replies go through the REST API). */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** Builds the Twilio SMS adapter. */
export function createTwilioAdapter(options: TwilioAdapterOptions = {}): ChannelAdapter {
  const now = options.now ?? Date.now;
  return {
    channel: 'sms',
    length: { max: SMS_MAX_SEGMENTS, unit: 'sms-segments', split: false },

    verify(req: WebhookRequest, integration: Integration): void {
      const given = req.headers.get('x-twilio-signature');
      if (!given) throw new WebhookError(401, 'signature_invalid', 'the X-Twilio-Signature header is missing');
      const token = integration.credentials.authToken ?? integration.secret;
      // req.url is already the public URL (the server substitutes integration.webhookUrl and keeps the query).
      const url = req.url;
      const query = new URL(url).searchParams;
      const hash = query.get('bodySHA256');
      // JSON callbacks: the URL (with bodySHA256) is signed and the body must match that hash.
      const params = req.method === 'GET' || hash !== null ? [] : formParams(req);
      const ok = urlVariants(url).some((u) => signatureMatches(twilioSignature(token, u, params), given));
      if (!ok)
        throw new WebhookError(
          401,
          'signature_invalid',
          'X-Twilio-Signature does not match the URL and parameters signed with the auth token; check that webhookUrl is the exact URL configured in Twilio',
        );
      if (hash !== null && !signatureMatches(bodySha256(req.rawBody), hash.toLowerCase())) {
        throw new WebhookError(401, 'signature_invalid', 'the body does not match the bodySHA256 Twilio signed');
      }
    },

    normalize(req: WebhookRequest, integration: Integration): InboundEvent[] {
      const p = new Map<string, string>();
      for (const [k, v] of req.method === 'GET' ? [...req.query] : formParams(req)) if (!p.has(k)) p.set(k, v);
      const status = p.get('MessageStatus');
      const sid = p.get('MessageSid') ?? p.get('SmsMessageSid') ?? p.get('SmsSid');
      if (!sid || !/^(SM|MM)[0-9a-f]{32}$/i.test(sid))
        throw new WebhookError(
          400,
          'body_invalid',
          `MessageSid: expected an SM… or MM… id, got ${sid === undefined ? 'nothing' : JSON.stringify(sid.slice(0, 40))}`,
        );
      const receivedAt = now();
      if (status !== undefined) return statusEvents(p, sid, status, integration.id, receivedAt);
      const from = p.get('From');
      if (!from) throw new WebhookError(400, 'body_invalid', 'From: the sender is missing');
      const base = {
        channel: 'sms' as const,
        integrationId: integration.id,
        channelUserId: from,
        messageId: sid,
        at: receivedAt,
        receivedAt,
      };
      const body = p.get('Body') ?? '';
      const keyword = keywordOf(body, p.get('OptOutType'));
      if (keyword) return [{ ...base, type: keyword, text: body }];
      const media = mediaOf(p);
      if (media.length > 0)
        return [{ ...base, type: 'message.received', kind: 'media', media, ...(body ? { text: body } : {}) }];
      const lat = Number(p.get('Latitude'));
      const lon = Number(p.get('Longitude'));
      if (p.has('Latitude') && p.has('Longitude') && Number.isFinite(lat) && Number.isFinite(lon)) {
        const name = p.get('Label');
        const address = p.get('Address');
        return [
          {
            ...base,
            type: 'message.received',
            kind: 'location',
            location: { latitude: lat, longitude: lon, ...(name ? { name } : {}), ...(address ? { address } : {}) },
          },
        ];
      }
      return [{ ...base, type: 'message.received', kind: 'text', text: body }];
    },

    acknowledge(): Response {
      return new Response(EMPTY_TWIML, { status: 200, headers: { 'content-type': 'text/xml' } });
    },

    async send(message: OutboundMessage, integration: Integration, fetchImpl: typeof fetch): Promise<SendResult> {
      const sid = integration.credentials.accountSid;
      const token = integration.credentials.authToken ?? integration.secret;
      const from = integration.credentials.from;
      const service = integration.credentials.messagingServiceSid;
      if (!sid || (!from && !service)) {
        throw new SendError(
          'integration_misconfigured',
          `Twilio integration ${integration.id} needs credentials.accountSid and credentials.from or credentials.messagingServiceSid`,
          false,
        );
      }
      const form = new URLSearchParams({ To: message.channelUserId });
      if (service) form.set('MessagingServiceSid', service);
      else form.set('From', from!);
      const text = message.kind === 'media' ? (message.media?.caption ?? message.text) : message.text;
      if (text) {
        const seg = smsSegments(text);
        if (text.length > TWILIO_MAX_BODY_CHARS || seg.segments > SMS_MAX_SEGMENTS) {
          throw new SendError(
            'message_too_long',
            `the SMS is ${seg.segments} ${seg.encoding} segments (${text.length} characters); at most ${SMS_MAX_SEGMENTS} segments and ${TWILIO_MAX_BODY_CHARS} characters are allowed`,
            false,
            '21617',
          );
        }
        form.set('Body', text);
      }
      if (message.kind === 'media') {
        if (!message.media?.url)
          throw new SendError('unsupported_message', 'an MMS needs media.url (a public URL Twilio can fetch)', false);
        form.append('MediaUrl', message.media.url);
      }
      if (!form.has('Body') && !form.has('MediaUrl'))
        throw new SendError(
          'unsupported_message',
          `an SMS needs text; a ${message.kind} message without text cannot be sent`,
          false,
        );
      const callback = integration.options?.statusCallbackUrl;
      if (typeof callback === 'string') form.set('StatusCallback', callback);
      const base = (integration.sendBaseUrl ?? TWILIO_API_BASE_URL).replace(/\/$/, '');
      let res: Response;
      try {
        res = await fetchImpl(`${base}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Messages.json`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${integration.credentials.apiKeySid ?? sid}:${integration.credentials.apiKeySecret ?? token}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: form.toString(),
          signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        });
      } catch (cause) {
        throw new SendError('provider_unreachable', `Twilio API unreachable: ${(cause as Error).message}`, true);
      }
      const body = (await res.json().catch(() => ({}))) as { sid?: string; code?: number; message?: string };
      if (res.ok && body.sid) return { providerMessageId: body.sid };
      throw errorOf(res, body);
    },
  };
}

/** The shared default Twilio SMS adapter. */
export const twilioAdapter = createTwilioAdapter();

function formParams(req: WebhookRequest): [string, string][] {
  const type = req.headers.get('content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw new WebhookError(
      415,
      'content_type_unsupported',
      `Twilio webhooks are application/x-www-form-urlencoded, got ${type ? JSON.stringify(type) : 'no content type'}`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(req.rawBody);
  } catch {
    throw new WebhookError(400, 'body_malformed', 'the request body is not valid UTF-8');
  }
  return [...new URLSearchParams(text)];
}

function keywordOf(
  body: string,
  optOutType: string | undefined,
): 'contact.opted_out' | 'contact.opted_in' | 'contact.help_requested' | undefined {
  // Advanced Opt-Out tells us directly; otherwise apply the default single-word lists.
  const t = optOutType?.toUpperCase();
  if (t === 'STOP') return 'contact.opted_out';
  if (t === 'START') return 'contact.opted_in';
  if (t === 'HELP') return 'contact.help_requested';
  const word = body.trim().toUpperCase();
  if ((SMS_KEYWORDS.optOut as readonly string[]).includes(word)) return 'contact.opted_out';
  if ((SMS_KEYWORDS.optIn as readonly string[]).includes(word)) return 'contact.opted_in';
  if ((SMS_KEYWORDS.help as readonly string[]).includes(word)) return 'contact.help_requested';
  return undefined;
}

function mediaOf(p: Map<string, string>): MediaItem[] {
  const n = Math.min(Number(p.get('NumMedia') ?? '0') || 0, MAX_MEDIA);
  const out: MediaItem[] = [];
  for (let i = 0; i < n; i++) {
    const url = p.get(`MediaUrl${i}`);
    if (!url)
      throw new WebhookError(400, 'body_invalid', `MediaUrl${i}: NumMedia is ${n} but this media URL is missing`);
    const mimeType = p.get(`MediaContentType${i}`);
    // The media SID is the last path segment of the media URL.
    out.push({ url, id: url.split('/').pop() ?? url, ...(mimeType ? { mimeType } : {}) });
  }
  return out;
}

function statusEvents(
  p: Map<string, string>,
  sid: string,
  status: string,
  integrationId: string,
  receivedAt: number,
): InboundEvent[] {
  const to = p.get('To');
  if (!to) throw new WebhookError(400, 'body_invalid', 'To: a status callback needs the recipient');
  // queued/sending/sent are known from the send call; undelivered and failed arrive only here.
  const mapped =
    status === 'delivered' || status === 'read'
      ? status
      : status === 'failed' || status === 'undelivered'
        ? 'failed'
        : undefined;
  if (!mapped) return [];
  const errorCode = p.get('ErrorCode');
  const reason =
    mapped === 'failed'
      ? { ...asyncFailure(errorCode, status), ...(errorCode ? { providerCode: errorCode } : {}) }
      : undefined;
  return [
    {
      type: 'receipt.received',
      channel: 'sms',
      integrationId,
      channelUserId: to,
      messageId: `${sid}:${status}`,
      at: receivedAt,
      receivedAt,
      status: mapped,
      providerMessageIds: [sid],
      ...(reason ? { reason } : {}),
    },
  ];
}

/** Reason codes of asynchronous delivery failures (Twilio error codes in status callbacks). */
function asyncFailure(code: string | undefined, status: string): { code: string; message: string } {
  switch (code) {
    case '21610':
      return { code: 'opted_out', message: 'the recipient replied STOP; nothing is delivered until START' };
    case '30003':
      return { code: 'recipient_unreachable', message: 'the handset is off or out of coverage (30003)' };
    case '30005':
      return { code: 'recipient_invalid', message: 'the number does not exist (30005)' };
    case '30006':
      return { code: 'recipient_invalid', message: 'a landline or an unreachable carrier (30006)' };
    case '30007':
      return { code: 'carrier_filtered', message: 'the carrier filtered the message as spam (30007)' };
    case '30008':
      return { code: 'provider_error', message: 'unknown delivery error (30008)' };
    default:
      return {
        code: 'delivery_failed',
        message: `Twilio reports the message ${status}${code ? ` with error ${code}` : ''}`,
      };
  }
}

/** Twilio REST errors are `{code, message, more_info, status}`. */
function errorOf(res: Response, body: { code?: number; message?: string }): SendError {
  const code = body.code !== undefined ? String(body.code) : String(res.status);
  const msg = `Twilio ${body.code ?? res.status}: ${body.message ?? res.statusText}`;
  const ra = Number(res.headers.get('retry-after'));
  const retryAfterMs = Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined;
  switch (body.code) {
    case 21610:
      return new SendError('opted_out', `${msg} (the recipient replied STOP; wait for START)`, false, code);
    case 21617:
      return new SendError('message_too_long', msg, false, code);
    case 21211:
    case 21614:
    case 21612:
    case 21408:
      return new SendError('recipient_invalid', msg, false, code);
    case 63016:
      return new SendError('reply_window_closed', msg, false, code);
    case 20003:
    case 20404:
      return new SendError('auth_failed', msg, false, code);
    case 20429:
    case 14107:
      return new SendError('rate_limited', msg, true, code, retryAfterMs);
    case 30001:
      return new SendError('rate_limited', msg, true, code, retryAfterMs);
  }
  if (res.status === 429) return new SendError('rate_limited', msg, true, code, retryAfterMs);
  if (res.status >= 500) return new SendError('provider_error', msg, true, code, retryAfterMs);
  if (res.status === 401 || res.status === 403) return new SendError('auth_failed', msg, false, code);
  return new SendError('rejected', msg, false, code);
}
