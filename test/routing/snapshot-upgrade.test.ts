/**
 * Interaction snapshots stored before the stages were states (one state, `context.stage`) are
 * upgraded when activated: each resumes in the state its stage names, and the durable timers
 * stored with it (`direct`, `inactivity`) still fire and are honoured.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LmdbStore } from '../../actors/index.js';
import { encode } from '../../protocol/wire.js';
import { tempDir } from '../support/tmp.js';
import { baseConfig, routingHarness } from './harness.js';

const T0 = Date.UTC(2026, 0, 12, 10); // a Monday, open hours
type H = Awaited<ReturnType<typeof routingHarness>>;
let h: H | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const address = {
  interactionId: 'i1',
  conversationKey: 'whatsapp:wa1:u1',
  contactId: 'c-u1',
  channel: 'whatsapp',
  integrationId: 'wa1',
  channelUserId: 'u1',
  queueId: 'support',
  skills: [],
  priority: 0,
  enqueuedAt: T0 - 60_000,
};

/** Writes an interaction snapshot of the old shape, with its timers, as the old host committed it. */
async function storeOld(
  context: Record<string, unknown>,
  timers: { id: string; dueAt: number; event: object }[],
  ref = { type: 'interaction', key: 'i1' },
) {
  const path = join(tempDir('sb-upgrade-'), 'lmdb');
  const store = LmdbStore.open(path, { noSync: true });
  await store.commit([
    {
      ref,
      eventId: 'old-1',
      at: T0,
      snapshot: encode({ status: 'active', value: {}, historyValue: {}, children: {}, context }),
      timerSets: timers.map((t) => ({ id: t.id, dueAt: t.dueAt, event: encode(t.event) })),
      timerDeletes: [],
      outbox: [],
    },
  ]);
  await store.close();
  return path;
}

describe('interaction snapshots of the old shape', () => {
  it('an affinity offer resumes in affinity; its stored timer falls back to the queue', async () => {
    const lmdbPath = await storeOld(
      {
        ...address,
        stage: 'direct',
        lastAgentId: 'ana',
        directSeq: 1,
        direct: { offerId: 'i1.d1', agentId: 'ana', reason: 'affinity', at: T0 },
      },
      [{ id: 'direct', dueAt: T0 + 120_000, event: { type: 'interaction.direct_expired', offerId: 'i1.d1' } }],
    );
    h = await routingHarness(baseConfig, { start: T0, lmdbPath });
    expect(h.interaction('i1')).toMatchObject({ stage: 'affinity', direct: { offerId: 'i1.d1', agentId: 'ana' } });
    expect(h.interaction('i1')).not.toHaveProperty('direct.reason');
    await h.send('agent', 'bob', { type: 'agent.logged_in' });
    await h.advance(120_000);
    expect(h.interaction('i1')).toMatchObject({
      stage: 'queued',
      fallback: { agentId: 'ana', reason: 'affinity_timeout' },
    });
    expect(Object.values(h.agent('bob').offers)).toEqual([expect.objectContaining({ interactionId: 'i1' })]);
    expect([...h.host.timersOf({ type: 'interaction', key: 'i1' }).keys()]).toEqual([]);
  });

  it('a connected interaction resumes connected; its stored inactivity timer re-queues it', async () => {
    const lmdbPath = await storeOld(
      { ...address, stage: 'connected', agentId: 'cy', lastAgentId: 'cy', directSeq: 0 },
      [{ id: 'inactivity', dueAt: T0 + 600_000, event: { type: 'interaction.inactivity_expired' } }],
    );
    h = await routingHarness(
      {
        ...baseConfig,
        queues: [{ id: 'support', inactivity: { timeoutSeconds: 600, action: 'requeue' } }, baseConfig.queues![1]],
      },
      { start: T0, lmdbPath },
    );
    expect(h.interaction('i1').stage).toBe('connected');
    await h.advance(600_000);
    expect(h.interaction('i1').stage).toBe('queued');
    expect(h.bus.toConversation('interaction.disconnected')).toEqual([
      expect.objectContaining({ interactionId: 'i1', agentId: 'cy' }),
    ]);
  });

  it('a waiting interaction resumes waiting: the customer returns to the last agent first', async () => {
    const lmdbPath = await storeOld({ ...address, stage: 'waiting', lastAgentId: 'ana', directSeq: 0 }, []);
    h = await routingHarness(baseConfig, { start: T0, lmdbPath });
    await h.send('agent', 'ana', { type: 'agent.logged_in' });
    await h.send('interaction', 'i1', {
      type: 'interaction.customer_returned',
      interactionId: 'i1',
      message: { text: 'me again' },
      lastAgentId: 'ana',
    });
    expect(h.interaction('i1').stage).toBe('affinity');
    expect(Object.values(h.agent('ana').offers)).toEqual([
      expect.objectContaining({ interactionId: 'i1', direct: true }),
    ]);
  });

  it('every old stage maps to a state of the statechart', async () => {
    const stages = ['new', 'queued', 'connected', 'wrapup', 'waiting', 'abandoned', 'closed', 'unroutable'];
    for (const stage of stages) {
      const lmdbPath = await storeOld({ ...address, stage, directSeq: 0 }, []);
      h = await routingHarness(baseConfig, { start: T0, lmdbPath });
      expect(h.interaction('i1').stage).toBe(stage);
      expect(h.interaction('i1')).not.toHaveProperty('stage', undefined);
      await h.stop();
      h = undefined;
    }
  });
});

describe('queue snapshots of the old shape (one unnamed state)', () => {
  it('a queue with someone in line resumes waiting, offers on the next agent, and empties when answered', async () => {
    const entry = {
      interactionId: 'i1',
      conversationKey: 'whatsapp:wa1:u1',
      score: T0 - 60_000,
      enqueuedAt: T0 - 60_000,
      priority: 0,
      skills: [],
      mediaType: 'message',
      declinedBy: [],
    };
    const stats = {
      enqueued: 1,
      offered: 0,
      answered: 0,
      answeredInServiceLevel: 0,
      abandoned: 0,
      declined: 0,
      timedOut: 0,
      refused: 0,
    };
    const lmdbPath = await storeOld({ queueId: 'support', waiting: [entry], agents: {}, offerSeq: 0, stats }, [], {
      type: 'queue',
      key: 'support',
    });
    h = await routingHarness(baseConfig, { start: T0, lmdbPath });
    expect(h.host.read({ type: 'queue', key: 'support' })?.value).toBe('waiting');
    await h.send('agent', 'cy', { type: 'agent.logged_in' });
    const [offer] = Object.values(h.agent('cy').offers);
    expect(offer).toMatchObject({ interactionId: 'i1', queueId: 'support' });
    await h.send('agent', 'cy', { type: 'agent.offer_accepted', offerId: offer.offerId });
    expect(h.host.read({ type: 'queue', key: 'support' })?.value).toBe('empty');
    expect(h.queue('support').stats).toMatchObject({ answered: 1, offered: 1 });
  });

  it('an empty queue resumes empty', async () => {
    const lmdbPath = await storeOld({ queueId: 'billing', waiting: [], agents: {}, offerSeq: 3, stats: {} }, [], {
      type: 'queue',
      key: 'billing',
    });
    h = await routingHarness(baseConfig, { start: T0, lmdbPath });
    expect(h.host.read({ type: 'queue', key: 'billing' })?.value).toBe('empty');
  });
});
