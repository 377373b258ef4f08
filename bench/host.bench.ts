/**
 * Actor host throughput beside its raw floors, measured in one run.
 *   npx tsx bench/host.bench.ts [events]
 * 1. In process: events/s through ActorHost.deliver (counter machine, 10k actors, LMDB with
 *    fsync, outbox relayed to an in-memory bus) vs. the floor: the same number of batched LMDB
 *    puts of snapshot-sized values with no logic.
 * 2. End to end through NATS: envelopes published to sb.actor.*, an Engine consumes, applies,
 *    commits, acks and relays one effect each, vs. the floor: publish, pull-consume, LMDB put,
 *    ack after commit, and publish one effect per message with no actor logic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { AckPolicy, DeliverPolicy, type JsMsg } from 'nats';
import { ActorHost } from '../actors/host.js';
import { SystemClock } from '../actors/clock.js';
import { LmdbStore } from '../actors/lmdb-store.js';
import { Engine } from '../engine/engine.js';
import { connectNats, ensureStreams } from '../engine/nats-bus.js';
import { createLogger } from '../engine/logger.js';
import { startNatsServer } from '../engine/nats-server.js';
import { counterMachine } from '../machines/counter.machine.js';
import { partitionOf } from '../protocol/partition.js';
import { STREAMS, subjects } from '../protocol/subjects.js';
import { encode } from '../protocol/wire.js';

const N = Number(process.argv[2] ?? 50_000);
const ACTORS = 10_000;
const root = mkdtempSync(join(tmpdir(), 'sb-bench-'));
const logger = createLogger({ level: 'silent' });

/** Runs `n` async jobs with at most `depth` in flight (a sliding window, as a consumer's max_ack_pending). */
async function pipelined(n: number, depth: number, job: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: depth }, async () => {
      while (next < n) await job(next++);
    }),
  );
}

function rate(n: number, ms: number): number {
  return Math.round((n / ms) * 1000);
}

async function hostInProcess(): Promise<number> {
  const store = LmdbStore.open(join(root, 'host'));
  let published = 0;
  const host = new ActorHost({
    store,
    clock: new SystemClock(),
    bus: { publish: async () => void published++ },
  }).register({ name: 'counter', machine: counterMachine });
  host.start();
  const t0 = performance.now();
  await pipelined(N, 8_192, (i) =>
    host.deliver({ id: `e${i}`, to: { type: 'counter', key: `k${i % ACTORS}` }, event: { type: 'count.incremented' } }),
  );
  await host.drain();
  const ms = performance.now() - t0;
  await host.stop();
  await store.close();
  if (published !== N) throw new Error(`expected ${N} effects, got ${published}`);
  return rate(N, ms);
}

async function lmdbFloor(): Promise<number> {
  const db = open({ path: join(root, 'floor'), encoding: 'binary' });
  const value = Buffer.from(
    encode({ status: 'active', value: {}, context: { count: 123, fired: 0 }, historyValue: {}, children: {} }),
  );
  const t0 = performance.now();
  // Three keys per event, as the host writes (snapshot, seen id, outbox row).
  await pipelined(N, 8_192, (i) =>
    db.transaction(() => {
      void db.put(`s${i % ACTORS}`, value);
      void db.put(`e${i}`, value.subarray(0, 8));
      void db.put(`o${i}`, value);
    }),
  );
  const ms = performance.now() - t0;
  await db.close();
  return rate(N, ms);
}

async function endToEnd(): Promise<{ engine: number; floor: number }> {
  const nats = await startNatsServer({ dir: join(root, 'nats') });
  try {
    const nc = await connectNats(nats.url, 'bench');
    const jsm = await nc.jetstreamManager();
    await ensureStreams(jsm);
    const js = nc.jetstream();
    const publishAll = async (
      subjectOf: (i: number) => string,
      payload: (i: number) => Uint8Array,
      prefix: string,
    ): Promise<void> => {
      const inflight: Promise<unknown>[] = [];
      for (let i = 0; i < N; i++) {
        inflight.push(js.publish(subjectOf(i), payload(i), { msgID: `${prefix}${i}` }));
        if (inflight.length >= 1_000) await Promise.all(inflight.splice(0));
      }
      await Promise.all(inflight);
    };
    const effects = async (): Promise<number> => (await jsm.streams.info(STREAMS.effects.name)).state.messages;

    // Floor: same stream, a bare consumer that puts to LMDB, acks after commit, publishes an effect.
    await jsm.streams.add({ name: 'FLOOR_IN', subjects: ['floor.in.>'] });
    await jsm.streams.add({ name: 'FLOOR_OUT', subjects: ['floor.out.>'] });
    const db = open({ path: join(root, 'floor-e2e'), encoding: 'binary' });
    await jsm.consumers.add('FLOOR_IN', {
      durable_name: 'f',
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: 4_096,
    });
    const body = (i: number): Uint8Array =>
      encode({ id: `e${i}`, to: { type: 'counter', key: `k${i % ACTORS}` }, event: { type: 'count.incremented' } });
    let t0 = performance.now();
    let done = 0;
    const consumer = await js.consumers.get('FLOOR_IN', 'f');
    const finished = new Promise<void>((resolve) => {
      void consumer.consume({
        max_messages: 1_024,
        callback: (m: JsMsg) => {
          void db.put(`k${m.seq % ACTORS}`, Buffer.from(m.data)).then(async () => {
            m.ack();
            await js.publish(`floor.out.${m.seq % 16}`, m.data, { msgID: `o${m.seq}` });
            if (++done === N) resolve();
          });
        },
      });
    });
    await publishAll((i) => `floor.in.${i % 16}`, body, 'f');
    await finished;
    const floor = rate(N, performance.now() - t0);
    await db.close();

    // The engine: the same traffic into the actor partitions.
    const engine = new Engine({
      dataDir: join(root, 'engine'),
      natsUrl: nats.url,
      logger,
      actorTypes: [{ name: 'counter', machine: counterMachine }],
    });
    await engine.start();
    t0 = performance.now();
    await publishAll((i) => subjects.actor(partitionOf(`k${i % ACTORS}`)), body, 'e');
    while ((await effects()) < N) await new Promise((r) => setTimeout(r, 5));
    const engineRate = rate(N, performance.now() - t0);
    await engine.stop();
    await nc.close();
    return { engine: engineRate, floor };
  } finally {
    await nats.stop();
  }
}

const host = await hostInProcess();
const floor = await lmdbFloor();
const e2e = await endToEnd();
rmSync(root, { recursive: true, force: true });
const rows = [
  ['host in process (counter, LMDB fsync, outbox)', host, floor],
  ['end to end through NATS (engine)', e2e.engine, e2e.floor],
] as const;
process.stdout.write(
  `events: ${N}, actors: ${ACTORS}\n\n| path | events/s | raw floor events/s | ratio |\n| --- | ---: | ---: | ---: |\n`,
);
for (const [name, v, f] of rows) process.stdout.write(`| ${name} | ${v} | ${f} | ${(v / f).toFixed(2)} |\n`);
// Open NATS/LMDB handles of the stopped pieces must not keep the benchmark alive.
process.exit(0);
