/**
 * 10,000 events over 1,000 counting actors; the engine process is killed with SIGKILL at a
 * random point and restarted. Every event must be applied exactly once and every effect must
 * reach NATS exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AckPolicy, DeliverPolicy, type NatsConnection } from 'nats';
import { connectNats, ensureStreams } from '../../engine/nats-bus.js';
import { freePort } from '../../engine/nats-server.js';
import { partitionOf } from '../../protocol/partition.js';
import { STREAMS, subjects } from '../../protocol/subjects.js';
import { decode, encode } from '../../protocol/wire.js';
import { useNatsServer } from '../support/nats.js';
import { headersFor, writeTestSecrets } from '../support/auth.js';
import { tempDir } from '../support/tmp.js';

const EVENTS = 10_000;
const ACTORS = 1_000;
const ROOT = join(import.meta.dirname, '..', '..');

function startEngine(dataDir: string, natsUrl: string, port: number): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'engine', 'cli.ts'),
      'engine',
      '--data',
      dataDir,
      '--http',
      String(port),
      '--nats',
      natsUrl,
      '--log-level',
      'warn',
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function effectsCount(nc: NatsConnection): Promise<number> {
  const jsm = await nc.jetstreamManager();
  return (await jsm.streams.info(STREAMS.effects.name)).state.messages;
}

describe('crash and restart', () => {
  const nats = useNatsServer();

  it('applies every event and relays every effect exactly once across a SIGKILL', async () => {
    const seed = Date.now() % 1_000_003;
    const killAfter = 1_000 + (seed % 5_000); // effects seen before the kill
    const dataDir = join(tempDir(), 'engine');
    writeTestSecrets(join(dataDir, 'secrets.json'));
    const nc = await connectNats(nats.server.url, 'crash-test');
    await ensureStreams(await nc.jetstreamManager());
    const js = nc.jetstream();

    const port = await freePort();
    let engine = startEngine(dataDir, nats.server.url, port);
    // Publish while the engine is starting and consuming, pipelined in chunks.
    for (let i = 0; i < EVENTS; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, EVENTS - i) }, (_, j) => {
          const n = i + j;
          const key = `c${n % ACTORS}`;
          return js.publish(
            subjects.actor(partitionOf(key)),
            encode({ id: `ev-${n}`, to: { type: 'counter', key }, event: { type: 'count.incremented' } }),
            { msgID: `ev-${n}` },
          );
        }),
      );
    }
    await until('progress before the kill', async () => (await effectsCount(nc)) >= killAfter);
    engine.kill('SIGKILL');
    await new Promise((r) => engine.once('exit', r));
    const atKill = await effectsCount(nc);
    // The kill must land mid-run for the test to mean anything.
    expect(atKill, `killed at ${atKill} effects, seed ${seed}`).toBeLessThan(EVENTS);

    engine = startEngine(dataDir, nats.server.url, port);
    await until('all effects', async () => (await effectsCount(nc)) >= EVENTS);
    await until('engine ready with an empty outbox', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (x) => x.json(),
        () => undefined,
      );
      return r?.ready === true && r.outbox === 0;
    });

    // Every actor counted exactly its 10 events.
    for (let k = 0; k < ACTORS; k += 37) {
      const r = (await fetch(`http://127.0.0.1:${port}/admin/actors/counter/c${k}`, {
        headers: await headersFor('admin'),
      }).then((x) => x.json())) as {
        snapshot: { context: { count: number } };
      };
      expect(r.snapshot.context.count, `actor c${k}, seed ${seed}`).toBe(EVENTS / ACTORS);
    }
    // Every effect reached NATS once: one record per event, and per actor exactly the counts 1..10.
    expect(await effectsCount(nc)).toBe(EVENTS);
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.add(STREAMS.effects.name, {
      durable_name: 'audit',
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
    });
    const consumer = await js.consumers.get(STREAMS.effects.name, 'audit');
    const ids = new Set<string>();
    const counts = new Map<string, number[]>();
    while (ids.size < EVENTS) {
      const batch = await consumer.fetch({ max_messages: 1_000, expires: 2_000 });
      let got = 0;
      for await (const m of batch) {
        got++;
        const id = m.headers?.get('Nats-Msg-Id') ?? '';
        expect(ids.has(id), `effect ${id} seen twice`).toBe(false);
        ids.add(id);
        const rec = decode<{ actor: { key: string }; count: number }>(m.data);
        counts.set(rec.actor.key, [...(counts.get(rec.actor.key) ?? []), rec.count]);
      }
      if (got === 0) break;
    }
    expect(ids.size).toBe(EVENTS);
    for (const [key, seen] of counts)
      expect(
        seen.sort((a, b) => a - b),
        key,
      ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(counts.size).toBe(ACTORS);

    // SIGTERM is a graceful stop: drain, flush the outbox, exit 0.
    engine.kill('SIGTERM');
    const code = await new Promise((r) => engine.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    await nc.close();
  }, 180_000);
});
