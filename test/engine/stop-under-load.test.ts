/**
 * SIGTERM while an engine process works through a flood: it stops pulling, commits and
 * acknowledges what it pulled, relays what it can of its outbox and keeps the rest, and exits 0.
 * After a restart every event is applied exactly once and every effect reaches NATS exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy, type NatsConnection } from 'nats';
import { describe, expect, it } from 'vitest';
import { connectNats, ensureStreams } from '../../engine/nats-bus.js';
import { freePort } from '../../engine/nats-server.js';
import { partitionOf } from '../../protocol/partition.js';
import { STREAMS, subjects } from '../../protocol/subjects.js';
import { decode, encode } from '../../protocol/wire.js';
import { headersFor, writeTestSecrets } from '../support/auth.js';
import { useNatsServer } from '../support/nats.js';
import { tempDir } from '../support/tmp.js';

const EVENTS = 30_000;
const ACTORS = 3_000;
const ROOT = join(import.meta.dirname, '..', '..');
/** A hang guard, not a timing assertion: the engine's own stop budget is well under it. */
const EXIT_BOUND_MS = 60_000;

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
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
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

describe('stop under load', () => {
  const nats = useNatsServer();

  it('SIGTERM during a flood exits 0, and after a restart nothing is lost or applied twice', async () => {
    const dataDir = join(tempDir(), 'engine');
    writeTestSecrets(join(dataDir, 'secrets.json'));
    const nc = await connectNats(nats.server.url, 'stop-test');
    await ensureStreams(await nc.jetstreamManager());
    const js = nc.jetstream();
    // The flood is waiting in JetStream when the engine starts.
    for (let i = 0; i < EVENTS; i += 1_000) {
      await Promise.all(
        Array.from({ length: Math.min(1_000, EVENTS - i) }, (_, j) => {
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
    const port = await freePort();
    let engine = startEngine(dataDir, nats.server.url, port);
    await until('work under way', async () => (await effectsCount(nc)) >= 2_000);
    engine.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error('the engine did not exit after SIGTERM')), EXIT_BOUND_MS);
      engine.once('exit', (c) => {
        clearTimeout(guard);
        resolve(c);
      });
    });
    expect(code).toBe(0);
    // The stop must land mid-flood for the test to mean anything.
    expect(await effectsCount(nc)).toBeLessThan(EVENTS);

    engine = startEngine(dataDir, nats.server.url, port);
    try {
      await until('all effects', async () => (await effectsCount(nc)) >= EVENTS);
      await until('engine ready with an empty outbox', async () => {
        const r = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (x) => x.json() as Promise<{ ready?: boolean; outbox?: number }>,
          () => undefined,
        );
        return r?.ready === true && r.outbox === 0;
      });
      for (let k = 0; k < ACTORS; k += 97) {
        const r = (await fetch(`http://127.0.0.1:${port}/admin/actors/counter/c${k}`, {
          headers: await headersFor('admin'),
        }).then((x) => x.json())) as { snapshot: { context: { count: number } } };
        expect(r.snapshot.context.count, `actor c${k}`).toBe(EVENTS / ACTORS);
      }
      expect(await effectsCount(nc)).toBe(EVENTS);
      const jsm = await nc.jetstreamManager();
      await jsm.consumers.add(STREAMS.effects.name, {
        durable_name: 'audit',
        ack_policy: AckPolicy.None,
        deliver_policy: DeliverPolicy.All,
      });
      const consumer = await js.consumers.get(STREAMS.effects.name, 'audit');
      const counts = new Map<string, number>();
      let seen = 0;
      while (seen < EVENTS) {
        const batch = await consumer.fetch({ max_messages: 2_000, expires: 2_000 });
        let got = 0;
        for await (const m of batch) {
          got++;
          const rec = decode<{ actor: { key: string } }>(m.data);
          counts.set(rec.actor.key, (counts.get(rec.actor.key) ?? 0) + 1);
        }
        seen += got;
        if (got === 0) break;
      }
      expect(seen).toBe(EVENTS);
      expect(counts.size).toBe(ACTORS);
      for (const [key, n] of counts) expect(n, key).toBe(EVENTS / ACTORS);
    } finally {
      engine.kill('SIGTERM');
      await new Promise((r) => engine.once('exit', r));
      await nc.close();
    }
  }, 240_000);
});
