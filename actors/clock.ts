/** Time, injected. Nothing else under actors/ or machines/ reads the wall clock or sets timers. */

/** A handle for a timer set on a Clock. */
export type TimerHandle = { readonly id: number };

/** The one source of time for the runtime. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once the clock reaches `at` (ms since epoch); immediately-ish when `at` is past. */
  setTimer(at: number, fn: () => void | Promise<void>): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** Longest delay Node's setTimeout accepts; longer waits are chained. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** The wall clock, for production. */
export class SystemClock implements Clock {
  #next = 1;
  readonly #timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  setTimer(at: number, fn: () => void | Promise<void>): TimerHandle {
    const handle = { id: this.#next++ };
    const arm = (): void => {
      const wait = Math.max(0, at - Date.now());
      const t = setTimeout(
        () => {
          if (wait > MAX_TIMEOUT_MS) return arm();
          this.#timers.delete(handle.id);
          void fn();
        },
        Math.min(wait, MAX_TIMEOUT_MS),
      );
      t.unref?.();
      this.#timers.set(handle.id, t);
    };
    arm();
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.#timers.get(handle.id);
    if (t) clearTimeout(t);
    this.#timers.delete(handle.id);
  }
}

interface ManualTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void | Promise<void>;
}

/**
 * What a virtual clock awaits so that time is causal: resolves once whatever is under way has
 * settled. `cause` says when it is called: at the start of a move, or after a timer fired.
 */
export type Settle = (cause: 'move' | 'timer') => Promise<void>;

/** Where a virtual clock starts when nothing says otherwise (a Monday, 09:00 UTC). */
export const DEFAULT_VIRTUAL_START_MS = Date.UTC(2026, 0, 5, 9, 0, 0);

/**
 * A virtual clock for tests, simulation and operators' test mode: time moves only by
 * `advance`/`set`, which fire every due timer in due-time order (ties in the order set), each
 * awaited, with `now()` equal to the timer's due time while it runs.
 *
 * Virtual time is causal when a settle function is installed (`settleWith`): it is awaited
 * before the first timer of a move, after every timer, and before the move returns, so
 * everything a fired timer causes (events between actors, through a bus, an outbox) has
 * happened, at that timer's time, before any later timer fires. Then `advance(61 s)` is the same
 * as `advance(60 s)` + `advance(1 s)`, and as 61 s passing on a wall clock.
 */
export class ManualClock implements Clock {
  #now: number;
  #next = 1;
  #timers: ManualTimer[] = [];
  #advancing: Promise<void> = Promise.resolve();
  #settle?: Settle;

  constructor(start = DEFAULT_VIRTUAL_START_MS) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(at: number, fn: () => void | Promise<void>): TimerHandle {
    const timer = { id: this.#next++, at, fn };
    this.#timers.push(timer);
    return { id: timer.id };
  }

  clearTimer(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle.id);
  }

  /**
   * Installs (or, with undefined, removes) what a move awaits between timers: a function that
   * resolves once whatever the last timer caused has settled. It must not move this clock.
   */
  settleWith(settle: Settle | undefined): void {
    this.#settle = settle;
  }

  /**
   * Moves time forward to `at` without firing anything, e.g. to a virtual "now" restored from
   * storage at start, before any timer is set. Never moves backwards.
   */
  restore(at: number): void {
    if (!Number.isFinite(at)) throw new RangeError(`restore takes a time in ms since the epoch, got ${at}`);
    if (this.#timers.some((t) => t.at <= at)) throw new Error('restore would skip due timers; advance instead');
    this.#now = Math.max(this.#now, at);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance takes a non-negative number of ms, got ${ms}`);
    return this.set(this.#now + ms);
  }

  /** Moves time to `target` (never backwards), firing every timer due by then. */
  set(target: number): Promise<void> {
    // Calls are serialized so two advances never interleave their timers.
    const run = this.#advancing.then(() => this.#runUntil(target));
    this.#advancing = run.catch(() => undefined);
    return run;
  }

  /** Fires timers already due without moving time (e.g. after a restart re-armed them). */
  flush(): Promise<void> {
    return this.set(this.#now);
  }

  /** Number of timers waiting (for tests and diagnostics). */
  get pending(): number {
    return this.#timers.length;
  }

  /** The due time of the earliest waiting timer, if any. */
  get nextDue(): number | undefined {
    let next: number | undefined;
    for (const t of this.#timers) if (next === undefined || t.at < next) next = t.at;
    return next;
  }

  async #runUntil(target: number): Promise<void> {
    // What was already under way (an inbound message just published) happens before any timer.
    await this.#settle?.('move');
    for (;;) {
      let due: ManualTimer | undefined;
      for (const t of this.#timers) {
        if (t.at <= target && (!due || t.at < due.at || (t.at === due.at && t.id < due.id))) due = t;
      }
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      await due.fn();
      // Its consequences, and theirs, land at this time; timers they set are picked up above.
      await this.#settle?.('timer');
    }
    this.#now = Math.max(this.#now, target);
  }
}
