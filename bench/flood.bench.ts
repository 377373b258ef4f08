/**
 * Flood benchmark on one engine node in this process (its own nats-server): customers' WhatsApp
 * messages published as the gateway publishes them (`sb.inbound.<partition>`, Nats-Msg-Id = the
 * message id), agents working through the HTTP API as fast as they can (feed → accept → reply →
 * end → wrap-up). (1) Closed loop: a fixed number of customers outstanding, each replaced once
 * its interaction is wrapped up: the sustained rate of fully handled interactions and the CPU per
 * interaction (this process: engine and load generator together, so an upper bound for the
 * engine). (2) Open loop: new customers at 3× that rate for `FLOOD_S` seconds: agents' API
 * latency (p50/p99) during the flood and the drain, the drain time, peak RSS against the steady
 * state, offers shown twice on a feed, and customers never offered.
 * Run: npx tsx bench/flood.bench.ts [closedSeconds=15] [floodSeconds=20]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../engine/logger.js';
import { startNatsServer } from '../engine/nats-server.js';
import { startEngineNode } from '../engine/node.js';
import { readServerSentEvents } from '../engine/sse-client.js';
import { conversationKey } from '../protocol/channels.js';
import { partitionOf } from '../protocol/partition.js';
import { subjects } from '../protocol/subjects.js';
import { encode } from '../protocol/wire.js';
import { headersFor, testAuthority } from '../test/support/auth.js';
import { percentile } from './samples.js';

const CLOSED_S = Number(process.argv[2] ?? 15);
const FLOOD_S = Number(process.argv[3] ?? 20);
const AGENTS = 50;
const CAPACITY = 4;
const OUTSTANDING = AGENTS * CAPACITY;
const out = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
const agentIds = Array.from({ length: AGENTS }, (_, i) => `a${i}`);
const util = { media: { message: { max: CAPACITY } }, totalMax: CAPACITY };
const admin = await headersFor('admin');
await fetch(`${base}/admin/routing/config`, {
  method: 'PUT',
  headers: { 'content-type': 'application/json', ...admin },
  body: JSON.stringify({
    queues: [{ id: 'support', alertingTimeoutSeconds: 600, acw: { mode: 'optional' } }],
    agents: agentIds.map((id) => ({ id, queues: ['support'], utilization: util })),
    flows: [{ integrationId: '*', defaultQueueId: 'support' }],
  }),
});

/** API latency samples (ms) with the phase they were taken in. */
let phase = 'closed';
const latency = new Map<string, number[]>();
const auth = new Map<string, Record<string, string>>();
for (const id of agentIds) auth.set(id, await headersFor({ person: id }));
const api = async (agent: string, method: string, path: string, body?: unknown) => {
  const t = performance.now();
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...auth.get(agent) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { interactionId?: string };
  const list = latency.get(phase) ?? [];
  list.push(performance.now() - t);
  latency.set(phase, list);
  return { status: res.status, json };
};

let handled = 0;
let duplicateOffers = 0;
const offered = new Set<string>();
const onHandled: (() => void)[] = [];
let running = true;
const workers = agentIds.map(async (id) => {
  await api(id, 'POST', `/agents/${id}/login`);
  const feed = readServerSentEvents(`${base}/agents/${id}/events`, auth.get(id));
  let next = 0;
  const seen = new Set<string>();
  const work = async (offerId: string) => {
    const acc = await api(id, 'POST', `/agents/${id}/offers/${offerId}/accept`);
    if (acc.status !== 200) return;
    const iid = acc.json.interactionId ?? '';
    await api(id, 'POST', `/agents/${id}/interactions/${iid}/messages`, { text: 'Thanks, on it.' });
    await api(id, 'POST', `/agents/${id}/interactions/${iid}/end`);
    await api(id, 'POST', `/agents/${id}/interactions/${iid}/wrapup`, { code: 'Processed' });
    handled++;
    onHandled.shift()?.();
  };
  const busy = new Set<Promise<void>>();
  while (running) {
    while (next < feed.events.length) {
      const e = feed.events[next++]!;
      if (e.event !== 'offer') continue;
      if (seen.has(e.data.offerId)) duplicateOffers++;
      seen.add(e.data.offerId);
      offered.add(e.data.conversationKey);
      const p = work(e.data.offerId).finally(() => busy.delete(p));
      busy.add(p);
    }
    await sleep(5);
  }
  await Promise.all(busy);
  feed.close();
});

const js = engine.nc.jetstream();
let customers = 0;
const published: string[] = [];
const customerWrites = async () => {
  const user = `1555${String(++customers).padStart(7, '0')}`;
  const key = conversationKey({ channel: 'whatsapp', integrationId: 'wa1', channelUserId: user });
  const messageId = `wamid.bench.${user}`;
  const env = {
    id: `whatsapp:wa1:${messageId}`,
    to: { type: 'conversation', key },
    event: {
      type: 'message.received',
      channel: 'whatsapp',
      integrationId: 'wa1',
      channelUserId: user,
      messageId,
      at: Date.now(),
      kind: 'text',
      text: 'Where is my order?',
    },
  };
  published.push(key);
  await js.publish(subjects.inbound(partitionOf(key)), encode(env), { msgID: env.id });
};

let peakRss = 0;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);

// (1) Closed loop.
await sleep(1_000);
const warm = Date.now() + 3_000;
let stopClosed = false;
const customerLoop = async () => {
  while (!stopClosed) {
    const done = new Promise<void>((r) => onHandled.push(r));
    await customerWrites();
    await done;
  }
};
const loops = Array.from({ length: OUTSTANDING }, () => customerLoop());
while (Date.now() < warm) await sleep(50);
latency.delete('closed');
const h0 = handled;
const c0 = process.cpuUsage();
const t0 = performance.now();
await sleep(CLOSED_S * 1_000);
const closedMs = performance.now() - t0;
const cpu = process.cpuUsage(c0);
const closedHandled = handled - h0;
const steadyRss = process.memoryUsage().rss;
peakRss = steadyRss;
stopClosed = true;
for (const f of onHandled.splice(0)) f();
await Promise.all(loops);
const rate = (closedHandled * 1_000) / closedMs;
const cpuMs = (cpu.user + cpu.system) / 1_000 / Math.max(1, closedHandled);
out(`closed loop: ${closedHandled} interactions in ${(closedMs / 1000).toFixed(1)} s = ${rate.toFixed(1)}/s`);
out(`  CPU per handled interaction (engine + load generator): ${cpuMs.toFixed(2)} ms`);
const closedLat = [...(latency.get('closed') ?? [])].sort((a, b) => a - b);
out(`  agent API p50 ${percentile(closedLat, 50).toFixed(1)} ms, p99 ${percentile(closedLat, 99).toFixed(1)} ms`);

// (2) Open loop at 3× the sustained rate.
await engine.host.drain();
const floodRate = Math.max(10, Math.round(rate * 3));
phase = 'flood';
const before = customers;
const applied0 = engine.host.stats.applied;
const ft0 = performance.now();
const floodEnd = ft0 + FLOOD_S * 1_000;
const pubs: Promise<void>[] = [];
while (performance.now() < floodEnd) {
  const due = Math.floor(((performance.now() - ft0) / 1_000) * floodRate) - (customers - before);
  for (let i = 0; i < due; i++) pubs.push(customerWrites());
  await sleep(10);
}
await Promise.all(pubs);
const floodCustomers = customers - before;
phase = 'drain';
const drainStart = performance.now();
const drainCurve: string[] = [];
for (;;) {
  const b = await engine.backlog();
  drainCurve.push(`${((performance.now() - ft0) / 1_000).toFixed(0)}s:${b.inboundLag}`);
  if (b.inboundLag === 0 && b.outbox === 0 && offered.size >= published.length) break;
  if (performance.now() - drainStart > 600_000) break;
  await sleep(1_000);
}
const drainMs = performance.now() - drainStart;
// Let agents finish what they hold.
while (handled < offered.size && performance.now() - drainStart < drainMs + 60_000) await sleep(100);
clearInterval(rssTimer);
const lost = published.filter((k) => !offered.has(k)).length;
out(`open loop: ${floodCustomers} customers at ${floodRate}/s for ${FLOOD_S} s`);
for (const p of ['flood', 'drain']) {
  const s = [...(latency.get(p) ?? [])].sort((a, b) => a - b);
  out(
    `  agent API during ${p}: ${s.length} calls, p50 ${percentile(s, 50).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms`,
  );
}
out(
  `  drain after the flood: ${(drainMs / 1000).toFixed(1)} s; backlog (inbound lag) by time: ${drainCurve.join(' ')}`,
);
out(
  `  RSS: steady ${(steadyRss / 2 ** 20).toFixed(0)} MB, peak ${(peakRss / 2 ** 20).toFixed(0)} MB (${(peakRss / steadyRss).toFixed(2)}x)`,
);
out(`  offers shown twice on a feed: ${duplicateOffers}; customers never offered: ${lost}`);
out(
  `  events applied per handled interaction: ${((engine.host.stats.applied - applied0) / Math.max(1, floodCustomers)).toFixed(1)}`,
);
out(
  `  load average: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
running = false;
await Promise.all(workers);
await node.stop();
await nats.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
