import { connect, type NatsConnection } from 'nats';
import { afterEach, describe, expect, it } from 'vitest';
import { PublishRefusedError, JetStreamPublisher } from '../../engine/jetstream-publisher.js';
import { ensureStreams } from '../../engine/nats-bus.js';
import { STREAMS, subjects } from '../../protocol/subjects.js';
import { useNatsServer } from '../support/nats.js';

describe('JetStreamPublisher (pipelined publishes, acknowledgements matched by token)', () => {
  const nats = useNatsServer();
  let nc: NatsConnection | undefined;
  afterEach(async () => {
    await nc?.close();
    nc = undefined;
  });

  it('resolves once stored, stores a repeated Nats-Msg-Id once, and refuses a subject no stream takes', async () => {
    nc = await connect({ servers: nats.server.url, noAsyncTraces: true });
    const jsm = await nc.jetstreamManager();
    await ensureStreams(jsm);
    const publisher = new JetStreamPublisher(nc);
    const subject = subjects.record('bench_probe');
    const before = (await jsm.streams.info(STREAMS.effects.name)).state.messages;
    // Many in flight at once, two of them with the same id.
    const ids = [...Array.from({ length: 500 }, (_, i) => `m${i}`), 'm7'];
    await Promise.all(ids.map((id) => publisher.publish(subject, new TextEncoder().encode(id), id, 5_000)));
    expect(publisher.inFlight).toBe(0);
    expect((await jsm.streams.info(STREAMS.effects.name)).state.messages - before).toBe(500);

    const refused = await publisher.publish('nobody.listens.here', new Uint8Array(1), 'x', 5_000).catch((e) => e);
    expect(refused).toBeInstanceOf(PublishRefusedError);
    expect(refused.code).toBe('no_responders');
    expect(refused.message).toMatch(/no JetStream stream takes nobody\.listens\.here/);
  });

  it('refuses at once when the connection is closed', async () => {
    nc = await connect({ servers: nats.server.url, noAsyncTraces: true });
    const publisher = new JetStreamPublisher(nc);
    await nc.close();
    const refused = await publisher.publish(subjects.record('x'), new Uint8Array(1), 'y', 5_000).catch((e) => e);
    expect(refused).toMatchObject({ name: 'PublishRefusedError', code: 'closed' });
  });
});
