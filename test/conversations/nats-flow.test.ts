/**
 * A conversation driven end to end through NATS with an engine node running (virtual clock):
 * a gateway-style inbound Envelope → new interaction → agent replies over HTTP (published on
 * sb.outbound.whatsapp for the delivery worker) → delivery status back → 24 h later a
 * free-form WhatsApp reply is refused and a template accepted → 72 h later a new interaction
 * starts, and the paged history shows both.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy } from 'nats';
import { parseConversationConfig } from '../../engine/config/conversation.js';
import { createLogger } from '../../engine/logger.js';
import { connectNats, publishEnvelope } from '../../engine/nats-bus.js';
import { startEngineNode } from '../../engine/node.js';
import type { HistoryEntry } from '../../machines/history.machine.js';
import { conversationKey, type MessageReceived, type OutboundMessage } from '../../protocol/channels.js';
import { partitionOf } from '../../protocol/partition.js';
import { STREAMS } from '../../protocol/subjects.js';
import { decode } from '../../protocol/wire.js';
import { useNatsServer } from '../support/nats.js';
import { autoHeaders, testAuthority } from '../support/auth.js';
import { tempDir } from '../support/tmp.js';

const HOUR = 3_600_000;

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('conversation through NATS with the engine running', () => {
  const nats = useNatsServer();

  it('threads, enforces the WhatsApp window, records delivery, and starts a new interaction after 72 h', async () => {
    const node = await startEngineNode({
      dataDir: join(tempDir(), 'e'),
      httpPort: 0,
      natsUrl: nats.server.url,
      virtualClock: true,
      logger: createLogger({ level: 'silent' }),
      auth: testAuthority(),
      conversation: parseConversationConfig({
        threading: { defaultWindowHours: 24, integrations: { 'whatsapp:wa1': 72 } },
      }),
    });
    const nc = await connectNats(nats.server.url, 'test-gateway');
    const js = nc.jetstream();
    const base = `http://127.0.0.1:${node.httpPort}`;
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(await autoHeaders(path)) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const now = async () => (await api('GET', '/admin/clock')).body.now as number;
    const inbound = async (messageId: string, text: string) => {
      const ev: MessageReceived = {
        type: 'message.received',
        channel: 'whatsapp',
        integrationId: 'wa1',
        channelUserId: '+15551234567',
        messageId,
        kind: 'text',
        text,
        at: await now(),
      };
      const key = conversationKey(ev);
      // Exactly as a gateway publishes it (a platform retry publishes the same id again).
      await publishEnvelope(
        js,
        { id: `whatsapp:wa1:${messageId}`, to: { type: 'conversation', key }, event: { ...ev } },
        partitionOf(key),
      );
      return key;
    };
    try {
      const key = await inbound('wamid.1', 'Hi, my order is late');
      await inbound('wamid.1', 'Hi, my order is late');
      const conv = `/conversations/${encodeURIComponent(key)}`;
      const first = await until('the first interaction', async () => {
        const r = await api('GET', conv);
        return r.status === 200 ? r.body : undefined;
      });
      expect(first.interactions).toBe(1);
      expect(first.threadingWindowMs).toBe(72 * HOUR); // the integration's configured window
      const firstId = first.current.interactionId as string;

      // Agent replies while the window is open.
      const ok = await api('POST', `${conv}/replies`, {
        requestId: 'r1',
        kind: 'text',
        text: 'Sorry! Checking now.',
      });
      expect(ok.status).toBe(201);
      const [replyId] = ok.body.messageIds as string[];
      // The same request id again is not sent twice.
      expect(
        (
          await api('POST', `${conv}/replies`, {
            requestId: 'r1',
            kind: 'text',
            text: 'Sorry! Checking now.',
          })
        ).status,
      ).toBe(409);

      // The delivery worker reports back, as a gateway does.
      await publishEnvelope(
        js,
        {
          id: `status:${replyId}:delivered`,
          to: { type: 'conversation', key },
          event: { type: 'delivery.updated', messageId: replyId, status: 'delivered', at: await now() },
        },
        partitionOf(key),
      );

      // 24 hours later: free-form refused with the reason, template accepted.
      expect((await api('POST', '/admin/clock/advance', { ms: 24 * HOUR })).status).toBe(200);
      const refused = await api('POST', `${conv}/replies`, {
        requestId: 'r2',
        kind: 'text',
        text: 'Any news?',
      });
      expect(refused.status).toBe(422);
      expect(refused.body.error.code).toBe('template_required');
      expect(refused.body.error.message).toMatch(/template/);
      const template = await api('POST', `${conv}/replies`, {
        requestId: 'r3',
        kind: 'template',
        template: { name: 'order_update', language: 'en', params: ['A-1'] },
      });
      expect(template.status).toBe(201);

      // 72 hours after the last message the interaction is over; the next message opens a new one.
      await api('POST', '/admin/clock/advance', { ms: 48 * HOUR });
      await inbound('wamid.2', 'Hello again');
      const second = await until('the second interaction', async () => {
        const r = await api('GET', conv);
        return r.body.interactions === 2 ? r.body : undefined;
      });
      expect(second.current.interactionId).not.toBe(firstId);

      // The history shows both interactions, in order, paged.
      const all = await until('the full history', async () => {
        const r = await api('GET', `${conv}/history?limit=200`);
        return r.body.entries.length === r.body.total ? (r.body.entries as HistoryEntry[]) : undefined;
      });
      expect(all.map((e) => `${e.direction}:${e.kind}`)).toEqual([
        'event:interaction.opened',
        'inbound:text',
        'outbound:text',
        'outbound:template',
        'event:interaction.closed',
        'event:interaction.opened',
        'inbound:text',
      ]);
      expect(new Set(all.filter((e) => e.kind === 'interaction.opened').map((e) => e.interactionId))).toEqual(
        new Set([firstId, second.current.interactionId]),
      );
      const delivered = await until('the delivery status', async () => {
        const r = await api('GET', `${conv}/history?limit=200`);
        const e = (r.body.entries as HistoryEntry[]).find((x) => x.messageId === replyId);
        return e?.status === 'delivered' ? e : undefined;
      });
      expect(delivered.direction).toBe('outbound');
      const page1 = await api('GET', `${conv}/history?limit=3`);
      expect(page1.body.entries).toHaveLength(3);
      const page2 = await api('GET', `${conv}/history?limit=3&from=${page1.body.next}`);
      expect(page2.body.entries.map((e: HistoryEntry) => e.seq)).toEqual([3, 4, 5]);

      // The contact was created on first contact and reads the same history.
      const contact = await api('GET', `/contacts/${second.contactId}`);
      expect(contact.body.identities).toHaveLength(1);
      const ch = await api('GET', `/contacts/${second.contactId}/history?limit=200`);
      expect(ch.body.entries).toHaveLength(all.length);

      // Bad input gets a JSON reason.
      expect((await api('POST', `${conv}/replies`, { requestId: 'r4', kind: 'sms' })).body.error.code).toBe(
        'invalid_body',
      );
      expect((await api('GET', '/conversations/nochannel:x:y')).body.error.code).toBe('invalid_conversation_key');

      // What the delivery worker would consume: the reply and the template, once each.
      const jsm = await nc.jetstreamManager();
      await jsm.consumers.add(STREAMS.effects.name, {
        durable_name: 'test-wa-out',
        filter_subject: 'sb.outbound.whatsapp',
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
      });
      const consumer = await js.consumers.get(STREAMS.effects.name, 'test-wa-out');
      const out: OutboundMessage[] = [];
      const batch = await consumer.fetch({ max_messages: 10, expires: 1_000 });
      for await (const m of batch) {
        out.push(decode<OutboundMessage>(m.data));
        m.ack();
      }
      expect(out.map((o) => o.kind)).toEqual(['text', 'template']);
      expect(out[0]).toMatchObject({
        id: replyId,
        conversationKey: key,
        interactionId: firstId,
        channelUserId: '+15551234567',
      });
    } finally {
      await nc.close();
      await node.stop();
    }
  });
});
