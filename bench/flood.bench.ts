/**
 * Flood benchmark on one engine node in this process (its own nats-server, LMDB with fsync),
 * driven by a load generator forked as a second process (bench/flood-load.ts): customers'
 * WhatsApp messages published as the gateway publishes them (`sb.inbound.<partition>`,
 * Nats-Msg-Id = the message id), 50 agents with message capacity 4 working through the HTTP API
 * as fast as they can (feed → accept → reply → end → wrap-up). (1) Closed loop: 200 customers
 * outstanding, each replaced once its interaction is wrapped up: the sustained rate of fully
 * handled interactions, the engine process's CPU and the actor events per interaction. (2) Open
 * loop: new customers at 3× that rate for `floodSeconds`: agents' API latency (p50/p99) during
 * the flood and the drain, the drain time, the engine's peak RSS against the steady state, offers
 * shown twice on a feed, and customers never offered.
 * Run: npx tsx bench/flood.bench.ts [closedSeconds=15] [floodSeconds=20]
 * With FLOOD_PROFILE=<file.cpuprofile> the engine's main thread is CPU-profiled over the closed
 * loop (summarise it with `npx tsx bench/cpu-profile.ts <file>`); floodSeconds 0 skips the flood.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../engine/logger.js';
import { startNatsServer } from '../engine/nats-server.js';
import { startEngineNode } from '../engine/node.js';
import { headersFor, testAuthority } from '../test/support/auth.js';
import { startProfile } from './cpu-profile.js';

/** What the load generator is told. */
export interface FloodLoadConfig {
  readonly base: string;
  readonly natsUrl: string;
  readonly agents: number;
  readonly capacity: number;
  readonly closedSeconds: number;
  readonly floodSeconds: number;
  readonly profile: boolean;
}

const AGENTS = 50;
const CAPACITY = 4;
const profileFile = process.env.FLOOD_PROFILE;

const dir = mkdtempSync(join(tmpdir(), 'sb-flood-bench-'));
const nats = await startNatsServer({ dir: join(dir, 'nats') });
const node = await startEngineNode({
  dataDir: join(dir, 'engine'),
  httpPort: 0,
  natsUrl: nats.url,
  logger: createLogger({ level: 'silent' }),
  auth: testAuthority(),
});
const { engine } = node;
const base = `http://127.0.0.1:${node.httpPort}`;
const util = { media: { message: { max: CAPACITY } }, totalMax: CAPACITY };
await fetch(`${base}/admin/routing/config`, {
  method: 'PUT',
  headers: { 'content-type': 'application/json', ...(await headersFor('admin')) },
  body: JSON.stringify({
    queues: [{ id: 'support', alertingTimeoutSeconds: 600, acw: { mode: 'optional' } }],
    agents: Array.from({ length: AGENTS }, (_, i) => ({ id: `a${i}`, queues: ['support'], utilization: util })),
    flows: [{ integrationId: '*', defaultQueueId: 'support' }],
  }),
});

let peakRss = process.memoryUsage().rss;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);
let stopProfile: (() => Promise<void>) | undefined;

/** The readings the load generator may ask this process for. */
const probes = {
  mark: async () => {
    const cpu = process.cpuUsage();
    const s = engine.host.stats;
    return {
      cpuMs: (cpu.user + cpu.system) / 1_000,
      applied: s.applied,
      commits: s.commits,
      relayed: engine.host.relayed,
      rss: process.memoryUsage().rss,
      peakRss,
    };
  },
  drain: () => engine.host.drain(),
  backlog: () => engine.backlog(),
  resetPeakRss: async () => {
    peakRss = process.memoryUsage().rss;
  },
  profileStart: async () => {
    if (profileFile) stopProfile = await startProfile(profileFile);
  },
  profileStop: async () => {
    await stopProfile?.();
  },
};
/** The probes' names and results, for the load generator's typed calls. */
export type EngineProbe = typeof probes;

const config: FloodLoadConfig = {
  base,
  natsUrl: nats.url,
  agents: AGENTS,
  capacity: CAPACITY,
  closedSeconds: Number(process.argv[2] ?? 15),
  floodSeconds: Number(process.argv[3] ?? 20),
  profile: !!profileFile,
};
const load = fork(fileURLToPath(new URL('./flood-load.ts', import.meta.url)), [JSON.stringify(config)], {
  execArgv: ['--import', 'tsx'],
  stdio: 'inherit',
});
load.on('message', async (m: { id: number; op: keyof typeof probes }) => {
  const value = await probes[m.op]();
  load.send({ id: m.id, value });
});
const code = await new Promise<number | null>((r) => load.on('exit', r));
clearInterval(rssTimer);
await node.stop();
await nats.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(code ?? 1);
