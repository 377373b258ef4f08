import { afterEach, describe, expect, it } from 'vitest';
import { agentRoutes } from '../../engine/api/agents.js';
import { routingActorTypes } from '../../engine/config/routing.js';
import type { Engine } from '../../engine/engine.js';
import { createApp } from '../../engine/http.js';
import { autoHeaders, headersFor, testAuthority, type TestCaller } from '../support/auth.js';
import { baseConfig, opened, routingHarness } from './harness.js';

type H = Awaited<ReturnType<typeof routingHarness>>;
let h: H;
afterEach(async () => {
  await h?.stop();
});

/** The agent API in process over the routing harness (no NATS: the live feed is not exercised here). */
async function api() {
  h = await routingHarness(baseConfig);
  const engine = {
    options: { actorTypes: routingActorTypes(h.holder) },
    host: h.host,
    clock: h.clock,
    auth: testAuthority(),
  } as unknown as Engine;
  const app = createApp(engine, [agentRoutes]);
  const call = async (method: string, path: string, body?: unknown, as?: TestCaller) => {
    const res = await app.request(path, {
      method,
      body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(as ? await headersFor(as) : await autoHeaders(path)) },
    });
    await h.bus.settle();
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };
  return call;
}

describe('agent API refusals are JSON with a reason code', () => {
  it('validates ids, bodies and state', async () => {
    const call = await api();
    expect(await call('POST', '/agents/nobody/login', undefined, 'admin')).toMatchObject({
      status: 404,
      json: { error: { code: 'unknown_agent' } },
    });
    expect(await call('POST', '/agents/bad%20id/login', undefined, 'admin')).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_agent_id' } },
    });
    expect(await call('POST', '/agents/ana/presence', '{nope')).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_json' } },
    });
    expect(await call('POST', '/agents/ana/presence', { presence: 'asleep' })).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_body' } },
    });
    expect(await call('POST', '/agents/ana/login')).toMatchObject({
      status: 200,
      json: { ok: true, presence: 'available' },
    });
    expect(await call('POST', '/agents/ana/presence', { presence: 'not_ready', reason: 'Nap' })).toMatchObject({
      status: 422,
      json: { error: { code: 'reason_invalid' } },
    });
    expect(await call('POST', '/agents/ana/offers/none/accept')).toMatchObject({
      status: 404,
      json: { error: { code: 'offer_not_found' } },
    });
    expect(await call('POST', '/agents/ana/interactions/i9/messages', { text: 'hi' })).toMatchObject({
      status: 409,
      json: { error: { code: 'not_connected' } },
    });
    expect(
      await call('POST', '/agents/ana/interactions/i9/transfer', { queueId: 'support', agentId: 'bob' }),
    ).toMatchObject({ status: 400, json: { error: { code: 'invalid_body' } } });
    expect(await call('POST', '/agents/ana/interactions/i9/end')).toMatchObject({
      status: 409,
      json: { error: { code: 'not_connected' } },
    });
    expect(await call('POST', '/agents/ana/interactions/i9/wrapup', { code: 'Processed' })).toMatchObject({
      status: 409,
      json: { error: { code: 'not_in_wrapup' } },
    });
  });

  it('runs an offer through accept, canned response lookup, transfer and wrap-up', async () => {
    const call = await api();
    await call('POST', '/agents/ana/login');
    await h.send('interaction', 'i1', opened('i1', 'hello'));
    const me = await call('GET', '/agents/ana');
    expect(me.json.offers).toHaveLength(1);
    const acc = await call('POST', `/agents/ana/offers/${me.json.offers[0].offerId}/accept`);
    expect(acc).toMatchObject({
      status: 200,
      json: { ok: true, interactionId: 'i1', history: '/agents/ana/interactions/i1/history' },
    });
    expect(await call('POST', '/agents/ana/interactions/i1/messages', { cannedResponseId: 'nope' })).toMatchObject({
      status: 404,
      json: { error: { code: 'canned_response_not_found' } },
    });
    expect(await call('POST', '/agents/ana/interactions/i1/messages', { kind: 'text' })).toMatchObject({
      status: 422,
      json: { error: { code: 'text_required' } },
    });
    expect(await call('POST', '/agents/ana/interactions/i1/transfer', { queueId: 'ghost' })).toMatchObject({
      status: 404,
      json: { error: { code: 'unknown_queue' } },
    });
    expect(await call('POST', '/agents/ana/interactions/i1/transfer', { queueId: 'billing' })).toMatchObject({
      status: 200,
    });
    expect(h.interaction('i1')).toMatchObject({ stage: 'queued', queueId: 'billing' });
    expect((await call('GET', '/routing/wrapup-codes')).json.wrapupCodes).toContain('Up Sell');
    expect((await call('GET', '/routing/canned-responses')).json.cannedResponses).toEqual([
      { id: 'hello', name: 'Greeting', text: 'Hello {{name}}, how can I help?' },
    ]);
  });

  it('answers a mandatory wrap-up without a code with wrapup_code_required and the codes to choose from', async () => {
    const call = await api();
    await call('POST', '/agents/ana/login');
    await h.send('interaction', 'i1', opened('i1', 'hello'));
    const offer = (await call('GET', '/agents/ana')).json.offers[0];
    await call('POST', `/agents/ana/offers/${offer.offerId}/accept`);
    expect(await call('POST', '/agents/ana/interactions/i1/end')).toMatchObject({ status: 200 });
    expect(h.agent('ana').interactions.i1).toMatchObject({ stage: 'wrapup', queueId: 'support' });

    for (const noCode of [{}, '', { code: '' }, { code: null }]) {
      const r = await call('POST', '/agents/ana/interactions/i1/wrapup', noCode);
      expect(r.status).toBe(422);
      expect(r.json.error.code).toBe('wrapup_code_required');
      expect(r.json.error.message).toMatch(/mandatory in queue support.*one of: .*Processed/);
    }
    expect(h.agent('ana').interactions.i1).toMatchObject({ stage: 'wrapup' });
    expect(await call('POST', '/agents/ana/interactions/i1/wrapup', { code: 'Processed' })).toMatchObject({
      status: 200,
      json: { ok: true, code: 'Processed' },
    });
    expect(h.agent('ana').interactions.i1).toBeUndefined();
  });
});
