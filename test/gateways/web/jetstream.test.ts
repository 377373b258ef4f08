/**
 * The part-2 channels in a real gateway over a real nats-server: a web customer's message lands in JetStream, the
 * delivery workers send LINE, SMS, Telegram, Apple, open and web messages (the web one reaches the customer's SSE
 * stream), and every delivery status goes back on the actor stream.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectNats, ensureStreams } from '../../../engine/nats-bus.js';
import { parseGatewayConfig } from '../../../gateways/config.js';
import { startGateway } from '../../../gateways/gateway.js';
import type { Envelope } from '../../../protocol/actor.js';
import type { OutboundMessage } from '../../../protocol/channels.js';
import { STREAMS, subjects } from '../../../protocol/subjects.js';
import { decode, encode } from '../../../protocol/wire.js';
import { useNatsServer } from '../../support/nats.js';
import { startFakeProvider, type FakeReply, type RecordedRequest } from '../line/fake-provider.js';

const nats = useNatsServer();
const ACCOUNT = `AC${'2'.repeat(32)}`;
const BOT = '42:bot-token';

function provider(r: RecordedRequest): FakeReply {
  if (r.path === `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`) {
    const to = new URLSearchParams(r.body).get('To');
    if (to === '+15550000001')
      return {
        status: 400,
        body: {
          code: 21610,
          message: 'Attempt to send to unsubscribed recipient',
          more_info: 'https://www.twilio.com/docs/errors/21610',
          status: 400,
        },
      };
    return { status: 201, body: { sid: `SM${'3'.repeat(32)}`, status: 'queued' } };
  }
  if (r.path === '/v2/bot/message/push')
    return { status: 200, body: { sentMessages: [{ id: '5001', quoteToken: 'q' }] } };
  if (r.path === `/bot${BOT}/sendMessage`)
    return { status: 200, body: { ok: true, result: { message_id: 77, date: 1, chat: { id: 7, type: 'private' } } } };
  if (r.path === '/v1/message') return { status: 200 };
  if (r.path === '/middleware/outbound') return { status: 200, body: {} };
  return { status: 404, body: { message: `unexpected ${r.path}` } };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('part-2 channels over JetStream', () => {
  it('publishes a web customer message, delivers every channel, streams the web reply, and reports statuses', async () => {
    const fake = await startFakeProvider(provider);
    const port = await freePort();
    const gatewayUrl = `http://127.0.0.1:${port}`;
    const nc = await connectNats(nats.server.url, 'test');
    await ensureStreams(await nc.jetstreamManager());
    const config = parseGatewayConfig({
      integrations: [
        { id: 'web-1', channel: 'web', secret: 'web-secret', sendBaseUrl: gatewayUrl },
        { id: 'line-1', channel: 'line', secret: 'ls', credentials: { accessToken: 'lt' }, sendBaseUrl: fake.url },
        {
          id: 'sms-1',
          channel: 'sms',
          secret: 'tok',
          credentials: { accountSid: ACCOUNT, authToken: 'tok', from: '+15550009999' },
          sendBaseUrl: fake.url,
          ratePerSecond: 20,
        },
        { id: 'tg-1', channel: 'telegram', secret: 'tg', credentials: { botToken: BOT }, sendBaseUrl: fake.url },
        {
          id: 'apple-1',
          channel: 'apple',
          secret: Buffer.from('k').toString('base64'),
          credentials: { mspId: 'msp', businessId: 'biz' },
          sendBaseUrl: fake.url,
        },
        { id: 'open-1', channel: 'open', secret: 'os', sendBaseUrl: `${fake.url}/middleware/outbound` },
      ],
    });
    const gw = await startGateway({
      config,
      natsUrl: nats.server.url,
      httpPort: port,
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    });
    try {
      // The customer opens the widget, writes, and listens.
      const session = (await (await fetch(`${gatewayUrl}/web/web-1/sessions`, { method: 'POST' })).json()) as {
        sessionId: string;
        token: string;
        messagesUrl: string;
        streamUrl: string;
      };
      const posted = await fetch(`${gatewayUrl}${session.messagesUrl}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', clientMessageId: 'c-1', text: 'Where is my parcel?' }),
      });
      expect(posted.status).toBe(200);
      const stream = await fetch(`${gatewayUrl}${session.streamUrl}?token=${encodeURIComponent(session.token)}`);
      const reader = stream.body!.getReader();

      const out = (
        id: string,
        channel: OutboundMessage['channel'],
        integrationId: string,
        channelUserId: string,
        extra: Partial<OutboundMessage> = {},
      ): OutboundMessage => ({
        id,
        channel,
        integrationId,
        channelUserId,
        conversationKey: `${channel}:${integrationId}:${channelUserId}`,
        kind: 'text',
        text: `reply ${id}`,
        ...extra,
      });
      const msgs = [
        out('w1', 'web', 'web-1', session.sessionId, { text: 'It left the depot this morning.' }),
        out('l1', 'line', 'line-1', `U${'9'.repeat(32)}`),
        out('s1', 'sms', 'sms-1', '+15550000002'),
        out('s2', 'sms', 'sms-1', '+15550000001'),
        out('t1', 'telegram', 'tg-1', '7'),
        out('a1', 'apple', 'apple-1', 'urn:mbid:AQAA'),
        out('o1', 'open', 'open-1', 'cust-1'),
      ];
      const js = nc.jetstream();
      for (const m of msgs) await js.publish(subjects.outbound(m.channel), encode(m), { msgID: `out-${m.id}` });

      // The web reply reaches the browser.
      let text = '';
      const deadline = Date.now() + 15_000;
      while (!text.includes('It left the depot') && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      await reader.cancel();
      expect(text).toContain('event: message');
      expect(text).toContain('It left the depot this morning.');

      const envs = await readActorStream(nc, 1 + msgs.length);
      const inbound = envs.find((e) => (e.event as { type: string }).type === 'message.received')!;
      expect(inbound).toMatchObject({
        id: `web:web-1:${session.sessionId}:c-1`,
        to: { type: 'conversation', key: `web:web-1:${session.sessionId}` },
        event: { text: 'Where is my parcel?' },
      });
      const status = Object.fromEntries(
        envs
          .filter((e) => (e.event as { type: string }).type === 'delivery.updated')
          .map((e) => [
            (e.event as unknown as { messageId: string }).messageId,
            e.event as unknown as Record<string, unknown>,
          ]),
      );
      expect(Object.keys(status).sort()).toEqual(['a1', 'l1', 'o1', 's1', 's2', 't1', 'w1']);
      for (const id of ['w1', 'l1', 's1', 't1', 'a1', 'o1']) expect(status[id], id).toMatchObject({ status: 'sent' });
      expect(status.s2).toMatchObject({ status: 'failed', reason: { code: 'opted_out', providerCode: '21610' } });
      expect(status.l1).toMatchObject({ providerMessageId: '5001' });
      expect(status.t1).toMatchObject({ providerMessageId: '77' });
    } finally {
      await gw.stop();
      await nc.close();
      await fake.close();
    }
  });
});

async function readActorStream(nc: Awaited<ReturnType<typeof connectNats>>, n: number): Promise<Envelope[]> {
  const jsm = await nc.jetstreamManager();
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && (await jsm.streams.info(STREAMS.actors.name)).state.messages < n)
    await new Promise((r) => setTimeout(r, 50));
  const consumer = await nc.jetstream().consumers.get(STREAMS.actors.name);
  const found: Envelope[] = [];
  for await (const m of await consumer.fetch({ max_messages: n + 10, expires: 1_000 })) found.push(decode(m.data));
  return found;
}
