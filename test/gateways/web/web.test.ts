import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendError, WebhookError, type Integration } from '../../../gateways/channel.js';
import type { EnvelopePublisher } from '../../../gateways/publisher.js';
import { createGatewayApp } from '../../../gateways/server.js';
import { createWebAdapter, webRoutes, type WebSessionHub } from '../../../gateways/web/index.js';
import type { Envelope } from '../../../protocol/actor.js';
import type { OutboundMessage } from '../../../protocol/channels.js';
import { webhookRequest } from '../line/fake-provider.js';

const SECRET = 'web-widget-secret-0123456789';
const integration: Integration = {
  id: 'web-1',
  channel: 'web',
  secret: SECRET,
  credentials: {},
  options: { allowedOrigins: ['https://shop.example.test'] },
};
const NOW = 1_700_000_000_000;

/** The session token computed here from the documented formula, not by the gateway's helper. */
const tokenFor = (sessionId: string, secret = SECRET, integrationId = 'web-1') =>
  `${sessionId}.${createHmac('sha256', secret).update(`web-session:${integrationId}:${sessionId}`).digest('base64url')}`;
const SID = 'AbCdEfGhIjKlMnOpQrStUv';

const post = (body: unknown, token = tokenFor(SID)) =>
  webhookRequest({
    url: 'https://gw.example.test/webhooks/web/web-1',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('web messaging adapter', () => {
  const a = createWebAdapter({ now: () => NOW });

  it('accepts only a session token minted with the integration secret', () => {
    expect(() => a.verify(post({ type: 'typing' }), integration)).not.toThrow();
    const bad = [
      tokenFor(SID, 'other-secret'),
      tokenFor(SID, SECRET, 'web-2'),
      `${SID}.forged`,
      `XyZ${tokenFor(SID).slice(3)}`,
      'garbage',
    ];
    for (const t of bad)
      expect(() => a.verify(post({ type: 'typing' }, t), integration)).toThrowError(
        expect.objectContaining({ status: 401, code: 'signature_invalid' }) as never,
      );
    expect(() => a.verify({ ...post({}), headers: new Headers() }, integration)).toThrowError(/Bearer/);
  });

  it('normalizes typing, text, media, location, postback, receipts and close; batches give several events', () => {
    const base = { channel: 'web', integrationId: 'web-1', channelUserId: SID, at: NOW, receivedAt: NOW };
    const events = a.normalize(
      post([
        { type: 'typing', on: true },
        { type: 'message', clientMessageId: 'c-1', text: 'Hi, is my order late?', displayName: 'Customer' },
        {
          type: 'message',
          clientMessageId: 'c-2',
          media: [{ url: 'https://cdn.example.test/p.png', mimeType: 'image/png' }],
          text: 'this one',
        },
        { type: 'message', clientMessageId: 'c-3', location: { latitude: 48.85, longitude: 2.35, name: 'Paris' } },
        { type: 'message', clientMessageId: 'c-4', postback: { payload: 'TRACK_ORDER', title: 'Track my order' } },
        { type: 'message', clientMessageId: 'c-5', contact: { name: 'Test Customer', phone: '+15555550123' } },
        { type: 'receipt', clientMessageId: 'r-1', status: 'read', messageIds: ['out-1.abcd1234'] },
        { type: 'close', clientMessageId: 'x-1' },
      ]),
      integration,
    );
    expect(events).toEqual([
      {
        ...base,
        type: 'typing.indicated',
        messageId: `${SID}:typing:${NOW}:on`,
        active: true,
        by: 'customer',
      },
      {
        ...base,
        displayName: 'Customer',
        type: 'message.received',
        messageId: `${SID}:c-1`,
        kind: 'text',
        text: 'Hi, is my order late?',
      },
      {
        ...base,
        type: 'message.received',
        messageId: `${SID}:c-2`,
        kind: 'media',
        media: [{ url: 'https://cdn.example.test/p.png', mimeType: 'image/png' }],
        text: 'this one',
      },
      {
        ...base,
        type: 'message.received',
        messageId: `${SID}:c-3`,
        kind: 'location',
        location: { latitude: 48.85, longitude: 2.35, name: 'Paris' },
      },
      {
        ...base,
        type: 'message.received',
        messageId: `${SID}:c-4`,
        kind: 'postback',
        postback: { payload: 'TRACK_ORDER', title: 'Track my order' },
      },
      {
        ...base,
        type: 'message.received',
        messageId: `${SID}:c-5`,
        kind: 'contact',
        contact: { name: 'Test Customer', phone: '+15555550123' },
      },
      {
        ...base,
        type: 'receipt.received',
        messageId: `${SID}:r-1`,
        status: 'read',
        providerMessageIds: ['out-1.abcd1234'],
      },
      { ...base, type: 'conversation.closed_by_customer', messageId: `${SID}:x-1` },
    ]);
    // A retried post (same clientMessageId) carries the same dedupe id.
    expect(
      a.normalize(post({ type: 'message', clientMessageId: 'c-1', text: 'Hi, is my order late?' }), integration)[0]!
        .messageId,
    ).toBe(`${SID}:c-1`);
  });

  it('refuses malformed bodies with 400 and the path', () => {
    const cases: [string, string, RegExp][] = [
      ['{', 'body_malformed', /JSON/],
      [JSON.stringify({ type: 'shout' }), 'body_invalid', /type/],
      [JSON.stringify({ type: 'message', clientMessageId: 'has space', text: 'x' }), 'body_invalid', /clientMessageId/],
      [JSON.stringify({ type: 'message', clientMessageId: 'c', text: '   ' }), 'body_invalid', /needs text/],
      [
        JSON.stringify({ type: 'message', clientMessageId: 'c', location: { latitude: 123, longitude: 0 } }),
        'body_invalid',
        /location\.latitude/,
      ],
      [JSON.stringify({ type: 'message', clientMessageId: 'c', text: 'x'.repeat(4001) }), 'body_invalid', /text/],
    ];
    for (const [body, code, why] of cases) {
      const err = (() => {
        try {
          a.normalize(post(body), integration);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(WebhookError);
      expect(err).toMatchObject({ status: 400, code });
      expect((err as Error).message).toMatch(why);
    }
  });
});

/** Reads server-sent events from a streaming fetch until `until` says stop. */
async function readSse(res: Response, until: (events: { id?: string; event: string; data: string }[]) => boolean) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: { id?: string; event: string; data: string }[] = [];
  let buf = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const e: { id?: string; event: string; data: string } = { event: 'message', data: '' };
      let any = false;
      for (const line of block.split('\n')) {
        if (line.startsWith('id:')) e.id = line.slice(3).trim();
        else if (line.startsWith('event:')) e.event = line.slice(6).trim();
        else if (line.startsWith('data:')) e.data += line.slice(5).trim();
        else continue;
        any = true;
      }
      if (any) events.push(e);
    }
  }
  await reader.cancel();
  return events;
}

describe('web messaging over HTTP: sessions, webhook posts, SSE stream, outbound hand-off', () => {
  let server: ServerType;
  let base: string;
  let hub: WebSessionHub;
  const published: Envelope[] = [];
  const publisher: EnvelopePublisher = {
    publish: async (envs) => {
      published.push(...envs);
    },
  };
  const adapter = createWebAdapter();
  let int: Integration;

  beforeAll(async () => {
    const web = webRoutes({ integration: (id) => (id === 'web-1' ? int : undefined), heartbeatMs: 50 });
    hub = web.hub;
    const { app } = createGatewayApp({
      adapters: [adapter],
      integrations: [integration],
      publisher,
      routes: [web.app],
    });
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    int = { ...integration, sendBaseUrl: base };
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  );

  const out = (sessionId: string, over: Partial<OutboundMessage> = {}): OutboundMessage => ({
    id: 'out-1',
    channel: 'web',
    integrationId: 'web-1',
    channelUserId: sessionId,
    conversationKey: `web:web-1:${sessionId}`,
    kind: 'text',
    text: 'Hello, this is support',
    ...over,
  });

  it('issues a session, accepts the customer message with CORS, and publishes it with its dedupe id', async () => {
    const s = await fetch(`${base}/web/web-1/sessions`, {
      method: 'POST',
      headers: { origin: 'https://shop.example.test' },
    });
    expect(s.status).toBe(201);
    expect(s.headers.get('access-control-allow-origin')).toBe('https://shop.example.test');
    const { sessionId, token, messagesUrl } = (await s.json()) as {
      sessionId: string;
      token: string;
      messagesUrl: string;
    };
    expect(token).toBe(tokenFor(sessionId));
    const pre = await fetch(`${base}${messagesUrl}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const send = () =>
      fetch(`${base}${messagesUrl}`, {
        method: 'POST',
        headers: {
          origin: 'https://shop.example.test',
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ type: 'message', clientMessageId: 'c-1', text: 'hello' }),
      });
    const r = await send();
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://shop.example.test');
    await send(); // a browser retry: same envelope id, so JetStream dedupes it
    expect(published.map((e) => e.id)).toEqual([`web:web-1:${sessionId}:c-1`, `web:web-1:${sessionId}:c-1`]);
    expect(published[0]!.to).toEqual({ type: 'conversation', key: `web:web-1:${sessionId}` });
    const forged = await fetch(`${base}${messagesUrl}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenFor(sessionId, 'guess')}` },
      body: '{}',
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: { code: 'signature_invalid' } });
    const other = await fetch(`${base}/web/nope/sessions`, { method: 'POST' });
    expect(other.status).toBe(404);
    const foreign = await fetch(`${base}/web/web-1/sessions`, {
      method: 'POST',
      headers: { origin: 'https://evil.example.test' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('streams agent messages sent through the adapter, once, and resumes after Last-Event-ID', async () => {
    const sessionId = 'Zz0123456789abcdefghij';
    const token = tokenFor(sessionId);
    const denied = await fetch(
      `${base}/web/web-1/sessions/${sessionId}/stream?token=${tokenFor('Other0123456789abcdefg')}`,
    );
    expect(denied.status).toBe(401);

    const first = await adapter.send(out(sessionId), int, fetch);
    expect(first.providerMessageId).toMatch(/^out-1\.[0-9a-f]{8}$/);
    await adapter.send(out(sessionId), int, fetch); // a retried send: shown once
    const res = await fetch(`${base}/web/web-1/sessions/${sessionId}/stream?token=${encodeURIComponent(token)}`);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const sendLater = setTimeout(
      () => void adapter.send(out(sessionId, { id: 'out-2', text: 'Your parcel left today' }), int, fetch),
      100,
    );
    const events = await readSse(res, (ev) => ev.filter((e) => e.event === 'message').length >= 2);
    clearTimeout(sendLater);
    expect(events[0]).toMatchObject({ event: 'ready' });
    const messages = events
      .filter((e) => e.event === 'message')
      .map((e) => ({ ...JSON.parse(e.data), sseId: e.id as string }));
    expect(messages.map((m) => m.text)).toEqual(['Hello, this is support', 'Your parcel left today']);
    expect(messages[0]).toMatchObject({ kind: 'text', id: first.providerMessageId, messageId: 'out-1' });

    // Reconnect after the first message: only the second comes again.
    const again = await fetch(`${base}/web/web-1/sessions/${sessionId}/stream`, {
      headers: { authorization: `Bearer ${token}`, 'last-event-id': messages[0]!.sseId },
    });
    const replay = await readSse(again, (ev) => ev.some((e) => e.event === 'message'));
    expect(replay.map((e) => e.event)).not.toContain('reset');
    expect(replay.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data).text)).toEqual([
      'Your parcel left today',
    ]);

    // An id from another process (gateway restart): reset, then the backlog.
    const stale = await fetch(
      `${base}/web/web-1/sessions/${sessionId}/stream?token=${encodeURIComponent(token)}&lastEventId=deadbeef-7`,
    );
    const reset = await readSse(stale, (ev) => ev.some((e) => e.event === 'message'));
    expect(reset.map((e) => e.event).slice(0, 3)).toEqual(['ready', 'reset', 'message']);
    expect(hub.listeners(`web-1/${sessionId}`)).toBeLessThanOrEqual(1);

    // A sixth concurrent stream on one session is refused.
    const crowd = 'Cr0wd456789abcdefghijk';
    const open = await Promise.all(
      [0, 1, 2, 3, 4].map(() =>
        fetch(`${base}/web/web-1/sessions/${crowd}/stream?token=${encodeURIComponent(tokenFor(crowd))}`),
      ),
    );
    const readers = open.map((r) => r.body!.getReader());
    await Promise.all(readers.map((r) => r.read())); // each stream is open and has sent `ready`
    expect(hub.listeners(`web-1/${crowd}`)).toBe(5);
    const sixth = await fetch(
      `${base}/web/web-1/sessions/${crowd}/stream?token=${encodeURIComponent(tokenFor(crowd))}`,
    );
    expect(sixth.status).toBe(429);
    expect(await sixth.json()).toMatchObject({ error: { code: 'too_many_streams' } });
    await Promise.all(readers.map((r) => r.cancel()));
  });

  it('refuses unsigned or tampered outbound posts and maps errors in send', async () => {
    const sessionId = 'Yy0123456789abcdefghij';
    const body = JSON.stringify({ id: 'o', kind: 'text', at: 1, text: 'x' });
    const url = `${base}/web/web-1/sessions/${sessionId}/outbound`;
    const sig = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    expect((await fetch(url, { method: 'POST', headers: { 'x-switchboard-signature': sig }, body })).status).toBe(202);
    expect(
      (
        await fetch(url, {
          method: 'POST',
          headers: { 'x-switchboard-signature': sig },
          body: body.replace('"x"', '"y"'),
        })
      ).status,
    ).toBe(401);
    const wrong = { ...int, secret: 'not-the-secret' };
    await expect(adapter.send(out(sessionId), wrong, fetch)).rejects.toMatchObject({
      code: 'auth_failed',
      retryable: false,
    });
    await expect(adapter.send(out(sessionId), { ...int, sendBaseUrl: undefined }, fetch)).rejects.toMatchObject({
      code: 'integration_misconfigured',
    });
    await expect(
      adapter.send(
        out(sessionId, { kind: 'template', text: undefined, template: { name: 'x', language: 'en' } }),
        int,
        fetch,
      ),
    ).rejects.toBeInstanceOf(SendError);
    await expect(
      adapter.send(out(sessionId), { ...int, sendBaseUrl: 'http://127.0.0.1:1' }, fetch),
    ).rejects.toMatchObject({ code: 'provider_unreachable', retryable: true });
  });
});

describe('web messaging history for the customer', () => {
  it("reads only the session's own conversation from the engine and strips agent-side detail", async () => {
    const calls: string[] = [];
    const credentials: (string | null)[] = [];
    const engine: typeof fetch = async (input, init) => {
      const url = String(input);
      calls.push(url);
      credentials.push(new Headers(init?.headers).get('authorization'));
      if (url.includes('missing')) return Response.json({ error: { code: 'conversation_not_found' } }, { status: 404 });
      return Response.json({
        conversationKey: 'k',
        total: 4,
        next: null,
        entries: [
          {
            seq: 0,
            messageId: 'c.0',
            at: 1,
            direction: 'inbound',
            kind: 'text',
            text: 'Where is my parcel?',
            platformMessageId: `${SID}:c-1`,
          },
          { seq: 1, messageId: 'c.1', at: 2, direction: 'event', kind: 'interaction.opened', detail: { queue: 'vip' } },
          {
            seq: 2,
            messageId: 'c.2',
            at: 3,
            direction: 'outbound',
            kind: 'text',
            text: 'It left today',
            sender: { kind: 'agent', agentId: 'agent-7' },
            status: 'read',
          },
          { seq: 3, messageId: 'c.3', at: 4, direction: 'inbound', kind: 'text', text: 'oops', deleted: true },
        ],
      });
    };
    const withHistory = {
      ...integration,
      credentials: { historyApiKey: 'sbk.web-gw.key-of-role-gateway-0123456789abcdef' },
      options: { historyUrl: 'http://engine.test:8080/' },
    };
    const { app } = webRoutes({ integration: (id) => (id === 'web-1' ? withHistory : undefined), fetchImpl: engine });
    const res = await app.request(`/web/web-1/sessions/${SID}/history?from=0&limit=20`, {
      headers: { authorization: `Bearer ${tokenFor(SID)}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      next: null,
      entries: [
        { seq: 0, messageId: 'c.0', at: 1, direction: 'inbound', kind: 'text', text: 'Where is my parcel?' },
        { seq: 2, messageId: 'c.2', at: 3, direction: 'outbound', kind: 'text', text: 'It left today', status: 'read' },
      ],
    });
    expect(calls).toEqual([
      `http://engine.test:8080/conversations/${encodeURIComponent(`web:web-1:${SID}`)}/history?from=0&limit=20`,
    ]);
    // The engine's history API takes the gateway's API key.
    expect(credentials).toEqual(['Bearer sbk.web-gw.key-of-role-gateway-0123456789abcdef']);
    expect(
      (
        await app.request(`/web/web-1/sessions/${SID}/history`, {
          headers: { authorization: `Bearer ${tokenFor('Other0123456789abcdefg')}` },
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await app.request(`/web/web-1/sessions/${SID}/history?from=-1`, {
          headers: { authorization: `Bearer ${tokenFor(SID)}` },
        })
      ).status,
    ).toBe(400);
    const bare = webRoutes({ integration: () => integration }).app;
    expect((await bare.request(`/web/web-1/sessions/${SID}/history?token=${tokenFor(SID)}`)).status).toBe(501);
  });
});
