/**
 * A fixed-window counter per key (a source address, an account): at most `limit` hits per
 * `windowMs`. Time comes from the caller's `now`, so tests move it by hand. Memory is bounded:
 * expired windows are swept, and past `maxKeys` the oldest window is dropped first.
 */

/** What a hit (or a check) found. */
export interface LimitResult {
  readonly allowed: boolean;
  /** When refused: how long until the window ends (for Retry-After). */
  readonly retryAfterMs: number;
}

/** Default ceiling on tracked keys. */
export const DEFAULT_LIMITER_MAX_KEYS = 100_000;

/** At most `limit` hits per key per window. */
export class WindowLimiter {
  readonly #windows = new Map<string, { start: number; hits: number }>();
  #sweptAt = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly now: () => number,
    readonly maxKeys = DEFAULT_LIMITER_MAX_KEYS,
  ) {
    if (!(limit >= 1) || !(windowMs > 0)) throw new RangeError('a limiter needs limit ≥ 1 and windowMs > 0');
  }

  /** Whether a hit would be allowed now, without counting one. */
  check(key: string): LimitResult {
    const w = this.#current(key);
    if (!w || w.hits < this.limit) return { allowed: true, retryAfterMs: 0 };
    return { allowed: false, retryAfterMs: w.start + this.windowMs - this.now() };
  }

  /** Counts a hit; refused (and not counted) once the window is full. */
  hit(key: string): LimitResult {
    const now = this.now();
    this.#sweep(now);
    const w = this.#current(key);
    if (!w) {
      if (this.#windows.size >= this.maxKeys) this.#windows.delete(this.#windows.keys().next().value!);
      this.#windows.set(key, { start: now, hits: 1 });
      return { allowed: true, retryAfterMs: 0 };
    }
    if (w.hits >= this.limit) return { allowed: false, retryAfterMs: w.start + this.windowMs - now };
    w.hits++;
    return { allowed: true, retryAfterMs: 0 };
  }

  /** Forgets a key (an account after a successful sign-in). */
  reset(key: string): void {
    this.#windows.delete(key);
  }

  #current(key: string): { start: number; hits: number } | undefined {
    const w = this.#windows.get(key);
    if (w && this.now() - w.start >= this.windowMs) {
      this.#windows.delete(key);
      return undefined;
    }
    return w;
  }

  #sweep(now: number): void {
    if (now - this.#sweptAt < this.windowMs) return;
    this.#sweptAt = now;
    for (const [k, w] of this.#windows) if (now - w.start >= this.windowMs) this.#windows.delete(k);
  }
}
