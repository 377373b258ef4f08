/**
 * The load side of bench/flood.bench.ts, forked as its own process so the engine's CPU figure
 * and its API latencies are not mixed with the load generator's: customers' WhatsApp messages
 * published as the gateway publishes them, and agents working through the HTTP API as fast as
 * they can (feed → accept → reply → end → wrap-up). It drives the phases and prints the report;
 * what only the engine's process can read (its CPU, RSS, backlog, profile) it asks over IPC.
 * Not run on its own.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { connect } from 'nats';
import { readServerSentEvents } from '../engine/sse-client.js';
import { conversationKey } from '../protocol/channels.js';
import { partitionOf } from '../protocol/partition.js';
import { subjects } from '../protocol/subjects.js';
import { encode } from '../protocol/wire.js';
import { headersFor } from '../test/support/auth.js';
import type { EngineProbe, FloodLoadConfig } from './flood.bench.js';
import { percentile } from './samples.js';

const out = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asks the engine's process (the parent) for one reading. */
let calls = 0;
const waiting = new Map<number, (v: unknown) => void>();
process.on('message', (m: { id: number; value: unknown }) => {
  waiting.get(m.id)?.(m.value);
  waiting.delete(m.id);
});
function probe<K extends keyof EngineProbe>(op: K): Promise<Awaited<ReturnType<EngineProbe[K]>>> {
  const id = ++calls;
  return new Promise((r) => {
    waiting.set(id, r as (v: unknown) => void);
    process.send!({ id, op });
  });
}

const cfg = JSON.parse(process.argv[2]!) as FloodLoadConfig;
const { base, agents: AGENTS, capacity: CAPACITY } = cfg;
const OUTSTANDING = AGENTS * CAPACITY;
const agentIds = Array.from({ length: AGENTS }, (_, i) => `a${i}`);

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
/** Each customer's key in the order their first message was published, per queue (one queue here). */
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

const nc = await connect({ servers: cfg.natsUrl, noAsyncTraces: true });
const js = nc.jetstream();
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
if (cfg.profile) await probe('profileStart');
const m0 = await probe('mark');
const h0 = handled;
const t0 = performance.now();
await sleep(cfg.closedSeconds * 1_000);
const m1 = await probe('mark');
const closedMs = performance.now() - t0;
const closedHandled = handled - h0;
if (cfg.profile) await probe('profileStop');
stopClosed = true;
for (const f of onHandled.splice(0)) f();
await Promise.all(loops);
const rate = (closedHandled * 1_000) / closedMs;
const perInteraction = (x: number) => x / Math.max(1, closedHandled);
out(`closed loop: ${closedHandled} interactions in ${(closedMs / 1000).toFixed(1)} s = ${rate.toFixed(1)}/s`);
out(`  engine process CPU per handled interaction: ${perInteraction(m1.cpuMs - m0.cpuMs).toFixed(2)} ms`);
out(`  actor events applied per handled interaction: ${perInteraction(m1.applied - m0.applied).toFixed(1)}`);
out(`  outbox rows relayed per handled interaction: ${perInteraction(m1.relayed - m0.relayed).toFixed(1)}`);
out(`  LMDB commits per second: ${(((m1.commits - m0.commits) * 1_000) / closedMs).toFixed(0)}`);
const closedLat = [...(latency.get('closed') ?? [])].sort((a, b) => a - b);
out(`  agent API p50 ${percentile(closedLat, 50).toFixed(1)} ms, p99 ${percentile(closedLat, 99).toFixed(1)} ms`);

// (2) Open loop at 3× the sustained rate.
if (cfg.floodSeconds > 0) {
  await probe('drain');
  const steady = await probe('mark');
  await probe('resetPeakRss');
  const floodRate = Math.max(10, Math.round(rate * 3));
  phase = 'flood';
  const before = customers;
  const ft0 = performance.now();
  const floodEnd = ft0 + cfg.floodSeconds * 1_000;
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
    const b = await probe('backlog');
    drainCurve.push(`${((performance.now() - ft0) / 1_000).toFixed(0)}s:${b.inboundLag}`);
    if (b.inboundLag === 0 && b.outbox === 0 && offered.size >= published.length) break;
    if (performance.now() - drainStart > 600_000) break;
    await sleep(1_000);
  }
  const drainMs = performance.now() - drainStart;
  // Let agents finish what they hold.
  while (handled < offered.size && performance.now() - drainStart < drainMs + 60_000) await sleep(100);
  const end = await probe('mark');
  const lost = published.filter((k) => !offered.has(k)).length;
  out(`open loop: ${floodCustomers} customers at ${floodRate}/s for ${cfg.floodSeconds} s`);
  for (const p of ['flood', 'drain']) {
    const s = [...(latency.get(p) ?? [])].sort((a, b) => a - b);
    out(
      `  agent API during ${p}: ${s.length} calls, p50 ${percentile(s, 50).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms`,
    );
  }
  out(
    `  drain after the flood: ${(drainMs / 1000).toFixed(1)} s; backlog (inbound lag) by time: ${drainCurve.join(' ')}`,
  );
  const mb = (b: number) => (b / 2 ** 20).toFixed(0);
  out(
    `  engine RSS: steady ${mb(steady.rss)} MB, peak ${mb(end.peakRss)} MB (${(end.peakRss / steady.rss).toFixed(2)}x)`,
  );
  out(`  offers shown twice on a feed: ${duplicateOffers}; customers never offered: ${lost}`);
  out(
    `  actor events applied per flood customer: ${((end.applied - steady.applied) / Math.max(1, floodCustomers)).toFixed(1)}`,
  );
}
out(
  `  load average: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
running = false;
await Promise.all(workers);
await nc.close();
process.exit(0);
