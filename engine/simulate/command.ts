/** `switchboard simulate`: a contact-center day in virtual time, or two configurations compared on the same arrivals. */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { COMMAND_USAGE, usageProblem } from '../cli-usage.js';
import { ScenarioError } from './scenario.js';
import { compareResults, type SimFigures, type SimResult, simulate } from './simulator.js';

// One usage text per command, kept with the others (help loads no command's code).
const USAGE = COMMAND_USAGE.simulate.trimEnd();

const FIELDS: (keyof SimFigures)[] = [
  'offered',
  'answered',
  'abandoned',
  'serviceLevel',
  'asaSeconds',
  'ahtSeconds',
  'occupancy',
];

/** RFC 4180 CSV of the per-interval figures (header row, one row per interval and queue; `*` is all queues). */
export function intervalsCsv(r: SimResult): string {
  const rows = r.intervals.map((i) => [i.start, i.queue, ...FIELDS.map((f) => String(i[f]))]);
  const quote = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return `${[['intervalStart', 'queue', ...FIELDS], ...rows].map((row) => row.map(quote).join(',')).join('\r\n')}\r\n`;
}

function table(rows: [string, SimFigures][]): string {
  const head = ['', ...FIELDS];
  const body = rows.map(([name, f]) => [name, ...FIELDS.map((k) => String(f[k]))]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((r) => r.map((c, i) => c.padStart(widths[i])).join('  ')).join('\n');
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ScenarioError(`${file}: cannot read JSON: ${(err as Error).message}`);
  }
}

/** Runs the command; exits 2 on bad arguments or an invalid scenario. */
export async function simulateCommand(argv: string[]): Promise<void> {
  const fail = (message: string): never => {
    process.stderr.write(`switchboard simulate: ${message}\n\n${USAGE}\n`);
    process.exit(2);
  };
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        seed: { type: 'string' },
        json: { type: 'boolean', default: false },
        csv: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  try {
    parsed = parse();
  } catch (err) {
    return fail(usageProblem(err) ?? (err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) fail(`--seed must be an integer, got "${values.seed}"`);
  try {
    if (positionals[0] === 'compare') {
      if (positionals.length !== 3) fail('compare takes two scenario files');
      const [a, b] = [
        await simulate(readJson(positionals[1]), { seed }),
        await simulate(readJson(positionals[2]), { seed }),
      ];
      const diff = compareResults(a, b);
      if (values.json)
        process.stdout.write(`${JSON.stringify({ a: a.total, b: b.total, difference: diff }, null, 2)}\n`);
      else
        process.stdout.write(
          `${table([
            ['a', a.total],
            ['b', b.total],
            ['b − a', diff.total as unknown as SimFigures],
          ])}\n`,
        );
      return;
    }
    if (positionals.length !== 1) fail('give one scenario file');
    const r = await simulate(readJson(positionals[0]), { seed });
    if (values.csv) writeFileSync(values.csv, intervalsCsv(r));
    if (values.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else
      process.stdout.write(
        `${table([...Object.entries(r.queues), ['total', r.total]])}\n(seed ${r.seed}; ${r.run.conversations} conversations, ${r.run.agents} agents, ${r.run.actorEvents} actor events)\n`,
      );
  } catch (err) {
    if (err instanceof ScenarioError) fail(err.message);
    throw err;
  }
}
