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
import type { NatsCredentials } from '../gateways/nats-credentials.js';
import { embeddedNatsCredentials, type EmbeddedNatsCredentials } from './nats-auth.js';
import { startNatsServer, type NatsServerHandle } from './nats-server.js';
import { Intake } from './intake.js';
import { waitQuiescent } from './quiescence.js';
import { routingHolderOf } from './config/routing.js';
import { REPORT_TYPE, reportSink } from './reports/facts.js';
import { EngineMetrics } from './metrics.js';
import type { AgentContext } from '../machines/agent-logic.js';
import type { QueueContext } from '../machines/queue.machine.js';

export interface EngineOptions {
  /** Data directory: LMDB lives in `<data>/lmdb`, the embedded nats-server in `<data>/nats`. */
  readonly dataDir: string;
  /** Join an existing NATS cluster; without it an embedded nats-server is started. */
  readonly natsUrl?: string;
  /** The credential for `natsUrl` (an nkey seed or .creds file, or a user and password). */
  readonly natsCredentials?: NatsCredentials;
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
  /** Customer messages waiting in JetStream above which `/readyz` says `degraded`. */
  readonly degradedLag?: number;
}

/** One partition lane's backlog: messages not yet delivered to this node, and delivered but not yet acknowledged. */
export interface LaneBacklog {
  readonly partition: number;
  readonly lane: 'actors' | 'inbound';
  readonly pending: number;
  readonly ackPending: number;
}

/** What a node has still to do: per partition lane in JetStream, in its intake, awaiting commit, in its outbox. */
export interface Backlog {
  readonly outbox: number;
  readonly pendingEvents: number;
  readonly intake: { readonly actors: number; readonly inbound: number };
  /** Customer messages not yet applied and acknowledged: `pending` + `ackPending` over the customer-intake lanes. */
  readonly inboundLag: number;
  /** The same over the actors' own lanes. */
  readonly actorsLag: number;
  readonly partitions: readonly LaneBacklog[];
}

export const DEFAULT_READY_OUTBOX_THRESHOLD = 10_000;
/** How long a stop keeps relaying the outbox before it leaves the rest for the next start (wall-clock ms). */
export const DEFAULT_STOP_RELAY_MS = 4_000;
/** Customer messages waiting in JetStream above which a node reports `degraded`. */
export const DEFAULT_DEGRADED_LAG = 1_000;
/** How long a backlog reading is reused (JetStream is asked once per lane; wall-clock ms). */
const BACKLOG_CACHE_MS = 1_000;

/** A running engine node. */
export class Engine {
  readonly options: EngineOptions;
  readonly clock: Clock;
  readonly log: Logger;
  /** Who may call what: credentials, tokens, audit. */
  readonly auth: Authority;
  /** Prometheus metrics of this node (`GET /metrics`). */
  readonly metrics = new EngineMetrics();
  host!: ActorHost;
  nc!: NatsConnection;
  natsUrl!: string;
  /** The embedded nats-server's seed files (engine and gateway); undefined when joining a NATS. */
  embeddedNatsCredentials?: EmbeddedNatsCredentials;
  #store!: LmdbStore;
  #nats?: NatsServerHandle;
  #consumers: PartitionConsumer[] = [];
  #intake?: Intake;
  #backlog?: { at: number; value: Promise<Backlog> };
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
    let credentials = this.options.natsCredentials;
    if (this.options.natsUrl) {
      this.natsUrl = this.options.natsUrl;
    } else {
      // The embedded server admits only the engine's and the gateways' nkeys (engine/nats-auth.ts).
      const dir = join(dataDir, 'nats');
      const embedded = embeddedNatsCredentials(dir);
      this.embeddedNatsCredentials = embedded;
      credentials = { credsFile: embedded.engineFile };
      this.#nats = await startNatsServer({ dir, port: this.options.embeddedNatsPort, users: embedded.users });
      this.natsUrl = this.#nats.url;
      this.log.info(
        { url: this.natsUrl, natsServerPid: this.#nats.pid, gatewayCredentials: embedded.gatewayFile },
        'embedded nats-server started',
      );
    }
    this.nc = await connectNats(this.natsUrl, 'switchboard-engine', credentials);
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
      recordSink: this.metrics.recordSink(reporting ? reportSink(routing.config) : undefined),
      commitObserver: this.metrics.commitObserver,
      store: this.#store,
      clock: this.clock,
      bus: new JetStreamBus(this.nc),
      logger: this.log,
      partitions: this.options.partitions ?? DEFAULT_PARTITIONS,
      maxActive: this.options.maxActive,
      retryDelay: (attempt) => new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 5_000))),
    });
    for (const t of this.options.actorTypes) this.host.register(t);
    this.host.start();
    const host = this.host;
    const store = this.#store;
    this.metrics.attach({
      stats: host.stats,
      activeActors: () => host.activeCount,
      outbox: () => host.outboxSize,
      pendingEvents: () => host.pendingEvents,
      timers: () => ({ pending: store.timerCount, overdue: store.dueTimers(this.clock.now(), 10_000).length }),
      backlog: () => this.backlog(),
      config: () => routing?.config(),
      queue: (id) => host.read({ type: 'queue', key: id })?.context as QueueContext | undefined,
      agent: (id) => host.read({ type: 'agent', key: id })?.context as AgentContext | undefined,
    });

    const partitions = this.options.partitions ?? DEFAULT_PARTITIONS;
    const owned = this.options.ownedPartitions ?? Array.from({ length: partitions }, (_, i) => i);
    // Two lanes per partition: the actors' own messages are applied before customer intake.
    const intake = new Intake({ load: this.host });
    this.#intake = intake;
    this.#consumers = owned.flatMap((partition) =>
      (['actors', 'inbound'] as const).map(
        (lane) =>
          new PartitionConsumer({
            js,
            jsm,
            host: this.host,
            partition,
            lane,
            intake,
            logger: this.log,
            onDeadLetter: this.metrics.deadLetter,
          }),
      ),
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

  /**
   * The node's backlog (read from JetStream at most once a second): what `/readyz` reports, and
   * what a metrics registry can read as gauges.
   */
  backlog(): Promise<Backlog> {
    const now = Date.now();
    if (this.#backlog && now - this.#backlog.at < BACKLOG_CACHE_MS) return this.#backlog.value;
    const value = this.#readBacklog();
    this.#backlog = { at: now, value };
    value.catch(() => {
      if (this.#backlog?.value === value) this.#backlog = undefined;
    });
    return value;
  }

  async #readBacklog(): Promise<Backlog> {
    const partitions = await Promise.all(
      this.#consumers.map(async (c) => ({ partition: c.partition, lane: c.lane, ...(await c.lag()) })),
    );
    const sum = (lane: string) =>
      partitions.filter((p) => p.lane === lane).reduce((n, p) => n + p.pending + p.ackPending, 0);
    return {
      outbox: this.host.outboxSize,
      pendingEvents: this.host.pendingEvents,
      intake: this.#intake?.waiting ?? { actors: 0, inbound: 0 },
      inboundLag: sum('inbound'),
      actorsLag: sum('actors'),
      partitions,
    };
  }

  /** Readiness with the backlog: `degraded` (still serving) while customer intake waits beyond `degradedLag`. */
  async readinessWithBacklog(): Promise<ReturnType<Engine['readiness']> & { degraded: boolean; backlog?: Backlog }> {
    const r = this.readiness();
    if (!r.consuming) return { ...r, degraded: false };
    const backlog = await this.backlog();
    const degraded = backlog.inboundLag + backlog.actorsLag > (this.options.degradedLag ?? DEFAULT_DEGRADED_LAG);
    return { ...r, degraded, backlog };
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
    const consumersStopped = Promise.all(this.#consumers.map((c) => c.stop()));
    // What waits in the intake was never applied: back to JetStream, redelivered after the restart.
    this.#intake?.close();
    await consumersStopped;
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
