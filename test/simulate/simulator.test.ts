/**
 * The simulator against queueing theory and as a user runs it. M/M/N scenarios (Poisson arrivals, exponential
 * handle times, capacity 1, no abandonment) are compared with Erlang C computed here; the run is split into
 * intervals used as batch means, so the check is that theory lies within the run's own confidence interval — the
 * honest bound for a run of this length (the tolerance a long run reaches is measured in bench/simulate.bench.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../engine/simulate/scenario.js';
import { simulate, type SimResult } from '../../engine/simulate/simulator.js';
import { tempDir } from '../support/tmp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Erlang C: the probability that an arrival waits, with N agents and A erlangs of offered load. */
function erlangC(n: number, a: number): number {
  let sum = 0;
  let term = 1;
  for (let k = 0; k < n; k++) {
    if (k > 0) term *= a / k;
    sum += term;
  }
  const top = ((term * a) / n) * (n / (n - a));
  return top / (sum + top);
}

/** Service level within `t` seconds and ASA (seconds) of M/M/N. */
function mmn(n: number, ratePerHour: number, meanSeconds: number, t: number) {
  const lambda = ratePerHour / 3_600;
  const mu = 1 / meanSeconds;
  const a = lambda / mu;
  const c = erlangC(n, a);
  return { sl: 1 - c * Math.exp(-(n - a) * mu * t), asa: c / (n * mu - lambda) };
}

const mmnScenario = (n: number, rho: number, hours: number, batchMinutes: number) => ({
  seed: 1,
  durationHours: hours,
  warmupHours: 1,
  intervalMinutes: batchMinutes,
  queues: [{ id: 'q', serviceLevelSeconds: 20 }],
  agents: [{ count: n, queues: ['q'] }],
  arrivals: [{ queue: 'q', ratePerHour: (rho * n * 3_600) / 180 }],
  handleTime: { distribution: 'exponential', meanSeconds: 180 },
});

/** Mean and standard error of a figure over the run's intervals (batch means, weighted by offered). */
function batchMeans(r: SimResult, figure: 'serviceLevel' | 'asaSeconds') {
  const xs = r.intervals.filter((i) => i.queue === '*' && i.offered > 0);
  const w = xs.map((i) => (figure === 'asaSeconds' ? i.answered : i.offered));
  const total = w.reduce((a, b) => a + b, 0);
  const mean = xs.reduce((s, i, k) => s + i[figure] * w[k], 0) / total;
  const variance = xs.reduce((s, i, k) => s + w[k] * (i[figure] - mean) ** 2, 0) / total;
  return { mean, se: Math.sqrt(variance / (xs.length - 1)) };
}

describe('simulator: Erlang C', () => {
  // Batches must be long against the queue's relaxation time (about ρ/(1−√ρ)² arrivals: 26 at 70 %, 140 at 85 %,
  // 1,500 at 95 %), so 95 % needs runs of days; it is measured in bench/simulate.bench.ts, not here.
  for (const [rho, hours, batchMinutes] of [
    [0.7, 9, 60],
    [0.85, 13, 120],
  ] as const) {
    it(`M/M/10 at ${rho * 100} % occupancy agrees with Erlang C within the run's 99 % interval`, {
      timeout: 240_000,
    }, async () => {
      const n = 10;
      const theory = mmn(n, (rho * n * 3_600) / 180, 180, 20);
      const r = await simulate(mmnScenario(n, rho, hours, batchMinutes));
      expect(r.run.overCapacity).toBe(0);
      expect(r.total.occupancy).toBeGreaterThan(rho - 0.05);
      expect(r.total.occupancy).toBeLessThan(rho + 0.05);
      expect(r.total.ahtSeconds).toBeGreaterThan(160);
      expect(r.total.ahtSeconds).toBeLessThan(200);
      const sl = batchMeans(r, 'serviceLevel');
      const asa = batchMeans(r, 'asaSeconds');
      // 2.6 standard errors: a 99 % interval of the batch means.
      expect(Math.abs(sl.mean - theory.sl)).toBeLessThanOrEqual(2.6 * sl.se);
      expect(Math.abs(asa.mean - theory.asa)).toBeLessThanOrEqual(2.6 * asa.se);
    });
  }
});

describe('simulator: what users rely on', () => {
  it('the example scenarios in examples/simulate validate', () => {
    for (const f of ['day.json', 'day-plus-two.json'])
      expect(parseScenario(JSON.parse(readFileSync(join(root, 'examples/simulate', f), 'utf8'))).durationHours).toBe(8);
  });

  const day = {
    seed: 7,
    durationHours: 3,
    warmupHours: 0.5,
    intervalMinutes: 30,
    queues: [
      { id: 'sales', serviceLevelSeconds: 20 },
      { id: 'care', serviceLevelSeconds: 60 },
    ],
    agents: [
      { count: 3, queues: ['sales'] },
      { count: 3, queues: ['care'], fromHour: 0, toHour: 2 },
    ],
    arrivals: [
      { queue: 'sales', ratePerHour: 40, profile: [1, 2, 1, 0.5] },
      { queue: 'care', ratePerHour: 40 },
    ],
    handleTime: { distribution: 'lognormal', meanSeconds: 200, sdSeconds: 100 },
    wrapupTime: { distribution: 'fixed', meanSeconds: 20 },
    patience: { distribution: 'exponential', meanSeconds: 300 },
  };

  it('is deterministic for a seed, and compare runs both configurations on the same customers', {
    timeout: 240_000,
  }, async () => {
    const a = await simulate(day);
    expect(await simulate(day)).toEqual(a);
    expect(await simulate(day, { seed: 8 })).not.toEqual(a);
    const more = await simulate({ ...day, agents: [{ count: 5, queues: ['sales'] }, day.agents[1]] });
    // The same arrivals: offered is unchanged, and more agents answer more of the sales queue.
    expect(more.queues.sales.offered).toBe(a.queues.sales.offered);
    expect(more.queues.sales.abandoned).toBeLessThan(a.queues.sales.abandoned);
    expect(more.queues.sales.serviceLevel).toBeGreaterThan(a.queues.sales.serviceLevel);
    // Figures add up per queue; the care shift ends at hour 2, so its customers abandon after that.
    for (const q of Object.values(a.queues)) expect(q.answered + q.abandoned).toBeLessThanOrEqual(q.offered);
    expect(a.total.offered).toBe(a.queues.sales.offered + a.queues.care.offered);
    const lastCare = a.intervals.filter((i) => i.queue === 'care').at(-1)!;
    expect(lastCare.answered).toBe(0);
    expect(a.total.ahtSeconds).toBeGreaterThan(150);
  });

  it('runs from the CLI: table, --json, --csv, compare, and a bad scenario named by its path', {
    timeout: 240_000,
  }, () => {
    const dir = tempDir();
    const file = join(dir, 'day.json');
    const plus = join(dir, 'plus.json');
    writeFileSync(file, JSON.stringify(day));
    writeFileSync(plus, JSON.stringify({ ...day, agents: [{ count: 5, queues: ['sales'] }, day.agents[1]] }));
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(root, 'engine/cli.ts'), 'simulate', ...args], {
        encoding: 'utf8',
        cwd: root,
      });
    const table = cli(file);
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/offered\s+answered\s+abandoned\s+serviceLevel\s+asaSeconds\s+ahtSeconds\s+occupancy/);
    expect(table.stdout).toMatch(/^\s*sales\s+\d+/m);
    const csvFile = join(dir, 'out.csv');
    const json = cli(file, '--json', '--csv', csvFile);
    expect(json.status, json.stderr).toBe(0);
    const r = JSON.parse(json.stdout) as SimResult;
    const csv = readFileSync(csvFile, 'utf8').trimEnd().split('\r\n');
    expect(csv[0]).toBe('intervalStart,queue,offered,answered,abandoned,serviceLevel,asaSeconds,ahtSeconds,occupancy');
    expect(csv).toHaveLength(1 + r.intervals.length);
    expect(csv[1].split(',')[0]).toBe(r.intervals[0].start);
    const cmp = cli('compare', file, plus, '--json');
    expect(cmp.status, cmp.stderr).toBe(0);
    const d = JSON.parse(cmp.stdout) as { difference: Record<string, Record<string, number>> };
    expect(d.difference.sales.offered).toBe(0);
    expect(d.difference.sales.serviceLevel).toBeGreaterThan(0);
    writeFileSync(file, JSON.stringify({ ...day, handleTime: { distribution: 'gamma', meanSeconds: 1 } }));
    const bad = cli(file);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/switchboard simulate: handleTime\.distribution/);
  });
});
