/**
 * Typing indicators (open messaging both ways, Apple, X) reach the handling agent's feed and nothing else;
 * Genesys' outbound messages are the business's messages in the customer's conversation; Apple attachments
 * are media without their U+FFFC placeholders. Signed webhooks in through the gateway, engine API and SSE out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SseFeed } from '../../../engine/sse-client.js';
import { useNatsServer } from '../../support/nats.js';
import { APPLE, appleAuth, openSig, type Stack, startStack, until, xSig } from './stack.js';

const nats = useNatsServer();
let stack: Stack;
let ana: SseFeed;

beforeAll(async () => {
  stack = await startStack(nats.server, { agents: ['ana'], routed: ['open1', 'apple1', 'x1'] });
  ana = await stack.agent('ana');
});
afterAll(async () => {
  await stack?.stop();
});

/** Waits for the offer of the conversation's current interaction on ana's feed and accepts it. */
async function accept(key: string): Promise<string> {
  const { json } = await until(`interaction of ${key}`, async () => {
    const r = await stack.api('GET', `/conversations/${encodeURIComponent(key)}`);
    return r.status === 200 && r.json.current ? r : undefined;
  });
  const interactionId = json.current.interactionId as string;
  const offer = await until(`offer of ${interactionId}`, () =>
    ana.events.find((e) => e.event === 'offer' && e.data.interactionId === interactionId),
  );
  const r = await stack.api('POST', `/agents/ana/offers/${offer.data.offerId}/accept`);
  expect(r.json).toMatchObject({ ok: true, interactionId });
  await until(`${key} connected`, async () => {
    const c = await stack.api('GET', `/conversations/${encodeURIComponent(key)}`);
    return c.json.current?.agentId === 'ana' || undefined;
  });
  return interactionId;
}

const typingOn = (key: string) => ana.events.filter((e) => e.event === 'typing' && e.data.conversationKey === key);

describe('open messaging: customer input, Genesys outbound messages and typing both ways', () => {
  const customer = 'cust-typing-1';
  const key = `open:open1:${customer}`;
  const time = () => new Date().toISOString();
  const post = (body: object) => {
    const raw = JSON.stringify(body);
    return stack.webhook('open', 'open1', raw, { 'x-hub-signature-256': openSig(raw) });
  };
  const genesysOut = (id: string, extra: object) => ({
    id,
    channel: {
      id: 'open1',
      platform: 'Open',
      type: 'Private',
      to: { id: customer, idType: 'Opaque' },
      from: { nickname: 'Acme', id: 'open1', idType: 'Opaque' },
      time: time(),
      messageId: id,
    },
    direction: 'Outbound',
    conversationId: 'gen-conv-1',
    ...extra,
  });

  it('typing and a bot message before the customer writes open nothing; the bot message is the business’s', async () => {
    const typing = await post({
      channel: { from: { id: customer, idType: 'Opaque' }, time: time() },
      events: [{ eventType: 'Typing', typing: { type: 'On' } }],
    });
    expect(typing.status).toBe(200);
    const bot = await post(
      genesysOut('gen-1', { type: 'Text', text: 'Hello, I am the Acme bot', originatingEntity: 'Bot' }),
    );
    expect(bot.status).toBe(200);
    const [entry] = await stack.history(key, 1);
    expect(entry).toMatchObject({
      direction: 'outbound',
      kind: 'text',
      text: 'Hello, I am the Acme bot',
      platformMessageId: 'gen-1',
      sender: { kind: 'business', originatingEntity: 'bot', name: 'Acme' },
    });
    const conv = await stack.api('GET', `/conversations/${encodeURIComponent(key)}`);
    expect(conv.json).toMatchObject({ interactions: 0, current: null, messages: 1 });
    // Not a conversation of the integration with itself.
    expect((await stack.api('GET', `/conversations/${encodeURIComponent('open:open1:open1')}`)).status).toBe(404);
  });

  it('once an agent handles it, typing either way is shown on the agent’s feed and never stored', async () => {
    const msg = await post({
      channel: { messageId: 'mw-1', from: { id: customer, idType: 'Opaque', nickname: 'Cust' }, time: time() },
      text: 'Hi, where is my parcel?',
    });
    expect(msg.status).toBe(200);
    const interactionId = await accept(key);
    expect(
      (
        await post({
          channel: { from: { id: customer, idType: 'Opaque' }, time: time() },
          events: [{ eventType: 'Typing', typing: { type: 'On' } }],
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await post(
          genesysOut('gen-ev-2', {
            type: 'Event',
            originatingEntity: 'Human',
            events: [{ eventType: 'Typing', typing: { type: 'On', duration: 5000 } }],
          }),
        )
      ).status,
    ).toBe(200);
    const seen = await until('two typing events on ana’s feed', () =>
      typingOn(key).length >= 2 ? typingOn(key) : undefined,
    );
    expect(seen.map((e) => e.data)).toEqual([
      expect.objectContaining({ interactionId, by: 'customer', active: true }),
      expect.objectContaining({
        interactionId,
        by: 'business',
        originatingEntity: 'human',
        active: true,
        durationMs: 5000,
      }),
    ]);
    const human = await post(
      genesysOut('gen-3', { type: 'Text', text: 'A colleague here', originatingEntity: 'Human' }),
    );
    expect(human.status).toBe(200);
    const entries = await stack.history(key, 4);
    expect(entries.map((e) => [e.direction, e.kind, e.sender?.originatingEntity ?? null])).toEqual([
      ['outbound', 'text', 'bot'],
      ['event', 'interaction.opened', null],
      ['inbound', 'text', null],
      ['outbound', 'text', 'human'],
    ]);
    const conv = await stack.api('GET', `/conversations/${encodeURIComponent(key)}`);
    expect(conv.json).toMatchObject({ interactions: 1, messages: 4 });
  });
});

describe('Apple Messages: typing and attachments', () => {
  const user = 'urn:mbid:AQAAY-typing-1';
  const key = `apple:apple1:${user}`;
  const post = (id: string, body: object) =>
    stack.webhook(
      'apple',
      'apple1',
      JSON.stringify({ v: 1, id, sourceId: user, destinationId: APPLE.businessId, ...body }),
      { authorization: appleAuth(), id, 'source-id': user, 'destination-id': APPLE.businessId },
    );

  it('typing_start before the first text opens nothing; attachments are media, U+FFFC is not text; typing_end reaches the agent', async () => {
    expect((await post('6c1b5e0a-0002-4000-8000-000000000001', { type: 'typing_start' })).status).toBe(200);
    const conv = await until('apple conversation', async () => {
      const r = await stack.api('GET', `/conversations/${encodeURIComponent(key)}`);
      return r.status === 200 ? r : undefined;
    });
    expect(conv.json).toMatchObject({ interactions: 0, messages: 0 });
    const text = await post('6c1b5e0a-0002-4000-8000-000000000002', {
      type: 'text',
      body: '\ufffc\ufffc Two photos of the damage',
      attachments: [
        { name: 'a.jpeg', mimeType: 'image/jpeg', url: 'https://p47-content.icloud.com/M1/a', key: 'k1', owner: 'o' },
        { name: 'b.jpeg', mimeType: 'image/jpeg', url: 'https://p47-content.icloud.com/M1/b', key: 'k2', owner: 'o' },
      ],
    });
    expect(text.status).toBe(200);
    const entries = await stack.history(key, 2);
    expect(entries[1]).toMatchObject({ direction: 'inbound', kind: 'media', text: 'Two photos of the damage' });
    expect(entries[1]!.media.map((m: { filename: string }) => m.filename)).toEqual(['a.jpeg', 'b.jpeg']);
    await accept(key);
    expect((await post('6c1b5e0a-0002-4000-8000-000000000003', { type: 'typing_end' })).status).toBe(200);
    const [typing] = await until('apple typing on the feed', () => (typingOn(key).length ? typingOn(key) : undefined));
    expect(typing!.data).toMatchObject({ by: 'customer', active: false });
    expect((await stack.history(key)).length).toBe(2);
  });
});

describe('X DMs: typing', () => {
  const me = '4337869213';
  const customer = '3001969357';
  const key = `x:x1:${customer}`;
  const post = (body: object) => {
    const raw = JSON.stringify({ for_user_id: me, ...body });
    return stack.webhook('x', 'x1', raw, { 'x-twitter-webhooks-signature': xSig(raw) });
  };

  it('a typing event reaches the agent handling the DM conversation, and is not a message', async () => {
    const dm = await post({
      direct_message_events: [
        {
          type: 'message_create',
          id: '1060631',
          created_timestamp: String(Date.now()),
          message_create: {
            target: { recipient_id: me },
            sender_id: customer,
            message_data: { text: 'Hello from X' },
          },
        },
      ],
    });
    expect(dm.status).toBe(200);
    await accept(key);
    const typing = await post({
      direct_message_indicate_typing_events: [
        { created_timestamp: String(Date.now()), sender_id: customer, target: { recipient_id: me } },
      ],
    });
    expect(typing.status).toBe(200);
    const [ev] = await until('x typing on the feed', () => (typingOn(key).length ? typingOn(key) : undefined));
    expect(ev!.data).toMatchObject({ by: 'customer', active: true });
    expect((await stack.history(key)).map((e) => e.kind)).toEqual(['interaction.opened', 'text']);
  });
});
