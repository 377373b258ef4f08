/**
 * The durable virtual-actor host. An actor is addressed by (type, key), activated on first use
 * from its stored snapshot (or created fresh), fed one event at a time, and passivated when
 * idle. Each event is applied with xstate's pure `transition`; the new snapshot, timer changes,
 * outbox entries and the event id are committed atomically (many actors' events share one
 * commit), and only then does `deliver` resolve — callers acknowledge their inbound message
 * after that.
 */
import { createActor, initialTransition, type AnyMachineSnapshot } from 'xstate';
import type { Logger } from 'pino';
import { actorRefProblem, refId, type ActorEvent, type ActorRef, type Envelope } from '../protocol/actor.js';
import { isEffectType, type EffectParams, type RespondParams } from '../protocol/effects.js';
import { partitionOf, DEFAULT_PARTITIONS } from '../protocol/partition.js';
import { subjects } from '../protocol/subjects.js';
import { decode, encode } from '../protocol/wire.js';
import type { Clock, TimerHandle } from './clock.js';
import { InvalidEffectAddressError, TerminalError, UnknownActorTypeError } from './errors.js';
import type { EventWrite, OutboxEntry, TimerSet } from './lmdb-store.js';
import type { ActorStore } from './store.js';
import { OutboxRelay } from './outbox.js';
import { pureTransition, type PureTransition } from './transition.js';
import { TimerScheduler } from './scheduler.js';
import type { ActorType, Bus, DeliverResult } from './types.js';

export interface ActorHostOptions {
  readonly store: ActorStore;
  readonly clock: Clock;
  /** Where the outbox goes; without one, entries stay in the outbox until a bus is attached. */
  readonly bus?: Bus;
  readonly logger?: Logger;
  readonly partitions?: number;
  /** Most actors kept in memory; the least recently used idle ones are passivated past it. */
  readonly maxActive?: number;
  /** Idle actors older than this are passivated by a sweep (ms of clock time). */
  readonly idlePassivateMs?: number;
  /** Applied event ids are remembered this long for dedupe (ms of clock time). */
  readonly dedupeHorizonMs?: number;
  /** Most events in one LMDB commit. */
  readonly maxBatch?: number;
  /** Waits between outbox publish retries (wall time, supplied by the engine). */
  readonly retryDelay?: (attempt: number) => Promise<void>;
  /**
   * Actors that also receive each record (the reporting projection): their events join the
   * emitting event's commit through the outbox, so a record reaches them exactly once.
   */
  readonly recordSink?: RecordSink;
  /**
   * Told of each batched commit as it starts (its size); the function it returns is called when
   * the commit settles. For metrics: the host itself never reads the wall clock, its caller may.
   */
  readonly commitObserver?: (batchSize: number) => (ok: boolean) => void;
}

/** Maps one record to the events other actors receive for it (none to skip it). */
export type RecordSink = (record: {
  readonly kind: string;
  readonly from: ActorRef;
  readonly at: number;
  readonly data: Readonly<Record<string, unknown>>;
}) => readonly { readonly to: ActorRef; readonly event: ActorEvent }[];

export const DEFAULT_MAX_ACTIVE = 50_000;
export const DEFAULT_IDLE_PASSIVATE_MS = 10 * 60_000;
export const DEFAULT_DEDUPE_HORIZON_MS = 7 * 24 * 3_600_000;
export const DEFAULT_MAX_BATCH = 4_096;

interface Pending {
  readonly envelope: Envelope;
  readonly timer?: { readonly id: string; readonly dueAt: number };
  readonly resolve: (r: DeliverResult) => void;
  readonly reject: (e: unknown) => void;
}

interface Activation {
  readonly ref: ActorRef;
  readonly type: ActorType;
  snapshot: AnyMachineSnapshot;
  /** The snapshot object whose encoding the store holds (or will once the pending commit lands). */
  persisted?: AnyMachineSnapshot;
  /** True until the first event is committed (the initial snapshot's actions still to run). */
  fresh: boolean;
  initialActions: readonly { type: string; params?: unknown }[];
  readonly timers: Map<string, number>;
  readonly queue: Pending[];
  running: boolean;
  uncommitted: number;
  lastUsed: number;
}

interface BatchItem {
  readonly act: Activation;
  /** Mutable until flushed: the snapshot is filled in at the flush, once per actor. */
  readonly write: { -readonly [K in keyof EventWrite]: EventWrite[K] };
  readonly done: () => void;
  readonly fail: (err: unknown) => void;
}

/** Hosts durable actors over an ActorStore (LMDB in production). */
export class ActorHost {
  readonly clock: Clock;
  readonly store: ActorStore;
  readonly #types = new Map<string, ActorType>();
  readonly #transitions = new Map<string, PureTransition>();
  readonly #active = new Map<string, Activation>();
  readonly #inflightIds = new Set<string>();
  readonly #log?: Logger;
  readonly #partitions: number;
  readonly #maxActive: number;
  readonly #idleMs: number;
  readonly #dedupeMs: number;
  readonly #maxBatch: number;
  readonly #scheduler: TimerScheduler;
  readonly #relay: OutboxRelay;
  readonly #recordSink?: RecordSink;
  readonly #commitObserver?: ActorHostOptions['commitObserver'];
  #batch: BatchItem[] = [];
  #flushScheduled = false;
  #commits: Promise<unknown> = Promise.resolve();
  /** Delivered events not yet resolved (queued, being applied, or waiting for their commit). */
  #pending = 0;
  #sweep?: TimerHandle;
  #started = false;
  #fatal?: unknown;
  /** Counters for metrics and benchmarks. */
  readonly stats = { applied: 0, duplicates: 0, stale: 0, rejected: 0, commits: 0, activations: 0, passivations: 0 };

  constructor(options: ActorHostOptions) {
    this.clock = options.clock;
    this.store = options.store;
    this.#log = options.logger;
    this.#partitions = options.partitions ?? DEFAULT_PARTITIONS;
    this.#maxActive = options.maxActive ?? DEFAULT_MAX_ACTIVE;
    this.#idleMs = options.idlePassivateMs ?? DEFAULT_IDLE_PASSIVATE_MS;
    this.#dedupeMs = options.dedupeHorizonMs ?? DEFAULT_DEDUPE_HORIZON_MS;
    this.#maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.#scheduler = new TimerScheduler(this.store, this.clock, (t) =>
      this.deliver(
        { id: `timer:${refId(t.ref)}:${t.id}:${t.dueAt}`, to: t.ref, event: decode<ActorEvent>(t.event) },
        {
          timer: { id: t.id, dueAt: t.dueAt },
        },
      ),
    );
    this.#relay = new OutboxRelay(this.store, options.bus, options.retryDelay, this.#log);
    this.#recordSink = options.recordSink;
    this.#commitObserver = options.commitObserver;
  }

  /** Registers an actor type; every type must be registered before events for it arrive. */
  register(type: ActorType): this {
    if (this.#types.has(type.name)) throw new TypeError(`actor type "${type.name}" is already registered`);
    this.#types.set(type.name, type);
    this.#transitions.set(type.name, pureTransition(type.machine));
    return this;
  }

  /** Re-arms durable timers, starts the outbox relay and the passivation sweep. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#scheduler.start();
    this.#relay.kick();
    this.#armSweep();
  }

  /** Attaches (or replaces) the bus the outbox relays to. */
  attachBus(bus: Bus): void {
    this.#relay.attach(bus);
  }

  /**
   * Delivers one envelope. Resolves after the event's effects are durable (or it was a
   * duplicate, a stale timer, or rejected by the machine). Rejects only on storage failure.
   */
  deliver(envelope: Envelope, opts: { timer?: { id: string; dueAt: number } } = {}): Promise<DeliverResult> {
    if (this.#fatal) return Promise.reject(this.#fatal);
    let act: Activation;
    try {
      act = this.#activate(envelope.to);
    } catch (err) {
      if (err instanceof TerminalError) {
        this.stats.rejected++;
        return Promise.resolve({ status: 'rejected', code: err.code, message: err.message });
      }
      return Promise.reject(err);
    }
    this.#pending++;
    return new Promise<DeliverResult>((resolve, reject) => {
      act.queue.push({
        envelope,
        timer: opts.timer,
        resolve: (r) => {
          this.#pending--;
          resolve(r);
        },
        reject: (e) => {
          this.#pending--;
          reject(e);
        },
      });
      if (!act.running) this.#drain(act);
    });
  }

  /** Delivers an event to an actor with a generated id (for local callers such as the API). */
  send(to: ActorRef, event: ActorEvent, id: string): Promise<DeliverResult> {
    return this.deliver({ id, to, event });
  }

  /** The current snapshot of an actor (live or stored), or undefined if it never existed. */
  read(ref: ActorRef): AnyMachineSnapshot | undefined {
    const live = this.#active.get(refId(ref));
    if (live) return live.fresh ? undefined : live.snapshot;
    const type = this.#types.get(ref.type);
    if (!type) throw new UnknownActorTypeError(ref.type);
    const stored = this.store.loadActor(ref).snapshot;
    return stored ? this.#revive(type, ref, stored) : undefined;
  }

  /** The persisted (JSON-safe) form of an actor's snapshot. */
  readPersisted(ref: ActorRef): unknown {
    const snap = this.read(ref);
    if (!snap) return undefined;
    return this.#types.get(ref.type)!.machine.getPersistedSnapshot(snap);
  }

  /** Pending durable timers of an actor (id → dueAt). */
  timersOf(ref: ActorRef): ReadonlyMap<string, number> {
    const live = this.#active.get(refId(ref));
    return new Map(live ? live.timers : this.store.loadActor(ref).timers);
  }

  /** Number of actors in memory. */
  get activeCount(): number {
    return this.#active.size;
  }

  /** Outbox rows waiting to be relayed. */
  get outboxSize(): number {
    return this.store.outboxSize;
  }

  /**
   * True when nothing is in flight in this host: no delivered event is queued, being applied or
   * waiting for its commit, and the outbox is empty with no relay pass running.
   */
  get quiescent(): boolean {
    return this.#pending === 0 && this.#batch.length === 0 && this.#relay.idle;
  }

  /** Delivered events not yet resolved: queued, being applied, or waiting for their commit. */
  get pendingEvents(): number {
    return this.#pending;
  }

  /** Outbox rows relayed since start. */
  get relayed(): number {
    return this.#relay.published;
  }

  /** Moves whenever the host resolves an event, commits or relays an effect (to tell "still" from "quiet for now"). */
  get progress(): number {
    const s = this.stats;
    return s.applied + s.duplicates + s.stale + s.rejected + s.commits + this.#relay.published;
  }

  /** Passivates every idle actor whose last use is older than `idleMs`; returns how many. */
  passivateIdle(idleMs = this.#idleMs): number {
    const cutoff = this.clock.now() - idleMs;
    let n = 0;
    for (const act of this.#active.values()) {
      if (act.lastUsed <= cutoff && this.#passivate(act)) n++;
    }
    return n;
  }

  /** Resolves once every accepted event is committed and the outbox is relayed (or `timeoutMs` passes). */
  async drain(): Promise<void> {
    await this.#committed();
    await this.#relay.drained();
  }

  /**
   * Stops timers, waits for every accepted event's commit, then relays the outbox until it is
   * empty or `relayUntil` settles (what is left stays in the store and is relayed after the next
   * start); the store stays open for the caller to close.
   */
  async stop(opts: { relayUntil?: Promise<unknown> } = {}): Promise<void> {
    this.#scheduler.stop();
    if (this.#sweep) this.clock.clearTimer(this.#sweep);
    await this.#committed().catch(() => undefined);
    const waits: Promise<unknown>[] = [this.#relay.drained()];
    if (opts.relayUntil !== undefined) waits.push(opts.relayUntil);
    await Promise.race(waits);
    await this.#relay.stop();
    this.#started = false;
  }

  /** Resolves once every accepted event is committed (the outbox may still be relaying). */
  async #committed(): Promise<void> {
    while (this.#batch.length > 0 || [...this.#active.values()].some((a) => a.running || a.uncommitted > 0)) {
      await this.#commits;
      await new Promise((r) => setImmediate(r));
    }
    await this.#commits;
  }

  // ——— activation ———

  #activate(ref: ActorRef): Activation {
    const id = refId(ref);
    let act = this.#active.get(id);
    if (act) {
      // Keep the map in least-recently-used order.
      this.#active.delete(id);
      this.#active.set(id, act);
      return act;
    }
    const type = this.#types.get(ref.type);
    if (!type) throw new UnknownActorTypeError(ref.type);
    const stored = this.store.loadActor(ref);
    let snapshot: AnyMachineSnapshot;
    let initialActions: readonly { type: string; params?: unknown }[] = [];
    if (stored.snapshot) {
      snapshot = this.#revive(type, ref, stored.snapshot);
    } else {
      const [snap, actions] = initialTransition(type.machine, type.input?.(ref.key));
      snapshot = snap;
      initialActions = actions as { type: string; params?: unknown }[];
    }
    act = {
      ref,
      type,
      snapshot,
      persisted: stored.snapshot ? snapshot : undefined,
      fresh: !stored.snapshot,
      initialActions,
      timers: stored.timers,
      queue: [],
      running: false,
      uncommitted: 0,
      lastUsed: this.clock.now(),
    };
    this.#active.set(id, act);
    this.stats.activations++;
    return act;
  }

  #revive(type: ActorType, ref: ActorRef, bytes: Uint8Array): AnyMachineSnapshot {
    const stored = decode(bytes);
    const persisted = type.upgrade ? type.upgrade(stored) : stored;
    return createActor(type.machine, { snapshot: persisted as never, input: type.input?.(ref.key) }).getSnapshot();
  }

  #passivate(act: Activation): boolean {
    if (act.running || act.queue.length > 0 || act.uncommitted > 0) return false;
    this.#active.delete(refId(act.ref));
    this.stats.passivations++;
    return true;
  }

  #evictOverflow(): void {
    if (this.#active.size <= this.#maxActive) return;
    for (const act of this.#active.values()) {
      if (this.#active.size <= this.#maxActive) break;
      this.#passivate(act);
    }
  }

  #armSweep(): void {
    if (!this.#started) return;
    this.#sweep = this.clock.setTimer(this.clock.now() + Math.max(1_000, this.#idleMs), async () => {
      const n = this.passivateIdle();
      if (n > 0) this.#log?.debug({ passivated: n }, 'passivated idle actors');
      await this.store.pruneSeen(this.clock.now() - this.#dedupeMs);
      this.#armSweep();
    });
  }

  // ——— applying events ———

  #drain(act: Activation): void {
    act.running = true;
    try {
      while (act.queue.length > 0) {
        const item = act.queue.shift()!;
        this.#apply(act, item);
      }
    } finally {
      act.running = false;
      act.lastUsed = this.clock.now();
      this.#evictOverflow();
    }
  }

  #apply(act: Activation, item: Pending): void {
    const { envelope } = item;
    if (this.#inflightIds.has(envelope.id) || this.store.hasSeen(envelope.id)) {
      this.stats.duplicates++;
      item.resolve({ status: 'duplicate' });
      return;
    }
    if (item.timer && act.timers.get(item.timer.id) !== item.timer.dueAt) {
      // Cancelled or re-set since the scheduler read it.
      this.stats.stale++;
      item.resolve({ status: 'stale' });
      return;
    }
    const now = this.clock.now();
    const event: ActorEvent = envelope.event.at === undefined ? { ...envelope.event, at: now } : envelope.event;
    let next: AnyMachineSnapshot;
    let actions: readonly { type: string; params?: unknown }[];
    try {
      [next, actions] = this.#transitions.get(act.type.name)!(act.snapshot, event);
      if (next.status === 'error') throw (next as { error?: unknown }).error ?? new Error('machine error');
    } catch (err) {
      this.stats.rejected++;
      this.#log?.warn({ err, actor: refId(act.ref), event: event.type, id: envelope.id }, 'event rejected by machine');
      item.resolve({
        status: 'rejected',
        code: 'machine_error',
        message: `the ${act.ref.type} machine failed on ${event.type}: ${String((err as Error)?.message ?? err)}`,
      });
      return;
    }
    if (act.fresh) actions = [...act.initialActions, ...actions];
    const misaddressed = this.#misaddressed(act, event, actions);
    if (misaddressed) {
      this.stats.rejected++;
      this.#log?.error(
        { err: misaddressed, actor: refId(act.ref), id: envelope.id },
        'event rejected: effect misaddressed',
      );
      item.resolve({ status: 'rejected', code: misaddressed.code, message: misaddressed.message });
      return;
    }

    const timerSets: TimerSet[] = [];
    const timerDeletes: { id: string; dueAt: number }[] = [];
    const outbox: OutboxEntry[] = [];
    const responses: RespondParams[] = [];
    if (item.timer) {
      timerDeletes.push(item.timer);
      act.timers.delete(item.timer.id);
    }
    let index = 0;
    for (const action of actions) {
      const effectId = `${envelope.id}#${index++}`;
      const params = action.params as Record<string, unknown> | undefined;
      if (action.type === 'xstate.raise') {
        const p = params as { event: ActorEvent; id?: string; delay?: number };
        if (p.delay === undefined) continue; // already processed inside transition()
        const id = p.id ?? effectId;
        const previous = act.timers.get(id);
        if (previous !== undefined) timerDeletes.push({ id, dueAt: previous });
        const dueAt = now + p.delay;
        timerSets.push({ id, dueAt, event: encode(p.event) });
        act.timers.set(id, dueAt);
      } else if (action.type === 'xstate.cancel') {
        const id = (params as { sendId: string }).sendId;
        const previous = act.timers.get(id);
        if (previous !== undefined) {
          timerDeletes.push({ id, dueAt: previous });
          act.timers.delete(id);
        }
      } else if (isEffectType(action.type)) {
        this.#effect(action.type, params as never, effectId, act.ref, now, outbox, responses);
      }
    }

    act.snapshot = next;
    act.fresh = false;
    act.initialActions = [];
    act.uncommitted++;
    this.#inflightIds.add(envelope.id);
    this.#enqueueWrite(
      act,
      { ref: act.ref, eventId: envelope.id, at: now, timerSets, timerDeletes, outbox },
      () => {
        act.uncommitted--;
        this.#inflightIds.delete(envelope.id);
        this.stats.applied++;
        for (const t of timerSets) this.#scheduler.notify(t.dueAt);
        item.resolve({ status: 'applied', responses });
      },
      item.reject,
    );
  }

  /** The first `actor.send` effect whose address cannot name an actor, as a terminal error (checked before anything is committed). */
  #misaddressed(
    act: Activation,
    event: ActorEvent,
    actions: readonly { type: string; params?: unknown }[],
  ): InvalidEffectAddressError | undefined {
    for (const a of actions) {
      if (a.type !== 'actor.send') continue;
      const to = (a.params as EffectParams['actor.send'] | undefined)?.to;
      const problem = actorRefProblem(to);
      if (problem) return new InvalidEffectAddressError(act.ref.type, event.type, to, problem);
    }
    return undefined;
  }

  #effect<T extends keyof EffectParams>(
    type: T,
    params: EffectParams[T],
    effectId: string,
    from: ActorRef,
    now: number,
    outbox: OutboxEntry[],
    responses: RespondParams[],
  ): void {
    switch (type) {
      case 'actor.send': {
        const p = params as EffectParams['actor.send'];
        const env: Envelope = { id: effectId, to: p.to, event: p.event };
        outbox.push({
          id: effectId,
          subject: subjects.actor(partitionOf(p.to.key, this.#partitions)),
          data: encode(env),
        });
        break;
      }
      case 'outbound.send': {
        const p = params as EffectParams['outbound.send'];
        outbox.push({
          id: effectId,
          subject: subjects.outbound(p.channel),
          data: encode({ ...p, id: p.id ?? effectId }),
        });
        break;
      }
      case 'record': {
        const p = params as EffectParams['record'];
        outbox.push({
          id: effectId,
          subject: subjects.record(p.kind),
          data: encode({ kind: p.kind, actor: from, at: now, ...p.data }),
        });
        const sunk = this.#recordSink?.({ kind: p.kind, from, at: now, data: p.data }) ?? [];
        for (let i = 0; i < sunk.length; i++) {
          const id = `${effectId}>${i}`;
          const env: Envelope = { id, to: sunk[i]!.to, event: sunk[i]!.event };
          outbox.push({ id, subject: subjects.actor(partitionOf(env.to.key, this.#partitions)), data: encode(env) });
        }
        break;
      }
      case 'notify': {
        const p = params as EffectParams['notify'];
        outbox.push({
          id: effectId,
          subject: subjects.live(p.topic),
          data: encode({ topic: p.topic, at: now, ...p.data }),
        });
        break;
      }
      case 'respond':
        responses.push(params as RespondParams);
        break;
    }
  }

  // ——— batched commits ———

  #enqueueWrite(act: Activation, write: BatchItem['write'], done: () => void, fail: (e: unknown) => void): void {
    this.#batch.push({ act, write, done, fail });
    if (this.#batch.length >= this.#maxBatch) this.#flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /**
   * Gives each actor's last write in the batch its snapshot, encoded once: every event of the
   * batch commits together, so the snapshots in between would be overwritten in the same
   * transaction (a busy queue actor takes several events per batch, each snapshot ~20 KB). The
   * actor's live snapshot is the one after its last write here: anything it applies later lands
   * in a later batch. An actor whose snapshot object did not change since it was stored writes none.
   */
  #encodeSnapshots(batch: readonly BatchItem[]): void {
    const done = new Set<Activation>();
    for (let i = batch.length - 1; i >= 0; i--) {
      const { act, write } = batch[i]!;
      if (done.has(act)) continue;
      done.add(act);
      if (act.snapshot === act.persisted) continue;
      write.snapshot = encode(act.type.machine.getPersistedSnapshot(act.snapshot));
      act.persisted = act.snapshot;
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    this.#batch = [];
    this.#encodeSnapshots(batch);
    const observed = this.#commitObserver?.(batch.length);
    const committed = this.store.commit(batch.map((b) => b.write));
    this.#commits = committed.then(
      () => {
        observed?.(true);
        this.stats.commits++;
        for (const b of batch) b.done();
        if (batch.some((b) => b.write.outbox.length > 0)) this.#relay.kick();
      },
      (err) => {
        // Memory is now ahead of disk: refuse further work; the process must restart.
        observed?.(false);
        this.#fatal = err;
        this.#log?.fatal({ err }, 'commit failed; the host stops accepting events');
        for (const b of batch) b.fail(err);
      },
    );
  }
}
