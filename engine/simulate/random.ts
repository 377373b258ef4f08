/** Seeded randomness for the simulator: one generator per stream, so a scenario replays exactly for a seed. */

/** A uniform generator in [0, 1) (mulberry32: small, fast, good enough for queueing simulation). */
export type Uniform = () => number;

/** A seeded uniform generator; `stream` separates independent sequences drawn from one seed. */
export function seeded(seed: number, stream = 0): Uniform {
  let s = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A duration distribution as a scenario gives it. */
export type Distribution =
  | { readonly distribution: 'exponential'; readonly meanSeconds: number }
  | { readonly distribution: 'lognormal'; readonly meanSeconds: number; readonly sdSeconds: number }
  | { readonly distribution: 'fixed'; readonly meanSeconds: number };

/** Draws durations in ms from a distribution. */
export function sampler(d: Distribution, u: Uniform): () => number {
  const mean = d.meanSeconds * 1_000;
  switch (d.distribution) {
    case 'fixed':
      return () => mean;
    case 'exponential':
      return () => -mean * Math.log(1 - u());
    case 'lognormal': {
      // Parameters of the underlying normal from the wanted mean and standard deviation.
      const sd = d.sdSeconds * 1_000;
      const sigma2 = Math.log(1 + (sd * sd) / (mean * mean));
      const mu = Math.log(mean) - sigma2 / 2;
      const sigma = Math.sqrt(sigma2);
      return () => Math.exp(mu + sigma * normal(u));
    }
  }
}

/** A standard normal draw (Box–Muller). */
function normal(u: Uniform): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/**
 * Arrival times (ms from the start) of a Poisson process whose rate per hour is `ratePerHour × profile[hour]`
 * (the profile repeats when shorter than the run; 1 when absent), by thinning a process at the peak rate.
 */
export function poissonArrivals(
  ratePerHour: number,
  profile: readonly number[],
  durationMs: number,
  u: Uniform,
): number[] {
  const factors = profile.length ? profile : [1];
  const top = Math.max(...factors);
  const peak = ratePerHour * top;
  if (peak <= 0) return [];
  const out: number[] = [];
  const meanGapMs = 3_600_000 / peak;
  for (let t = -meanGapMs * Math.log(1 - u()); t < durationMs; t += -meanGapMs * Math.log(1 - u())) {
    const f = factors[Math.floor(t / 3_600_000) % factors.length];
    if (u() * top < f) out.push(t);
  }
  return out;
}
