/**
 * Durable timers: rows in LMDB ordered by due time. The scheduler keeps one clock timer armed
 * for the earliest row; when it fires, every due row is delivered to its actor (the row is
 * deleted in the same commit as the event it delivers, so each timer fires exactly once).
 */
import type { ActorRef } from '../protocol/actor.js';
import type { Clock, TimerHandle } from './clock.js';
import type { DueTimer } from './lmdb-store.js';
import type { ActorStore } from './store.js';
import type { DeliverResult } from './types.js';

const FIRE_BATCH = 1_000;

export class TimerScheduler {
  readonly #store: ActorStore;
  readonly #clock: Clock;
  readonly #fire: (t: DueTimer) => Promise<DeliverResult>;
  readonly #inflight = new Set<string>();
  #handle?: TimerHandle;
  #armedAt = Infinity;
  #running = false;
  #firing = false;

  constructor(store: ActorStore, clock: Clock, fire: (t: DueTimer) => Promise<DeliverResult>) {
    this.#store = store;
    this.#clock = clock;
    this.#fire = fire;
  }

  start(): void {
    this.#running = true;
    this.#arm();
  }

  stop(): void {
    this.#running = false;
    if (this.#handle) this.#clock.clearTimer(this.#handle);
    this.#handle = undefined;
    this.#armedAt = Infinity;
  }

  /** A timer was committed at `dueAt`: re-arm if it is earlier than the armed one. */
  notify(dueAt: number): void {
    if (this.#running && !this.#firing && dueAt < this.#armedAt) this.#arm();
  }

  #arm(): void {
    if (!this.#running) return;
    const earliest = this.#store.earliestTimer();
    if (this.#handle) this.#clock.clearTimer(this.#handle);
    this.#handle = undefined;
    this.#armedAt = earliest ?? Infinity;
    if (earliest === undefined) return;
    this.#handle = this.#clock.setTimer(earliest, () => this.#fireDue());
  }

  async #fireDue(): Promise<void> {
    this.#handle = undefined;
    this.#armedAt = Infinity;
    this.#firing = true;
    try {
      for (;;) {
        const due = this.#store
          .dueTimers(this.#clock.now(), FIRE_BATCH)
          .filter((t) => !this.#inflight.has(key(t.ref, t.id, t.dueAt)));
        if (due.length === 0) break;
        // Deliveries to different actors run in parallel; the host keeps per-actor order.
        const results = await Promise.all(
          due.map(async (t) => {
            const k = key(t.ref, t.id, t.dueAt);
            this.#inflight.add(k);
            try {
              return await this.#fire(t);
            } finally {
              this.#inflight.delete(k);
            }
          }),
        );
        // A stale row was cancelled by an event whose commit is still pending: yield so that
        // commit (scheduled with setImmediate) can land instead of spinning on the same row.
        if (results.every((r) => r.status === 'stale')) await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.#firing = false;
      this.#arm();
    }
  }
}

function key(ref: ActorRef, id: string, dueAt: number): string {
  return `${ref.type}\u0000${ref.key}\u0000${id}\u0000${dueAt}`;
}
