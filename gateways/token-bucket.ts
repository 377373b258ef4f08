/** A token bucket: at most `ratePerSecond` sends per second on average, bursts up to `burst`. */

/** The time source a bucket uses (tests may inject their own). */
export interface BucketClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: BucketClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** One provider rate limit (e.g. one WhatsApp number's outbound throughput). */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: BucketClock;
  #tokens: number;
  #last: number;
  // Waiters are served in order so a burst of sends keeps its order.
  #queue: Promise<void> = Promise.resolve();

  constructor(ratePerSecond: number, burst = Math.max(1, Math.ceil(ratePerSecond)), clock: BucketClock = realClock) {
    if (!(ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be positive, got ${ratePerSecond}`);
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  /** Takes a token without waiting; false when the bucket is empty. */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return false;
  }

  /** Resolves once a token was taken (waits for the refill when empty). */
  take(): Promise<void> {
    const next = this.#queue.then(async () => {
      while (!this.tryTake()) await this.#clock.sleep(Math.ceil(((1 - this.#tokens) / this.#rate) * 1000));
    });
    this.#queue = next;
    return next;
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
  }
}
