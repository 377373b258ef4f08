/**
 * The delivery worker of one channel: a durable JetStream consumer on `sb.outbound.<channel>` that
 * applies the length rule, waits for the integration's token bucket, calls the adapter's send with
 * retries and backoff for transient failures, publishes the delivery status back to the
 * conversation, and only then acknowledges. Messages of one conversation go out in order.
 */
import { AckPolicy, DeliverPolicy, nanos, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { DeliveryUpdated, OutboundMessage } from '../protocol/channels.js';
import { STREAMS, gatewayDeliveryConsumer, subjects } from '../protocol/subjects.js';
import { decode } from '../protocol/wire.js';
import { SendError, type ChannelAdapter, type Integration } from './channel.js';
import { applyLengthRule } from './length.js';
import { shapeRich } from './rich.js';
import { statusEnvelope, type EnvelopePublisher } from './publisher.js';
import { DEFAULT_RETRY, backoffMs, type RetryPolicy } from './retry.js';
import { TokenBucket, type BucketClock } from './token-bucket.js';

/** How long JetStream waits for an ack before redelivering (the worker signals progress meanwhile). */
export const DELIVERY_ACK_WAIT_MS = 60_000;
/** Sends in flight per worker (across conversations). */
export const DEFAULT_DELIVERY_CONCURRENCY = 64;

/** What a delivery worker needs: NATS, the channel's adapter and integrations, where statuses go. */
export interface DeliveryWorkerOptions {
  readonly nc: NatsConnection;
  readonly adapter: ChannelAdapter;
  readonly integrations: readonly Integration[];
  /** Where statuses go (the same publisher webhooks use). */
  readonly publisher: EnvelopePublisher;
  readonly fetchImpl?: typeof fetch;
  readonly retry?: RetryPolicy;
  readonly now?: () => number;
  readonly logger?: Logger;
  readonly concurrency?: number;
  /** Time source of the token buckets (tests inject a fake one). */
  readonly bucketClock?: BucketClock;
}

/** Sends one message to the provider and reports what happened; the pure part of the worker. */
export class Deliverer {
  readonly #o: DeliveryWorkerOptions;
  readonly #integrations: Map<string, Integration>;
  readonly #buckets = new Map<string, TokenBucket>();
  // Parts already sent per message id, so a redelivery after a failed status publish never re-sends them.
  readonly #sent = new Map<string, string[]>();

  constructor(options: DeliveryWorkerOptions) {
    this.#o = options;
    this.#integrations = new Map(
      options.integrations.filter((i) => i.channel === options.adapter.channel).map((i) => [i.id, i]),
    );
  }

  /** Delivers `msg` and returns the status to report (sent or failed, never thrown). */
  async deliver(msg: OutboundMessage, progress: () => void = () => undefined): Promise<DeliveryUpdated> {
    const now = this.#o.now ?? Date.now;
    const status = (s: 'sent' | 'failed', extra: Partial<DeliveryUpdated> = {}): DeliveryUpdated => ({
      type: 'delivery.updated',
      messageId: msg.id,
      status: s,
      at: now(),
      ...extra,
    });
    const integration = this.#integrations.get(msg.integrationId);
    if (!integration)
      return status('failed', {
        reason: {
          code: 'unknown_integration',
          message: `no ${this.#o.adapter.channel} integration "${msg.integrationId}" is configured on this gateway`,
        },
      });
    const shaped = shapeRich(this.#o.adapter, msg, integration);
    if ('refused' in shaped)
      return status('failed', { reason: { code: 'unsupported_on_channel', message: shaped.refused } });
    const degraded = shaped.degraded ? { degraded: shaped.degraded } : {};
    const out = shaped.message;
    try {
      const rule = this.#o.adapter.lengthFor?.(out, integration) ?? this.#o.adapter.length;
      const parts = out.kind === 'text' && out.text !== undefined ? applyLengthRule(out.text, rule) : [undefined];
      const done = this.#sent.get(msg.id) ?? [];
      for (let i = done.length; i < parts.length; i++) {
        const part: OutboundMessage = parts[i] === undefined ? out : { ...out, text: parts[i] };
        const result = await this.#sendWithRetry(part, integration, progress);
        done.push(result.providerMessageId ?? '');
        this.#remember(msg.id, done);
      }
      const last = done[done.length - 1];
      return status('sent', { ...(last ? { providerMessageId: last } : {}), ...degraded });
    } catch (err) {
      const e =
        err instanceof SendError ? err : new SendError('provider_error', String((err as Error)?.message ?? err), false);
      return status('failed', {
        reason: { code: e.code, message: e.message, ...(e.providerCode ? { providerCode: e.providerCode } : {}) },
      });
    }
  }

  /** Forgets a delivered message (its status is published). */
  forget(id: string): void {
    this.#sent.delete(id);
  }

  async #sendWithRetry(part: OutboundMessage, integration: Integration, progress: () => void) {
    const policy = this.#o.retry ?? DEFAULT_RETRY;
    const fetchImpl = this.#o.fetchImpl ?? fetch;
    for (let attempt = 1; ; attempt++) {
      await this.#bucket(integration)?.take();
      progress();
      try {
        return await this.#o.adapter.send(part, integration, fetchImpl);
      } catch (err) {
        const retryable = err instanceof SendError ? err.retryable : !(err instanceof TypeError);
        if (!retryable || attempt >= policy.maxAttempts) throw err;
        const wait = backoffMs(policy, attempt, err instanceof SendError ? err.retryAfterMs : undefined);
        this.#o.logger?.info({ id: part.id, attempt, wait, code: (err as SendError).code }, 'send failed; retrying');
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  #bucket(integration: Integration): TokenBucket | undefined {
    const rate = integration.ratePerSecond ?? this.#o.adapter.defaultRatePerSecond;
    if (!rate) return undefined;
    let b = this.#buckets.get(integration.id);
    if (!b) {
      b = new TokenBucket(rate, undefined, this.#o.bucketClock);
      this.#buckets.set(integration.id, b);
    }
    return b;
  }

  #remember(id: string, parts: string[]): void {
    this.#sent.set(id, parts);
    if (this.#sent.size > 10_000) this.#sent.delete(this.#sent.keys().next().value!);
  }
}

/** A channel's delivery worker over JetStream. */
export class DeliveryWorker {
  readonly #o: DeliveryWorkerOptions;
  readonly #deliverer: Deliverer;
  #messages?: ConsumerMessages;
  // One chain per conversation keeps its messages in order; different conversations run in parallel.
  readonly #chains = new Map<string, Promise<void>>();
  readonly #working = new Set<string>();
  #inflight = 0;
  #stopped = false;
  /** Statuses published since start, by status. */
  readonly counts = { sent: 0, failed: 0 };

  constructor(options: DeliveryWorkerOptions) {
    this.#o = options;
    this.#deliverer = new Deliverer(options);
  }

  /** The durable consumer's name. */
  get durableName(): string {
    return gatewayDeliveryConsumer(this.#o.adapter.channel);
  }

  /** Creates the durable consumer and starts pulling; waits (retrying each second) until the engine has created SB_EFFECTS. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#ensureConsumer();
        if (attempt > 1) this.#o.logger?.info({ channel: this.#o.adapter.channel, attempt }, 'delivery consumer ready');
        break;
      } catch (err) {
        if (this.#stopped) return;
        // The gateway's readiness says once what is missing; each retry is only worth a debug line.
        this.#o.logger?.[attempt === 1 ? 'info' : 'debug'](
          { err, attempt, stream: STREAMS.effects.name, channel: this.#o.adapter.channel },
          'delivery consumer not ready (is the engine up? it creates the streams); retrying every second',
        );
        await new Promise((r) => setTimeout(r, 1_000));
        if (this.#stopped) return;
      }
    }
    const consumer = await this.#o.nc.jetstream().consumers.get(STREAMS.effects.name, this.durableName);
    const messages = await consumer.consume({
      max_messages: this.#o.concurrency ?? DEFAULT_DELIVERY_CONCURRENCY,
      expires: 5_000,
      callback: (m) => this.#handle(m),
    });
    // Stopped while starting (the gateway starts workers in the background when the streams are missing).
    if (this.#stopped) await messages.close().catch(() => undefined);
    else this.#messages = messages;
  }

  async #ensureConsumer(): Promise<void> {
    const jsm = await this.#o.nc.jetstreamManager();
    const name = this.durableName;
    try {
      await jsm.consumers.info(STREAMS.effects.name, name);
    } catch {
      await jsm.consumers.add(STREAMS.effects.name, {
        durable_name: name,
        filter_subject: subjects.outbound(this.#o.adapter.channel),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(DELIVERY_ACK_WAIT_MS),
        max_ack_pending: this.#o.concurrency ?? DEFAULT_DELIVERY_CONCURRENCY,
        max_deliver: -1,
      });
    }
  }

  /** Stops pulling and waits for the messages in hand. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#messages?.close().catch(() => undefined);
    this.#messages = undefined;
    while (this.#chains.size > 0) await Promise.all([...this.#chains.values()]);
  }

  get inflight(): number {
    return this.#inflight;
  }

  #handle(m: JsMsg): void {
    let msg: OutboundMessage;
    try {
      msg = decode<OutboundMessage>(m.data);
      if (
        !msg ||
        typeof msg.id !== 'string' ||
        typeof msg.integrationId !== 'string' ||
        typeof msg.channelUserId !== 'string' ||
        typeof msg.conversationKey !== 'string'
      ) {
        throw new TypeError('an outbound message needs id, integrationId, channelUserId and conversationKey');
      }
    } catch (err) {
      // Undecodable: nobody to report to; terminate so it is not redelivered forever.
      this.#o.logger?.error({ err, seq: m.seq }, 'outbound message dropped: not an outbound message');
      m.term();
      return;
    }
    // A redelivery of a message still being worked on (ack_wait passed) must not send it twice.
    if (this.#working.has(msg.id)) return;
    this.#working.add(msg.id);
    this.#inflight++;
    // Waiting behind the conversation's earlier messages, the token bucket or a backoff all count
    // as progress: tell JetStream so it does not redeliver meanwhile.
    const heartbeat = setInterval(() => m.working(), DELIVERY_ACK_WAIT_MS / 4);
    const key = msg.conversationKey;
    const prev = this.#chains.get(key) ?? Promise.resolve();
    const next = prev
      .then(() => this.#process(m, msg))
      .finally(() => {
        clearInterval(heartbeat);
        this.#working.delete(msg.id);
        this.#inflight--;
        if (this.#chains.get(key) === next) this.#chains.delete(key);
      });
    this.#chains.set(key, next);
  }

  async #process(m: JsMsg, msg: OutboundMessage): Promise<void> {
    const update = await this.#deliverer.deliver(msg, () => m.working());
    try {
      await this.#o.publisher.publish([statusEnvelope(msg.conversationKey, update)]);
      this.#deliverer.forget(msg.id);
      this.counts[update.status as 'sent' | 'failed']++;
      m.ack();
    } catch (err) {
      // The status is not stored: redeliver later; parts already sent are remembered and not re-sent.
      this.#o.logger?.warn({ err, id: msg.id }, 'delivery status not published; will retry');
      m.nak(2_000);
    }
  }
}
