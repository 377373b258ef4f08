import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ManualClock } from '../../actors/clock.js';
import { Engine } from '../../engine/engine.js';
import { connectNats, publishEnvelope } from '../../engine/nats-bus.js';
import { createLogger } from '../../engine/logger.js';
import { counterMachine } from '../../machines/counter.machine.js';
import { partitionOf } from '../../protocol/partition.js';
import { STREAMS } from '../../protocol/subjects.js';
import { useNatsServer } from '../support/nats.js';
import { tempDir } from '../support/tmp.js';

const logger = createLogger({ level: 'silent' });

describe('Engine over NATS', () => {
  const nats = useNatsServer();

  it('consumes envelopes from partition subjects, applies them once, and relays effects', async () => {
    const dir = tempDir();
    const clock = new ManualClock();
    const engine = new Engine({
      dataDir: join(dir, 'e'),
      natsUrl: nats.server.url,
      clock,
      logger,
      actorTypes: [{ name: 'counter', machine: counterMachine }],
    });
    await engine.start();
    const nc = await connectNats(nats.server.url, 'test');
    const js = nc.jetstream();
    for (let i = 0; i < 200; i++) {
      const key = `c${i % 20}`;
      const env = { id: `ev-${i}`, to: { type: 'counter', key }, event: { type: 'count.incremented' } };
      await publishEnvelope(js, env, partitionOf(key));
      if (i % 50 === 0) await publishEnvelope(js, env, partitionOf(key)); // a platform retry
    }
    // A malformed message goes to dead letters, never crashes the consumer.
    await js.publish('sb.actor.0', new Uint8Array([0xc1, 0xff]));
    const deadline = Date.now() + 10_000;
    while (engine.host.stats.applied < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(engine.host.stats.applied).toBe(200);
    for (let k = 0; k < 20; k++) expect(engine.host.read({ type: 'counter', key: `c${k}` })?.context.count).toBe(10);
    await engine.host.drain();

    const jsm = await nc.jetstreamManager();
    const effects = await jsm.streams.info(STREAMS.effects.name);
    expect(effects.state.messages).toBe(200);
    const dead = await jsm.streams.info(STREAMS.dead.name);
    expect(dead.state.messages).toBe(1);
    expect(engine.readiness()).toMatchObject({ ready: true, outbox: 0 });
    await nc.close();
    await engine.stop();
  });
});
