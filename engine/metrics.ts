/**
 * The engine's Prometheus metrics (`GET /metrics`, text exposition format 0.0.4), one registry per
 * engine. Most values are read from the node when Prometheus scrapes (host counters, outbox,
 * timers, JetStream lag, the queue and agent actors); commit latency and batch size are observed
 * as commits happen, dead letters and offers as they are decided. Every label is bounded: a
 * partition, a lane, an outcome or reason code, a presence, a configured queue id; never a
 * customer, conversation or interaction id. Names and meanings: docs/metrics.md.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RecordSink } from '../actors/host.js';
import type { AgentContext } from '../machines/agent-logic.js';
import type { QueueContext } from '../machines/queue.machine.js';
import type { RoutingConfig } from '../machines/routing-config.js';

/** What the registry reads from the engine at scrape time. */
export interface MetricsSource {
  readonly stats: Readonly<
    Record<'applied' | 'duplicates' | 'stale' | 'rejected' | 'activations' | 'passivations', number>
  >;
  readonly activeActors: () => number;
  readonly outbox: () => number;
  readonly pendingEvents: () => number;
  readonly timers: () => { pending: number; overdue: number };
  readonly backlog: () => Promise<{
    readonly intake: { readonly actors: number; readonly inbound: number };
    readonly partitions: readonly { partition: number; lane: string; pending: number; ackPending: number }[];
  }>;
  /** The routing configuration (its queues and agents), when the engine hosts routing. */
  readonly config: () => RoutingConfig | undefined;
  readonly queue: (id: string) => QueueContext | undefined;
  readonly agent: (id: string) => AgentContext | undefined;
}

/** Offer outcomes as the routing records name them; anything else is counted as `other`. */
const OFFER_OUTCOMES = new Set(['accepted', 'declined', 'timed_out', 'rescinded', 'withdrawn']);
const PRESENCES = ['available', 'not_ready', 'offline'] as const;

/** A counter that follows a monotonic value read at scrape time. */
function followedCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let seen = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const v = read();
      if (v > seen) this.inc(v - seen);
      seen = Math.max(seen, v);
    },
  });
}

/** The engine's metrics registry. */
export class EngineMetrics {
  readonly registry = new Registry();
  readonly #commitSeconds: Histogram;
  readonly #batchSize: Histogram;
  readonly #deadLetters: Counter<'code'>;
  readonly #offers: Counter<'outcome'>;
  readonly #records: Counter<'kind'>;
  #source?: MetricsSource;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
    this.#commitSeconds = new Histogram({
      name: 'switchboard_commit_duration_seconds',
      help: 'Time from the start of one batched LMDB commit to its durability.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.#batchSize = new Histogram({
      name: 'switchboard_commit_batch_size',
      help: 'Events in one batched LMDB commit.',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    });
    this.#deadLetters = new Counter({
      name: 'switchboard_dead_letters_total',
      help: 'Envelopes moved to dead letters, by reason code.',
      labelNames: ['code'],
      registers,
    });
    this.#offers = new Counter({
      name: 'switchboard_offers_total',
      help: 'Offers to agents that closed, by outcome (accepted, declined, timed_out = RONA, ...).',
      labelNames: ['outcome'],
      registers,
    });
    this.#records = new Counter({
      name: 'switchboard_records_total',
      help: 'Reporting records the actors emitted, by kind.',
      labelNames: ['kind'],
      registers,
    });
    const events = new Counter({
      name: 'switchboard_events_total',
      help: 'Events delivered to actors, by result: applied, duplicate (dropped by id), stale (timer), rejected.',
      labelNames: ['result'],
      registers,
      collect: () => {
        const s = this.#source?.stats;
        if (!s) return;
        for (const [result, v] of [
          ['applied', s.applied],
          ['duplicate', s.duplicates],
          ['stale', s.stale],
          ['rejected', s.rejected],
        ] as const) {
          const seen = eventsSeen.get(result) ?? 0;
          if (v > seen) events.inc({ result }, v - seen);
          eventsSeen.set(result, Math.max(seen, v));
        }
      },
    });
    const eventsSeen = new Map<string, number>();
    followedCounter(
      this.registry,
      'switchboard_actor_activations_total',
      'Actors brought into memory (created or loaded from LMDB).',
      () => this.#source?.stats.activations ?? 0,
    );
    followedCounter(
      this.registry,
      'switchboard_actor_passivations_total',
      'Actors dropped from memory (idle, or least recently used past the limit); their state stays in LMDB.',
      () => this.#source?.stats.passivations ?? 0,
    );
    const gauge = (name: string, help: string, read: (s: MetricsSource) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const s = metrics.#source;
          if (s) this.set(read(s));
        },
      });
    const metrics = this;
    gauge('switchboard_actors_active', 'Actors in memory now.', (s) => s.activeActors());
    gauge('switchboard_outbox_depth', 'Outbox rows committed and not yet relayed to NATS.', (s) => s.outbox());
    gauge(
      'switchboard_events_pending',
      'Events delivered to the host and not yet resolved (queued, applying, awaiting commit).',
      (s) => s.pendingEvents(),
    );
    new Gauge({
      name: 'switchboard_timers',
      help: 'Durable timers stored: all pending ones, and those already due but not yet fired (the timer backlog).',
      labelNames: ['state'],
      registers,
      collect() {
        const t = metrics.#source?.timers();
        if (!t) return;
        this.set({ state: 'pending' }, t.pending);
        this.set({ state: 'overdue' }, t.overdue);
      },
    });
    new Gauge({
      name: 'switchboard_consumer_lag',
      help: 'JetStream messages of one partition lane not yet acknowledged: not yet delivered (pending) or delivered and in work (ack_pending).',
      labelNames: ['partition', 'lane', 'state'],
      registers,
      async collect() {
        const b = await metrics.#source?.backlog().catch(() => undefined);
        if (!b) return;
        this.reset();
        for (const p of b.partitions) {
          const labels = { partition: String(p.partition), lane: p.lane };
          this.set({ ...labels, state: 'pending' }, p.pending);
          this.set({ ...labels, state: 'ack_pending' }, p.ackPending);
        }
      },
    });
    new Gauge({
      name: 'switchboard_intake_waiting',
      help: "Messages pulled from JetStream waiting in the node's intake, by lane.",
      labelNames: ['lane'],
      registers,
      async collect() {
        const b = await metrics.#source?.backlog().catch(() => undefined);
        if (!b) return;
        this.set({ lane: 'actors' }, b.intake.actors);
        this.set({ lane: 'inbound' }, b.intake.inbound);
      },
    });
    new Gauge({
      name: 'switchboard_queue_waiting',
      help: 'Interactions waiting in a queue now: not yet offered (waiting) or being offered to an agent (offering).',
      labelNames: ['queue', 'state'],
      registers,
      collect() {
        const s = metrics.#source;
        const config = s?.config();
        if (!s || !config) return;
        this.reset();
        for (const id of Object.keys(config.queues)) {
          const waiting = s.queue(id)?.waiting ?? [];
          const offering = waiting.filter((e) => e.offer).length;
          this.set({ queue: id, state: 'waiting' }, waiting.length - offering);
          this.set({ queue: id, state: 'offering' }, offering);
        }
      },
    });
    new Gauge({
      name: 'switchboard_agents',
      help: 'Configured agents by presence now.',
      labelNames: ['presence'],
      registers,
      collect() {
        const s = metrics.#source;
        const config = s?.config();
        if (!s || !config) return;
        const n: Record<string, number> = Object.fromEntries(PRESENCES.map((p) => [p, 0]));
        for (const id of Object.keys(config.agents)) {
          const p = s.agent(id)?.presence ?? 'offline';
          n[p] = (n[p] ?? 0) + 1;
        }
        for (const [presence, v] of Object.entries(n)) this.set({ presence }, v);
      },
    });
  }

  /** Where scrape-time values come from (set once the engine's host exists). */
  attach(source: MetricsSource): void {
    this.#source = source;
  }

  /** The host's commit observer: batch size now, duration when the commit settles. */
  readonly commitObserver = (batchSize: number): ((ok: boolean) => void) => {
    const started = performance.now();
    this.#batchSize.observe(batchSize);
    return () => this.#commitSeconds.observe((performance.now() - started) / 1_000);
  };

  /** Counts a message moved to dead letters. */
  readonly deadLetter = (code: string): void => {
    this.#deadLetters.inc({ code });
  };

  /** Wraps a record sink so every record is also counted (kind; offers by outcome). */
  recordSink(inner?: RecordSink): RecordSink {
    return (record) => {
      this.#records.inc({ kind: record.kind });
      if (record.kind === 'routing.offer') {
        const o = record.data.outcome;
        this.#offers.inc({ outcome: typeof o === 'string' && OFFER_OUTCOMES.has(o) ? o : 'other' });
      }
      return inner?.(record) ?? [];
    };
  }

  /** The text exposition. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
