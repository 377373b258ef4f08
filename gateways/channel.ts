/**
 * The port every channel implements: verify and normalize webhooks in, send messages out.
 * The shared gateway server (routing, body limits, publishing to JetStream, delivery workers,
 * rate limits, retries) drives any set of these. One folder per channel: gateways/<channel>/.
 */
import type { Channel, InboundEvent, OutboundMessage } from '../protocol/channels.js';
import type { RichFallback, RichMessage } from '../protocol/rich.js';

/** One configured integration: a WhatsApp number, a Facebook page, a Twilio number, … */
export interface Integration {
  readonly id: string;
  readonly channel: Channel;
  /** The secret the platform signs webhooks with (app secret, channel secret, auth token, …). */
  readonly secret: string;
  /** Other per-channel credentials (access token, verify token, bot token, account sid, …). */
  readonly credentials: Readonly<Record<string, string>>;
  /** Base URL of the platform's send API (tests point it at a local fake provider). */
  readonly sendBaseUrl?: string;
  /** The public URL the platform calls (Twilio signs it); defaults to the request URL. */
  readonly webhookUrl?: string;
  /** Outbound messages per second allowed by the provider (token bucket). */
  readonly ratePerSecond?: number;
  /** A rich message the channel cannot carry: refused (`unsupported_on_channel`, the default) or sent as numbered text. */
  readonly richFallback?: RichFallback;
  /** Channel-specific options (keywords for public posts, …). */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** A webhook request as the platform sent it: exact raw bytes for signatures. */
export interface WebhookRequest {
  readonly method: string;
  /** The full URL the platform called (after `webhookUrl` substitution). */
  readonly url: string;
  readonly headers: Headers;
  readonly query: URLSearchParams;
  readonly rawBody: Uint8Array;
}

/** A refusal of a webhook: HTTP status, reason code, sentence. */
export class WebhookError extends Error {
  override readonly name = 'WebhookError';
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 413 | 415 | 422,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Options every adapter factory takes: the clock used to stamp receipt times (tests inject one). */
export interface AdapterOptions {
  readonly now?: () => number;
}

/** Result of a send call to the provider. */
export interface SendResult {
  readonly providerMessageId?: string;
}

/** A failed send: `retryable` failures are retried with backoff; others become `failed` status. */
export class SendError extends Error {
  override readonly name = 'SendError';
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly providerCode?: string,
    /** Provider asked to wait this long before retrying (Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** How the channel measures a message's length. */
export interface LengthRule {
  readonly max: number;
  readonly unit: 'chars' | 'utf8-bytes' | 'sms-segments';
  /** Split over-long text into several messages (true) or refuse it with message_too_long. */
  readonly split: boolean;
}

/** A channel implementation. */
export interface ChannelAdapter {
  readonly channel: Channel;
  /** Answers the platform's verification handshake (Meta hub.challenge, X CRC), if this request is one. */
  handshake?(req: WebhookRequest, integration: Integration): Response | undefined;
  /** Throws WebhookError(401, 'signature_invalid', …) unless the request is signed with the integration's secret. */
  verify(req: WebhookRequest, integration: Integration): void;
  /** Parses the verified body into canonical events (zero, one or many); WebhookError(400) when malformed. */
  normalize(req: WebhookRequest, integration: Integration): InboundEvent[];
  /** The HTTP answer the platform expects on success (most want 200 with an empty or fixed body). */
  acknowledge?(req: WebhookRequest, events: readonly InboundEvent[]): Response;
  /** Calls the platform's send API for one message part. */
  send(message: OutboundMessage, integration: Integration, fetchImpl: typeof fetch): Promise<SendResult>;
  readonly length: LengthRule;
  /** Optional: a length rule that depends on the integration or message (e.g. a tweet vs. a Facebook comment); `length` otherwise. */
  lengthFor?(message: OutboundMessage, integration: Integration): LengthRule;
  /**
   * Optional: whether this channel carries `rich` natively: undefined when it does (its `send` maps it),
   * else a sentence naming the element or limit it lacks. Channels without it send every rich message
   * as numbered text (SMS, X, open messaging, public posts).
   */
  richSupport?(rich: RichMessage, integration: Integration): string | undefined;
  /** Optional: the provider's default outbound rate when an integration sets no `ratePerSecond`. */
  readonly defaultRatePerSecond?: number;
}
