/**
 * A strict reader of Prometheus' text exposition format (0.0.4), written from the format's
 * definition rather than from prom-client, so a scrape that Prometheus would refuse fails here:
 * every sample belongs to a family declared by `# TYPE` before it, names and label names are
 * valid, label values are quoted with the format's escapes, values are floats (`+Inf`, `NaN`
 * included), no series appears twice, and a histogram's buckets are cumulative and end in `+Inf`
 * equal to its `_count`. `value` answers a PromQL-shaped instant selector such as
 * `switchboard_offers_total{outcome="accepted"}` (the sum of the matching series).
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
  /** Sum of the series a selector `name{label="value",...}` matches (`=` and `!=` only); undefined when none. */
  value(selector: string): number | undefined;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** A float as Prometheus reads one (Go's ParseFloat: `Inf` and `NaN` in any letter case). */
function parseValue(s: string, line: string): number {
  if (/^\+?inf$/i.test(s)) return Number.POSITIVE_INFINITY;
  if (/^-inf$/i.test(s)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(s)) return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`not a float "${s}" in: ${line}`);
  return Number(s);
}

/** Reads `{a="x",b="y"}` starting at `i` (the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, i: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  i++;
  for (;;) {
    if (line[i] === '}') return [labels, i + 1];
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`label without "=" in: ${line}`);
    const name = line.slice(i, eq);
    if (!LABEL.test(name)) throw new Error(`bad label name "${name}" in: ${line}`);
    if (line[eq + 1] !== '"') throw new Error(`unquoted label value in: ${line}`);
    let v = '';
    let j = eq + 2;
    for (; j < line.length && line[j] !== '"'; j++) {
      if (line[j] === '\\') {
        const e = line[++j];
        if (e === 'n') v += '\n';
        else if (e === '\\' || e === '"') v += e;
        else throw new Error(`bad escape "\\${e}" in: ${line}`);
      } else v += line[j];
    }
    if (j >= line.length) throw new Error(`unterminated label value in: ${line}`);
    if (name in labels) throw new Error(`label "${name}" twice in: ${line}`);
    labels[name] = v;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`expected "," or "}" in: ${line}`);
  }
}

/** The family a sample name belongs to, given the declared types. */
function familyOf(name: string, types: ReadonlyMap<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
    if (base && (types.get(base) === 'histogram' || types.get(base) === 'summary')) return base;
  }
  return undefined;
}

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition does not end with a line feed');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) continue; // a plain comment
      if (!NAME.test(m[2]!)) throw new Error(`bad metric name in: ${line}`);
      if (m[1] === 'TYPE') {
        if (!TYPES.has(m[3] ?? '')) throw new Error(`unknown type in: ${line}`);
        if (types.has(m[2]!)) throw new Error(`type declared twice: ${line}`);
        types.set(m[2]!, m[3]!);
      }
      continue;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd < 0) throw new Error(`a sample without a value: ${line}`);
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`bad metric name "${name}" in: ${line}`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (line[i] === '{') [labels, i] = parseLabels(line, i);
    if (line[i] !== ' ') throw new Error(`expected a space before the value in: ${line}`);
    const [value, timestamp, extra] = line.slice(i + 1).split(' ');
    if (extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp)))
      throw new Error(`trailing text in: ${line}`);
    if (!familyOf(name, types)) throw new Error(`sample of an undeclared family: ${line}`);
    const id = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(id)) throw new Error(`series twice: ${line}`);
    seen.add(id);
    samples.push({ name, labels, value: parseValue(value ?? '', line) });
  }
  checkHistograms(types, samples);
  return {
    types,
    samples,
    value(selector) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(selector.trim());
      if (!m) throw new Error(`not a selector: ${selector}`);
      const matchers = (m[2] ?? '')
        .split(',')
        .filter(Boolean)
        .map((s) => {
          const mm = /^\s*([a-zA-Z_]\w*)\s*(!?=)\s*"(.*)"\s*$/.exec(s);
          if (!mm) throw new Error(`not a label matcher: ${s}`);
          return { label: mm[1]!, op: mm[2]!, value: mm[3]! };
        });
      const hits = samples.filter(
        (s) => s.name === m[1] && matchers.every((x) => ((s.labels[x.label] ?? '') === x.value) === (x.op === '=')),
      );
      return hits.length ? hits.reduce((n, s) => n + s.value, 0) : undefined;
    },
  };
}

function checkHistograms(types: ReadonlyMap<string, string>, samples: readonly Sample[]): void {
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, { le: number; v: number }[]>();
    for (const s of samples.filter((x) => x.name === `${family}_bucket`)) {
      const { le, ...rest } = s.labels;
      if (le === undefined) throw new Error(`${family}_bucket without le`);
      const key = JSON.stringify(Object.entries(rest).sort());
      series.set(key, [...(series.get(key) ?? []), { le: parseValue(le, family), v: s.value }]);
    }
    for (const [key, buckets] of series) {
      buckets.sort((a, b) => a.le - b.le);
      for (let i = 1; i < buckets.length; i++)
        if (buckets[i]!.v < buckets[i - 1]!.v) throw new Error(`${family}${key}: buckets not cumulative`);
      const last = buckets[buckets.length - 1]!;
      if (last.le !== Number.POSITIVE_INFINITY) throw new Error(`${family}${key}: no +Inf bucket`);
      const count = samples.find(
        (s) => s.name === `${family}_count` && JSON.stringify(Object.entries(s.labels).sort()) === key,
      );
      if (count?.value !== last.v) throw new Error(`${family}${key}: +Inf bucket ${last.v} ≠ _count ${count?.value}`);
    }
  }
}
