import { describe, expect, it } from 'vitest';
import { appendSamples, percentile } from '../../bench/samples.js';

describe('benchmark samples', () => {
  it('appends a quiet run’s million latency samples without overflowing the stack', () => {
    // The gateway bench crashed here with `lat.push(...r.lat)` (RangeError: Maximum call stack size exceeded).
    const run = Array.from({ length: 1_000_000 }, (_, i) => i % 1_000);
    const all: number[] = [0.5];
    appendSamples(all, run);
    appendSamples(all, run);
    expect(all.length).toBe(2_000_001);
    expect(all[1]).toBe(0);
    expect(all.at(-1)).toBe(999);
  });

  it('reads percentiles of sorted samples', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(51);
    expect(percentile(sorted, 99)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
  });
});
