import { gzipSync } from 'node:zlib';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendError, WebhookError, type Integration } from '../../../gateways/channel.js';
import { createAppleAdapter } from '../../../gateways/apple/index.js';
import type { MessageReceived, OutboundMessage } from '../../../protocol/channels.js';
import { type FakeProvider, startFakeProvider, webhookRequest } from '../line/fake-provider.js';

const SECRET_B64 = Buffer.from('apple-msp-api-secret-0123456789abcdef').toString('base64');
const MSP = 'msp-4f6b63c7';
const BUSINESS = 'urn:biz:7b8a5f3e-1d2c-4e5f-9a0b-112233445566';
const USER = 'urn:mbid:AQAAY7q1b2c3d4e5f6g7h8i9j0';
const NOW = 1_700_000_000_000;
const integration: Integration = {
  id: 'apple-main',
  channel: 'apple',
  secret: SECRET_B64,
  credentials: { mspId: MSP, businessId: BUSINESS },
};

/** A bearer JWT as Apple issues it, signed by jsonwebtoken (not by the gateway's code). */
const appleJwt = (claims: object = { aud: MSP }, secret = SECRET_B64, opts: jwt.SignOptions = {}) =>
  jwt.sign({ iat: Math.floor(NOW / 1000), ...claims }, Buffer.from(secret, 'base64'), { algorithm: 'HS256', ...opts });

function request(body: object | Uint8Array, token = appleJwt(), extra: Record<string, string> = {}) {
  const b = body instanceof Uint8Array ? body : JSON.stringify(body);
  return webhookRequest({
    url: 'https://gw.example.test/webhooks/apple/apple-main',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      id: (body as { id?: string }).id ?? 'x',
      'source-id': USER,
      'destination-id': BUSINESS,
      'capability-list': 'QUICK,LIST,TIME,AUTH,AUTH2,FORM',
      'device-agent': 'iPhone OS',
      ...extra,
    },
    body: b,
  });
}
const msg = (id: string, over: object) => ({ v: 1, id, sourceId: USER, destinationId: BUSINESS, ...over });

describe('Apple Messages for Business webhooks', () => {
  const a = createAppleAdapter({ now: () => NOW });

  it('verifies the bearer JWT: HS256, MSP API secret (base64), audience = MSP id', () => {
    expect(() => a.verify(request(msg('1', { type: 'text', body: 'hi' })), integration)).not.toThrow();
    const bad: [string, RegExp][] = [
      [appleJwt({ aud: MSP }, Buffer.from('other-secret').toString('base64')), /signature/],
      [appleJwt({ aud: 'another-msp' }), /audience/],
      [appleJwt({ aud: MSP, exp: Math.floor(NOW / 1000) - 3600 }), /expired/],
      [jwt.sign({ aud: MSP }, 'x', { algorithm: 'HS384' }), /HS256/],
      [
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"aud":"${MSP}"}`).toString('base64url')}.`,
        /HS256/,
      ],
      ['not-a-jwt', /not a JWT/],
    ];
    for (const [token, why] of bad) {
      expect(() => a.verify(request(msg('1', { type: 'text', body: 'hi' }), token), integration)).toThrowError(why);
    }
    const noAuth = {
      ...request(msg('1', { type: 'text' })),
      headers: new Headers({ 'content-type': 'application/json' }),
    };
    expect(() => a.verify(noAuth, integration)).toThrowError(
      expect.objectContaining({ status: 401, code: 'signature_invalid' }) as never,
    );
    const other = request(msg('1', { type: 'text' }), appleJwt(), { 'destination-id': 'urn:biz:someone-else' });
    expect(() => a.verify(other, integration)).toThrowError(
      expect.objectContaining({ status: 403, code: 'destination_mismatch' }) as never,
    );
  });

  it('normalizes text with routing data, attachments, interactive replies, typing and close', () => {
    const base = { channel: 'apple', integrationId: 'apple-main', channelUserId: USER, at: NOW, receivedAt: NOW };
    const one = (body: object | Uint8Array) => a.normalize(request(body), integration);
    expect(one(msg('6c1b5e0a-0001-4000-8000-000000000001', { type: 'typing_start' }))).toEqual([
      {
        ...base,
        type: 'typing.indicated',
        messageId: '6c1b5e0a-0001-4000-8000-000000000001',
        active: true,
        by: 'customer',
      },
    ]);
    expect(one(msg('6c1b5e0a-0001-4000-8000-00000000000e', { type: 'typing_end' }))[0]).toMatchObject({
      type: 'typing.indicated',
      active: false,
    });
    expect(
      one(
        msg('6c1b5e0a-0001-4000-8000-000000000002', {
          type: 'text',
          body: 'I need help with my bill',
          intent: 'billing',
          group: 'support',
          locale: 'en_US',
        }),
      ),
    ).toEqual([
      {
        ...base,
        type: 'message.received',
        messageId: '6c1b5e0a-0001-4000-8000-000000000002',
        kind: 'text',
        text: 'I need help with my bill',
        routing: { intent: 'billing', group: 'support', locale: 'en_US' },
      },
    ]);
    const att = one(
      msg('6c1b5e0a-0001-4000-8000-000000000003', {
        type: 'text',
        body: '\ufffc',
        attachments: [
          {
            name: 'IMG_0001.jpeg',
            mimeType: 'image/jpeg',
            size: 201233,
            'signature-base64': 'AbCd==',
            url: 'https://p47-content.icloud.com/MZ1234/abc',
            owner: 'p47-content.icloud.com',
            key: '00A1B2C3',
          },
        ],
      }),
    );
    expect(att[0]).toMatchObject({
      kind: 'media',
      media: [
        {
          url: 'https://p47-content.icloud.com/MZ1234/abc',
          mimeType: 'image/jpeg',
          filename: 'IMG_0001.jpeg',
          download: { owner: 'p47-content.icloud.com', key: '00A1B2C3', 'signature-base64': 'AbCd==', size: '201233' },
        },
      ],
    });
    expect(att[0]).not.toHaveProperty('text'); // the U+FFFC placeholder is not text
    const two = one(
      msg('6c1b5e0a-0001-4000-8000-00000000000f', {
        type: 'text',
        body: 'Here are both \ufffc\ufffc',
        attachments: [
          { name: 'a.jpeg', mimeType: 'image/jpeg', url: 'https://p47-content.icloud.com/MZ1/a', key: 'k1' },
          { name: 'b.pdf', mimeType: 'application/pdf', url: 'https://p47-content.icloud.com/MZ1/b', key: 'k2' },
        ],
      }),
    );
    expect(two[0]).toMatchObject({ kind: 'media', text: 'Here are both' });
    expect((two[0] as MessageReceived).media?.map((m) => m.filename)).toEqual(['a.jpeg', 'b.pdf']);
    const list = one(
      msg('6c1b5e0a-0001-4000-8000-000000000004', {
        type: 'interactive',
        interactiveData: {
          bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension',
          data: {
            version: '1.0',
            requestIdentifier: 'r-1',
            listPicker: { sections: [{ items: [{ identifier: 'sku-1', title: 'Blue', order: 0 }] }] },
          },
          receivedMessage: { title: 'Pick a colour' },
          replyMessage: { title: 'Blue' },
        },
      }),
    );
    // A list picker's answer is the chosen items' identifiers (the payloads the rich list gave), titled by them.
    expect(list[0]).toMatchObject({ kind: 'postback', postback: { payload: 'sku-1', title: 'Blue' } });
    const quick = one(
      msg('6c1b5e0a-0001-4000-8000-000000000005', {
        type: 'interactive',
        interactiveData: {
          bid: 'b',
          data: { version: '1.0', 'quick-reply': { selectedIndex: 1, selectedIdentifier: 'yes' } },
          receivedMessage: { title: 'Was this helpful?' },
        },
      }),
    );
    expect(quick[0]).toMatchObject({ kind: 'postback', postback: { payload: 'yes', title: 'Was this helpful?' } });
    expect(one(msg('6c1b5e0a-0001-4000-8000-000000000006', { type: 'close' }))).toEqual([
      { ...base, type: 'conversation.closed_by_customer', messageId: '6c1b5e0a-0001-4000-8000-000000000006' },
    ]);
    // Bodies may be gzip-compressed.
    const gz = one(
      gzipSync(JSON.stringify(msg('6c1b5e0a-0001-4000-8000-000000000007', { type: 'text', body: 'compressed' }))),
    );
    expect(gz[0]).toMatchObject({
      kind: 'text',
      text: 'compressed',
      messageId: '6c1b5e0a-0001-4000-8000-000000000007',
    });
  });

  it('dedupes a replayed request on the Apple message id', () => {
    const body = msg('6c1b5e0a-0001-4000-8000-000000000010', { type: 'text', body: 'again' });
    expect(a.normalize(request(body), integration)[0]!.messageId).toBe(
      a.normalize(request(body), integration)[0]!.messageId,
    );
  });

  it('refuses malformed bodies and gzip bombs', () => {
    const cases: [Uint8Array | object, number, string][] = [
      [new TextEncoder().encode('{oops'), 400, 'body_malformed'],
      [{ v: 1, body: 'no type' }, 400, 'body_invalid'],
      [msg('x', { type: 'interactive' }), 400, 'body_invalid'],
      [new Uint8Array([0x1f, 0x8b, 1, 2, 3]), 400, 'body_malformed'],
      [gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20)), 413, 'body_too_large'],
    ];
    for (const [body, status, code] of cases) {
      const err = (() => {
        try {
          a.normalize(request(body as object), integration);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(WebhookError);
      expect(err).toMatchObject({ status, code });
    }
  });
});

describe('Apple send (fake mspgw.push.apple.com)', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider(() => ({ status: 200 }));
  });
  afterAll(() => fake.close());
  const a = createAppleAdapter({ now: () => NOW });
  const int = (): Integration => ({ ...integration, sendBaseUrl: fake.url });
  const out = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
    id: 'o-1',
    channel: 'apple',
    integrationId: 'apple-main',
    channelUserId: USER,
    conversationKey: `apple:apple-main:${USER}`,
    kind: 'text',
    text: 'How can I help?',
    ...over,
  });

  it('posts /v1/message with a JWT Apple can verify and a stable UUID', async () => {
    fake.requests.length = 0;
    const r1 = await a.send(out(), int(), fetch);
    const r2 = await a.send(out(), int(), fetch);
    expect(r1.providerMessageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r2.providerMessageId).toBe(r1.providerMessageId);
    // The second part of a split message (same message id, other text) gets its own Apple id.
    const part2 = await a.send(out({ text: 'part two' }), int(), fetch);
    expect(part2.providerMessageId).not.toBe(r1.providerMessageId);
    const req = fake.requests[0]!;
    expect(req.path).toBe('/v1/message');
    const token = String(req.headers.authorization).replace(/^Bearer /, '');
    expect(jwt.verify(token, Buffer.from(SECRET_B64, 'base64'), { algorithms: ['HS256'], issuer: MSP })).toMatchObject({
      iss: MSP,
      iat: NOW / 1000,
    });
    expect(req.headers['source-id']).toBe(BUSINESS);
    expect(req.headers['destination-id']).toBe(USER);
    expect(req.headers.id).toBe(r1.providerMessageId);
    expect(JSON.parse(req.body)).toEqual({
      v: 1,
      type: 'text',
      id: r1.providerMessageId,
      sourceId: BUSINESS,
      destinationId: USER,
      body: 'How can I help?',
    });
  });

  it('maps Apple HTTP errors', async () => {
    const cases: [number, string, boolean][] = [
      [400, 'rejected', false],
      [401, 'auth_failed', false],
      [410, 'recipient_unavailable', false],
      [429, 'rate_limited', true],
      [503, 'provider_error', true],
    ];
    for (const [status, code, retryable] of cases) {
      fake.handler = () => ({ status, body: { error: 'x' } });
      const err = await a.send(out(), int(), fetch).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SendError);
      expect(err).toMatchObject({ code, retryable, providerCode: String(status) });
    }
    await expect(
      a.send(out({ kind: 'template', text: undefined, template: { name: 'x', language: 'en' } }), int(), fetch),
    ).rejects.toMatchObject({ code: 'unsupported_message' });
    await expect(a.send(out(), { ...int(), credentials: {} }, fetch)).rejects.toMatchObject({
      code: 'integration_misconfigured',
    });
    expect(a.length).toEqual({ max: 2000, unit: 'chars', split: true });
  });
});
