import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp.js';
import { until, whatsappStack } from '../support/whatsapp-stack.js';

const routing = {
  queues: [{ id: 'support', alertingTimeoutSeconds: 60 }],
  agents: [{ id: 'ana', queues: ['support'] }],
  flows: [{ integrationId: '*', defaultQueueId: 'support' }],
};

describe('history order', () => {
  it('lists customer messages by the platform’s timestamp, arrival order breaking ties, in every view', async () => {
    const s = await whatsappStack({ dataDir: join(tempDir(), 'engine'), virtualClock: true });
    try {
      expect((await s.call('PUT', '/admin/routing/config', routing)).status).toBe(200);
      await s.call('POST', '/agents/ana/login');
      const t0 = s.engine.clock.now();
      // Webhooks arrive out of order, as Meta warns they may: "second" overtakes "first". WhatsApp
      // timestamps are whole seconds, so "third a" and "third b" tie and keep their arrival order.
      await s.customerWrites('second', { at: t0 + 5_000 });
      await s.customerWrites('first', { at: t0 });
      await s.customerWrites('third a', { at: t0 + 9_000 });
      await s.customerWrites('fourth', { at: t0 + 12_000 });
      await s.customerWrites('third b', { at: t0 + 9_400 });
      const expected = ['first', 'second', 'third a', 'third b', 'fourth'];

      const key = encodeURIComponent(s.conversationKey());
      const texts = (entries: { direction: string; text?: string }[]) =>
        entries.filter((e) => e.direction === 'inbound').map((e) => e.text);
      const history = await until('five customer messages in history', async () => {
        const h = (await s.call('GET', `/conversations/${key}/history`)).json;
        return texts(h.entries ?? []).length === 5 ? h : undefined;
      });
      expect(texts(history.entries)).toEqual(expected);
      // The interaction marker keeps its place at the top; positions page through the same listing.
      expect(history.entries[0]).toMatchObject({ direction: 'event', kind: 'interaction.opened' });
      const paged: { direction: string; text?: string }[] = [];
      for (let from: number | null = 0; from !== null; ) {
        const p: Record<string, any> = (await s.call('GET', `/conversations/${key}/history?from=${from}&limit=2`)).json;
        paged.push(...p.entries);
        from = p.next;
      }
      expect(paged).toEqual(history.entries);

      // The agent's view of the interaction.
      const [offer] = await until('an offer to ana', async () => {
        const o = (await s.call('GET', '/agents/ana')).json.offers;
        return o.length ? o : undefined;
      });
      const agentView = (await s.call('GET', `/agents/ana/interactions/${offer.interactionId}/history`)).json;
      expect(texts(agentView.entries)).toEqual(expected);

      // The contact's history across its conversations.
      const contactId = (await s.call('GET', `/conversations/${key}`)).json.contactId;
      const contact = (await s.call('GET', `/contacts/${contactId}/history`)).json;
      expect(texts(contact.entries)).toEqual(expected);
    } finally {
      await s.stop();
    }
  });
});
