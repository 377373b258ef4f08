/** The conversations HTTP routes in process (app.request) over the real runtime with a loopback bus. */
import { describe, expect, it } from 'vitest';
import { conversationActorTypes } from '../../engine/config/conversation.js';
import { conversationRoutes } from '../../engine/api/conversations.js';
import type { Engine } from '../../engine/engine.js';
import { createApp } from '../../engine/http.js';
import { headersFor, testAuthority } from '../support/auth.js';
import { runtime } from './support.js';

function setup() {
  const rt = runtime(conversationActorTypes());
  const engine = { host: rt.host, clock: rt.clock, auth: testAuthority() } as unknown as Engine;
  const app = createApp(engine, [conversationRoutes]);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...(await headersFor('admin')) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const inbound = async (key: string, id: string, text = 'hi') => {
    const [channel, integrationId, channelUserId] = key.split(':');
    await rt.send(
      { type: 'conversation', key },
      {
        type: 'message.received',
        channel,
        integrationId,
        channelUserId,
        messageId: id,
        kind: 'text',
        text,
        at: rt.clock.now(),
      },
    );
    await rt.settle();
  };
  return { rt, call, inbound };
}

const path = (key: string) => `/conversations/${encodeURIComponent(key)}`;

describe('conversations API', () => {
  it('refuses with reason codes and sentences; validates input with the bad field named', async () => {
    const { rt, call, inbound } = setup();
    const apple = 'apple:biz1:opaque-123';
    let r = await call('POST', `${path(apple)}/replies`, {
      requestId: 'a1',
      kind: 'text',
      text: 'hello?',
    });
    expect(r).toMatchObject({ status: 422, body: { error: { code: 'customer_must_start' } } });
    await inbound(apple, 'ap1');
    expect(
      (
        await call('POST', `${path(apple)}/replies`, {
          requestId: 'a2',
          kind: 'text',
          text: 'Hello!',
        })
      ).status,
    ).toBe(201);
    await rt.send(
      { type: 'conversation', key: apple },
      {
        type: 'conversation.closed_by_customer',
        channel: 'apple',
        integrationId: 'biz1',
        channelUserId: 'opaque-123',
        messageId: 'close-1',
        at: rt.clock.now(),
      },
    );
    r = await call('POST', `${path(apple)}/replies`, {
      requestId: 'a3',
      kind: 'text',
      text: 'one more thing',
    });
    expect(r.body.error.code).toBe('conversation_closed_by_customer');
    expect(r.body.error.message).toMatch(/closed/);
    r = await call('POST', `${path(apple)}/replies`, { requestId: 'a4', kind: 'text', text: 5 });
    expect(r).toMatchObject({ status: 400, body: { error: { code: 'invalid_body' } } });
    expect(r.body.error.message).toMatch(/^text:/);
    expect((await call('POST', `${path(apple)}/replies`, 'not json')).body.error.code).toBe('invalid_json');
    expect((await call('POST', `${path(apple)}/replies`, { requestId: 'a5', kind: 'text' })).body.error.code).toBe(
      'invalid_request',
    );
    expect((await call('GET', path('web:x:never'))).body.error.code).toBe('conversation_not_found');
    expect((await call('GET', '/contacts/nobody')).status).toBe(404);
    await rt.close();
  });

  it('WhatsApp business-initiated templates need opt-in, recorded through the consent route', async () => {
    const { rt, call } = setup();
    const wa = 'whatsapp:wa1:+15550100200';
    expect(
      (
        await call('POST', `${path(wa)}/replies`, {
          requestId: 't1',
          kind: 'template',
          template: { name: 'promo', language: 'en' },
        })
      ).body.error.code,
    ).toBe('opt_in_required');
    expect((await call('POST', `${path(wa)}/consent`, { optedIn: true })).status).toBe(200);
    expect(
      (
        await call('POST', `${path(wa)}/replies`, {
          requestId: 't2',
          kind: 'template',
          template: { name: 'promo', language: 'en' },
        })
      ).status,
    ).toBe(201);
    expect(
      (await call('POST', `${path(wa)}/replies`, { requestId: 't3', kind: 'text', text: 'free text' })).body.error.code,
    ).toBe('template_required');
    await rt.close();
  });

  it('an explicit link merges two channels into one contact history, paged with a cursor in time order', async () => {
    const { rt, call, inbound } = setup();
    const web = 'web:site:visitor-7';
    const ig = 'instagram:ig1:igsid-7';
    await inbound(web, 'w1', 'from the website');
    await rt.clock.advance(60_000);
    await inbound(ig, 'i1', 'from instagram');
    await rt.clock.advance(60_000);
    await inbound(web, 'w2', 'website again');
    const webContact = (await call('GET', path(web))).body.contactId as string;
    const igContact = (await call('GET', path(ig))).body.contactId as string;
    expect(webContact).not.toBe(igContact);
    expect((await call('POST', `/contacts/${webContact}/links`, { conversationKey: ig })).status).toBe(201);
    await rt.settle();
    expect((await call('GET', path(ig))).body.contactId).toBe(webContact);
    expect((await call('GET', `/contacts/${igContact}`)).body.mergedInto).toBe(webContact);
    const texts: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const r = await call('GET', `/contacts/${webContact}/history?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      texts.push(
        ...r.body.entries
          .filter((e: { direction: string }) => e.direction === 'inbound')
          .map((e: { text: string }) => e.text),
      );
      cursor = r.body.next;
      pages++;
    }
    expect(texts).toEqual(['from the website', 'from instagram', 'website again']);
    expect(pages).toBeGreaterThan(1);
    expect((await call('GET', `/contacts/${webContact}/history?cursor=%%%`)).body.error.code).toBe('invalid_cursor');
    const verified = await call('POST', `/contacts/${webContact}/links`, {
      kind: 'email',
      value: 'Agent.One@Example.com',
      verified: true,
    });
    expect(verified.body).toMatchObject({ identity: 'email:agent.one@example.com', owner: webContact });
    expect(
      (
        await call('POST', `/contacts/${igContact}/links`, {
          kind: 'email',
          value: 'agent.one@example.com',
          verified: true,
        })
      ).body.owner,
    ).toBe(webContact);
    await rt.close();
  });
});
