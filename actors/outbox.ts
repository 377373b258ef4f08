/**
 * The outbox relay: publishes committed outbox rows to the bus with the row id as the dedupe id,
 * and deletes them once acknowledged. A crash between publish and delete republishes the same
 * id, which the bus deduplicates, so every effect reaches NATS exactly once.
 */
import type { Logger } from 'pino';
import type { ActorStore } from './store.js';
import type { Bus } from './types.js';

const RELAY_BATCH = 2_048;

export class OutboxRelay {
  readonly #store: ActorStore;
  readonly #log?: Logger;
  readonly #retryDelay: (attempt: number) => Promise<void>;
  #bus?: Bus;
  #running?: Promise<void>;
  #again = false;
  #stopped = false;
  /** Rows below this sequence were published; their deletes may still be committing. */
  #nextSeq = 0;
  #deletes: Promise<void> = Promise.resolve();
  readonly #idle: (() => void)[] = [];
  /** Rows published since start. */
  published = 0;

  constructor(
    store: ActorStore,
    bus: Bus | undefined,
    retryDelay: ((attempt: number) => Promise<void>) | undefined,
    log?: Logger,
  ) {
    this.#store = store;
    this.#bus = bus;
    this.#log = log;
    this.#retryDelay = retryDelay ?? (() => new Promise((r) => setImmediate(r)));
  }

  attach(bus: Bus): void {
    this.#bus = bus;
    this.#stopped = false;
    this.kick();
  }

  /** Something was committed to the outbox: relay it soon. */
  kick(): void {
    if (!this.#bus || this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
      if (this.#again && !this.#stopped) this.kick();
      else if (this.#store.outboxSize === 0 || this.#stopped || !this.#bus) this.#idle.splice(0).forEach((f) => f());
    });
  }

  /** True when the outbox is empty and no relay pass is running. */
  get idle(): boolean {
    return this.#running === undefined && this.#store.outboxSize === 0;
  }

  /** Resolves when the outbox is empty (or the relay is stopped / has no bus). */
  drained(): Promise<void> {
    if (!this.#bus || this.#stopped || (this.#store.outboxSize === 0 && !this.#running)) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle.push(resolve);
      this.kick();
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
    this.#idle.splice(0).forEach((f) => f());
  }

  async #loop(): Promise<void> {
    let attempt = 0;
    while (!this.#stopped && this.#bus) {
      this.#again = false;
      const rows = this.#store.outboxBatch(RELAY_BATCH, this.#nextSeq);
      if (rows.length === 0) {
        await this.#deletes;
        return;
      }
      const bus = this.#bus;
      const results = await Promise.allSettled(rows.map((r) => bus.publish(r.subject, r.data, r.id)));
      const done = rows.filter((_, i) => results[i].status === 'fulfilled').map((r) => r.seq);
      const firstFailed = rows.find((_, i) => results[i].status === 'rejected');
      this.#nextSeq = firstFailed ? firstFailed.seq : rows[rows.length - 1].seq + 1;
      // Deletes need not be durable before the next publish: a row republished after a crash
      // carries the same id and is deduplicated by the bus. They batch with later commits.
      const deleting = this.#store.deleteOutbox(done);
      this.#deletes = this.#deletes.then(() => deleting);
      this.published += done.length;
      if (done.length < rows.length) {
        const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        this.#log?.warn(
          { err: failed.reason, failed: rows.length - done.length, attempt },
          'outbox publish failed; retrying',
        );
        await this.#retryDelay(++attempt);
      } else {
        attempt = 0;
      }
    }
  }
}
