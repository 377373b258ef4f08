/**
 * One engine node: an actor host over LMDB, wired to NATS (embedded nats-server unless a URL is
 * given), consuming the partitions it owns, relaying its outbox, and serving the HTTP API.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { ActorHost } from '../actors/host.js';
import { ManualClock, SystemClock, type Clock } from '../actors/clock.js';
import { LmdbStore } from '../actors/lmdb-store.js';
import type { ActorType } from '../actors/types.js';
import { DEFAULT_PARTITIONS } from '../protocol/partition.js';
import { JetStreamBus, PartitionConsumer, connectNats, ensureStreams } from './nats-bus.js';
import { startNatsServer, type NatsServerHandle } from './nats-server.js';

export interface EngineOptions {
  /** Data directory: LMDB lives in `<data>/lmdb`, the embedded nats-server in `<data>/nats`. */
  readonly dataDir: string;
  /** Join an existing NATS cluster; without it an embedded nats-server is started. */
  readonly natsUrl?: string;
  /** Client port for the embedded nats-server (free port when left out). */
  readonly embeddedNatsPort?: number;
  readonly partitions?: number;
  /** Partitions this node consumes (all by default, the single-node mode). */
  readonly ownedPartitions?: readonly number[];
  /** The clock; a ManualClock makes the engine run in virtual time. */
  readonly clock?: Clock;
  readonly logger: Logger;
  /** Actor types to host. */
  readonly actorTypes: readonly ActorType[];
  readonly maxActive?: number;
  /** The outbox size above which /readyz says not ready. */
  readonly readyOutboxThreshold?: number;
  /** Skip fsync (benchmarks only). */
  readonly noSync?: boolean;
}

export const DEFAULT_READY_OUTBOX_THRESHOLD = 10_000;

/** A running engine node. */
export class Engine {
  readonly options: EngineOptions;
  readonly clock: Clock;
  readonly log: Logger;
  host!: ActorHost;
  nc!: NatsConnection;
  natsUrl!: string;
  #store!: LmdbStore;
  #nats?: NatsServerHandle;
  #consumers: PartitionConsumer[] = [];
  #stopping?: Promise<void>;
  #consuming = false;

  constructor(options: EngineOptions) {
    this.options = options;
    this.clock = options.clock ?? new SystemClock();
    this.log = options.logger;
  }

  /** Whether the clock is virtual (time moves only when an operator advances it). */
  get virtualClock(): ManualClock | undefined {
    return this.clock instanceof ManualClock ? this.clock : undefined;
  }

  async start(): Promise<void> {
    const { dataDir } = this.options;
    mkdirSync(dataDir, { recursive: true });
    if (this.options.natsUrl) {
      this.natsUrl = this.options.natsUrl;
    } else {
      this.#nats = await startNatsServer({ dir: join(dataDir, 'nats'), port: this.options.embeddedNatsPort });
      this.natsUrl = this.#nats.url;
      this.log.info({ url: this.natsUrl, natsServerPid: this.#nats.pid }, 'embedded nats-server started');
    }
    this.nc = await connectNats(this.natsUrl, 'switchboard-engine');
    const jsm = await this.nc.jetstreamManager();
    await ensureStreams(jsm);
    const js = this.nc.jetstream();

    this.#store = LmdbStore.open(join(dataDir, 'lmdb'), { noSync: this.options.noSync });
    this.host = new ActorHost({
      store: this.#store,
      clock: this.clock,
      bus: new JetStreamBus(js),
      logger: this.log,
      partitions: this.options.partitions ?? DEFAULT_PARTITIONS,
      maxActive: this.options.maxActive,
      retryDelay: (attempt) => new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 5_000))),
    });
    for (const t of this.options.actorTypes) this.host.register(t);
    this.host.start();

    const partitions = this.options.partitions ?? DEFAULT_PARTITIONS;
    const owned = this.options.ownedPartitions ?? Array.from({ length: partitions }, (_, i) => i);
    this.#consumers = owned.map(
      (partition) => new PartitionConsumer({ js, jsm, host: this.host, partition, logger: this.log }),
    );
    await Promise.all(this.#consumers.map((c) => c.start()));
    this.#consuming = true;
    this.log.info({ partitions: owned.length, dataDir, virtualClock: !!this.virtualClock }, 'engine consuming');
  }

  /** Readiness: consuming, and the outbox drained below the threshold. */
  readiness(): { ready: boolean; consuming: boolean; outbox: number; active: number; reason?: string } {
    const outbox = this.host?.outboxSize ?? 0;
    const threshold = this.options.readyOutboxThreshold ?? DEFAULT_READY_OUTBOX_THRESHOLD;
    const consuming = this.#consuming && !this.nc?.isClosed();
    const ready = consuming && outbox < threshold;
    return {
      ready,
      consuming,
      outbox,
      active: this.host?.activeCount ?? 0,
      ...(ready ? {} : { reason: !consuming ? 'not consuming' : `outbox ${outbox} ≥ ${threshold}` }),
    };
  }

  /** Graceful stop: stop pulling, finish and ack what was pulled, flush the outbox, close. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.log.info('engine stopping');
    this.#consuming = false;
    await Promise.all(this.#consumers.map((c) => c.stop()));
    await this.host?.stop();
    await this.nc?.drain().catch(() => undefined);
    await this.#store?.close();
    await this.#nats?.stop();
    this.log.info('engine stopped');
  }
}
