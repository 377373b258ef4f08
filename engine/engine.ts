/**
 * One engine node: an actor host over LMDB, wired to NATS (embedded nats-server unless a URL is
 * given), consuming the partitions it owns, relaying its outbox, and serving the HTTP API.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JetStreamManager, NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { ActorHost } from '../actors/host.js';
import { ManualClock, SystemClock, type Clock } from '../actors/clock.js';
import { LmdbStore } from '../actors/lmdb-store.js';
import type { ActorType } from '../actors/types.js';
import { DEFAULT_PARTITIONS } from '../protocol/partition.js';
import { JetStreamAuditSink } from './auth/audit.js';
import { Authority, type AuthOptions } from './auth/authority.js';
import { JetStreamBus, PartitionConsumer, connectNats, ensureStreams } from './nats-bus.js';
import { startNatsServer, type NatsServerHandle } from './nats-server.js';
import { waitQuiescent } from './quiescence.js';
import { routingHolderOf } from './config/routing.js';
import { REPORT_TYPE, reportSink } from './reports/facts.js';

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
  /**
   * Credentials: the secrets file (default `<data>/secrets.json`, created with a signing key when
   * missing), token life, sign-in limits; or a ready Authority (tests share one).
   */
  readonly auth?: Partial<AuthOptions> | Authority;
  /** Trust X-Forwarded-For/-Proto from a reverse proxy (source addresses for limits and audit; secure cookies). */
  readonly trustProxy?: boolean;
  /** The only directory `POST /admin/routing/config/file` reads from (the route is refused without it). */
  readonly configDir?: string;
  /** How long a virtual-clock advance waits for quiescence after a timer (wall-clock ms). */
  readonly settleTimeoutMs?: number;
  /** How long a stop keeps relaying the outbox; the rest stays in LMDB for the next start (wall-clock ms). */
  readonly stopRelayMs?: number;
}

export const DEFAULT_READY_OUTBOX_THRESHOLD = 10_000;
/** How long a stop keeps relaying the outbox before it leaves the rest for the next start (wall-clock ms). */
export const DEFAULT_STOP_RELAY_MS = 4_000;

/** A running engine node. */
export class Engine {
  readonly options: EngineOptions;
  readonly clock: Clock;
  readonly log: Logger;
  /** Who may call what: credentials, tokens, audit. */
  readonly auth: Authority;
  host!: ActorHost;
  nc!: NatsConnection;
  natsUrl!: string;
  #store!: LmdbStore;
  #nats?: NatsServerHandle;
  #consumers: PartitionConsumer[] = [];
  #jsm?: JetStreamManager;
  /** The host's progress counter when quiescence was last confirmed during a virtual-clock move. */
  #quietAt?: number;
  #stopping?: Promise<void>;
  #consuming = false;

  constructor(options: EngineOptions) {
    this.options = options;
    this.clock = options.clock ?? new SystemClock();
    this.log = options.logger;
    this.auth =
      options.auth instanceof Authority
        ? options.auth
        : new Authority({
            secrets: join(options.dataDir, 'secrets.json'),
            logger: options.logger,
            ...options.auth,
          });
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
    this.#jsm = jsm;
    await ensureStreams(jsm);
    const js = this.nc.jetstream();
    if (!(this.options.auth instanceof Authority) && !this.options.auth?.audit)
      this.auth.audit.sink = new JetStreamAuditSink(js, jsm, this.log);

    this.#store = LmdbStore.open(join(dataDir, 'lmdb'), { noSync: this.options.noSync });
    // Virtual time resumes where it was last committed, so timers stored before a restart come
    // due after the time still left to them, not after the gap back to the clock's start.
    const resumeAt = this.#store.clockTime;
    if (this.virtualClock && resumeAt !== undefined) this.virtualClock.restore(resumeAt);
    // Hosting the report type turns the projection on: every record also feeds its aggregates.
    const routing = routingHolderOf(this.options.actorTypes);
    const reporting = routing && this.options.actorTypes.some((t) => t.name === REPORT_TYPE);
    this.host = new ActorHost({
      recordSink: reporting ? reportSink(routing.config) : undefined,
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
    // Causal virtual time: between two timers, whatever the first caused settles (quiescence.ts).
    this.virtualClock?.settleWith((cause) => this.#settleStep(cause));
    this.log.info(
      {
        partitions: owned.length,
        dataDir,
        virtualClock: !!this.virtualClock,
        ...(this.virtualClock ? { now: new Date(this.clock.now()).toISOString() } : {}),
      },
      'engine consuming',
    );
  }

  /**
   * Resolves once nothing this engine, its outbox, NATS or a running gateway holds is in flight
   * (quiescence.ts); rejects with SettleTimeoutError after `settleTimeoutMs`.
   */
  settle(): Promise<void> {
    if (!this.#jsm) return Promise.reject(new Error('the engine is not started'));
    return waitQuiescent({
      host: this.host,
      jsm: this.#jsm,
      consumers: () => this.#consumers,
      timeoutMs: this.options.settleTimeoutMs,
    });
  }

  /**
   * A virtual clock's step: a full check at the start of a move (a message published just before
   * it must land first); after a timer whose firing changed nothing here (the passivation sweep),
   * the quiescence confirmed before it still holds, so NATS is not asked again.
   */
  async #settleStep(cause: 'move' | 'timer'): Promise<void> {
    const consumersIdle = this.#consumers.every((c) => c.inflight === 0);
    if (cause === 'timer' && this.#quietAt === this.host.progress && this.host.quiescent && consumersIdle) return;
    await this.settle();
    this.#quietAt = this.host.progress;
  }

  /**
   * Moves virtual time forward by `ms`: timers fire in due order, each one's consequences settle
   * before the next, and the new "now" is committed to the data dir. Resolves with the new now.
   */
  async advanceClock(ms: number): Promise<number> {
    const clock = this.virtualClock;
    if (!clock) throw new TypeError('this engine runs on the system clock; start it with a virtual clock to advance');
    try {
      await clock.advance(ms);
    } finally {
      // Also when a settle timed out: time moved as far as the last timer that fired.
      await this.#store.saveClockTime(clock.now());
    }
    return clock.now();
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
    this.virtualClock?.settleWith(undefined);
    await Promise.all(this.#consumers.map((c) => c.stop()));
    // Everything pulled is committed and acknowledged by now; the outbox is durable, so a flood's
    // backlog of effects need not hold the stop: relay for a while, keep the rest for the next start.
    let relayTimer: NodeJS.Timeout | undefined;
    const relayUntil = new Promise((r) => {
      relayTimer = setTimeout(r, this.options.stopRelayMs ?? DEFAULT_STOP_RELAY_MS);
    });
    await this.host?.stop({ relayUntil });
    clearTimeout(relayTimer);
    const kept = this.host?.outboxSize ?? 0;
    if (kept > 0) this.log.info({ outbox: kept }, 'outbox kept for the next start');
    await this.nc?.drain().catch(() => undefined);
    if (this.virtualClock) await this.#store?.saveClockTime(this.clock.now());
    await this.#store?.close();
    await this.#nats?.stop();
    this.log.info('engine stopped');
  }
}
