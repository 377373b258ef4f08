/**
 * The dashboard's interval report: a range (today by default), a grouping and a queue; charts of
 * offered / answered / abandoned, service level and ASA / AHT drawn with uPlot from
 * `GET /reports/queues`, the same figures as a table (charts are pictures to a screen reader),
 * and the CSV of exactly that query as a download link.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { request } from './api.js';
import { board, TZ } from './board.js';
import { duration, engineClock, html, Refusal, useStore } from './ui.js';

/** A row of the queue report (engine/reports/read.ts); only the columns the charts use. */
export interface QueueRow {
  interval: string;
  queueId: string;
  offered: number;
  answered: number;
  answeredInSl: number;
  abandoned: number;
  handled: number;
  serviceLevelPct: number | null;
  asaMs: number | null;
  ahtMs: number | null;
}

/** One point per interval: the queues' rows summed (averages weighted by what they average over). */
export interface Point {
  t: number;
  offered: number;
  answered: number;
  abandoned: number;
  slPct: number | null;
  asaS: number | null;
  ahtS: number | null;
}

export function pointsOf(rows: readonly QueueRow[]): Point[] {
  const by = new Map<string, QueueRow[]>();
  for (const r of rows) by.set(r.interval, [...(by.get(r.interval) ?? []), r]);
  return [...by.entries()]
    .map(([interval, rs]) => {
      const sum = (f: (r: QueueRow) => number) => rs.reduce((a, r) => a + f(r), 0);
      const answered = sum((r) => r.answered);
      const abandoned = sum((r) => r.abandoned);
      const handled = sum((r) => r.handled);
      const inSl = sum((r) => r.answeredInSl);
      return {
        t: Date.parse(interval),
        offered: sum((r) => r.offered),
        answered,
        abandoned,
        slPct: answered + abandoned > 0 ? Math.round((inSl / (answered + abandoned)) * 1000) / 10 : null,
        asaS: answered > 0 ? sum((r) => (r.asaMs ?? 0) * r.answered) / answered / 1000 : null,
        ahtS: handled > 0 ? sum((r) => (r.ahtMs ?? 0) * r.handled) / handled / 1000 : null,
      };
    })
    .sort((a, b) => a.t - b.t);
}

/** YYYY-MM-DD of an instant in the page's time zone. */
export function dayOf(at: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    at,
  );
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

export interface Range {
  from: string;
  /** Last day shown (inclusive). */
  last: string;
  interval: '15' | '30' | '60' | 'day';
  queue: string;
}

/** The report's query string for a range (the CSV link uses the same one). */
export function queryOf(r: Range, format?: 'csv'): string {
  const p = new URLSearchParams({ from: r.from, to: nextDay(r.last), interval: r.interval, tz: TZ });
  if (r.queue) p.set('queue', r.queue);
  if (format) p.set('format', format);
  return p.toString();
}

function Chart({
  title,
  points,
  series,
  range,
}: {
  title: string;
  points: Point[];
  series: { label: string; value: (p: Point) => number | null; stroke: string }[];
  /** A fixed y range (percentages). */
  range?: [number, number];
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const data = [points.map((p) => p.t / 1000), ...series.map((s) => points.map(s.value))] as uPlot.AlignedData;
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth || 360),
        height: 200,
        scales: { x: { time: true }, ...(range ? { y: { range } } : {}) },
        // Points too: an interval with traffic between empty ones is a single point, not a line.
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            width: 2,
            points: { show: true, size: 6, fill: s.stroke },
          })),
        ],
        axes: [{}, { size: 50 }],
        legend: { show: true },
      },
      data,
      el,
    );
    return () => plot.destroy();
  }, [points, series, range]);
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <div ref=${ref} role="img" aria-label=${`${title}: chart; the same figures are in the table below`}></div>
  </figure>`;
}

const COUNTS = [
  { label: 'Offered', value: (p: Point) => p.offered, stroke: '#0b5cad' },
  { label: 'Answered', value: (p: Point) => p.answered, stroke: '#116329' },
  { label: 'Abandoned', value: (p: Point) => p.abandoned, stroke: '#a40e26' },
];
const SL = [{ label: 'Service level %', value: (p: Point) => p.slPct, stroke: '#6f42c1' }];
const PCT: [number, number] = [0, 100];
const TIMES = [
  { label: 'ASA (s)', value: (p: Point) => p.asaS, stroke: '#bf5700' },
  { label: 'AHT (s)', value: (p: Point) => p.ahtS, stroke: '#24292f' },
];

const timeOf = (t: number, interval: string) =>
  new Intl.DateTimeFormat(undefined, {
    timeZone: TZ,
    ...(interval === 'day'
      ? { month: 'short', day: 'numeric' }
      : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }),
  }).format(t);

export function Intervals() {
  const s = useStore(board);
  const today = dayOf(engineClock.now());
  const [range, setRange] = useState<Range>({ from: today, last: today, interval: '30', queue: '' });
  const [draft, setDraft] = useState<Range>(range);
  const [rows, setRows] = useState<QueueRow[] | undefined>();
  const [error, setError] = useState<Error | undefined>();
  // Asking again for the same range reads again (today's figures grow).
  const [asked, setAsked] = useState(0);
  useEffect(() => {
    let live = true;
    setError(undefined);
    request<{ rows: QueueRow[] }>('GET', `/reports/queues?${queryOf(range)}`).then(
      (r) => live && setRows(r.rows),
      (err: Error) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, [range, asked]);
  const points = rows ? pointsOf(rows) : [];
  const shown = points.filter((p) => p.offered + p.answered + p.abandoned > 0);
  const set = (k: keyof Range) => (e: Event) => setDraft({ ...draft, [k]: (e.target as HTMLInputElement).value });
  const apply = (e: Event) => {
    e.preventDefault();
    if (draft.last < draft.from) {
      setError(new Error('the last day is before the first day'));
      return;
    }
    setRange(draft);
    setAsked((n) => n + 1);
  };
  const showToday = () => {
    const r = { ...draft, from: today, last: today };
    setDraft(r);
    setRange(r);
    setAsked((n) => n + 1);
  };
  return html`<section class="panel intervals" aria-labelledby="intervals-title">
    <header>
      <h2 id="intervals-title">Intervals</h2>
      <a class="button" href=${`/reports/queues?${queryOf(range, 'csv')}`} download>Download CSV</a>
    </header>
    <form class="range" onSubmit=${apply}>
      <label>From <input type="date" value=${draft.from} onInput=${set('from')} required /></label>
      <label>To <input type="date" value=${draft.last} onInput=${set('last')} required /></label>
      <label
        >Every
        <select value=${draft.interval} onChange=${set('interval')}>
          <option value="15">15 minutes</option>
          <option value="30">30 minutes</option>
          <option value="60">hour</option>
          <option value="day">day</option>
        </select></label
      >
      <label
        >Queue
        <select value=${draft.queue} onChange=${set('queue')}>
          <option value="">All queues</option>
          ${s.queues.map((q) => html`<option value=${q.queueId}>${q.name}</option>`)}
        </select></label
      >
      <button type="submit" class="primary">Show</button>
      <button type="button" onClick=${showToday}>Today</button>
    </form>
    <${Refusal} error=${error} onDismiss=${() => setError(undefined)} />
    <p class="hint" role="status">
      ${rows === undefined ? 'Loading…' : `${range.from === range.last ? range.from : `${range.from} to ${range.last}`} · ${TZ} · ${rows.length} rows`}
    </p>
    ${
      rows
        ? html`<div class="charts">
            <${Chart} title="Offered, answered, abandoned" points=${points} series=${COUNTS} />
            <${Chart} title="Service level %" points=${points} series=${SL} range=${PCT} />
            <${Chart} title="Average speed of answer and handle time" points=${points} series=${TIMES} />
          </div>
          <details>
            <summary>Figures as a table (${shown.length} intervals with traffic)</summary>
            <table class="grid">
              <thead>
                <tr><th scope="col">Interval</th><th scope="col">Offered</th><th scope="col">Answered</th><th scope="col">Abandoned</th><th scope="col">SL %</th><th scope="col">ASA</th><th scope="col">AHT</th></tr>
              </thead>
              <tbody>
                ${shown.map(
                  (p) => html`<tr>
                    <th scope="row">${timeOf(p.t, range.interval)}</th><td>${p.offered}</td><td>${p.answered}</td><td>${p.abandoned}</td>
                    <td>${p.slPct ?? '—'}</td><td>${p.asaS === null ? '—' : duration(p.asaS * 1000)}</td><td>${p.ahtS === null ? '—' : duration(p.ahtS * 1000)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </details>`
        : null
    }
  </section>`;
}
