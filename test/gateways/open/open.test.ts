import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendError, WebhookError, type Integration } from '../../../gateways/channel.js';
import { createOpenAdapter } from '../../../gateways/open/index.js';
import type { OutboundMessage } from '../../../protocol/channels.js';
import { type FakeProvider, startFakeProvider, webhookRequest } from '../line/fake-provider.js';

const SECRET = 'open-messaging-signature-secret-token';
const NOW = Date.parse('2026-01-01T12:00:05.000Z');
const integration: Integration = {
  id: 'open-1',
  channel: 'open',
  secret: SECRET,
  credentials: { inboundToken: 'mw-inbound-token' },
  options: { name: 'Acme middleware', webhookHeaders: { 'x-tenant': 'acme' } },
};
const URL_ = 'https://gw.example.test/webhooks/open/open-1';

/** Base64 HMAC-SHA256 over the raw body, as Genesys documents it (computed here, not by the adapter). */
const sign = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('base64')}`;
const signed = (body: object | string, url = URL_) => {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return webhookRequest({
    url,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw) },
    body: raw,
  });
};

const inbound = (messageId: string, over: object = {}) => ({
  channel: {
    messageId,
    from: { nickname: 'customer42', id: 'cust-42', idType: 'Opaque', firstName: 'Customer', lastName: 'Customer' },
    time: '2026-01-01T12:00:00.000Z',
  },
  text: 'Hello from middleware',
  ...over,
});

describe('open messaging inbound (Genesys Open Messaging formats)', () => {
  const a = createOpenAdapter({ now: () => NOW });

  it('verifies base64 (not hex) X-Hub-Signature-256, or the inbound bearer token', () => {
    const req = signed(inbound('m-1'));
    expect(() => a.verify(req, integration)).not.toThrow();
    const hex = `sha256=${createHmac('sha256', SECRET).update(new TextDecoder().decode(req.rawBody)).digest('hex')}`;
    expect(() => a.verify({ ...req, headers: new Headers({ 'x-hub-signature-256': hex }) }, integration)).toThrowError(
      expect.objectContaining({ status: 401, code: 'signature_invalid' }) as never,
    );
    const tampered = {
      ...req,
      rawBody: new TextEncoder().encode(new TextDecoder().decode(req.rawBody).replace('Hello', 'Hullo')),
    };
    expect(() => a.verify(tampered, integration)).toThrow(WebhookError);
    const bearer = (t: string) => ({ ...req, headers: new Headers({ authorization: `Bearer ${t}` }) });
    expect(() => a.verify(bearer('mw-inbound-token'), integration)).not.toThrow();
    expect(() => a.verify(bearer('guess'), integration)).toThrowError(/inbound token/);
    expect(() => a.verify(bearer('mw-inbound-token'), { ...integration, credentials: {} })).toThrow(WebhookError);
    expect(() => a.verify({ ...req, headers: new Headers() }, integration)).toThrowError(/X-Hub-Signature-256/);
  });

  it('normalizes text, attachments, button responses, legacy bodies, receipts and typing events', () => {
    const base = {
      channel: 'open',
      integrationId: 'open-1',
      channelUserId: 'cust-42',
      at: Date.parse('2026-01-01T12:00:00.000Z'),
      receivedAt: NOW,
      displayName: 'customer42',
    };
    expect(a.normalize(signed(inbound('m-1')), integration)).toEqual([
      { ...base, type: 'message.received', messageId: 'm-1', kind: 'text', text: 'Hello from middleware' },
    ]);
    const att = a.normalize(
      signed(
        inbound('m-2', {
          text: 'see attached',
          content: [
            {
              contentType: 'Attachment',
              attachment: {
                mediaType: 'Image',
                url: 'https://files.example.test/a.png',
                mime: 'image/png',
                filename: 'a.png',
              },
            },
          ],
        }),
      ),
      integration,
    );
    expect(att).toEqual([
      {
        ...base,
        type: 'message.received',
        messageId: 'm-2',
        kind: 'media',
        text: 'see attached',
        media: [{ url: 'https://files.example.test/a.png', mimeType: 'image/png', filename: 'a.png' }],
      },
    ]);
    const qr = a.normalize(
      signed(
        inbound('m-3', {
          text: undefined,
          content: [
            {
              contentType: 'ButtonResponse',
              buttonResponse: { type: 'QuickReply', text: 'Yes please', payload: 'CONFIRM_YES' },
            },
          ],
        }),
      ),
      integration,
    );
    expect(qr[0]).toMatchObject({ kind: 'postback', postback: { payload: 'CONFIRM_YES', title: 'Yes please' } });
    // Legacy endpoint body: platform/type/direction and channel.to.
    const legacy = a.normalize(
      signed({
        channel: {
          platform: 'Open',
          type: 'Private',
          messageId: 'm-4',
          to: { id: 'open-1' },
          from: { nickname: 'customer42', id: 'cust-42', idType: 'Opaque' },
          time: '2026-01-01T12:00:00.000Z',
        },
        type: 'Text',
        text: 'legacy',
        direction: 'Inbound',
      }),
      integration,
    );
    expect(legacy[0]).toMatchObject({ type: 'message.received', messageId: 'm-4', kind: 'text', text: 'legacy' });
    const receipt = (status: string) => ({
      id: 'out-7.abcd1234',
      channel: { to: { id: 'cust-42', idType: 'Opaque' }, time: '2026-01-01T12:00:01.000Z' },
      status,
      direction: 'Outbound',
      isFinalReceipt: true,
    });
    expect(a.normalize(signed(receipt('Delivered'), `${URL_}?kind=receipt`), integration)).toEqual([
      {
        type: 'receipt.received',
        channel: 'open',
        integrationId: 'open-1',
        channelUserId: 'cust-42',
        messageId: 'receipt:out-7.abcd1234:delivered',
        at: Date.parse('2026-01-01T12:00:01.000Z'),
        receivedAt: NOW,
        status: 'delivered',
        providerMessageIds: ['out-7.abcd1234'],
      },
    ]);
    expect(a.normalize(signed(receipt('Read')), integration)[0]).toMatchObject({ status: 'read' });
    const failed = a.normalize(
      signed({ ...receipt('Failed'), reasons: [{ code: 'RecipientOptedOut', message: 'The customer opted out' }] }),
      integration,
    );
    expect(failed[0]).toMatchObject({
      status: 'failed',
      messageId: 'receipt:out-7.abcd1234:failed',
      reason: { code: 'delivery_failed', message: 'The customer opted out', providerCode: 'RecipientOptedOut' },
    });
    expect(a.normalize(signed(receipt('Published')), integration)).toEqual([]);
    expect(
      a.normalize(
        signed({
          channel: { from: { id: 'cust-42', idType: 'Opaque' }, time: '2026-01-01T12:00:00.000Z' },
          events: [{ eventType: 'Typing', typing: { type: 'On' } }],
        }),
        integration,
      ),
    ).toEqual([
      {
        type: 'typing.indicated',
        channel: 'open',
        integrationId: 'open-1',
        channelUserId: 'cust-42',
        messageId: `typing:in:cust-42:${Date.parse('2026-01-01T12:00:00.000Z')}`,
        dedupeId: `event:typing:in:cust-42:${Date.parse('2026-01-01T12:00:00.000Z')}`,
        at: Date.parse('2026-01-01T12:00:00.000Z'),
        receivedAt: NOW,
        active: true,
        by: 'customer',
      },
    ]);
  });

  it("takes Genesys' outbound webhook bodies as the business's messages and typing, never customer input", () => {
    const out = {
      id: 'gen-msg-1',
      channel: {
        id: 'open-1',
        platform: 'Open',
        type: 'Private',
        to: { id: 'cust-42', idType: 'Opaque' },
        from: { nickname: 'Acme Support', id: 'open-1', idType: 'Opaque' },
        time: '2026-01-01T12:00:02.000Z',
        messageId: 'gen-msg-1',
      },
      type: 'Text',
      text: 'Hi, this is the bot',
      originatingEntity: 'Bot',
      direction: 'Outbound',
      conversationId: 'conv-1',
    };
    expect(a.normalize(signed(out), integration)).toEqual([
      {
        type: 'message.echoed',
        channel: 'open',
        integrationId: 'open-1',
        channelUserId: 'cust-42',
        messageId: 'gen-msg-1',
        dedupeId: 'outbound:gen-msg-1',
        at: Date.parse('2026-01-01T12:00:02.000Z'),
        receivedAt: NOW,
        kind: 'text',
        text: 'Hi, this is the bot',
        originatingEntity: 'bot',
        senderName: 'Acme Support',
      },
    ]);
    const typing = a.normalize(
      signed({
        ...out,
        id: 'gen-ev-1',
        type: 'Event',
        text: undefined,
        originatingEntity: 'Human',
        events: [{ eventType: 'Typing', typing: { type: 'On', duration: 5000 } }],
      }),
      integration,
    );
    expect(typing).toEqual([
      expect.objectContaining({
        type: 'typing.indicated',
        channelUserId: 'cust-42',
        by: 'business',
        originatingEntity: 'human',
        active: true,
        durationMs: 5000,
      }),
    ]);
    const noCustomer = { ...out, channel: { ...out.channel, to: undefined } };
    expect(() => a.normalize(signed(noCustomer), integration)).toThrowError(/channel\.to\.id/);
  });

  it('keeps channel.messageId as the dedupe id of a replayed message', () => {
    const req = signed(inbound('m-replay'));
    expect(a.normalize(req, integration)[0]!.messageId).toBe(a.normalize(req, integration)[0]!.messageId);
  });

  it('refuses malformed bodies with a path', () => {
    const cases: [string, string, RegExp][] = [
      ['{"channel":', 'body_malformed', /JSON/],
      [JSON.stringify({ text: 'no channel' }), 'body_invalid', /^channel/],
      [
        JSON.stringify(inbound('m-x', { channel: { messageId: 'm-x', from: { id: 'c' }, time: 'yesterday' } })),
        'body_invalid',
        /channel\.time/,
      ],
      [
        JSON.stringify({ channel: { from: { id: 'c' }, time: '2026-01-01T00:00:00Z' }, text: 'no id' }),
        'body_invalid',
        /messageId/,
      ],
      [
        JSON.stringify({ channel: { messageId: 'm', from: { id: 'c' }, time: '2026-01-01T00:00:00Z' } }),
        'body_invalid',
        /text and\/or content/,
      ],
    ];
    for (const [body, code, why] of cases) {
      const err = (() => {
        try {
          a.normalize(signed(body), integration);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toMatchObject({ status: 400, code });
      expect((err as Error).message).toMatch(why);
    }
  });

  it('acknowledges like the inbound API: 200 with the message and its id', async () => {
    const req = signed(inbound('m-9'));
    const res = a.acknowledge!(req, a.normalize(req, integration));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 'm-9', direction: 'Inbound', text: 'Hello from middleware' });
  });
});

describe('open messaging outbound webhook (fake middleware)', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider(() => ({ status: 200, body: {} }));
  });
  afterAll(() => fake.close());
  const a = createOpenAdapter({ now: () => NOW });
  const int = (): Integration => ({ ...integration, sendBaseUrl: `${fake.url}/genesys/outbound` });
  const out = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
    id: 'out-7',
    channel: 'open',
    integrationId: 'open-1',
    channelUserId: 'cust-42',
    conversationKey: 'open:open-1:cust-42',
    interactionId: 'int-1',
    kind: 'text',
    text: 'Hi Customer, an agent here',
    ...over,
  });

  it('posts an Outbound Open NormalizedMessage that middleware verifies with its own HMAC', async () => {
    fake.requests.length = 0;
    fake.handler = (req) => {
      // What Genesys' sample middleware does: base64 HMAC-SHA256 of the body with the shared secret.
      const expected = `sha256=${createHmac('sha256', SECRET).update(req.body).digest('base64')}`;
      return req.headers['x-hub-signature-256'] === expected
        ? { status: 200, body: {} }
        : { status: 403, body: { error: 'bad signature' } };
    };
    const r = await a.send(out(), int(), fetch);
    expect(r.providerMessageId).toMatch(/^out-7\.[0-9a-f]{8}$/);
    const req = fake.requests[0]!;
    expect(req.path).toBe('/genesys/outbound');
    expect(req.headers['x-tenant']).toBe('acme');
    expect(JSON.parse(req.body)).toEqual({
      id: r.providerMessageId,
      channel: {
        id: 'open-1',
        platform: 'Open',
        type: 'Private',
        messageId: r.providerMessageId,
        time: '2026-01-01T12:00:05.000Z',
        to: { id: 'cust-42', idType: 'Opaque' },
        from: { nickname: 'Acme middleware', id: 'open-1', idType: 'Opaque' },
      },
      type: 'Text',
      text: 'Hi Customer, an agent here',
      originatingEntity: 'Human',
      direction: 'Outbound',
      conversationId: 'int-1',
    });
    await a.send(
      out({
        kind: 'media',
        text: undefined,
        media: { url: 'https://cdn.example.test/r.pdf', mimeType: 'application/pdf', filename: 'r.pdf' },
      }),
      int(),
      fetch,
    );
    expect(JSON.parse(fake.requests[1]!.body).content).toEqual([
      {
        contentType: 'Attachment',
        attachment: {
          id: 'out-7',
          mediaType: 'File',
          url: 'https://cdn.example.test/r.pdf',
          mime: 'application/pdf',
          filename: 'r.pdf',
        },
      },
    ]);
  });

  it('maps middleware answers: 429/5xx/408 retryable, other 4xx refused', async () => {
    const cases: [number, string, boolean][] = [
      [429, 'rate_limited', true],
      [500, 'provider_error', true],
      [408, 'provider_error', true],
      [403, 'auth_failed', false],
      [400, 'rejected', false],
    ];
    for (const [status, code, retryable] of cases) {
      fake.handler = () => ({
        status,
        body: { error: 'x' },
        headers: status === 429 ? { 'retry-after': '3' } : ({} as Record<string, string>),
      });
      const err = await a.send(out(), int(), fetch).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SendError);
      expect(err).toMatchObject({ code, retryable, providerCode: String(status) });
      if (status === 429) expect((err as SendError).retryAfterMs).toBe(3000);
    }
    await expect(a.send(out(), { ...integration }, fetch)).rejects.toMatchObject({ code: 'integration_misconfigured' });
    await expect(a.send(out(), { ...integration, sendBaseUrl: 'http://127.0.0.1:1/x' }, fetch)).rejects.toMatchObject({
      code: 'provider_unreachable',
      retryable: true,
    });
  });
});

describe('open messaging on the Genesys inbound API paths', () => {
  it('accepts message, receipt and legacy bodies where middleware already posts them', async () => {
    const { createGatewayApp } = await import('../../../gateways/server.js');
    const { openRoutes } = await import('../../../gateways/open/index.js');
    const { RecordingPublisher } = await import('../support.js');
    const publisher = new RecordingPublisher();
    let self: { fetch: (r: Request) => Response | Promise<Response> } | undefined;
    const oauth: Integration = {
      ...integration,
      credentials: { ...integration.credentials, oauthClientId: 'client-1', oauthClientSecret: 'client-secret' },
    };
    const { app } = createGatewayApp({
      adapters: [createOpenAdapter()],
      integrations: [oauth],
      publisher,
      routes: [openRoutes((r) => self!.fetch(r), 64 * 1024, [oauth])],
    });
    self = app;
    const post = (path: string, body: object, auth = 'Bearer mw-inbound-token') =>
      app.request(path, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', authorization: auth },
      });
    // The middleware's client-credentials login, as against login.<region>.
    const login = (auth: string) =>
      app.request('/oauth/token', {
        method: 'POST',
        body: 'grant_type=client_credentials',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(auth).toString('base64')}`,
        },
      });
    const tok = await login('client-1:client-secret');
    expect(tok.status).toBe(200);
    const { access_token } = (await tok.json()) as { access_token: string };
    expect((await login('client-1:wrong')).status).toBe(401);
    const msg = await post(
      '/api/v2/conversations/messages/open-1/inbound/open/message',
      inbound('g-1'),
      `Bearer ${access_token}`,
    );
    expect(msg.status).toBe(200);
    expect(await msg.json()).toMatchObject({ id: 'g-1', direction: 'Inbound' });
    const rc = await post('/api/v2/conversations/messages/open-1/inbound/open/receipt', {
      id: 'out-1.aa',
      channel: { to: { id: 'cust-42', idType: 'Opaque' }, time: '2026-01-01T12:00:01.000Z' },
      status: 'Delivered',
      direction: 'Outbound',
      isFinalReceipt: true,
    });
    expect(rc.status).toBe(200);
    const legacy = await post('/api/v2/conversations/messages/inbound/open', {
      channel: {
        platform: 'Open',
        type: 'Private',
        messageId: 'g-2',
        to: { id: 'open-1' },
        from: { id: 'cust-42', idType: 'Opaque' },
        time: '2026-01-01T12:00:00.000Z',
      },
      type: 'Text',
      text: 'legacy',
      direction: 'Inbound',
    });
    expect(legacy.status).toBe(200);
    expect(publisher.events.map((e) => [e.type, e.messageId])).toEqual([
      ['message.received', 'g-1'],
      ['receipt.received', 'receipt:out-1.aa:delivered'],
      ['message.received', 'g-2'],
    ]);
    expect(
      (await post('/api/v2/conversations/messages/open-1/inbound/open/message', inbound('g-3'), 'Bearer wrong')).status,
    ).toBe(401);
    expect((await post('/api/v2/conversations/messages/nobody/inbound/open/message', inbound('g-4'))).status).toBe(404);
    expect((await post('/api/v2/conversations/messages/inbound/open', { channel: { to: {} } })).status).toBe(400);
    expect(
      (await post('/api/v2/conversations/messages/open-1/inbound/open/message', { text: 'x'.repeat(70 * 1024) }))
        .status,
    ).toBe(413);
  });
});
