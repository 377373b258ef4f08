/**
 * One reporting aggregate: the sums of one entity (a queue or an agent) over one UTC day, kept
 * per 15-minute interval and dimension (channel, media type, wrap-up code). Its events are
 * counted facts computed from the actors' records (engine/reports/facts.ts); adding is all it
 * does, so 30-minute, hourly and daily figures are sums of its intervals.
 */
import { assign, setup } from 'xstate';

/** Length of the stored interval. */
export const REPORT_INTERVAL_MS = 15 * 60_000;

/** The measures of one interval and dimension: name → sum. */
export type Measures = Readonly<Record<string, number>>;

export interface ReportContext {
  /** `<intervalStartMs>|<dimension>` → measures. */
  readonly cells: Readonly<Record<string, Measures>>;
  /** Facts counted (a check for tests and the bench). */
  readonly facts: number;
}

/** One addition: to the interval starting at `interval`, dimension `dim`, add each measure. */
export interface ReportRow {
  readonly interval: number;
  readonly dim: string;
  readonly add: Measures;
}

export type ReportEvent = { type: 'report.counted'; rows: readonly ReportRow[]; at?: number };

/** Adds rows to cells (pure; returns a new record with only the touched cells copied). */
export function addRows(
  cells: Readonly<Record<string, Measures>>,
  rows: readonly ReportRow[],
): Record<string, Measures> {
  const out: Record<string, Measures> = { ...cells };
  for (const r of rows) {
    const key = `${r.interval}|${r.dim}`;
    const cell: Record<string, number> = { ...(Object.hasOwn(out, key) ? out[key] : {}) };
    for (const [m, v] of Object.entries(r.add)) {
      if (!Number.isFinite(v) || v === 0) continue;
      cell[m] = (Object.hasOwn(cell, m) ? (cell[m] ?? 0) : 0) + v;
    }
    out[key] = cell;
  }
  return out;
}

/** The reporting aggregate machine. */
export const reportMachine = setup({
  types: {} as { context: ReportContext; events: ReportEvent },
}).createMachine({
  id: 'report',
  context: { cells: {}, facts: 0 },
  on: {
    'report.counted': {
      actions: assign(({ context, event }) => ({
        cells: addRows(context.cells, event.rows),
        facts: context.facts + 1,
      })),
    },
  },
});

export type ReportMachine = typeof reportMachine;
