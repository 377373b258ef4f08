/**
 * Gateway throughput: signed WhatsApp webhooks into JetStream with 50 concurrent HTTP clients,
 * beside a bare hono handler (reads the body, answers 200) measured in the same run.
 *   npx tsx bench/gateway.bench.ts [seconds per phase]
 * A third figure is the floor under the gateway: the same acked JetStream publishes with 50 in
 * flight and no HTTP. The load generator runs in a worker thread (its own event loop) and signs every request with
 * a unique message id; phases alternate bare / gateway twice to even out noise.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { connectNats, ensureStreams } from '../engine/nats-bus.js';
import { startNatsServer } from '../engine/nats-server.js';
import { parseGatewayConfig } from '../gateways/config.js';
import { startGateway } from '../gateways/gateway.js';
import { inboundEnvelope } from '../gateways/publisher.js';
import { STREAMS, subjects } from '../protocol/subjects.js';
import { encode } from '../protocol/wire.js';
import { appendSamples, percentile } from './samples.js';

const SECONDS = Number(process.argv[2] ?? 8);
const CONCURRENCY = 50;
const SECRET = 'bench_app_secret';

// The load generator: N clients in a loop, each request a freshly signed unique webhook.
const LOADGEN = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHmac } = require('node:crypto');
const { url, secret, seconds, concurrency, prefix } = workerData;
let seq = 0; const lat = []; let ok = 0; let other = 0;
const end = Date.now() + seconds * 1000;
function body(i) {
  return JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'waba', changes: [{ field: 'messages', value: {
    messaging_product: 'whatsapp', metadata: { display_phone_number: '15550000000', phone_number_id: '1065' },
    contacts: [{ profile: { name: 'Bench' }, wa_id: '1555' + (i % 5000) }],
    messages: [{ from: '1555' + (i % 5000), id: 'wamid.' + prefix + '.' + i, timestamp: '1749416383', type: 'text', text: { body: 'Hello, is my order on its way? #' + i } }] } }] }] });
}
const http = require('node:http');
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
function post(b, sig) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b), 'x-hub-signature-256': sig } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(b);
  });
}
async function client() {
  while (Date.now() < end) {
    const b = body(seq++);
    const sig = 'sha256=' + createHmac('sha256', secret).update(b).digest('hex');
    const t = performance.now();
    const status = await post(b, sig);
    lat.push(performance.now() - t);
    if (status === 200) ok++; else other++;
  }
}
Promise.all(Array.from({ length: concurrency }, client)).then(() => parentPort.postMessage({ ok, other, lat }));
`;

function load(url: string, prefix: string, seconds: number): Promise<{ ok: number; other: number; lat: number[] }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(LOADGEN, {
      eval: true,
      workerData: { url, secret: SECRET, seconds, concurrency: CONCURRENCY, prefix },
    });
    w.once('message', (m) => {
      void w.terminate();
      resolve(m);
    });
    w.once('error', reject);
  });
}

const LABELS = {
  bare: 'bare hono handler (read body, 200)',
  gateway: 'gateway: verify + normalize + JetStream publish acked',
  floor: 'floor: acked JetStream publish only, 50 in flight, no HTTP',
};

const root = mkdtempSync(join(tmpdir(), 'sb-gw-bench-'));
const nats = await startNatsServer({ dir: join(root, 'nats') });
const admin = await connectNats(nats.url, 'bench-admin');
const jsm = await admin.jetstreamManager();
await ensureStreams(jsm);

const gateway = await startGateway({
  config: parseGatewayConfig({ integrations: [{ id: 'wa1', channel: 'whatsapp', secret: SECRET }] }),
  natsUrl: nats.url,
  httpPort: 0,
  deliver: false,
});
const bare = new Hono();
bare.post('/webhooks/whatsapp/wa1', async (c) => {
  await c.req.arrayBuffer();
  return c.json({ ok: true });
});
const bareServer = await new Promise<{ port: number; close: () => void }>((resolve) => {
  const s = serve({ fetch: bare.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
    resolve({ port: info.port, close: () => s.close() }),
  );
});

const totals = {
  bare: { ok: 0, other: 0, lat: [] as number[], s: 0 },
  gateway: { ok: 0, other: 0, lat: [] as number[], s: 0 },
};
await load(`http://127.0.0.1:${bareServer.port}/webhooks/whatsapp/wa1`, 'warm-b', 1);
await load(`http://127.0.0.1:${gateway.port}/webhooks/whatsapp/wa1`, 'warm-g', 1);
for (let round = 0; round < 2; round++) {
  for (const kind of ['bare', 'gateway'] as const) {
    const port = kind === 'bare' ? bareServer.port : gateway.port;
    const r = await load(`http://127.0.0.1:${port}/webhooks/whatsapp/wa1`, `${kind}${round}`, SECONDS);
    const t = totals[kind];
    t.ok += r.ok;
    t.other += r.other;
    appendSamples(t.lat, r.lat);
    t.s += SECONDS;
  }
}
// The floor under the gateway: the same acknowledged publishes (msgID, ~300-byte msgpack envelope)
// with 50 in flight and no HTTP at all, from a connection in this process.
const floorNc = await connectNats(nats.url, 'bench-floor');
const floorJs = floorNc.jetstream();
const payload = encode(
  inboundEnvelope({
    type: 'message.received',
    channel: 'whatsapp',
    integrationId: 'wa1',
    channelUserId: '15551234',
    messageId: 'x',
    at: 1749416383000,
    kind: 'text',
    text: 'Hello, is my order on its way?',
    displayName: 'Bench',
    receivedAt: Date.now(),
  }),
);
const floor = { ok: 0, lat: [] as number[], s: 0 };
for (let round = 0; round < 2; round++) {
  const end = Date.now() + SECONDS * 1000;
  let seq = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        const t = performance.now();
        await floorJs.publish(subjects.actor(seq % 16), payload, { msgID: `floor-${round}-${seq++}` });
        floor.lat.push(performance.now() - t);
        floor.ok++;
      }
    }),
  );
  floor.s += SECONDS;
}
await floorNc.close();
const stored = (await jsm.streams.info(STREAMS.actors.name)).state.messages - floor.ok;
const rows = (['bare', 'gateway', 'floor'] as const).map((k) => {
  const t = k === 'floor' ? { ...floor, other: 0 } : totals[k];
  const sorted = t.lat.sort((a, b) => a - b);
  return { k, rps: t.ok / t.s, p50: percentile(sorted, 50), p99: percentile(sorted, 99), other: t.other };
});
const out = [
  `gateway bench: ${CONCURRENCY} concurrent clients, ${SECONDS}s x 2 per target, Node ${process.version}`,
  '| target | accepted req/s | p50 ms | p99 ms | non-200 |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) => `| ${LABELS[r.k]} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.other} |`,
  ),
  `ratio gateway/bare: ${(rows[1].rps / rows[0].rps).toFixed(2)}; gateway/publish floor: ${(rows[1].rps / rows[2].rps).toFixed(2)}; gateway envelopes in SB_ACTORS: ${stored} (gateway 200s: ${totals.gateway.ok} + warm-up)`,
];
process.stdout.write(`${out.join('\n')}\n`);
await gateway.stop();
bareServer.close();
await admin.close();
await nats.stop();
rmSync(root, { recursive: true, force: true });
process.exit(0);
