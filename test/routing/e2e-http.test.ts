import { describe, expect, it } from 'vitest';
import { connectNats, publishEnvelope } from '../../engine/nats-bus.js';
import { createLogger } from '../../engine/logger.js';
import { startEngineNode } from '../../engine/node.js';
import { readServerSentEvents } from '../../engine/sse-client.js';
import { conversationKey, type MessageReceived } from '../../protocol/channels.js';
import { partitionOf } from '../../protocol/partition.js';
import { useNatsServer } from '../support/nats.js';
import { autoHeaders, headersFor, testAuthority, type TestCaller } from '../support/auth.js';
import { tempDir } from '../support/tmp.js';

const logger = createLogger({ level: 'silent' });
const HOUR = 3_600_000;

/** Waits (wall clock, for asynchronous delivery only) until `pred` finds something. */
async function until<T>(what: string, pred: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const routing = {
  queues: [
    {
      id: 'support',
      alertingTimeoutSeconds: 60,
      acw: { mode: 'mandatory' },
      affinity: { mode: 'any_queue', timeoutSeconds: 90 },
    },
  ],
  agents: [
    { id: 'ana', queues: ['support'] },
    { id: 'bob', queues: ['support'] },
  ],
  flows: [{ integrationId: '*', defaultQueueId: 'support' }],
  cannedResponses: [{ id: 'thanks', name: 'Thanks', text: 'Thanks {{name}}, anything else?' }],
};

describe('routing end to end through the HTTP API', () => {
  const nats = useNatsServer();

  it('offer → accept → reply → wrap up; 10 h later the same agent; then Not Ready falls back to another agent', async () => {
    const node = await startEngineNode({
      dataDir: tempDir(),
      httpPort: 0,
      natsUrl: nats.server.url,
      virtualClock: true,
      logger,
      auth: testAuthority(),
    });
    const base = `http://127.0.0.1:${node.httpPort}`;
    const call = async (method: string, path: string, body?: unknown, as?: TestCaller) => {
      const res = await fetch(base + path, {
        method,
        headers: { 'content-type': 'application/json', ...(as ? await headersFor(as) : await autoHeaders(path)) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as Record<string, any> };
    };
    const nc = await connectNats(nats.server.url, 'gateway-test');
    const js = nc.jetstream();
    const user = '15551230001';
    const key = conversationKey({ channel: 'whatsapp', integrationId: 'wa1', channelUserId: user });
    let n = 0;
    const customerWrites = async (text: string) => {
      const messageId = `wamid.${++n}`;
      const event: MessageReceived = {
        type: 'message.received',
        channel: 'whatsapp',
        integrationId: 'wa1',
        channelUserId: user,
        messageId,
        at: node.engine.clock.now(),
        kind: 'text',
        text,
      };
      await publishEnvelope(
        js,
        { id: `whatsapp:wa1:${messageId}`, to: { type: 'conversation', key }, event: { ...event } },
        partitionOf(key),
      );
    };
    /** Waits until the conversation actor has taken the wrap-up (its current interaction names the last agent). */
    const convSettled = async (agentId: string) => {
      const end = Date.now() + 10_000;
      while (Date.now() < end) {
        const snap = node.engine.host.read({ type: 'conversation', key });
        const cur = (snap?.context as { current?: { lastAgentId?: string; agentId?: string } } | undefined)?.current;
        if (cur?.lastAgentId === agentId && !cur.agentId) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('conversation never saw the wrap-up');
    };
    try {
      // Bad config is refused with the path of the bad field.
      const bad = await call('PUT', '/admin/routing/config', { ...routing, agents: [{ id: 'ana', queues: ['nope'] }] });
      expect(bad.status).toBe(422);
      expect(bad.json.error).toMatchObject({ code: 'config_invalid', details: [{ path: 'agents[0].queues[0]' }] });
      expect((await call('PUT', '/admin/routing/config', routing)).json).toMatchObject({ ok: true, version: 1 });

      expect((await call('POST', '/agents/ana/login')).json).toMatchObject({ ok: true, presence: 'available' });
      expect((await call('POST', '/agents/zed/login', undefined, 'admin')).status).toBe(404);
      const ana = readServerSentEvents(`${base}/agents/ana/events`, await autoHeaders('/agents/ana'));
      await until('ana snapshot', () => ana.events.find((e) => e.event === 'snapshot'));

      await customerWrites('Hello, my order is late');
      const offer1 = await until('offer to ana', () => ana.events.find((e) => e.event === 'offer'));
      const acc = await call('POST', `/agents/ana/offers/${offer1.data.offerId}/accept`);
      expect(acc.json).toMatchObject({ ok: true, conversationKey: key });
      const interactionId = acc.json.interactionId as string;
      expect((await call('POST', `/agents/ana/offers/${offer1.data.offerId}/accept`)).json.error.code).toBe(
        'offer_not_found',
      );

      const history = await call('GET', `/agents/ana/interactions/${interactionId}/history`);
      expect(history.status).toBe(200);
      expect(JSON.stringify(history.json)).toContain('Hello, my order is late');

      const sent = await call('POST', `/agents/ana/interactions/${interactionId}/messages`, {
        cannedResponseId: 'thanks',
        params: { name: 'Sam' },
      });
      expect(sent.status).toBe(200);
      expect(sent.json.ok).toBe(true);
      await customerWrites('No, that is all');
      await until('customer message on ana feed', () => ana.events.find((e) => e.event === 'message'));
      expect(
        (await call('POST', `/agents/ana/interactions/${interactionId}/wrapup`, { code: 'Bogus' })).json.error.code,
      ).toBe('wrapup_code_invalid');
      expect(
        (await call('POST', `/agents/ana/interactions/${interactionId}/wrapup`, { code: 'Processed' })).json,
      ).toMatchObject({ ok: true });

      // 10 hours later, inside the 72 h threading window: the same agent is offered first.
      await convSettled('ana');
      expect((await call('POST', '/admin/clock/advance', { ms: 10 * HOUR })).status).toBe(200);
      await customerWrites('Hi again, one more question');
      const offer2 = await until('affinity offer to ana', () =>
        ana.events.find((e) => e.event === 'offer' && e.data.offerId !== offer1.data.offerId),
      );
      expect(offer2.data).toMatchObject({ interactionId, direct: true });
      await call('POST', `/agents/ana/offers/${offer2.data.offerId}/accept`);
      await call('POST', `/agents/ana/interactions/${interactionId}/wrapup`, { code: 'Up Sell' });

      // Ana goes Not Ready; bob is on queue: the next return falls back to the queue and bob gets it.
      expect(
        (await call('POST', '/agents/ana/presence', { presence: 'not_ready', reason: 'Lunch' })).json,
      ).toMatchObject({ presence: 'not_ready', reason: 'Lunch' });
      expect(
        (await call('POST', '/agents/ana/presence', { presence: 'not_ready', reason: 'Nap' })).json.error.code,
      ).toBe('reason_invalid');
      await call('POST', '/agents/bob/login');
      const bob = readServerSentEvents(`${base}/agents/bob/events`, await autoHeaders('/agents/bob'));
      await until('bob snapshot', () => bob.events.find((e) => e.event === 'snapshot'));
      await convSettled('ana');
      await call('POST', '/admin/clock/advance', { ms: HOUR });
      await customerWrites('Anyone there?');
      const offer3 = await until('offer to bob', () => bob.events.find((e) => e.event === 'offer'));
      expect(offer3.data).toMatchObject({ interactionId });
      const snap = await call('GET', `/admin/actors/interaction/${interactionId}`);
      expect(snap.json.snapshot.context.fallback).toMatchObject({ agentId: 'ana', reason: 'agent_not_ready' });
      expect((await call('POST', `/agents/bob/offers/${offer3.data.offerId}/accept`)).json).toMatchObject({
        ok: true,
        interactionId,
      });
      let board = await call('GET', '/admin/queues/support');
      for (let i = 0; i < 200 && board.json.stats?.answered !== 2; i++) {
        await new Promise((r) => setTimeout(r, 20));
        board = await call('GET', '/admin/queues/support');
      }
      expect(board.json).toMatchObject({ waiting: 0, stats: { enqueued: 2, answered: 2, abandoned: 0 } });
      ana.close();
      bob.close();
    } finally {
      await nc.close();
      await node.stop();
    }
  });
});
