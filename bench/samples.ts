/** Latency samples shared by the benchmarks: appending without spreading, and percentiles. */

/**
 * Appends every sample of `source` to `target`. Not `target.push(...source)`: a spread passes
 * each sample as an argument, and a quiet run collects enough of them to overflow the stack.
 */
export function appendSamples(target: number[], source: readonly number[]): void {
  for (const x of source) target.push(x);
}

/** The `p`-th percentile (0–100) of samples already sorted ascending; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
