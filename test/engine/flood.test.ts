/**
 * A flood of customer messages waiting in JetStream: the engine keeps answering its agents while
 * the backlog drains, `/readyz` shows the backlog, no feed shows an update twice, and every
 * customer's messages arrive.
 */
import { describe, expect, it } from 'vitest';
import { readServerSentEvents } from '../../engine/sse-client.js';
import { conversationKey, type MessageReceived } from '../../protocol/channels.js';
import { partitionOf } from '../../protocol/partition.js';
import { subjects } from '../../protocol/subjects.js';
import { encode } from '../../protocol/wire.js';
import { autoHeaders } from '../support/auth.js';
import { useNatsServer } from '../support/nats.js';
import { tempDir } from '../support/tmp.js';
import { until, whatsappStack } from '../support/whatsapp-stack.js';

const CUSTOMERS = 300;
const MESSAGES_EACH = 10;

const routing = {
  queues: [{ id: 'support', alertingTimeoutSeconds: 600, acw: { mode: 'optional' } }],
  agents: [
    { id: 'ana', queues: ['support'], utilization: { media: { message: { max: 3 } }, totalMax: 3 } },
    { id: 'bob', queues: ['support'], utilization: { media: { message: { max: 3 } }, totalMax: 3 } },
  ],
  flows: [{ integrationId: '*', defaultQueueId: 'support' }],
};

describe('a flood of customer messages', () => {
  const nats = useNatsServer();

  it('agents are answered while the backlog drains; nothing is lost or shown twice', async () => {
    const stack = await whatsappStack({ dataDir: tempDir(), virtualClock: false, natsUrl: nats.server.url });
    const { engine, call } = stack;
    const base = `http://127.0.0.1:${stack.node.httpPort}`;
    const feeds: ReturnType<typeof readServerSentEvents>[] = [];
    try {
      expect((await call('PUT', '/admin/routing/config', routing)).status).toBe(200);
      for (const a of ['ana', 'bob']) {
        expect((await call('POST', `/agents/${a}/login`)).status).toBe(200);
        feeds.push(readServerSentEvents(`${base}/agents/${a}/events`, await autoHeaders(`/agents/${a}`)));
      }
      await until('snapshots', () => feeds.every((f) => f.events.some((e) => e.event === 'snapshot')));

      // The flood, published as the gateway does, on the customer-intake subjects.
      const js = engine.nc.jetstream();
      const users = Array.from({ length: CUSTOMERS }, (_, i) => `1555${String(i).padStart(7, '0')}`);
      const publishes: Promise<unknown>[] = [];
      for (let m = 0; m < MESSAGES_EACH; m++)
        for (const user of users) {
          const key = conversationKey({ channel: 'whatsapp', integrationId: 'wa1', channelUserId: user });
          const messageId = `wamid.flood.${user}.${m}`;
          const event: MessageReceived = {
            type: 'message.received',
            channel: 'whatsapp',
            integrationId: 'wa1',
            channelUserId: user,
            messageId,
            at: engine.clock.now(),
            kind: 'text',
            text: `message ${m}`,
          };
          const env = { id: `whatsapp:wa1:${messageId}`, to: { type: 'conversation', key }, event: { ...event } };
          publishes.push(js.publish(subjects.inbound(partitionOf(key)), encode(env), { msgID: env.id }));
        }
      await Promise.all(publishes);

      // While the backlog is there, agents' calls are answered: reads, accepts, ends, wrap-ups.
      let answeredDuringBacklog = 0;
      let sawDegraded = false;
      const handled = new Set<string>();
      for (;;) {
        const before = await engine.backlog();
        const ready = await fetch(`${base}/readyz`).then((r) => r.json() as Promise<Record<string, any>>);
        if (ready.status === 'degraded') {
          sawDegraded = true;
          expect(ready.backlog.partitions.length).toBeGreaterThan(0);
          expect(typeof ready.backlog.outbox).toBe('number');
        }
        const read = await call('GET', '/agents/ana');
        expect(read.status).toBe(200);
        for (const [i, a] of ['ana', 'bob'].entries()) {
          const offers = feeds[i]!.events.filter((e) => e.event === 'offer' && !handled.has(e.data.offerId));
          for (const o of offers.slice(0, 2)) {
            handled.add(o.data.offerId);
            const acc = await call('POST', `/agents/${a}/offers/${o.data.offerId}/accept`);
            expect(acc.status, JSON.stringify(acc.json)).toBe(200);
            const iid = acc.json.interactionId as string;
            expect((await call('POST', `/agents/${a}/interactions/${iid}/end`)).status).toBe(200);
            expect((await call('POST', `/agents/${a}/interactions/${iid}/wrapup`, { code: 'Processed' })).status).toBe(
              200,
            );
          }
        }
        const after = await engine.backlog();
        if (before.inboundLag + before.intake.inbound > 0 && after.inboundLag + after.intake.inbound > 0)
          answeredDuringBacklog++;
        if (after.inboundLag + after.intake.inbound === 0 && after.outbox === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(answeredDuringBacklog).toBeGreaterThan(0);
      expect(sawDegraded).toBe(true);

      // Every customer got a conversation holding all of its messages.
      await engine.settle();
      for (const user of users.filter((_, i) => i % 29 === 0)) {
        const key = conversationKey({ channel: 'whatsapp', integrationId: 'wa1', channelUserId: user });
        const h = await call('GET', `/conversations/${encodeURIComponent(key)}/history?limit=100`);
        expect(h.status).toBe(200);
        const texts = (h.json.entries as { text?: string }[])
          .map((e) => e.text)
          .filter((t) => t?.startsWith('message '));
        expect(new Set(texts).size, user).toBe(MESSAGES_EACH);
      }
      // No feed showed an update twice, and each offer once.
      for (const f of feeds) {
        const all = f.events.filter((e) => e.event !== 'snapshot').map((e) => JSON.stringify(e.data));
        expect(new Set(all).size).toBe(all.length);
        const offers = f.events.filter((e) => e.event === 'offer').map((e) => e.data.offerId);
        expect(new Set(offers).size).toBe(offers.length);
      }
      expect(handled.size).toBeGreaterThan(0);
    } finally {
      for (const f of feeds) f.close();
      await stack.stop();
    }
  }, 240_000);
});
