import { createHmac } from 'node:crypto';
import { validateSignature } from '@line/bot-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendError, WebhookError, type Integration } from '../../../gateways/channel.js';
import { createLineAdapter } from '../../../gateways/line/index.js';
import type { OutboundMessage } from '../../../protocol/channels.js';
import { type FakeProvider, startFakeProvider, webhookRequest } from './fake-provider.js';

const SECRET = 'line_channel_secret_0123456789ab';
const USER = 'U4af4980629aaaaaaaaaaaaaaaaaaaaaa';
const integration: Integration = {
  id: 'line-main',
  channel: 'line',
  secret: SECRET,
  credentials: { accessToken: 'line-access-token' },
};

/** Signs like the LINE platform does, then checks the signature with the official SDK before using it. */
function signed(body: string) {
  const signature = createHmac('sha256', SECRET).update(body).digest('base64');
  expect(validateSignature(body, SECRET, signature)).toBe(true);
  return webhookRequest({
    url: 'https://gw.example.test/webhooks/line/line-main',
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-line-signature': signature },
    body,
  });
}

const common = (id: string, extra: object) => ({
  timestamp: 1_700_000_000_000,
  mode: 'active',
  webhookEventId: id,
  deliveryContext: { isRedelivery: false },
  source: { type: 'user', userId: USER },
  ...extra,
});

const body = (...events: object[]) => JSON.stringify({ destination: 'Uxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', events });

describe('LINE webhooks', () => {
  it('verifies signatures over the raw bytes and refuses tampered or unsigned bodies', () => {
    const a = createLineAdapter();
    const raw = body(
      common('01HZZZZZZZZZZZZZZZZZZZZZZ1', {
        type: 'message',
        replyToken: 'r1',
        message: { id: '1', type: 'text', text: 'h\u00e9llo' },
      }),
    );
    expect(() => a.verify(signed(raw), integration)).not.toThrow();
    const tampered = { ...signed(raw), rawBody: new TextEncoder().encode(raw.replace('llo', 'LLO')) };
    expect(() => a.verify(tampered, integration)).toThrow(WebhookError);
    expect(() => a.verify(webhookRequest({ url: 'https://gw.example.test/x', body: raw }), integration)).toThrowError(
      /missing/,
    );
    try {
      a.verify(signed(raw), { ...integration, secret: 'another-secret' });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ status: 401, code: 'signature_invalid' });
    }
  });

  it('answers the console verification (empty events) with no events', () => {
    const a = createLineAdapter();
    expect(a.normalize(signed(body()), integration)).toEqual([]);
  });

  it('normalizes every inbound kind, keeping LINE ids', () => {
    const a = createLineAdapter({ now: () => 1_700_000_000_500 });
    const raw = body(
      common('01HA000000000000000000TEXT', {
        type: 'message',
        replyToken: 'tok-text',
        message: { id: '468789577898262530', type: 'text', quoteToken: 'q', text: 'Hello, world' },
      }),
      common('01HA00000000000000000IMAGE', {
        type: 'message',
        replyToken: 'tok-img',
        message: {
          id: '354718705033693859',
          type: 'image',
          quoteToken: 'q',
          contentProvider: { type: 'line' },
          imageSet: { id: 'E005D4', index: 1, total: 2 },
        },
      }),
      common('01HA0000000000000000000FLE', {
        type: 'message',
        replyToken: 'tok-file',
        message: { id: '325708', type: 'file', fileName: 'invoice.pdf', fileSize: 2138 },
      }),
      common('01HA00000000000000000L0CAT', {
        type: 'message',
        replyToken: 'tok-loc',
        message: {
          id: '325709',
          type: 'location',
          title: 'my location',
          address: '1-3 Kioicho, Chiyoda-ku, Tokyo',
          latitude: 35.67966,
          longitude: 139.73669,
        },
      }),
      common('01HA000000000000000STICKER', {
        type: 'message',
        replyToken: 'tok-st',
        message: {
          id: '325710',
          type: 'sticker',
          packageId: '1',
          stickerId: '1',
          stickerResourceType: 'STATIC',
          keywords: ['Happy', 'Smile'],
        },
      }),
      common('01HA0000000000000000P0STBK', {
        type: 'postback',
        replyToken: 'tok-pb',
        postback: { data: 'action=buy&itemid=111', params: {} },
      }),
      common('01HA0000000000000000F0LL0W', { type: 'follow', replyToken: 'tok-f', follow: { isUnblocked: false } }),
      common('01HA000000000000000UNF0LL0', { type: 'unfollow' }),
      common('01HA00000000000000000UNSND', { type: 'unsend', unsend: { messageId: '325708' } }),
      common('01HA000000000000000000J0IN', {
        type: 'join',
        replyToken: 'tok-j',
        source: { type: 'group', groupId: 'C4af4980629' },
      }),
      common('01HA0000000000000000GR0UPM', {
        type: 'message',
        replyToken: 'tok-g',
        source: { type: 'group', groupId: 'C4af4980629', userId: USER },
        message: { id: '325711', type: 'text', text: 'group hi' },
      }),
    );
    const events = a.normalize(signed(raw), integration);
    const base = {
      channel: 'line',
      integrationId: 'line-main',
      channelUserId: USER,
      at: 1_700_000_000_000,
      receivedAt: 1_700_000_000_500,
    };
    expect(events).toEqual([
      {
        ...base,
        type: 'message.received',
        messageId: '468789577898262530',
        dedupeId: '01HA000000000000000000TEXT',
        kind: 'text',
        text: 'Hello, world',
        replyToken: 'tok-text',
      },
      {
        ...base,
        type: 'message.received',
        messageId: '354718705033693859',
        dedupeId: '01HA00000000000000000IMAGE',
        kind: 'media',
        media: [{ id: '354718705033693859', mimeType: 'image/*' }],
        replyToken: 'tok-img',
      },
      {
        ...base,
        type: 'message.received',
        messageId: '325708',
        dedupeId: '01HA0000000000000000000FLE',
        kind: 'media',
        media: [{ id: '325708', filename: 'invoice.pdf' }],
        replyToken: 'tok-file',
      },
      {
        ...base,
        type: 'message.received',
        messageId: '325709',
        dedupeId: '01HA00000000000000000L0CAT',
        replyToken: 'tok-loc',
        kind: 'location',
        location: {
          latitude: 35.67966,
          longitude: 139.73669,
          name: 'my location',
          address: '1-3 Kioicho, Chiyoda-ku, Tokyo',
        },
      },
      {
        ...base,
        type: 'message.received',
        messageId: '325710',
        dedupeId: '01HA000000000000000STICKER',
        kind: 'sticker',
        media: [{ id: '1/1', caption: 'Happy Smile' }],
        replyToken: 'tok-st',
      },
      {
        ...base,
        type: 'message.received',
        messageId: '01HA0000000000000000P0STBK',
        dedupeId: '01HA0000000000000000P0STBK',
        kind: 'postback',
        postback: { payload: 'action=buy&itemid=111' },
        replyToken: 'tok-pb',
      },
      {
        ...base,
        type: 'contact.followed',
        messageId: '01HA0000000000000000F0LL0W',
        dedupeId: '01HA0000000000000000F0LL0W',
        replyToken: 'tok-f',
      },
      {
        ...base,
        type: 'contact.unfollowed',
        messageId: '01HA000000000000000UNF0LL0',
        dedupeId: '01HA000000000000000UNF0LL0',
      },
      {
        ...base,
        type: 'message.unsent',
        messageId: '01HA00000000000000000UNSND',
        dedupeId: '01HA00000000000000000UNSND',
        unsentMessageId: '325708',
      },
      {
        ...base,
        channelUserId: 'C4af4980629',
        type: 'message.received',
        messageId: '325711',
        dedupeId: '01HA0000000000000000GR0UPM',
        kind: 'text',
        text: 'group hi',
        replyToken: 'tok-g',
      },
    ]);
  });

  it('gives a redelivered event the same dedupe id and message id, and does not pass on its reply token', () => {
    const a = createLineAdapter();
    const ev = (redelivery: boolean) =>
      body({
        ...common('01HB00000000000000000REDLV', {
          type: 'message',
          replyToken: 'tok-old',
          message: { id: '9', type: 'text', text: 'again' },
        }),
        deliveryContext: { isRedelivery: redelivery },
      });
    const first = a.normalize(signed(ev(false)), integration);
    const replay = a.normalize(signed(ev(true)), integration);
    expect(replay[0]).toMatchObject({ messageId: '9', dedupeId: '01HB00000000000000000REDLV' });
    expect(replay[0]!.dedupeId).toBe(first[0]!.dedupeId);
    expect(first[0]).toMatchObject({ replyToken: 'tok-old' });
    expect(replay[0]).not.toHaveProperty('replyToken');
  });

  it('refuses malformed bodies with 400 and a path', () => {
    const a = createLineAdapter();
    const cases: [string | Uint8Array, string, RegExp][] = [
      ['not json', 'body_malformed', /JSON/],
      [new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'body_malformed', /UTF-8/],
      ['{"events":"nope"}', 'body_invalid', /^events:/],
      [
        body({ type: 'message', timestamp: 1, webhookEventId: 'x', source: { type: 'user', userId: USER } }),
        'body_invalid',
        /message object/,
      ],
      [body({ type: 'message', timestamp: 'yesterday', webhookEventId: 'x' }), 'body_invalid', /^events\.0\.timestamp/],
    ];
    for (const [raw, code, message] of cases) {
      const req = typeof raw === 'string' ? signed(raw) : { ...signed(''), rawBody: raw };
      const err = (() => {
        try {
          a.normalize(req, integration);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(WebhookError);
      expect(err).toMatchObject({ status: 400, code });
      expect((err as Error).message).toMatch(message);
    }
  });
});

describe('LINE send (fake api.line.me)', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider(() => ({
      status: 200,
      body: { sentMessages: [{ id: '461230966842064897', quoteToken: 'q' }] },
    }));
  });
  afterAll(() => fake.close());
  const int = (): Integration => ({ ...integration, sendBaseUrl: fake.url });
  const msg = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
    id: 'out-1',
    channel: 'line',
    integrationId: 'line-main',
    channelUserId: USER,
    conversationKey: `line:line-main:${USER}`,
    kind: 'text',
    text: 'Thanks!',
    ...over,
  });

  it('replies with the reply token the message carries, and pushes without one', async () => {
    const a = createLineAdapter();
    fake.requests.length = 0;
    const r = await a.send(msg({ replyTo: 'reply-token-1' }), int(), fetch);
    expect(r.providerMessageId).toBe('461230966842064897');
    expect(fake.requests[0]!.path).toBe('/v2/bot/message/reply');
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer line-access-token');
    expect(JSON.parse(fake.requests[0]!.body)).toEqual({
      replyToken: 'reply-token-1',
      messages: [{ type: 'text', text: 'Thanks!' }],
    });
    await a.send(msg({ id: 'out-2' }), int(), fetch);
    // A webhookEventId (queued before tokens travelled with events) is no token: push.
    await a.send(msg({ id: 'out-3', replyTo: '01HC0000000000000000000RPL' }), int(), fetch);
    expect(fake.requests.slice(1).map((q) => q.path)).toEqual(['/v2/bot/message/push', '/v2/bot/message/push']);
    expect(JSON.parse(fake.requests[1]!.body)).toEqual({ to: USER, messages: [{ type: 'text', text: 'Thanks!' }] });
    expect(fake.requests[1]!.headers['x-line-retry-key']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('falls back to push when LINE says the reply token is invalid', async () => {
    const a = createLineAdapter();
    fake.requests.length = 0;
    fake.handler = (req) =>
      req.path.endsWith('/reply')
        ? { status: 400, body: { message: 'Invalid reply token' } }
        : { status: 200, body: { sentMessages: [{ id: '77' }] } };
    const r = await a.send(msg({ replyTo: 'expired-raw-token' }), int(), fetch);
    expect(r.providerMessageId).toBe('77');
    expect(fake.requests.map((q) => q.path)).toEqual(['/v2/bot/message/reply', '/v2/bot/message/push']);
  });

  it('gives each part of a split message its own retry key, and a retried part the same one', async () => {
    const a = createLineAdapter();
    fake.handler = () => ({ status: 200, body: { sentMessages: [{ id: '1' }] } });
    fake.requests.length = 0;
    await a.send(msg({ id: 'split', text: 'part one' }), int(), fetch);
    await a.send(msg({ id: 'split', text: 'part two' }), int(), fetch);
    await a.send(msg({ id: 'split', text: 'part one' }), int(), fetch);
    const keys = fake.requests.map((r) => r.headers['x-line-retry-key']);
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys[2]).toBe(keys[0]);
  });

  it('treats 409 on a push retry key as already delivered', async () => {
    const a = createLineAdapter();
    fake.handler = () => ({
      status: 409,
      body: { message: 'The retry key is already accepted' },
      headers: { 'x-line-accepted-request-id': 'req-1' },
    });
    await expect(a.send(msg(), int(), fetch)).resolves.toEqual({ providerMessageId: 'req-1' });
  });

  it('maps LINE errors to reason codes and retryability', async () => {
    const a = createLineAdapter();
    const cases: [number, object, string, boolean, Record<string, string>?][] = [
      [429, { message: 'Too Many Requests' }, 'rate_limited', true, { 'retry-after': '2' }],
      [429, { message: 'You have reached your monthly limit.' }, 'quota_exceeded', false],
      [500, { message: 'Internal Server Error' }, 'provider_error', true],
      [401, { message: 'Authentication failed due to the expired access token' }, 'auth_failed', false],
      [
        400,
        {
          message: 'The request body has 1 error(s)',
          details: [{ message: 'Length must be between 0 and 5000', property: 'messages[0].text' }],
        },
        'rejected',
        false,
      ],
    ];
    for (const [status, b, code, retryable, headers] of cases) {
      fake.handler = () => ({ status, body: b, headers });
      const err = await a.send(msg(), int(), fetch).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SendError);
      expect(err).toMatchObject({ code, retryable, providerCode: String(status) });
      if (headers) expect((err as SendError).retryAfterMs).toBe(2000);
    }
    const down = await a.send(msg(), { ...int(), sendBaseUrl: 'http://127.0.0.1:1' }, fetch).catch((e: unknown) => e);
    expect(down).toMatchObject({ code: 'provider_unreachable', retryable: true });
  });

  it('has the 5000-character rule and refuses sends without a token', async () => {
    const a = createLineAdapter();
    expect(a.length).toEqual({ max: 5000, unit: 'chars', split: true });
    await expect(a.send(msg(), { ...int(), credentials: {} }, fetch)).rejects.toMatchObject({
      code: 'integration_misconfigured',
      retryable: false,
    });
  });
});
