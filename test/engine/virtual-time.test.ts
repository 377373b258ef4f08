import { join } from 'node:path';
import { AckPolicy, nanos } from 'nats';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../engine/logger.js';
import { connectNats } from '../../engine/nats-bus.js';
import { startEngineNode } from '../../engine/node.js';
import { interactionStage } from '../../machines/interaction.machine.js';
import { STREAMS, subjects } from '../../protocol/subjects.js';
import { encode } from '../../protocol/wire.js';
import { headersFor, testAuthority } from '../support/auth.js';
import { tempDir } from '../support/tmp.js';
import { type Call, until, whatsappStack } from '../support/whatsapp-stack.js';

const SECOND = 1_000;

/** One queue, one agent; affinity gives up after 60 s, so the agent's own offer alerts 61 s. */
const routing = {
  queues: [
    {
      id: 'support',
      alertingTimeoutSeconds: 60,
      acw: { mode: 'mandatory' },
      affinity: { mode: 'any_queue', timeoutSeconds: 60 },
    },
  ],
  agents: [{ id: 'ana', queues: ['support'] }],
  flows: [{ integrationId: '*', defaultQueueId: 'support' }],
};

type Stack = Awaited<ReturnType<typeof whatsappStack>>;

async function offersOf(call: Call, agent: string): Promise<Record<string, any>[]> {
  return (await call('GET', `/agents/${agent}`)).json.offers;
}

/**
 * Ana handles a customer and wraps up; the customer writes again, so the interaction offers it
 * to her (affinity, 60 s) and her offer alerts for 61 s. She does not answer. `pass61s` lets
 * 61 s go by; then what Ana, the interaction and the queue look like is returned.
 */
async function affinityScenario(s: Stack, pass61s: (offerAt: number) => Promise<void>) {
  const { call } = s;
  expect((await call('PUT', '/admin/routing/config', routing)).status).toBe(200);
  expect((await call('POST', '/agents/ana/login')).json).toMatchObject({ presence: 'available' });
  await s.customerWrites('Hello, my order is late');
  const [first] = await until('an offer to ana', () => offersOf(call, 'ana').then((o) => (o.length ? o : undefined)));
  const accepted = await call('POST', `/agents/ana/offers/${first.offerId}/accept`);
  const interactionId = accepted.json.interactionId as string;
  await call('POST', `/agents/ana/interactions/${interactionId}/wrapup`, { code: 'Processed' });
  const key = s.conversationKey();
  await until('the conversation to see the wrap-up', async () => {
    const conv = (await call('GET', `/conversations/${encodeURIComponent(key)}`)).json;
    return conv.current?.lastAgentId === 'ana' && !conv.current?.agentId;
  });

  await s.customerWrites('Me again, one more thing');
  const [direct] = await until('the affinity offer to ana', () =>
    offersOf(call, 'ana').then((o) => (o.some((x) => x.direct) ? o : undefined)),
  );
  expect(direct).toMatchObject({ direct: true, interactionId });
  await pass61s(direct.at);
  await s.engine.settle();

  const agent = (await call('GET', '/agents/ana')).json;
  const snapshot = (await call('GET', `/admin/actors/interaction/${interactionId}`)).json.snapshot;
  const interaction = snapshot.context;
  const queue = (await call('GET', '/admin/queues/support')).json;
  return {
    presence: agent.presence,
    offers: agent.offers.map((o: Record<string, any>) => ({ interactionId: o.interactionId, direct: o.direct })),
    stats: agent.stats,
    interaction: { stage: interactionStage(snapshot), fallback: interaction.fallback?.reason },
    queue: { waiting: queue.waiting, offering: queue.offering },
  };
}

describe('virtual time', () => {
  it('survives a restart: now resumes from the data dir and a timer set before it fires when its time comes', async () => {
    const dataDir = join(tempDir(), 'engine');
    let before: number;
    {
      const s = await whatsappStack({ dataDir, virtualClock: true });
      try {
        expect((await s.call('PUT', '/admin/routing/config', routing)).status).toBe(200);
        await s.call('POST', '/agents/ana/login');
        await s.customerWrites('Hello?');
        await until('an offer to ana', () => offersOf(s.call, 'ana').then((o) => (o.length ? o : undefined)));
        // Half of the 60 s alerting timeout passes before the engine stops.
        before = (await s.call('POST', '/admin/clock/advance', { ms: 30 * SECOND })).json.now;
      } finally {
        await s.stop();
      }
    }
    const s = await whatsappStack({ dataDir, virtualClock: true });
    try {
      const clock = (await s.call('GET', '/admin/clock')).json;
      expect(clock).toMatchObject({ virtual: true });
      expect(clock.now).toBeGreaterThanOrEqual(before);
      const [offer] = await offersOf(s.call, 'ana');
      expect(offer.expiresAt - clock.now).toBe(30 * SECOND);

      // The other half: the offer times out (RONA) exactly then, not 30 s or a day later.
      await s.call('POST', '/admin/clock/advance', { ms: 30 * SECOND - 1 });
      expect((await s.call('GET', '/agents/ana')).json).toMatchObject({ presence: 'available', offers: [offer] });
      await s.call('POST', '/admin/clock/advance', { ms: 1 });
      expect((await s.call('GET', '/agents/ana')).json).toMatchObject({
        presence: 'not_ready',
        offers: [],
        stats: { timedOut: 1 },
      });
    } finally {
      await s.stop();
    }
  });

  it('is causal: advance(61 s) ≡ advance(60 s) + advance(1 s) ≡ 61 s of real time (affinity 60 s vs alerting 61 s)', {
    timeout: 180_000,
  }, async () => {
    const root = tempDir();
    const [once, twice, real] = await Promise.all([
      whatsappStack({ dataDir: join(root, 'once'), virtualClock: true }),
      whatsappStack({ dataDir: join(root, 'twice'), virtualClock: true }),
      whatsappStack({ dataDir: join(root, 'real'), virtualClock: false }),
    ]);
    try {
      const results = await Promise.all([
        affinityScenario(once, async () => {
          await once.call('POST', '/admin/clock/advance', { ms: 61 * SECOND });
        }),
        affinityScenario(twice, async () => {
          await twice.call('POST', '/admin/clock/advance', { ms: 60 * SECOND });
          await twice.call('POST', '/admin/clock/advance', { ms: SECOND });
        }),
        // The wall clock: wait until 61 s (and a margin for the last hop) have passed since the offer.
        affinityScenario(real, (offerAt) =>
          until('61 s of real time', () => Date.now() >= offerAt + 62 * SECOND, 90_000).then(() => undefined),
        ),
      ]);
      // Affinity gave up at 60 s and rescinded Ana's offer before her 61 s alerting timeout:
      // no RONA, and the queue offered the interaction to her again, as a normal offer.
      const expected = {
        presence: 'available',
        offers: [{ interactionId: expect.any(String), direct: false }],
        stats: expect.objectContaining({ timedOut: 0, rescinded: 1 }),
        interaction: { stage: 'queued', fallback: 'affinity_timeout' },
        queue: { waiting: 1, offering: 1 },
      };
      const [a, b, c] = results;
      expect(a).toEqual(expected);
      expect(b).toEqual(a);
      expect(c).toEqual(a);
    } finally {
      await Promise.all([once.stop(), twice.stop(), real.stop()]);
    }
  });

  it('answers clock_not_settled, naming what is in flight, when an advance cannot settle; then advances', async () => {
    const node = await startEngineNode({
      dataDir: join(tempDir(), 'engine'),
      httpPort: 0,
      virtualClock: true,
      settleTimeoutMs: 300,
      logger: createLogger({ level: 'silent' }),
      auth: testAuthority(),
    });
    // A delivery worker that took an outbound message and hangs on it (its provider never answers).
    const nc = await connectNats(node.engine.natsUrl, 'stuck-gateway', {
      credsFile: node.engine.embeddedNatsCredentials!.engineFile,
    });
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.consumers.add(STREAMS.effects.name, {
        durable_name: 'sb-gw-whatsapp',
        filter_subject: subjects.outbound('whatsapp'),
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(60_000),
      });
      const js = nc.jetstream();
      await js.publish(subjects.outbound('whatsapp'), encode({ id: 'o1', channel: 'whatsapp', text: 'hi' }));
      const held = await (await js.consumers.get(STREAMS.effects.name, 'sb-gw-whatsapp')).next();
      expect(held).not.toBeNull();

      const admin = await headersFor('admin');
      const advance = () =>
        fetch(`http://127.0.0.1:${node.httpPort}/admin/clock/advance`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...admin },
          body: JSON.stringify({ ms: 60 * SECOND }),
        }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, any> }));
      const before = node.engine.clock.now();
      const stuck = await advance();
      expect(stuck.status).toBe(503);
      expect(stuck.json.error.code).toBe('clock_not_settled');
      expect(stuck.json.error.message).toMatch(/consumer sb-gw-whatsapp: 0 not delivered, 1 unacknowledged/);
      expect(stuck.json.error.details).toMatchObject({ now: before });

      held!.ack();
      const ok = await advance();
      expect(ok).toMatchObject({ status: 200, json: { now: before + 60 * SECOND } });
    } finally {
      await nc.close();
      await node.stop();
    }
  });
});
