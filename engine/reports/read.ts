/**
 * Historical report rows from the stored aggregates: sums the 15-minute cells of each entity
 * over the requested range, grouped into 15/30/60-minute or daily intervals in a time zone,
 * optionally only inside a flow's open hours; derived figures (SL %, ASA, AHT, …) are computed
 * from the sums, never averaged averages. Every interval of the range has a row, zeros included.
 */
import type { ActorHost } from '../../actors/host.js';
import { evaluateSchedules, flowFor } from '../../machines/flow.js';
import { REPORT_INTERVAL_MS, type ReportContext } from '../../machines/report.machine.js';
import { own, type RoutingConfig } from '../../machines/routing-config.js';
import { DAY_MS, PRESENCE_DIM, REPORT_TYPE, dayOf, reportKey, type ReportEntity } from './facts.js';

/** Grouping of a report's rows. */
export type Grouping = 15 | 30 | 60 | 'day';

export interface ReportQuery {
  readonly from: number;
  readonly to: number;
  readonly interval: Grouping;
  readonly tz: string;
  readonly channel?: string;
  readonly media?: string;
  /** Only intervals whose start falls in this integration's flow's open hours. */
  readonly businessHours?: string;
}

/** Most stored intervals one query may span (a year of 15-minute intervals per entity is too much at once). */
export const MAX_REPORT_INTERVALS = 31 * 96;

/** Minutes east of UTC of `tz` at `at`. */
export function tzOffsetMinutes(at: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(at));
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  const local = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
  return Math.round((local - Math.floor(at / 60_000) * 60_000) / 60_000);
}

/** The start (UTC ms) of the group holding stored interval `t`. */
export function groupStart(t: number, g: Grouping, tz: string): number {
  const offset = tzOffsetMinutes(t, tz) * 60_000;
  const span = g === 'day' ? DAY_MS : g * 60_000;
  const local = t + offset;
  return local - (((local % span) + span) % span) - offset;
}

/** An ISO time with the zone's offset, e.g. `2026-12-02T09:15:00+01:00`. */
export function isoIn(at: number, tz: string): string {
  const off = tzOffsetMinutes(at, tz);
  const local = new Date(at + off * 60_000).toISOString().slice(0, 19);
  if (off === 0) return `${local}Z`;
  const a = Math.abs(off);
  return `${local}${off < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

type Sums = Record<string, number>;

/** Reads one entity's cells over [from, to), summing the cells that pass the dimension filter, by stored interval. */
function cellsOf(
  host: ActorHost,
  entity: ReportEntity,
  id: string,
  q: ReportQuery,
  pick: (dim: string[]) => string | undefined,
): Map<number, Map<string, Sums>> {
  const out = new Map<number, Map<string, Sums>>();
  for (let day = dayOf(q.from); day < q.to; day += DAY_MS) {
    const snap = host.read({ type: REPORT_TYPE, key: reportKey(entity, id, day) });
    const cells = (snap?.context as ReportContext | undefined)?.cells;
    if (!cells) continue;
    for (const [key, measures] of Object.entries(cells)) {
      const bar = key.indexOf('|');
      const interval = Number(key.slice(0, bar));
      if (interval < q.from || interval >= q.to) continue;
      const dim = key.slice(bar + 1).split('|');
      const sub = pick(dim);
      if (sub === undefined) continue;
      const byDim = out.get(interval) ?? new Map<string, Sums>();
      const sums = byDim.get(sub) ?? {};
      for (const [m, v] of Object.entries(measures)) sums[m] = (sums[m] ?? 0) + v;
      byDim.set(sub, sums);
      out.set(interval, byDim);
    }
  }
  return out;
}

/** Stored intervals of the query that count (range, business hours), each with its group's start. */
function intervalsOf(config: RoutingConfig, q: ReportQuery): { interval: number; group: number }[] {
  const flow = q.businessHours !== undefined ? flowFor(config, q.businessHours) : undefined;
  const out: { interval: number; group: number }[] = [];
  for (let t = q.from; t < q.to; t += REPORT_INTERVAL_MS) {
    if (flow && evaluateSchedules({ ...flow, emergency: { ...flow.emergency, active: false } }, t).schedule !== 'open')
      continue;
    out.push({ interval: t, group: groupStart(t, q.interval, q.tz) });
  }
  return out;
}

const dimMatches = (q: ReportQuery, channel: string | undefined, media: string | undefined): boolean =>
  (q.channel === undefined || q.channel === channel) && (q.media === undefined || q.media === media);

/** Sums per group over the query's intervals (every group present, zeros included). */
function grouped(
  config: RoutingConfig,
  q: ReportQuery,
  cells: Map<number, Map<string, Sums>>,
): Map<number, Map<string, Sums>> {
  const out = new Map<number, Map<string, Sums>>();
  for (const { interval, group } of intervalsOf(config, q)) {
    const g = out.get(group) ?? new Map<string, Sums>();
    out.set(group, g);
    for (const [sub, sums] of cells.get(interval) ?? []) {
      const acc = g.get(sub) ?? {};
      for (const [m, v] of Object.entries(sums)) acc[m] = (acc[m] ?? 0) + v;
      g.set(sub, acc);
    }
  }
  return out;
}

const pct = (a: number, b: number): number | null => (b > 0 ? Math.round((a / b) * 10_000) / 100 : null);
const avg = (a: number, b: number): number | null => (b > 0 ? Math.round(a / b) : null);
const v = (s: Sums, m: string): number => s[m] ?? 0;

/** Counted measures of a queue row, in column order. */
export const QUEUE_COUNTS = [
  'offered',
  'answered',
  'answeredInSl',
  'abandoned',
  'shortAbandoned',
  'flowOut',
  'transfers',
  'handled',
  'wrapups',
  'alerts',
  'rona',
  'declined',
] as const;

/** One row of the queue report. */
export interface QueueRow extends Record<string, string | number | null> {
  interval: string;
  queueId: string;
}

/** The queue report: one row per group interval and queue. */
export function queueReport(
  host: ActorHost,
  config: RoutingConfig,
  q: ReportQuery,
  queueIds?: readonly string[],
): QueueRow[] {
  const ids = queueIds ?? Object.keys(config.queues).sort();
  const rows: QueueRow[] = [];
  const byQueue = ids.map((id) => {
    const cells = cellsOf(host, 'queue', id, q, (d) => (d.length === 2 && dimMatches(q, d[0], d[1]) ? '' : undefined));
    return { id, groups: grouped(config, q, cells) };
  });
  const groups = [...(byQueue[0]?.groups.keys() ?? [])].sort((a, b) => a - b);
  for (const g of groups)
    for (const { id, groups: gs } of byQueue) {
      const s = gs.get(g)?.get('') ?? {};
      const answered = v(s, 'answered');
      const offered = v(s, 'offered');
      rows.push({
        interval: isoIn(g, q.tz),
        queueId: id,
        ...Object.fromEntries(QUEUE_COUNTS.map((m) => [m, v(s, m)])),
        serviceLevelPct: pct(v(s, 'answeredInSl'), answered + v(s, 'abandoned')),
        answerPct: pct(answered, offered),
        abandonPct: pct(v(s, 'abandoned'), offered),
        asaMs: avg(v(s, 'answerMs'), answered),
        ahtMs: avg(v(s, 'talkMs') + v(s, 'acwMs'), v(s, 'handled')),
        avgTalkMs: avg(v(s, 'talkMs'), v(s, 'handled')),
        avgAcwMs: avg(v(s, 'acwMs'), v(s, 'wrapups')),
        avgAbandonMs: avg(v(s, 'abandonMs'), v(s, 'abandoned')),
        avgAlertMs: avg(v(s, 'alertMs'), v(s, 'alerts')),
      } as QueueRow);
    }
  return rows;
}

/** The agent report: one row per group interval and agent. */
export function agentReport(host: ActorHost, config: RoutingConfig, q: ReportQuery, agentIds?: readonly string[]) {
  const ids = agentIds ?? Object.keys(config.agents).sort();
  const reasons = [...config.notReadyReasons, 'RONA'].filter((r, i, a) => a.indexOf(r) === i);
  const byAgent = ids.map((id) => {
    const cells = cellsOf(host, 'agent', id, q, (d) =>
      d.length === 1 && d[0] === PRESENCE_DIM
        ? 'presence'
        : d.length === 2 && dimMatches(q, d[0], d[1])
          ? 'work'
          : undefined,
    );
    return { id, groups: grouped(config, q, cells) };
  });
  const groups = [...(byAgent[0]?.groups.keys() ?? [])].sort((a, b) => a - b);
  const rows: Record<string, string | number | null>[] = [];
  for (const g of groups)
    for (const { id, groups: gs } of byAgent) {
      const w = gs.get(g)?.get('work') ?? {};
      const p = gs.get(g)?.get('presence') ?? {};
      const handleMs = v(w, 'talkMs') + v(w, 'acwMs');
      const media = q.media ?? 'message';
      const capacity = own(config.agents, id)?.utilization.media[media as 'message']?.max ?? 0;
      rows.push({
        interval: isoIn(g, q.tz),
        agentId: id,
        answered: v(w, 'answered'),
        handled: v(w, 'handled'),
        wrapups: v(w, 'wrapups'),
        transfers: v(w, 'transfers'),
        alerts: v(w, 'alerts'),
        rona: v(w, 'rona'),
        declined: v(w, 'declined'),
        talkMs: v(w, 'talkMs'),
        acwMs: v(w, 'acwMs'),
        ahtMs: avg(handleMs, v(w, 'handled')),
        avgAlertMs: avg(v(w, 'alertMs'), v(w, 'alerts')),
        loggedInMs: v(p, 'loggedInMs'),
        availableMs: v(p, 'presence.available'),
        notReadyMs: v(p, 'presence.not_ready'),
        ...Object.fromEntries(reasons.map((r) => [`notReady.${r}Ms`, v(p, `reason.${r}`)])),
        occupancyPct: pct(handleMs, v(p, 'loggedInMs')),
        utilizationPct: capacity > 0 ? pct(handleMs, v(p, 'loggedInMs') * capacity) : null,
      });
    }
  return rows;
}

/** The wrap-up code report: one row per group interval, queue and code. */
export function wrapupReport(host: ActorHost, config: RoutingConfig, q: ReportQuery, queueIds?: readonly string[]) {
  const ids = queueIds ?? Object.keys(config.queues).sort();
  const codes = [...config.wrapupCodes].sort();
  const byQueue = ids.map((id) => {
    const cells = cellsOf(host, 'queue', id, q, (d) =>
      d.length === 3 && dimMatches(q, d[0], d[1]) ? d[2] : undefined,
    );
    return { id, groups: grouped(config, q, cells) };
  });
  const groups = [...(byQueue[0]?.groups.keys() ?? [])].sort((a, b) => a - b);
  const rows: Record<string, string | number | null>[] = [];
  for (const g of groups)
    for (const { id, groups: gs } of byQueue) {
      const seen = [...(gs.get(g)?.keys() ?? [])];
      for (const code of [...codes, ...seen.filter((c) => !codes.includes(c)).sort()]) {
        const s = gs.get(g)?.get(code) ?? {};
        rows.push({
          interval: isoIn(g, q.tz),
          queueId: id,
          code,
          count: v(s, 'wrapups'),
          acwMs: v(s, 'acwMs'),
          avgAcwMs: avg(v(s, 'acwMs'), v(s, 'wrapups')),
        });
      }
    }
  return rows;
}

/** RFC 4180 CSV: a header row, CRLF line ends, fields with a comma, quote or line break quoted. */
export function toCsv(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  const cols = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
  const field = (x: unknown): string => {
    const s = x === null || x === undefined ? '' : String(x);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [cols.map(field).join(','), ...rows.map((r) => cols.map((c) => field(r[c])).join(','))]
    .map((l) => `${l}\r\n`)
    .join('');
}
