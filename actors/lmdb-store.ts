/**
 * The one file that touches LMDB. An actor store keeps, in one environment:
 * snapshots by actor, durable timers by due time (plus an index by actor for cancel), the
 * transactional outbox in commit order, the ids of applied events for dedupe, and the latest clock
 * time anything was committed at (so a virtual clock resumes from it after a restart).
 * Values are encoded before a transaction opens, so nothing inside a transaction can throw:
 * lmdb-js does not roll back an async transaction whose callback throws.
 * Inside a transaction callback, put/remove apply at once; their promises only mirror the
 * transaction's, which the caller awaits, so they are `void`ed.
 */
import { open, type Database, type RootDatabase } from 'lmdb';
import type { ActorRef } from '../protocol/actor.js';
import type { ActorStore } from './store.js';

/** A timer row set by an event. */
export interface TimerSet {
  readonly id: string;
  readonly dueAt: number;
  /** The encoded event the timer delivers. */
  readonly event: Uint8Array;
}

/** An outbox row written by an event. */
export interface OutboxEntry {
  readonly id: string;
  readonly subject: string;
  readonly data: Uint8Array;
}

/** Everything one applied event writes, committed atomically. */
export interface EventWrite {
  readonly ref: ActorRef;
  readonly eventId: string;
  readonly at: number;
  /**
   * The actor's snapshot after this event; left out when it did not change or when a later event
   * of the same actor in the same commit writes it (the host encodes each actor's snapshot once
   * per commit).
   */
  readonly snapshot?: Uint8Array;
  readonly timerSets: readonly TimerSet[];
  readonly timerDeletes: readonly { readonly id: string; readonly dueAt: number }[];
  readonly outbox: readonly OutboxEntry[];
}

/** A due timer read back from the store. */
export interface DueTimer {
  readonly ref: ActorRef;
  readonly id: string;
  readonly dueAt: number;
  readonly event: Uint8Array;
}

export interface StoredOutboxEntry extends OutboxEntry {
  readonly seq: number;
}

export interface LmdbStoreOptions {
  /** Skip fsync on commit (benchmarks of the CPU path only; never in production). */
  readonly noSync?: boolean;
  /** Map size ceiling in bytes. */
  readonly mapSize?: number;
}

type TimerKey = [number, string, string, string];

const CLOCK_KEY = 'clock';

/** The LMDB-backed store of the actor host. */
export class LmdbStore implements ActorStore {
  readonly #root: RootDatabase;
  readonly #snapshots: Database<Buffer, [string, string]>;
  readonly #timers: Database<Buffer, TimerKey>;
  readonly #timerIndex: Database<number, [string, string, string]>;
  readonly #outbox: Database<Buffer, number>;
  readonly #seen: Database<number, string>;
  readonly #seenByTime: Database<string, [number, string]>;
  readonly #meta: Database<number, string>;
  #seq: number;
  /** The latest clock time committed (0 when nothing was). */
  #clockAt: number;
  #outboxCount: number;

  private constructor(root: RootDatabase) {
    this.#root = root;
    this.#snapshots = root.openDB({ name: 'snapshots', encoding: 'binary' });
    this.#timers = root.openDB({ name: 'timers', encoding: 'binary' });
    this.#timerIndex = root.openDB({ name: 'timer-index', encoding: 'ordered-binary' });
    this.#outbox = root.openDB({ name: 'outbox', encoding: 'binary' });
    this.#seen = root.openDB({ name: 'seen', encoding: 'ordered-binary' });
    this.#seenByTime = root.openDB({ name: 'seen-by-time', encoding: 'ordered-binary' });
    this.#meta = root.openDB({ name: 'meta', encoding: 'ordered-binary' });
    this.#clockAt = this.#meta.get(CLOCK_KEY) ?? 0;
    let last = 0;
    for (const key of this.#outbox.getKeys({ reverse: true, limit: 1 })) last = key as number;
    this.#seq = last;
    this.#outboxCount = this.#outbox.getCount();
  }

  /** Opens (or creates) the store in a directory. */
  static open(path: string, options: LmdbStoreOptions = {}): LmdbStore {
    const root = open({
      path,
      maxDbs: 16,
      noSync: options.noSync ?? false,
      mapSize: options.mapSize ?? 8 * 1024 ** 3,
      encoding: 'binary',
    });
    return new LmdbStore(root);
  }

  /** The stored snapshot of an actor and its pending timers (id → dueAt). */
  loadActor(ref: ActorRef): { snapshot?: Uint8Array; timers: Map<string, number> } {
    const snapshot = this.#snapshots.get([ref.type, ref.key]);
    const timers = new Map<string, number>();
    for (const { key, value } of this.#timerIndex.getRange({
      start: [ref.type, ref.key, ''],
      end: [ref.type, ref.key, '\uffff'],
    })) {
      timers.set(key[2], value);
    }
    return { snapshot: snapshot ?? undefined, timers };
  }

  /** Whether an event id was applied (and is still within the dedupe horizon). */
  hasSeen(eventId: string): boolean {
    return this.#seen.doesExist(eventId);
  }

  /** Writes many events in one transaction (one fsync); resolves once durable. */
  commit(writes: readonly EventWrite[]): Promise<boolean> {
    // Assign outbox sequence numbers before the transaction so the callback only puts.
    const rows: [number, Buffer][] = [];
    for (const w of writes) {
      for (const o of w.outbox) rows.push([++this.#seq, Buffer.from(encodeOutbox(o))]);
    }
    this.#outboxCount += rows.length;
    let clockAt: number | undefined;
    for (const w of writes) if (w.at > this.#clockAt) this.#clockAt = clockAt = w.at;
    return this.#root.transaction(() => {
      if (clockAt !== undefined) void this.#meta.put(CLOCK_KEY, clockAt);
      for (const w of writes) {
        if (w.snapshot) void this.#snapshots.put([w.ref.type, w.ref.key], Buffer.from(w.snapshot));
        for (const d of w.timerDeletes) {
          void this.#timers.remove([d.dueAt, w.ref.type, w.ref.key, d.id]);
          void this.#timerIndex.remove([w.ref.type, w.ref.key, d.id]);
        }
        for (const t of w.timerSets) {
          void this.#timers.put([t.dueAt, w.ref.type, w.ref.key, t.id], Buffer.from(t.event));
          void this.#timerIndex.put([w.ref.type, w.ref.key, t.id], t.dueAt);
        }
        void this.#seen.put(w.eventId, w.at);
        void this.#seenByTime.put([w.at, w.eventId], '');
      }
      for (const [seq, value] of rows) void this.#outbox.put(seq, value);
      return true;
    });
  }

  /** The latest clock time an event (or `saveClockTime`) was committed at, if any. */
  get clockTime(): number | undefined {
    return this.#clockAt > 0 ? this.#clockAt : undefined;
  }

  /** Records that the clock reached `at` (a virtual clock moved with no event); resolves once committed. */
  async saveClockTime(at: number): Promise<void> {
    if (!(at > this.#clockAt)) return;
    this.#clockAt = at;
    await this.#root.transaction(() => {
      void this.#meta.put(CLOCK_KEY, at);
    });
  }

  /** The earliest pending timer's due time, if any. */
  earliestTimer(): number | undefined {
    for (const key of this.#timers.getKeys({ limit: 1 })) return key[0];
    return undefined;
  }

  /** Timers due at or before `now`, earliest first. */
  dueTimers(now: number, limit: number): DueTimer[] {
    const out: DueTimer[] = [];
    for (const { key, value } of this.#timers.getRange({ start: [0], end: [now, '\uffff'], limit })) {
      if (key[0] > now) break;
      out.push({ ref: { type: key[1], key: key[2] }, id: key[3], dueAt: key[0], event: value });
    }
    return out;
  }

  /** The oldest outbox rows from sequence `from` on, in commit order. */
  outboxBatch(limit: number, from = 0): StoredOutboxEntry[] {
    const out: StoredOutboxEntry[] = [];
    for (const { key, value } of this.#outbox.getRange({ start: from, limit }))
      out.push({ seq: key, ...decodeOutbox(value) });
    return out;
  }

  /** Number of outbox rows not yet relayed. */
  get outboxSize(): number {
    return this.#outboxCount;
  }

  /** Durable timers stored (pending), read from LMDB's own entry count. */
  get timerCount(): number {
    return (this.#timers.getStats() as { entryCount?: number }).entryCount ?? 0;
  }

  /** Removes relayed outbox rows. */
  async deleteOutbox(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    this.#outboxCount -= seqs.length;
    await this.#root.transaction(() => {
      for (const s of seqs) void this.#outbox.remove(s);
    });
  }

  /** Forgets applied event ids older than `before` (ms); returns how many. */
  async pruneSeen(before: number, limit = 10_000): Promise<number> {
    const keys = [...this.#seenByTime.getKeys({ end: [before], limit })];
    if (keys.length === 0) return 0;
    await this.#root.transaction(() => {
      for (const k of keys) {
        void this.#seenByTime.remove(k);
        void this.#seen.remove(k[1]);
      }
    });
    return keys.length;
  }

  /** Every stored actor key of a type (for operators and tests; a range scan, not for hot paths). */
  *actorKeys(type: string): Generator<string> {
    for (const key of this.#snapshots.getKeys({ start: [type], end: [type, '\uffff'] })) yield key[1];
  }

  /** Waits for pending writes to be durable. */
  flushed(): Promise<boolean> {
    return this.#root.flushed;
  }

  async close(): Promise<void> {
    await this.#root.flushed;
    await this.#root.close();
  }
}

// Outbox rows: [u16 id length][id][u16 subject length][subject][data], no codec dependency.
function encodeOutbox(o: OutboxEntry): Uint8Array {
  const id = Buffer.from(o.id);
  const subject = Buffer.from(o.subject);
  const buf = Buffer.allocUnsafe(4 + id.length + subject.length + o.data.length);
  buf.writeUInt16BE(id.length, 0);
  id.copy(buf, 2);
  buf.writeUInt16BE(subject.length, 2 + id.length);
  subject.copy(buf, 4 + id.length);
  buf.set(o.data, 4 + id.length + subject.length);
  return buf;
}

function decodeOutbox(buf: Buffer): OutboxEntry {
  const idLen = buf.readUInt16BE(0);
  const id = buf.toString('utf8', 2, 2 + idLen);
  const subLen = buf.readUInt16BE(2 + idLen);
  const subject = buf.toString('utf8', 4 + idLen, 4 + idLen + subLen);
  return { id, subject, data: buf.subarray(4 + idLen + subLen) };
}
