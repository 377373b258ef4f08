/**
 * Where pulled messages wait to be applied, in two lanes. The actors' own messages (offers,
 * accepts, wrap-ups: what agents' work sets going) are applied first; customer intake from the
 * gateways is applied only while the outbox and the events awaiting their commit are below their
 * bounds — JetStream is the buffer for a flood, and nothing waits there that is lost. Work runs in
 * slices of a few milliseconds with a turn of the event loop between them, so HTTP requests
 * (agents' calls, /readyz) and NATS acknowledgements are never starved by a backlog.
 */
import { performance } from 'node:perf_hooks';

/** Longest run of applied messages before the event loop gets a turn (ms). */
export const INTAKE_SLICE_MS = 4;
/** Customer intake pauses while the outbox holds more rows than this. */
export const DEFAULT_OUTBOX_HIGH_WATER = 4_000;
/** Customer intake pauses while more events than this await their commit. */
export const DEFAULT_PENDING_HIGH_WATER = 2_000;
/** How often a paused intake looks again (ms). */
const PAUSE_POLL_MS = 2;

/** One pulled message: `run` hands it to the host; `cancel` gives it back to JetStream. */
export interface IntakeItem {
  run(): void;
  cancel(): void;
}

export type IntakeLane = 'actors' | 'inbound';

/** What the intake reads to decide whether customer intake may go on. */
export interface IntakeLoad {
  readonly outboxSize: number;
  readonly pendingEvents: number;
}

export interface IntakeOptions {
  readonly load: IntakeLoad;
  readonly outboxHighWater?: number;
  readonly pendingHighWater?: number;
}

/** The two-lane intake (see the module comment). */
export class Intake {
  readonly #o: IntakeOptions;
  readonly #lanes: Record<IntakeLane, IntakeItem[]> = { actors: [], inbound: [] };
  #heads: Record<IntakeLane, number> = { actors: 0, inbound: 0 };
  #scheduled = false;
  #closed = false;
  /** Times customer intake found the outbox or the commits over their bounds. */
  paused = 0;

  constructor(options: IntakeOptions) {
    this.#o = options;
  }

  /** Messages waiting in each lane. */
  get waiting(): Record<IntakeLane, number> {
    return {
      actors: this.#lanes.actors.length - this.#heads.actors,
      inbound: this.#lanes.inbound.length - this.#heads.inbound,
    };
  }

  push(lane: IntakeLane, item: IntakeItem): void {
    if (this.#closed) {
      item.cancel();
      return;
    }
    this.#lanes[lane].push(item);
    this.#schedule(0);
  }

  /** Gives every waiting message back to JetStream and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const lane of ['actors', 'inbound'] as const) {
      const items = this.#lanes[lane];
      for (let i = this.#heads[lane]; i < items.length; i++) items[i]!.cancel();
      this.#lanes[lane] = [];
      this.#heads[lane] = 0;
    }
  }

  #schedule(delayMs: number): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      this.#pump();
    };
    if (delayMs > 0) setTimeout(run, delayMs);
    else setImmediate(run);
  }

  #open(): boolean {
    const { load } = this.#o;
    return (
      load.outboxSize < (this.#o.outboxHighWater ?? DEFAULT_OUTBOX_HIGH_WATER) &&
      load.pendingEvents < (this.#o.pendingHighWater ?? DEFAULT_PENDING_HIGH_WATER)
    );
  }

  #take(lane: IntakeLane): IntakeItem | undefined {
    const items = this.#lanes[lane];
    const head = this.#heads[lane];
    if (head >= items.length) return undefined;
    const item = items[head]!;
    this.#heads[lane] = head + 1;
    // Compact now and then rather than shift() per item (O(n) each on a long backlog).
    if (this.#heads[lane] > 1_024 && this.#heads[lane] * 2 > items.length) {
      this.#lanes[lane] = items.slice(this.#heads[lane]);
      this.#heads[lane] = 0;
    }
    return item;
  }

  #pump(): void {
    if (this.#closed) return;
    const end = performance.now() + INTAKE_SLICE_MS;
    let paused = false;
    for (;;) {
      let item = this.#take('actors');
      if (!item) {
        if (this.waiting.inbound === 0) break;
        if (!this.#open()) {
          paused = true;
          break;
        }
        item = this.#take('inbound');
      }
      if (!item) break;
      item.run();
      if (performance.now() >= end) break;
    }
    const w = this.waiting;
    if (paused) {
      this.paused++;
      this.#schedule(PAUSE_POLL_MS);
    } else if (w.actors + w.inbound > 0) this.#schedule(0);
  }
}
