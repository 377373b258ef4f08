/**
 * An in-process ActorStore: the same contract as LmdbStore (atomic batches, timers by due time, outbox in commit
 * order, dedupe ids), kept in maps and sorted arrays, nothing durable. For the simulator, where a day of a contact
 * center runs in seconds and nothing needs to survive the process.
 */
import type { ActorRef } from '../protocol/actor.js';
import type { DueTimer, EventWrite, StoredOutboxEntry } from './lmdb-store.js';
import type { ActorStore } from './store.js';

type TimerRow = { dueAt: number; type: string; key: string; id: string; event: Uint8Array };

const refKey = (type: string, key: string) => `${type}\u0000${key}`;

/** Orders timer rows as LMDB's ordered keys [dueAt, type, key, id] do. */
function cmp(a: TimerRow, b: { dueAt: number; type: string; key: string; id: string }): number {
  if (a.dueAt !== b.dueAt) return a.dueAt - b.dueAt;
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Index of the first row not less than `probe`. */
function lowerBound(rows: readonly TimerRow[], probe: TimerRow): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(rows[mid], probe) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class MemoryStore implements ActorStore {
  readonly #snapshots = new Map<string, Uint8Array>();
  readonly #timers: TimerRow[] = [];
  readonly #timerIndex = new Map<string, Map<string, number>>();
  readonly #outbox = new Map<number, StoredOutboxEntry>();
  readonly #seen = new Map<string, number>();
  #seq = 0;

  loadActor(ref: ActorRef): { snapshot?: Uint8Array; timers: Map<string, number> } {
    const k = refKey(ref.type, ref.key);
    return { snapshot: this.#snapshots.get(k), timers: new Map(this.#timerIndex.get(k) ?? []) };
  }

  hasSeen(eventId: string): boolean {
    return this.#seen.has(eventId);
  }

  commit(writes: readonly EventWrite[]): Promise<boolean> {
    for (const w of writes) {
      const k = refKey(w.ref.type, w.ref.key);
      if (w.snapshot) this.#snapshots.set(k, w.snapshot);
      let index = this.#timerIndex.get(k);
      for (const d of w.timerDeletes) {
        const probe = { dueAt: d.dueAt, type: w.ref.type, key: w.ref.key, id: d.id, event: new Uint8Array() };
        const i = lowerBound(this.#timers, probe);
        if (i < this.#timers.length && cmp(this.#timers[i], probe) === 0) this.#timers.splice(i, 1);
        index?.delete(d.id);
      }
      for (const t of w.timerSets) {
        const row = { dueAt: t.dueAt, type: w.ref.type, key: w.ref.key, id: t.id, event: t.event };
        const i = lowerBound(this.#timers, row);
        if (i < this.#timers.length && cmp(this.#timers[i], row) === 0) this.#timers[i] = row;
        else this.#timers.splice(i, 0, row);
        if (!index) {
          index = new Map();
          this.#timerIndex.set(k, index);
        }
        index.set(t.id, t.dueAt);
      }
      if (index?.size === 0) this.#timerIndex.delete(k);
      this.#seen.set(w.eventId, w.at);
      for (const o of w.outbox) {
        const seq = ++this.#seq;
        this.#outbox.set(seq, { seq, ...o });
      }
    }
    return Promise.resolve(true);
  }

  earliestTimer(): number | undefined {
    return this.#timers[0]?.dueAt;
  }

  dueTimers(now: number, limit: number): DueTimer[] {
    const out: DueTimer[] = [];
    for (const t of this.#timers) {
      if (t.dueAt > now || out.length >= limit) break;
      out.push({ ref: { type: t.type, key: t.key }, id: t.id, dueAt: t.dueAt, event: t.event });
    }
    return out;
  }

  outboxBatch(limit: number, from = 0): StoredOutboxEntry[] {
    const out: StoredOutboxEntry[] = [];
    // Map iteration is insertion order, which is sequence order.
    for (const row of this.#outbox.values()) {
      if (out.length >= limit) break;
      if (row.seq >= from) out.push(row);
    }
    return out;
  }

  get outboxSize(): number {
    return this.#outbox.size;
  }

  deleteOutbox(seqs: readonly number[]): Promise<void> {
    for (const s of seqs) this.#outbox.delete(s);
    return Promise.resolve();
  }

  pruneSeen(before: number, limit = 10_000): Promise<number> {
    // Ids are kept in commit order, which is time order (event times never run backwards on one clock): the old
    // ones are at the front, so pruning stops at the first id still inside the horizon.
    let n = 0;
    for (const [id, at] of this.#seen) {
      if (at >= before || n >= limit) break;
      this.#seen.delete(id);
      n++;
    }
    return Promise.resolve(n);
  }

  *actorKeys(type: string): Generator<string> {
    const prefix = `${type}\u0000`;
    const keys = [...this.#snapshots.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (const k of keys) yield k.slice(prefix.length);
  }

  flushed(): Promise<boolean> {
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
