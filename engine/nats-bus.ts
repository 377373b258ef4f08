/**
 * NATS wiring: the connection, the streams, the outbox Bus (JetStream publish with the effect id
 * as Nats-Msg-Id, retried with the same id through leader elections), and the partition
 * consumers that feed the actor host and acknowledge only after the commit.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  connect,
  nanos,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  type StreamConfig,
} from 'nats';
import type { Logger } from 'pino';
import type { ActorHost } from '../actors/host.js';
import { explainNatsRefusal, natsAuthOptions, type NatsCredentials } from '../gateways/nats-credentials.js';
import { AUDIT_MAX_AGE_MS } from './auth/audit.js';
import type { Bus } from '../actors/types.js';
import type { Envelope } from '../protocol/actor.js';
import { gatewayEnvelopeProblem } from '../protocol/channels.js';
import type { Intake, IntakeLane } from './intake.js';
import { JetStreamPublisher } from './jetstream-publisher.js';
import { STREAMS, subjects } from '../protocol/subjects.js';
import { decode, encode } from '../protocol/wire.js';

/** How long JetStream remembers a Nats-Msg-Id; must cover publish retries and restarts. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;
/** How long an unacknowledged delivery waits before JetStream redelivers it. */
export const ACK_WAIT_MS = 30_000;
/** Most unacknowledged messages per partition consumer of the actors' own messages. */
export const MAX_ACK_PENDING = 4_096;
/**
 * Most unacknowledged customer messages per partition: what a node pulls ahead of what it can
 * commit and relay soon; the rest of a flood waits in JetStream.
 */
export const INBOUND_MAX_ACK_PENDING = 256;
/** How long a publish is retried (same msgID) before it is reported failed. */
export const PUBLISH_RETRY_MS = 20_000;

/** Connects with the options FACTS.md recommends (no async traces: ~26 % CPU), presenting `credentials`. */
export function connectNats(url: string, name: string, credentials?: NatsCredentials): Promise<NatsConnection> {
  return connect({
    ...natsAuthOptions(credentials),
    servers: url,
    name,
    noAsyncTraces: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  }).catch((err: unknown) => {
    throw explainNatsRefusal(err, url, credentials);
  });
}

/** Creates or updates Switchboard's streams. */
export async function ensureStreams(jsm: JetStreamManager, replicas = 1): Promise<void> {
  const base: Partial<StreamConfig> = {
    storage: StorageType.File,
    num_replicas: replicas,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    discard: DiscardPolicy.Old,
  };
  const configs: Partial<StreamConfig>[] = [
    {
      ...base,
      name: STREAMS.actors.name,
      subjects: [...STREAMS.actors.subjects],
      retention: RetentionPolicy.Limits,
      max_age: nanos(7 * 86_400_000),
    },
    {
      ...base,
      name: STREAMS.effects.name,
      subjects: [...STREAMS.effects.subjects],
      retention: RetentionPolicy.Limits,
      max_age: nanos(7 * 86_400_000),
    },
    { ...base, name: STREAMS.dead.name, subjects: [...STREAMS.dead.subjects], retention: RetentionPolicy.Limits },
    {
      ...base,
      name: STREAMS.audit.name,
      subjects: [...STREAMS.audit.subjects],
      retention: RetentionPolicy.Limits,
      max_age: nanos(AUDIT_MAX_AGE_MS),
    },
  ];
  for (const cfg of configs) {
    try {
      await jsm.streams.info(cfg.name!);
      await jsm.streams.update(cfg.name!, cfg);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await jsm.streams.add(cfg);
    }
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { code?: string; api_error?: { err_code?: number } };
  return e?.api_error?.err_code === 10059 || /not found/i.test(String((err as Error)?.message));
}

/** Publishes with a dedupe id (pipelined: jetstream-publisher.ts), retrying the same id while the stream has no leader. */
export class JetStreamBus implements Bus {
  readonly #publisher: JetStreamPublisher;
  constructor(nc: NatsConnection) {
    this.#publisher = new JetStreamPublisher(nc);
  }

  async publish(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    const deadline = Date.now() + PUBLISH_RETRY_MS;
    let wait = 100;
    for (;;) {
      try {
        await this.#publisher.publish(subject, data, msgId, 5_000);
        return;
      } catch (err) {
        if (Date.now() + wait > deadline) throw err;
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 2_000);
      }
    }
  }
}

/** Publishes one envelope to its actor's partition (gateways and tools use this). */
export function publishEnvelope(js: JetStreamClient, env: Envelope, partition: number): Promise<unknown> {
  return js.publish(subjects.actor(partition), encode(env), { msgID: env.id });
}

export interface PartitionConsumerOptions {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly host: ActorHost;
  readonly partition: number;
  /** Which subject: the actors' own messages (`sb.actor.<p>`, default) or customer intake (`sb.inbound.<p>`). */
  readonly lane?: IntakeLane;
  /** Where pulled messages wait their turn; without one they are delivered at once. */
  readonly intake?: Intake;
  readonly logger?: Logger;
  /** Told of each message moved to dead letters, with its reason code (metrics). */
  readonly onDeadLetter?: (code: string) => void;
}

/** Durable pull consumer of one partition's lane, feeding the host through the intake; acks after commit. */
export class PartitionConsumer {
  readonly partition: number;
  readonly #o: PartitionConsumerOptions;
  #messages?: ConsumerMessages;
  #inflight = 0;
  #stopping = false;
  #idle: (() => void)[] = [];
  /** Messages handled since start. */
  handled = 0;

  constructor(options: PartitionConsumerOptions) {
    this.#o = options;
    this.partition = options.partition;
  }

  get lane(): IntakeLane {
    return this.#o.lane ?? 'actors';
  }

  get durableName(): string {
    return this.lane === 'inbound' ? `sb-inbound-p${this.partition}` : `sb-actors-p${this.partition}`;
  }

  async start(): Promise<void> {
    const { jsm, js } = this.#o;
    const name = this.durableName;
    const inbound = this.lane === 'inbound';
    const maxAckPending = inbound ? INBOUND_MAX_ACK_PENDING : MAX_ACK_PENDING;
    const cfg = {
      durable_name: name,
      filter_subject: inbound ? subjects.inbound(this.partition) : subjects.actor(this.partition),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(ACK_WAIT_MS),
      max_ack_pending: maxAckPending,
      max_deliver: -1,
    };
    try {
      await jsm.consumers.info(STREAMS.actors.name, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await jsm.consumers.add(STREAMS.actors.name, cfg);
    }
    const consumer = await js.consumers.get(STREAMS.actors.name, name);
    this.#messages = await consumer.consume({
      max_messages: inbound ? maxAckPending : 1_024,
      expires: 5_000,
      callback: (m) => this.#handle(m),
    });
  }

  /** Stops pulling and waits until every pulled message is acknowledged. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#messages) {
      await this.#messages.close().catch(() => undefined);
      this.#messages = undefined;
    }
    if (this.#inflight > 0) await new Promise<void>((r) => this.#idle.push(r));
  }

  /** Messages pulled and not yet acknowledged. */
  get inflight(): number {
    return this.#inflight;
  }

  /** The partition lane's backlog in JetStream: not yet delivered, and delivered but unacknowledged. */
  async lag(): Promise<{ pending: number; ackPending: number }> {
    const ci = await this.#o.jsm.consumers.info(STREAMS.actors.name, this.durableName);
    return { pending: ci.num_pending, ackPending: ci.num_ack_pending };
  }

  #handle(m: JsMsg): void {
    if (this.#stopping) {
      // Pulled as the consumer stopped: handed back at once for the next owner (or this node after restart).
      m.nak();
      return;
    }
    let env: Envelope;
    try {
      env = decode<Envelope>(m.data);
      if (
        !env ||
        typeof env.id !== 'string' ||
        !env.to ||
        typeof env.to.type !== 'string' ||
        typeof env.to.key !== 'string' ||
        typeof env.event?.type !== 'string'
      ) {
        throw new TypeError('not an envelope: needs id, to.type, to.key and event.type');
      }
    } catch (err) {
      this.#dead(m, m.data, 'envelope_invalid', String((err as Error).message));
      return;
    }
    // A gateway's NATS credential publishes only here; what it may say is checked before any actor sees it.
    const forbidden = this.lane === 'inbound' ? gatewayEnvelopeProblem(env) : undefined;
    if (forbidden) {
      this.#dead(m, m.data, 'envelope_forbidden', forbidden);
      return;
    }
    this.#inflight++;
    const intake = this.#o.intake;
    if (!intake) this.#deliver(m, env);
    else
      intake.push(this.lane, {
        run: () => this.#deliver(m, env),
        cancel: () => {
          m.nak();
          this.#done();
        },
      });
  }

  #deliver(m: JsMsg, env: Envelope): void {
    this.#o.host.deliver(env).then(
      (r) => {
        if (r.status === 'rejected') this.#dead(m, m.data, r.code, r.message);
        else m.ack();
        this.handled++;
        this.#done();
      },
      (err) => {
        // Storage failed: leave it unacknowledged so it is redelivered after restart.
        this.#o.logger?.error({ err, id: env.id }, 'deliver failed; message left for redelivery');
        m.nak(1_000);
        this.#done();
      },
    );
  }

  #dead(m: JsMsg, data: Uint8Array, code: string, message: string): void {
    this.#inflight++;
    this.#o.logger?.warn({ code, message, seq: m.seq }, 'envelope moved to dead letters');
    this.#o.onDeadLetter?.(code);
    const payload = encode({ code, message, partition: this.partition, seq: m.seq, data });
    this.#o.js
      .publish(subjects.dead(this.partition), payload, { msgID: `dead:${this.partition}:${m.seq}` })
      .then(
        () => m.ack(),
        () => m.nak(1_000),
      )
      .finally(() => this.#done());
  }

  #done(): void {
    this.#inflight--;
    if (this.#inflight === 0) this.#idle.splice(0).forEach((f) => f());
  }
}
