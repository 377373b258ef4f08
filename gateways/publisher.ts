/**
 * Publishing canonical events to JetStream: one envelope per event on the gateway subject of its
 * conversation's partition (`sb.inbound.<p>`, all a gateway's credential may publish), the envelope id as `Nats-Msg-Id` so platform retries are deduplicated. Resolves only
 * once every publish is acknowledged; otherwise throws PublishUnavailableError (the webhook gets 503).
 */
import type { JetStreamClient, NatsConnection } from 'nats';
import type { ActorEvent, Envelope } from '../protocol/actor.js';
import { conversationKey, type DeliveryUpdated, type InboundEvent } from '../protocol/channels.js';
import { DEFAULT_PARTITIONS, partitionOf } from '../protocol/partition.js';
import { subjects } from '../protocol/subjects.js';
import { encode } from '../protocol/wire.js';

/** The actor type conversations are hosted under. */
export const CONVERSATION_ACTOR = 'conversation';

/** NATS did not acknowledge in time: nothing may be assumed stored; the platform must retry. */
export class PublishUnavailableError extends Error {
  override readonly name = 'PublishUnavailableError';
  readonly code = 'nats_unavailable';
}

/** Where the gateway puts envelopes (JetStream in production; tests may record them). */
export interface EnvelopePublisher {
  /** Resolves once every envelope is durably stored (or was a duplicate); throws PublishUnavailableError otherwise. */
  publish(envelopes: readonly Envelope[]): Promise<void>;
}

/** The envelope of one inbound event: id `<channel>:<integration>:<dedupe id or message id>`, to its conversation. */
export function inboundEnvelope(event: InboundEvent): Envelope {
  return {
    id: `${event.channel}:${event.integrationId}:${event.dedupeId ?? event.messageId}`,
    to: { type: CONVERSATION_ACTOR, key: conversationKey(event) },
    // Canonical events are plain data; the interface just lacks ActorEvent's index signature.
    event: event as unknown as ActorEvent,
  };
}

/** The envelope of one delivery status, id `status:<message id>:<status>`, to the message's conversation. */
export function statusEnvelope(conversation: string, update: DeliveryUpdated): Envelope {
  return {
    id: `status:${update.messageId}:${update.status}`,
    to: { type: CONVERSATION_ACTOR, key: conversation },
    event: update as unknown as ActorEvent,
  };
}

/** Partition count and the publish time budget. */
export interface JetStreamPublisherOptions {
  readonly partitions?: number;
  /** Total time to get every acknowledgement, retries with the same msgID included. */
  readonly budgetMs?: number;
}

/** Default publish budget: under the tightest platform timeout (X expects an answer within 3 s). */
export const DEFAULT_PUBLISH_BUDGET_MS = 2_000;

/** Publishes envelopes to JetStream in parallel, retrying each with the same msgID until the budget runs out. */
export class JetStreamPublisher implements EnvelopePublisher {
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #partitions: number;
  readonly #budgetMs: number;

  constructor(nc: NatsConnection, options: JetStreamPublisherOptions = {}) {
    this.#nc = nc;
    this.#js = nc.jetstream();
    this.#partitions = options.partitions ?? DEFAULT_PARTITIONS;
    this.#budgetMs = options.budgetMs ?? DEFAULT_PUBLISH_BUDGET_MS;
  }

  async publish(envelopes: readonly Envelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    const deadline = Date.now() + this.#budgetMs;
    await Promise.all(envelopes.map((env) => this.#one(env, deadline)));
  }

  async #one(env: Envelope, deadline: number): Promise<void> {
    // An envelope the codec refuses is a bug, not NATS being down: it is thrown as it is (500, not 503).
    const data = encode(env);
    // Customer intake has its own subject: the engine applies the actors' own messages first.
    const subject = subjects.inbound(partitionOf(env.to.key, this.#partitions));
    let wait = 50;
    for (;;) {
      const left = deadline - Date.now();
      if (this.#nc.isClosed() || left <= 0)
        throw new PublishUnavailableError(`JetStream did not acknowledge ${env.id} within the publish budget`);
      try {
        await this.#js.publish(subject, data, { msgID: env.id, timeout: Math.max(left, 1) });
        return;
      } catch (err) {
        // No responders (stream leader moving) or a timeout: retry with the same msgID, which dedupes.
        if (Date.now() + wait >= deadline)
          throw new PublishUnavailableError(`JetStream did not acknowledge ${env.id}: ${(err as Error).message}`, {
            cause: err,
          });
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 500);
      }
    }
  }
}
