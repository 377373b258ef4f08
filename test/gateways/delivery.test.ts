import { describe, expect, it } from 'vitest';
import { connectNats, ensureStreams } from '../../engine/nats-bus.js';
import { parseGatewayConfig } from '../../gateways/config.js';
import { startGateway } from '../../gateways/gateway.js';
import type { DeliveryUpdated, OutboundMessage } from '../../protocol/channels.js';
import { STREAMS, subjects } from '../../protocol/subjects.js';
import { decode, encode } from '../../protocol/wire.js';
import { useNatsServer } from '../support/nats.js';
import { graphError, startFakeProvider, type FakeRequest } from './fake-provider.js';
import type { Envelope } from '../../protocol/actor.js';

const nats = useNatsServer();

function out(
  id: string,
  channel: OutboundMessage['channel'],
  integrationId: string,
  extra: Partial<OutboundMessage> = {},
): OutboundMessage {
  return {
    id,
    channel,
    integrationId,
    channelUserId: 'u1',
    conversationKey: `${channel}:${integrationId}:u1`,
    kind: 'text',
    text: 'hello',
    ...extra,
  };
}

// The fake Graph/X provider: behaviour chosen by the recipient and text of each request.
function answer(r: FakeRequest, n: number) {
  const b = r.body ?? {};
  const candidates = [b.text?.body, b.message?.text, b.text, b.message];
  const text: string = candidates.find((c) => typeof c === 'string') ?? '';
  if (text === 'window')
    return r.path.includes('/wa-phone/')
      ? { status: 400, body: graphError(131047, 'Re-engagement message') }
      : { status: 400, body: graphError(10, 'This message is sent outside of allowed window.', 2534022) };
  if (text.startsWith('flaky') && r.headers['x-attempt'] === undefined) {
    const tries = flaky.get(text) ?? 0;
    flaky.set(text, tries + 1);
    if (tries === 0) return { status: 503, body: { error: { message: 'Service temporarily unavailable', code: 2 } } };
    if (tries === 1) return { status: 429, body: { title: 'Too Many Requests' }, headers: { 'retry-after': '0' } };
  }
  if (text === 'blocked')
    return {
      status: 403,
      body: {
        title: 'Forbidden',
        detail: 'You are not permitted to send this message.',
        type: 'about:blank',
        status: 403,
      },
    };
  if (r.path.startsWith('/2/dm_conversations'))
    return { status: 201, body: { data: { dm_conversation_id: 'c1', dm_event_id: `dm-${n}` } } };
  if (r.path.startsWith('/2/tweets')) return { status: 201, body: { data: { id: `tw-${n}`, text } } };
  if (r.path.endsWith('/comments')) return { status: 200, body: { id: `cm-${n}` } };
  if (r.path.includes('/wa-phone/'))
    return {
      status: 200,
      body: {
        messaging_product: 'whatsapp',
        contacts: [{ input: 'u1', wa_id: 'u1' }],
        messages: [{ id: `wamid.${n}` }],
      },
    };
  return { status: 200, body: { recipient_id: 'u1', message_id: `m_${n}` } };
}
const flaky = new Map<string, number>();

describe('delivery workers against fake providers over JetStream', () => {
  it('sends with the real API shapes, splits, retries transient failures, maps errors, and reports every status once', async () => {
    const provider = await startFakeProvider(answer);
    const nc = await connectNats(nats.server.url, 'test');
    await ensureStreams(await nc.jetstreamManager());
    const config = parseGatewayConfig({
      integrations: [
        {
          id: 'wa1',
          channel: 'whatsapp',
          secret: 's',
          credentials: { phoneNumberId: 'wa-phone', accessToken: 'wa-token' },
          sendBaseUrl: provider.url,
          ratePerSecond: 50,
        },
        {
          id: 'page1',
          channel: 'messenger',
          secret: 's',
          credentials: { pageId: 'page-1', accessToken: 'fb-token' },
          sendBaseUrl: provider.url,
        },
        {
          id: 'ig1',
          channel: 'instagram',
          secret: 's',
          credentials: { accountId: 'ig-1', accessToken: 'ig-token' },
          sendBaseUrl: provider.url,
        },
        { id: 'acct1', channel: 'x', secret: 's', credentials: { accessToken: 'x-token' }, sendBaseUrl: provider.url },
        {
          id: 'fbpage',
          channel: 'social',
          secret: 's',
          credentials: { accessToken: 'p' },
          sendBaseUrl: provider.url,
          options: { platform: 'facebook' },
        },
        {
          id: 'xbrand',
          channel: 'social',
          secret: 's',
          credentials: { accessToken: 'p' },
          sendBaseUrl: provider.url,
          options: { platform: 'x' },
        },
      ],
    });
    const gw = await startGateway({
      config,
      natsUrl: nats.server.url,
      httpPort: 0,
      retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
    });
    const js = nc.jetstream();
    const msgs = [
      out('w1', 'whatsapp', 'wa1', { replyTo: 'wamid.IN' }),
      out('w2', 'whatsapp', 'wa1', { text: 'window' }),
      out('w3', 'whatsapp', 'wa1', {
        kind: 'template',
        text: undefined,
        template: { name: 'order_update', language: 'en_US', params: ['A-42'] },
      }),
      out('w4', 'whatsapp', 'wa1', { text: 'flaky one' }),
      out('m1', 'messenger', 'page1', {
        text: `${'a'.repeat(1500)} ${'b'.repeat(1500)} ${'c'.repeat(1000)}`,
        tag: 'HUMAN_AGENT',
      }),
      out('m2', 'messenger', 'nope'),
      out('i1', 'instagram', 'ig1', { text: 'window' }),
      out('i2', 'instagram', 'ig1', {
        kind: 'media',
        text: undefined,
        media: { url: 'https://cdn.example.test/a.png', mimeType: 'image/png' },
      }),
      out('x1', 'x', 'acct1', { text: 'Hi from support' }),
      out('x2', 'x', 'acct1', { text: 'blocked' }),
      out('s1', 'social', 'fbpage', { replyTo: '555_901', text: 'Sorry! We sent you a DM.' }),
      out('s2', 'social', 'xbrand', { replyTo: '1050118621198921728', text: 'x'.repeat(281) }),
      out('s3', 'social', 'xbrand', { replyTo: '1050118621198921728', text: 'We are on it' }),
    ];
    for (const m of msgs) await js.publish(subjects.outbound(m.channel), encode(m), { msgID: `out-${m.id}` });
    await js.publish(subjects.outbound('whatsapp'), encode(msgs[0]), { msgID: `out-w1` }); // the relay's retry: deduped

    const statuses = await readStatuses(nc, msgs.length);
    const by = Object.fromEntries(statuses.map((s) => [s.event.messageId, s]));
    expect(statuses).toHaveLength(msgs.length);
    expect(by.w1).toMatchObject({
      id: 'status:w1:sent',
      to: { type: 'conversation', key: 'whatsapp:wa1:u1' },
      event: { status: 'sent', providerMessageId: expect.stringMatching(/^wamid\./) },
    });
    expect(by.w2.event).toMatchObject({
      status: 'failed',
      reason: { code: 'reply_window_closed', providerCode: '131047' },
    });
    expect(by.w3.event.status).toBe('sent');
    expect(by.w4.event.status).toBe('sent');
    expect(by.m1.event.status).toBe('sent');
    expect(by.m2.event).toMatchObject({ status: 'failed', reason: { code: 'unknown_integration' } });
    expect(by.i1.event).toMatchObject({
      status: 'failed',
      reason: { code: 'reply_window_closed', providerCode: '10/2534022' },
    });
    expect(by.i2.event.status).toBe('sent');
    expect(by.x1.event).toMatchObject({ status: 'sent', providerMessageId: expect.stringMatching(/^dm-/) });
    expect(by.x2.event).toMatchObject({ status: 'failed', reason: { code: 'recipient_unavailable' } });
    expect(by.s1.event).toMatchObject({ status: 'sent', providerMessageId: expect.stringMatching(/^cm-/) });
    expect(by.s2.event).toMatchObject({ status: 'failed', reason: { code: 'message_too_long' } });
    expect(by.s3.event.status).toBe('sent');

    const reqs = (pred: (r: FakeRequest) => boolean) => provider.requests.filter(pred);
    const w1 = reqs((r) => r.body?.text?.body === 'hello' && r.path === '/wa-phone/messages')[0];
    expect(w1.headers.authorization).toBe('Bearer wa-token');
    expect(w1.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: 'u1',
      context: { message_id: 'wamid.IN' },
      type: 'text',
      text: { preview_url: false, body: 'hello' },
    });
    expect(reqs((r) => r.body?.type === 'template')[0].body.template).toEqual({
      name: 'order_update',
      language: { code: 'en_US' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'A-42' }] }],
    });
    expect(reqs((r) => r.body?.text?.body === 'flaky one')).toHaveLength(3); // 503, 429, then 200
    const parts = reqs((r) => r.path === '/page-1/messages');
    expect(parts.map((p) => p.body.message.text.length)).toEqual([1500, 1500, 1000]);
    expect(parts[0].body).toMatchObject({ recipient: { id: 'u1' }, messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
    expect(reqs((r) => r.path === '/ig-1/messages' && r.body.message.attachment)[0].body.message).toEqual({
      attachment: { type: 'image', payload: { url: 'https://cdn.example.test/a.png', is_reusable: true } },
    });
    expect(reqs((r) => r.path === '/2/dm_conversations/with/u1/messages')[0].body).toEqual({ text: 'Hi from support' });
    expect(reqs((r) => r.path === '/555_901/comments')[0].body).toEqual({ message: 'Sorry! We sent you a DM.' });
    expect(reqs((r) => r.path === '/2/tweets').map((r) => r.body)).toEqual([
      { text: 'We are on it', reply: { in_reply_to_tweet_id: '1050118621198921728' } },
    ]);
    expect(reqs((r) => r.body?.text?.body === 'hello' && r.path === '/wa-phone/messages')).toHaveLength(1);

    await gw.stop();
    await nc.close();
    await provider.close();
  });
});

/** Reads delivery statuses from the actor stream until `n` arrived. */
async function readStatuses(
  nc: Awaited<ReturnType<typeof connectNats>>,
  n: number,
): Promise<Envelope<DeliveryUpdated & { [k: string]: unknown }>[]> {
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  const found: Envelope<DeliveryUpdated & { [k: string]: unknown }>[] = [];
  const deadline = Date.now() + 20_000;
  while (found.length < n && Date.now() < deadline) {
    const info = await jsm.streams.info(STREAMS.actors.name);
    if (info.state.messages >= n) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const consumer = await js.consumers.get(STREAMS.actors.name);
  const iter = await consumer.fetch({ max_messages: n + 10, expires: 1_000 });
  for await (const m of iter) found.push(decode(m.data));
  return found;
}

describe('delivery worker started before the engine', () => {
  it('waits until the streams exist, then delivers', async () => {
    const { startNatsServer } = await import('../../engine/nats-server.js');
    const { tempDir } = await import('../support/tmp.js');
    const server = await startNatsServer({ dir: `${tempDir('sb-late-')}/nats` });
    const provider = await startFakeProvider(() => ({
      status: 200,
      body: { recipient_id: 'u1', message_id: 'm_late' },
    }));
    const config = parseGatewayConfig({
      integrations: [
        {
          id: 'page1',
          channel: 'messenger',
          secret: 's',
          credentials: { accessToken: 't' },
          sendBaseUrl: provider.url,
        },
      ],
    });
    const starting = startGateway({ config, natsUrl: server.url, httpPort: 0 });
    await new Promise((r) => setTimeout(r, 1_500)); // the worker is retrying: no stream yet
    const nc = await connectNats(server.url, 'engine-standin');
    await ensureStreams(await nc.jetstreamManager());
    const gw = await starting;
    await nc
      .jetstream()
      .publish(subjects.outbound('messenger'), encode(out('late1', 'messenger', 'page1')), { msgID: 'out-late1' });
    const [status] = await readStatuses(nc, 1);
    expect(status.event).toMatchObject({ messageId: 'late1', status: 'sent', providerMessageId: 'm_late' });
    await gw.stop();
    await nc.close();
    await provider.close();
    await server.stop();
  });
});
