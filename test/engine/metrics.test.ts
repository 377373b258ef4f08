/**
 * Prometheus `/metrics` on the engine and the gateway: the text exposition parses strictly
 * (test/support/prometheus.ts) and its values move as a scenario runs — a webhook accepted and
 * published, an offer accepted, an offer left to ring into RONA, a customer waiting, agents by
 * presence, durable timers, a garbage message moved to dead letters. The engine's answers only
 * a monitor key (or an admin); the gateway's listens on its own loopback port, apart from the
 * webhooks. A real engine, gateway and nats-server in virtual time.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PARTITIONS } from '../../protocol/partition.js';
import { subjects } from '../../protocol/subjects.js';
import { headersFor } from '../support/auth.js';
import { parseExposition, type Exposition } from '../support/prometheus.js';
import { tempDir } from '../support/tmp.js';
import { until, whatsappStack } from '../support/whatsapp-stack.js';

const routing = {
  queues: [
    { id: 'support', alertingTimeoutSeconds: 30 },
    { id: 'sales', alertingTimeoutSeconds: 30 },
  ],
  agents: [
    { id: 'ana', queues: ['support'] },
    { id: 'bob', queues: ['sales'] },
  ],
  flows: [{ integrationId: '*', defaultQueueId: 'support' }],
};

describe('Prometheus metrics', () => {
  let s: Awaited<ReturnType<typeof whatsappStack>>;
  beforeAll(async () => {
    s = await whatsappStack({ dataDir: join(tempDir(), 'e'), virtualClock: true, gatewayMetrics: true });
    expect((await s.call('PUT', '/admin/routing/config', routing)).status).toBe(200);
  });
  afterAll(async () => {
    await s?.stop();
  });

  const engineMetrics = async (): Promise<Exposition> => {
    const res = await fetch(`http://127.0.0.1:${s.node.httpPort}/metrics`, { headers: await headersFor('monitor') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return parseExposition(await res.text());
  };
  const gatewayMetrics = async (): Promise<Exposition> => {
    const res = await fetch(`http://127.0.0.1:${s.gateway.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    return parseExposition(await res.text());
  };
  const advance = async (ms: number) => expect((await s.call('POST', '/admin/clock/advance', { ms })).status).toBe(200);
  const offerTo = (agent: string) =>
    until(
      `an offer to ${agent}`,
      async () => (await s.call('GET', `/agents/${agent}`)).json.offers?.[0] as { offerId: string },
    );

  it('only a monitor key or an admin reads the engine metrics; the gateway serves them apart from its webhooks', async () => {
    const url = `http://127.0.0.1:${s.node.httpPort}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: await headersFor('supervisor') })).status).toBe(403);
    expect((await fetch(url, { headers: await headersFor('admin') })).status).toBe(200);
    expect(s.gateway.metricsPort).not.toBe(s.gateway.port);
    expect((await fetch(`http://127.0.0.1:${s.gateway.port}/metrics`)).status).toBe(404);
  });

  it('moves as the scenario runs', async () => {
    const m0 = await engineMetrics();
    // Every family the operators' dashboards use is there before any traffic.
    for (const family of [
      'switchboard_events_total',
      'switchboard_commit_duration_seconds',
      'switchboard_commit_batch_size',
      'switchboard_outbox_depth',
      'switchboard_timers',
      'switchboard_actors_active',
      'switchboard_actor_passivations_total',
      'switchboard_consumer_lag',
      'switchboard_dead_letters_total',
      'switchboard_offers_total',
      'switchboard_queue_waiting',
      'switchboard_agents',
    ])
      expect(m0.types.has(family), family).toBe(true);
    // One lag series per partition, lane and state.
    expect(m0.samples.filter((x) => x.name === 'switchboard_consumer_lag')).toHaveLength(DEFAULT_PARTITIONS * 2 * 2);
    expect(m0.value('switchboard_agents{presence="offline"}')).toBe(2);
    expect(m0.value('switchboard_queue_waiting{queue="support",state="waiting"}')).toBe(0);
    const applied0 = m0.value('switchboard_events_total{result="applied"}') ?? 0;
    const commits0 = m0.value('switchboard_commit_batch_size_count') ?? 0;

    // Ana logs in; a customer writes: the webhook is counted and timed, ana is offered it.
    expect((await s.call('POST', '/agents/ana/login')).status).toBe(200);
    await s.customerWrites('hello', { from: '15550000101' });
    const first = await offerTo('ana');
    const m1 = await engineMetrics();
    expect(m1.value('switchboard_agents{presence="available"}')).toBe(1);
    expect(m1.value('switchboard_agents{presence="offline"}')).toBe(1);
    expect(m1.value('switchboard_queue_waiting{queue="support",state="offering"}')).toBe(1);
    expect(m1.value('switchboard_queue_waiting{queue="sales"}')).toBe(0);
    // The offer's alerting timeout is a durable timer.
    expect(m1.value('switchboard_timers{state="pending"}')).toBeGreaterThanOrEqual(1);
    expect(m1.value('switchboard_timers{state="overdue"}')).toBe(0);
    expect(m1.value('switchboard_events_total{result="applied"}')).toBeGreaterThan(applied0);
    expect(m1.value('switchboard_commit_batch_size_count')).toBeGreaterThan(commits0);
    // A commit is counted by size when it starts and timed when it is durable: one may be in flight.
    expect(m1.value('switchboard_commit_duration_seconds_count')).toBeGreaterThan(commits0);
    expect(m1.value('switchboard_commit_duration_seconds_count')).toBeLessThanOrEqual(
      m1.value('switchboard_commit_batch_size_count')!,
    );
    expect(m1.value('switchboard_actors_active')).toBeGreaterThan(0);
    const g1 = await gatewayMetrics();
    expect(g1.value('switchboard_gateway_webhooks_total{channel="whatsapp",status="200"}')).toBe(1);
    expect(g1.value('switchboard_gateway_publish_duration_seconds_count{channel="whatsapp",result="ok"}')).toBe(1);

    // Ana accepts: one accepted offer; nothing waits in the queue any more.
    expect((await s.call('POST', `/agents/ana/offers/${first.offerId}/accept`)).status).toBe(200);
    const m2 = await until('the accepted offer counted', async () => {
      const m = await engineMetrics();
      return m.value('switchboard_offers_total{outcome="accepted"}') === 1 ? m : undefined;
    });
    expect(m2.value('switchboard_queue_waiting{queue="support"}')).toBe(0);

    // A second customer's offer rings 30 s unanswered: RONA, and ana is set not ready.
    await s.customerWrites('anyone?', { from: '15550000102' });
    await until('the second offer', async () => {
      const offers = (await s.call('GET', '/agents/ana')).json.offers as { offerId: string }[] | undefined;
      return offers?.some((o) => o.offerId !== first.offerId);
    });
    await advance(31_000);
    const m3 = await until('the RONA counted', async () => {
      const m = await engineMetrics();
      return m.value('switchboard_offers_total{outcome="timed_out"}') === 1 ? m : undefined;
    });
    expect(m3.value('switchboard_agents{presence="not_ready"}')).toBe(1);
    expect(m3.value('switchboard_queue_waiting{queue="support",state="waiting"}')).toBe(1);

    // A bad signature is counted under its status; a path that is not a channel under "unknown".
    const bad = await fetch(`http://127.0.0.1:${s.gateway.port}/webhooks/whatsapp/wa1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=00' },
      body: '{}',
    });
    expect(bad.status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${s.gateway.port}/webhooks/nowhere/x`, { method: 'POST' })).status).toBe(404);
    const g2 = await gatewayMetrics();
    expect(g2.value('switchboard_gateway_webhooks_total{channel="whatsapp",status="401"}')).toBe(1);
    expect(g2.value('switchboard_gateway_webhooks_total{channel="unknown",status="404"}')).toBe(1);
    expect(g2.value('switchboard_gateway_webhooks_total{channel="whatsapp",status="200"}')).toBe(2);

    // A message that is not an envelope goes to dead letters, counted by its reason.
    await s.engine.nc.jetstream().publish(subjects.actor(3), new TextEncoder().encode('not msgpack'));
    const m4 = await until('the dead letter counted', async () => {
      const m = await engineMetrics();
      return m.value('switchboard_dead_letters_total{code="envelope_invalid"}') === 1 ? m : undefined;
    });
    // No label carries a customer: no phone number or conversation key anywhere in the exposition.
    for (const x of [...m4.samples, ...g2.samples])
      for (const v of Object.values(x.labels)) expect(v, `${x.name} ${JSON.stringify(x.labels)}`).not.toMatch(/1555|:/);
  });
});
