/**
 * CPU profiles for the benchmarks: record a window of this process with the inspector, and
 * summarise a `.cpuprofile` by self time — top functions, and groups by what they serve (codec,
 * LMDB, xstate, NATS, logging, validation, HTTP, GC) so a run says where the time goes.
 * Summarise a saved profile: npx tsx bench/cpu-profile.ts <file.cpuprofile> [top=30]
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Starts the inspector's sampling profiler; the returned function stops it and writes the profile to `file`. */
export async function startProfile(file: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/** Groups, first match wins: [label, test on "function url"]. */
const GROUPS: readonly (readonly [string, RegExp])[] = [
  ['GC', /^\(garbage collector\)/],
  ['idle', /^\((idle|program)\)/],
  ['msgpack encode/decode', /@msgpack|msgpackr/],
  ['LMDB put/commit/get', /node_modules\/lmdb|ordered-binary/],
  ['xstate (transition, snapshots, createActor)', /node_modules\/xstate/],
  ['NATS client (publish, ack, pull, parse)', /node_modules\/nats/],
  ['pino logging', /node_modules\/(pino|sonic-boom|thread-stream)/],
  ['zod parsing', /node_modules\/zod/],
  ['hono + node HTTP server', /node_modules\/(hono|@hono)|node:_http|node:http|_http_/],
  ['undici fetch (bench clients)', /undici|node:internal\/deps\/undici|fetch/],
  ['JSON parse/stringify', /^(JSON|parse|stringify) /],
  ['jose (JWT verify)', /node_modules\/jose|node:crypto|node:internal\/crypto/],
  ['bench load generator', /\/bench\//],
  ['switchboard actors/ (host, store, outbox)', /\/actors\//],
  ['switchboard machines/', /\/machines\//],
  ['switchboard engine/ (API, intake, live, auth)', /\/engine\//],
  ['switchboard protocol/', /\/protocol\//],
  ['tsx loader', /node_modules\/tsx/],
];
/** Frames that are nobody's own work: their time goes to the nearest caller in a group above. */
const UNOWNED = new Set(['other']);

function groupOf(name: string, url: string): string {
  const probe = `${name} ${url}`;
  for (const [label, re] of GROUPS) if (re.test(probe)) return label;
  return 'other';
}

/** The group a frame's self time is charged to: its own, or that of its nearest caller that has one. */
function ownerOf(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): string {
  let cur: number | undefined = id;
  let first: string | undefined;
  while (cur !== undefined) {
    const { functionName, url } = byId.get(cur)!.callFrame;
    const g = groupOf(functionName, url);
    first ??= g;
    if (!UNOWNED.has(g)) return g === first ? g : `${g} (incl. node internals it calls)`;
    cur = parent.get(cur);
  }
  return 'node internals (streams, timers, net, microtasks)';
}

/** Self time (ms) per function and per group, from a `.cpuprofile`. */
export function summarise(profile: Profile): {
  totalMs: number;
  groups: [string, number][];
  functions: [string, number][];
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1_000);
  }
  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalMs = 0;
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const name = functionName || '(anonymous)';
    const short = url
      .replace(/^.*node_modules\//, '')
      .replace(/^file:\/\/.*?\/(actors|engine|machines|protocol|bench)\//, '$1/');
    const g = ownerOf(id, byId, parent).replace(/ \(incl\. .*\)$/, '');
    if (g !== 'idle') totalMs += ms;
    groups.set(g, (groups.get(g) ?? 0) + ms);
    const key = `${name} ${short}:${lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { totalMs, groups: sorted(groups), functions: sorted(functions) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: npx tsx bench/cpu-profile.ts <file.cpuprofile> [top=30]\n');
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? 30);
  const { totalMs, groups, functions } = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const pct = (ms: number) => `${((100 * ms) / totalMs).toFixed(1).padStart(5)} %`;
  process.stdout.write(`busy (not idle) ${(totalMs / 1000).toFixed(2)} s\n\ngroups by self time:\n`);
  for (const [g, ms] of groups) if (g !== 'idle') process.stdout.write(`${pct(ms)}  ${g}\n`);
  process.stdout.write(`\ntop ${top} functions by self time:\n`);
  for (const [f, ms] of functions.slice(0, top)) process.stdout.write(`${pct(ms)}  ${f}\n`);
}
