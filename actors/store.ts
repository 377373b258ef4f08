/**
 * The port the actor host writes through: snapshots, durable timers, the transactional outbox and applied event ids,
 * committed atomically per batch. `LmdbStore` is the durable implementation; `MemoryStore` is the in-process one the
 * simulator uses. Both pass the same contract suite (test/actors/store.contract.test.ts).
 */
import type { ActorRef } from '../protocol/actor.js';
import type { DueTimer, EventWrite, StoredOutboxEntry } from './lmdb-store.js';

export interface ActorStore {
  /** The stored snapshot of an actor and its pending timers (id → dueAt). */
  loadActor(ref: ActorRef): { snapshot?: Uint8Array; timers: Map<string, number> };
  /** Whether an event id was applied (and is still within the dedupe horizon). */
  hasSeen(eventId: string): boolean;
  /** Writes many events atomically; resolves once durable (for a memory store: once visible). */
  commit(writes: readonly EventWrite[]): Promise<boolean>;
  /** The earliest pending timer's due time, if any. */
  earliestTimer(): number | undefined;
  /** Timers due at or before `now`, earliest first. */
  dueTimers(now: number, limit: number): DueTimer[];
  /** The oldest outbox rows from sequence `from` on, in commit order. */
  outboxBatch(limit: number, from?: number): StoredOutboxEntry[];
  /** Number of outbox rows not yet relayed. */
  readonly outboxSize: number;
  /** Removes relayed outbox rows. */
  deleteOutbox(seqs: readonly number[]): Promise<void>;
  /** Forgets applied event ids older than `before` (ms); returns how many. */
  pruneSeen(before: number, limit?: number): Promise<number>;
  /** Every stored actor key of a type (for operators and tests; not for hot paths). */
  actorKeys(type: string): Iterable<string>;
  /** Waits for pending writes to be durable. */
  flushed(): Promise<boolean>;
  close(): Promise<void>;
}
