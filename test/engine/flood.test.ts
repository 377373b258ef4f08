/**
 * A flood of customer messages waiting in JetStream: the engine keeps answering its agents while
 * the backlog drains, `/readyz` shows the backlog, no feed shows an update twice, and every
 * customer's messages arrive; drained, each queue offers its customers in the order they wrote,
 * one interaction and one offer per webhook.
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

/** A customer's first message as the gateway publishes it, written at `at`. */
function inboundEnvelope(integrationId: string, user: string, messageId: string, at: number, text: string) {
  const key = conversationKey({ channel: 'whatsapp', integrationId, channelUserId: user });
  const event: MessageReceived = {
    type: 'message.received',
    channel: 'whatsapp',
    integrationId,
    channelUserId: user,
    messageId,
    at,
    kind: 'text',
    text,
  };
  return { key, env: { id: `whatsapp:${integrationId}:${messageId}`, to: { type: 'conversation', key }, event } };
}

describe('a flood of customer messages', () => {
  const nats = useNatsServer();

  it('drains in arrival order per queue: each webhook gets exactly one interaction and one offer', async () => {
    const stack = await whatsappStack({ dataDir: tempDir(), virtualClock: false, natsUrl: nats.server.url });
    const { engine, call } = stack;
    const base = `http://127.0.0.1:${stack.node.httpPort}`;
    const feeds: ReturnType<typeof readServerSentEvents>[] = [];
    const PER_QUEUE = 40;
    const queues = [
      { integrationId: 'wa1', queueId: 'sales', agent: 'ana' },
      { integrationId: 'wa2', queueId: 'care', agent: 'bob' },
    ];
    try {
      const util = { media: { message: { max: 2 } }, totalMax: 2 };
      expect(
        (
          await call('PUT', '/admin/routing/config', {
            queues: queues.map((q) => ({ id: q.queueId, alertingTimeoutSeconds: 600, acw: { mode: 'optional' } })),
            agents: queues.map((q) => ({ id: q.agent, queues: [q.queueId], utilization: util })),
            flows: queues.map((q) => ({ integrationId: q.integrationId, defaultQueueId: q.queueId })),
          })
        ).status,
      ).toBe(200);

      // The flood, the two queues' customers interleaved, each webhook written 1 ms after the last;
      // no agent is on queue yet, so all of it waits.
      const js = engine.nc.jetstream();
      const arrival = new Map<string, string[]>(queues.map((q) => [q.queueId, []]));
      const t0 = engine.clock.now();
      const publishes: Promise<unknown>[] = [];
      for (let i = 0; i < PER_QUEUE * queues.length; i++) {
        const q = queues[i % queues.length]!;
        const user = `1666${String(i).padStart(7, '0')}`;
        const { key, env } = inboundEnvelope(q.integrationId, user, `wamid.order.${user}`, t0 + i, `hello ${i}`);
        arrival.get(q.queueId)!.push(key);
        publishes.push(js.publish(subjects.inbound(partitionOf(key)), encode(env), { msgID: env.id }));
      }
      await Promise.all(publishes);
      await until('the flood drained into the queues', async () => {
        const b = await engine.backlog();
        return b.inboundLag + b.intake.inbound + b.pendingEvents === 0 ? b : undefined;
      });
      await engine.settle();

      // Agents come on queue and take every offer as it comes, two at a time.
      for (const q of queues) {
        expect((await call('POST', `/agents/${q.agent}/login`)).status).toBe(200);
        feeds.push(readServerSentEvents(`${base}/agents/${q.agent}/events`, await autoHeaders(`/agents/${q.agent}`)));
      }
      const interactions = new Map<string, string[]>();
      const work = async (agent: string, feed: (typeof feeds)[number]) => {
        const done = new Set<string>();
        while (done.size < PER_QUEUE) {
          const offer = await until(`${agent}'s next offer`, () =>
            feed.events.find((e) => e.event === 'offer' && !done.has(e.data.offerId)),
          );
          done.add(offer.data.offerId);
          const acc = await call('POST', `/agents/${agent}/offers/${offer.data.offerId}/accept`);
          expect(acc.status, JSON.stringify(acc.json)).toBe(200);
          const iid = acc.json.interactionId as string;
          const key = offer.data.conversationKey as string;
          interactions.set(key, [...(interactions.get(key) ?? []), iid]);
          expect((await call('POST', `/agents/${agent}/interactions/${iid}/end`)).status).toBe(200);
          expect(
            (await call('POST', `/agents/${agent}/interactions/${iid}/wrapup`, { code: 'Processed' })).status,
          ).toBe(200);
        }
      };
      await Promise.all(queues.map((q, i) => work(q.agent, feeds[i]!)));
      await engine.settle();

      for (const [i, q] of queues.entries()) {
        const offers = feeds[i]!.events.filter((e) => e.event === 'offer');
        // One offer per webhook, in the order the customers wrote.
        expect(offers.map((o) => o.data.conversationKey)).toEqual(arrival.get(q.queueId));
        expect(new Set(offers.map((o) => o.data.offerId)).size).toBe(PER_QUEUE);
      }
      // One interaction per webhook.
      expect(interactions.size).toBe(PER_QUEUE * queues.length);
      for (const ids of interactions.values()) expect(ids).toHaveLength(1);
      expect(new Set([...interactions.values()].flat()).size).toBe(PER_QUEUE * queues.length);
    } finally {
      for (const f of feeds) f.close();
      await stack.stop();
    }
  }, 240_000);

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
