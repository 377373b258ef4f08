import { describe, expect, it } from 'vitest';
import type { Bus } from '../../actors/types.js';
import { JetStreamBus } from '../../engine/nats-bus.js';
import { readServerSentEvents } from '../../engine/sse-client.js';
import { autoHeaders } from '../support/auth.js';
import { useNatsServer } from '../support/nats.js';
import { tempDir } from '../support/tmp.js';
import { until, whatsappStack } from '../support/whatsapp-stack.js';

const routing = {
  queues: [{ id: 'support', alertingTimeoutSeconds: 600, acw: { mode: 'optional' } }],
  agents: [{ id: 'ana', queues: ['support'], utilization: { media: { message: { max: 5 } }, totalMax: 5 } }],
  flows: [{ integrationId: '*', defaultQueueId: 'support' }],
};

/**
 * A bus whose first publish of every live update reaches NATS and then reports a failure, as a
 * publish whose acknowledgement timed out does: the outbox relay sends the same row again.
 */
class RepeatingBus implements Bus {
  readonly repeated = new Map<string, number>();
  constructor(readonly inner: Bus) {}
  async publish(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    await this.inner.publish(subject, data, msgId);
    if (!subject.startsWith('sb.live.')) return;
    const n = (this.repeated.get(msgId) ?? 0) + 1;
    this.repeated.set(msgId, n);
    if (n === 1) throw new Error('acknowledgement timed out (test)');
  }
}

describe("the agent's live feed", () => {
  const nats = useNatsServer();

  it('shows each offer and each message once even when the outbox relays its update again', async () => {
    const stack = await whatsappStack({ dataDir: tempDir(), virtualClock: false, natsUrl: nats.server.url });
    const { engine, call } = stack;
    const bus = new RepeatingBus(new JetStreamBus(engine.nc));
    engine.host.attachBus(bus);
    const base = `http://127.0.0.1:${stack.node.httpPort}`;
    expect((await call('PUT', '/admin/routing/config', routing)).status).toBe(200);
    expect((await call('POST', '/agents/ana/login')).json).toMatchObject({ ok: true });
    // The feed opens once the agent is in the routing configuration.
    const feed = readServerSentEvents(`${base}/agents/ana/events`, await autoHeaders('/agents/ana'));
    try {
      await until('snapshot', () => feed.events.find((e) => e.event === 'snapshot'));

      const customers = ['15550000001', '15550000002', '15550000003'];
      for (const from of customers) await stack.customerWrites(`hello from ${from}`, { from });
      const offers = await until('three offers', () => {
        const o = feed.events.filter((e) => e.event === 'offer');
        return new Set(o.map((e) => e.data.offerId)).size === customers.length ? o : undefined;
      });
      for (const offer of new Map(offers.map((o) => [o.data.offerId, o])).values()) {
        const acc = await call('POST', `/agents/ana/offers/${offer.data.offerId}/accept`);
        expect(acc.status).toBe(200);
        await stack.customerWrites('still there?', { from: offer.data.conversationKey.split(':')[2] });
      }
      // A last presence change: its update comes after every repeat of the earlier ones.
      expect((await call('POST', '/agents/ana/presence', { presence: 'not_ready', reason: 'Pause' })).status).toBe(200);
      await until('presence update', () =>
        feed.events.find((e) => e.event === 'presence' && e.data.presence === 'not_ready'),
      );
      await engine.host.drain();

      // The relay did send the feed's updates twice.
      const twice = [...bus.repeated.values()].filter((n) => n >= 2).length;
      expect(twice).toBeGreaterThanOrEqual(offers.length + customers.length * 2);
      // The feed carried each offer and each message once.
      const offerIds = feed.events.filter((e) => e.event === 'offer').map((e) => e.data.offerId);
      expect(offerIds.length).toBe(customers.length);
      expect(new Set(offerIds).size).toBe(offerIds.length);
      const messages = feed.events.filter((e) => e.event === 'message');
      expect(messages.length).toBeGreaterThanOrEqual(customers.length);
      const keyed = messages.map((e) => JSON.stringify(e.data));
      expect(new Set(keyed).size).toBe(keyed.length);
      const all = feed.events.filter((e) => e.event !== 'snapshot').map((e) => JSON.stringify(e.data));
      expect(new Set(all).size).toBe(all.length);
    } finally {
      feed.close();
      await stack.stop();
    }
  }, 60_000);
});
