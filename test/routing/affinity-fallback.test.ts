/**
 * When last-agent affinity times out, the queue's next offer does not go straight back to the
 * agent who let it time out while another qualifying agent is free. Driven as users drive it:
 * signed webhooks in, agents through the engine's HTTP API, virtual time through the admin API.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp.js';
import { type Call, until, whatsappStack } from '../support/whatsapp-stack.js';

const routing = {
  queues: [
    {
      id: 'support',
      strategy: 'longest_idle',
      alertingTimeoutSeconds: 30,
      acw: { mode: 'mandatory' },
      affinity: { mode: 'any_queue', timeoutSeconds: 60 },
    },
  ],
  agents: [
    { id: 'ana', queues: ['support'] },
    { id: 'bob', queues: ['support'] },
  ],
  flows: [{ integrationId: '*', defaultQueueId: 'support' }],
};

type Stack = Awaited<ReturnType<typeof whatsappStack>>;
let s: Stack | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

type Offer = { offerId: string; interactionId: string; direct: boolean };
const offersOf = async (call: Call, agent: string): Promise<Offer[]> =>
  (await call('GET', `/agents/${agent}`)).json.offers;
const offerTo = (call: Call, agent: string, pred: (o: Offer) => boolean = () => true) =>
  until(`an offer to ${agent}`, async () => (await offersOf(call, agent)).find(pred));

describe('affinity fallback', () => {
  it('after the affinity timeout the queue offers the interaction to another free agent, not the one who let it time out', async () => {
    s = await whatsappStack({ dataDir: join(tempDir('sb-affinity-'), 'engine'), virtualClock: true });
    const { call } = s;
    const advance = (ms: number) => call('POST', '/admin/clock/advance', { ms });
    expect((await call('PUT', '/admin/routing/config', routing)).status).toBe(200);
    await call('POST', '/agents/ana/login');
    await advance(1_000);
    await call('POST', '/agents/bob/login');

    // Ana (idle longest) takes the first customer, Bob the second (Ana has just accepted one).
    await s.customerWrites('My parcel is late', { from: '15550000001' });
    const first = await offerTo(call, 'ana');
    await advance(1_000);
    const a = (await call('POST', `/agents/ana/offers/${first.offerId}/accept`)).json;
    await s.customerWrites('Wrong size', { from: '15550000002' });
    const second = await offerTo(call, 'bob');
    const b = (await call('POST', `/agents/bob/offers/${second.offerId}/accept`)).json;
    // Ana finishes first, so she is the longest idle of the two afterwards.
    await advance(1_000);
    await call('POST', `/agents/ana/interactions/${a.interactionId}/wrapup`, { code: 'Processed' });
    await advance(1_000);
    await call('POST', `/agents/bob/interactions/${b.interactionId}/wrapup`, { code: 'Processed' });
    await until('the wrap-up to reach the first conversation', async () => {
      const conv = (await call('GET', `/conversations/${encodeURIComponent(s!.conversationKey('15550000001'))}`)).json;
      return conv.current?.lastAgentId === 'ana' && !conv.current?.agentId;
    });

    // The first customer returns: Ana is offered it first (affinity) and does not answer.
    await s.customerWrites('Me again', { from: '15550000001', id: 'wamid.again' });
    const direct = await offerTo(call, 'ana', (o) => o.direct);
    expect(direct.interactionId).toBe(a.interactionId);
    await advance(60_000);

    const fallback = await offerTo(call, 'bob', (o) => o.interactionId === a.interactionId);
    expect(fallback.direct).toBe(false);
    expect(await offersOf(call, 'ana')).toEqual([]);
    expect((await call('GET', '/agents/ana')).json).toMatchObject({ presence: 'available', stats: { rescinded: 1 } });
  });

  it('when nobody else qualifies, the queue offers it to the same agent again', async () => {
    s = await whatsappStack({ dataDir: join(tempDir('sb-affinity-'), 'engine'), virtualClock: true });
    const { call } = s;
    expect((await call('PUT', '/admin/routing/config', routing)).status).toBe(200);
    await call('POST', '/agents/ana/login');
    await s.customerWrites('Hello', { from: '15550000003' });
    const first = await offerTo(call, 'ana');
    const a = (await call('POST', `/agents/ana/offers/${first.offerId}/accept`)).json;
    await call('POST', `/agents/ana/interactions/${a.interactionId}/wrapup`, { code: 'Processed' });
    await until('the wrap-up to reach the conversation', async () => {
      const conv = (await call('GET', `/conversations/${encodeURIComponent(s!.conversationKey('15550000003'))}`)).json;
      return conv.current?.lastAgentId === 'ana' && !conv.current?.agentId;
    });
    await s.customerWrites('Me again', { from: '15550000003', id: 'wamid.again3' });
    await offerTo(call, 'ana', (o) => o.direct);
    await call('POST', '/admin/clock/advance', { ms: 60_000 });
    const again = await offerTo(call, 'ana', (o) => !o.direct);
    expect(again.interactionId).toBe(a.interactionId);
  });
});
