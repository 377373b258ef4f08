/**
 * Reports in virtual time with a known answer: two customers in two 15-minute intervals, chosen
 * wait, talk and wrap-up times; every figure of the JSON and CSV queue report equals the table
 * written here, and the real-time board follows. A real engine, gateway and nats-server.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAMS } from '../../protocol/subjects.js';
import { autoHeaders } from '../support/auth.js';
import { tempDir } from '../support/tmp.js';
import { until, whatsappStack } from '../support/whatsapp-stack.js';

const S = 1_000;
const Q = 15 * 60 * S;
const routing = {
  queues: [{ id: 'support', serviceLevelSeconds: 60, alertingTimeoutSeconds: 600, acw: { mode: 'mandatory' } }],
  agents: [{ id: 'ana', queues: ['support'] }],
  wrapupCodes: ['Processed', 'Sale'],
  notReadyReasons: ['Break', 'RONA'],
  flows: [{ integrationId: '*', defaultQueueId: 'support' }],
};

describe('reports', () => {
  let s: Awaited<ReturnType<typeof whatsappStack>>;
  let t0 = 0;
  beforeAll(async () => {
    s = await whatsappStack({ dataDir: join(tempDir(), 'e'), virtualClock: true });
  });
  afterAll(async () => {
    await s?.stop();
  });
  const advance = async (ms: number) => expect((await s.call('POST', '/admin/clock/advance', { ms })).status).toBe(200);
  const offer = () =>
    until('an offer to ana', async () => (await s.call('GET', '/agents/ana')).json.offers?.[0] as { offerId: string });

  /** One customer: waits `waitMs` in queue, talks `talkMs`, wrap-up `acwMs` with `code`. */
  async function handle(from: string, waitMs: number, talkMs: number, acwMs: number, code: string) {
    await s.customerWrites('hello', { from });
    const o = await offer();
    await advance(waitMs);
    const acc = await s.call('POST', `/agents/ana/offers/${o.offerId}/accept`);
    expect(acc.status).toBe(200);
    const iid = acc.json.interactionId as string;
    await advance(talkMs);
    expect((await s.call('POST', `/agents/ana/interactions/${iid}/end`)).status).toBe(200);
    await advance(acwMs);
    expect((await s.call('POST', `/agents/ana/interactions/${iid}/wrapup`, { code })).status).toBe(200);
    await advance(0);
  }

  it('computes every queue figure of a known scenario, in JSON and CSV', async () => {
    expect((await s.call('PUT', '/admin/routing/config', routing)).status).toBe(200);
    const now = s.engine.clock.now();
    t0 = Math.ceil(now / (2 * Q)) * 2 * Q + 2 * Q;
    await advance(t0 - now);
    expect((await s.call('POST', '/agents/ana/login')).status).toBe(200);
    // Interval 1: waits 20 s (in SL), talks 120 s, wraps up 30 s.
    await handle('15550000001', 20 * S, 120 * S, 30 * S, 'Processed');
    await advance(t0 + Q - s.engine.clock.now());
    // Interval 2: waits 90 s (out of SL), talks 60 s, wraps up 10 s.
    await handle('15550000002', 90 * S, 60 * S, 10 * S, 'Sale');

    const from = new Date(t0).toISOString();
    const to = new Date(t0 + 2 * Q).toISOString();
    const expected = [
      { offered: 1, answered: 1, answeredInSl: 1, serviceLevelPct: 100, asaMs: 20_000, handled: 1, ahtMs: 150_000 },
      { offered: 1, answered: 1, answeredInSl: 0, serviceLevelPct: 0, asaMs: 90_000, handled: 1, ahtMs: 70_000 },
    ];
    const json = await until('both intervals counted', async () => {
      const r = await s.call('GET', `/reports/queues?from=${from}&to=${to}&interval=15`);
      return r.json.rows?.[1]?.wrapups === 1 ? r.json : undefined;
    });
    expect(json.rows).toHaveLength(2);
    // The projection never reads SB_EFFECTS: its records expiring (here purged) changes no figure.
    const jsm = await s.engine.nc.jetstreamManager();
    await jsm.streams.purge(STREAMS.effects.name, { filter: 'sb.record.>' });
    await advance(0);
    expect((await s.call('GET', `/reports/queues?from=${from}&to=${to}&interval=15`)).json.rows).toEqual(json.rows);
    expected.forEach((e, i) => {
      expect(json.rows[i]).toMatchObject({
        queueId: 'support',
        abandoned: 0,
        wrapups: 1,
        avgAcwMs: i === 0 ? 30_000 : 10_000,
        avgTalkMs: i === 0 ? 120_000 : 60_000,
        ...e,
      });
    });
    expect(json.rows[0].interval).toBe(new Date(t0).toISOString().replace('.000Z', 'Z'));

    // The same figures as CSV (header row, CRLF), and a 30-minute row that sums both intervals.
    const csv = await fetch(
      `http://127.0.0.1:${s.node.httpPort}/reports/queues?from=${from}&to=${to}&interval=15&format=csv`,
      { headers: await autoHeaders('/reports/queues') },
    );
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).split('\r\n').filter(Boolean);
    const header = lines[0]!.split(',');
    const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])));
    expect(rows).toHaveLength(2);
    expected.forEach((e, i) => {
      for (const [k, v] of Object.entries(e)) expect(rows[i]![k], k).toBe(String(v));
    });
    const half = await s.call('GET', `/reports/queues?from=${from}&to=${to}&interval=30`);
    const sumRow = half.json.rows.find((r: { offered: number }) => r.offered > 0);
    expect(sumRow).toMatchObject({ offered: 2, answered: 2, answeredInSl: 1, serviceLevelPct: 50, asaMs: 55_000 });

    const codes = await s.call('GET', `/reports/wrapup-codes?from=${from}&to=${to}&interval=day`);
    expect(codes.json.rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'Processed', count: 1, acwMs: 30_000 }),
        expect.objectContaining({ code: 'Sale', count: 1, acwMs: 10_000 }),
      ]),
    );
    const agents = await s.call('GET', `/reports/agents?from=${from}&to=${to}&interval=day`);
    expect(agents.json.rows[0]).toMatchObject({
      agentId: 'ana',
      answered: 2,
      handled: 2,
      talkMs: 180_000,
      acwMs: 40_000,
    });
  });

  it('shows the realtime board and refuses a bad query with a reason', async () => {
    expect((await s.call('POST', '/agents/ana/presence', { presence: 'not_ready', reason: 'Break' })).status).toBe(200);
    const board = await until('ana not ready on the board', async () => {
      const r = await s.call('GET', '/reports/realtime/agents');
      return r.json.agents?.[0]?.presence === 'not_ready' ? r.json.agents[0] : undefined;
    });
    expect(board).toMatchObject({ agentId: 'ana', presence: 'not_ready' });
    const queues = await s.call('GET', '/reports/realtime/queues');
    expect(queues.json.queues[0]).toMatchObject({ queueId: 'support', waiting: 0, connected: 0 });
    const bad = await s.call('GET', '/reports/queues?tz=Mars/Olympus');
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('invalid_query');
  });

  it('pushes a board update on the SSE stream when an agent changes presence', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`http://127.0.0.1:${s.node.httpPort}/reports/realtime/events`, {
      headers: await autoHeaders('/reports/realtime/events'),
      signal: ctrl.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const next = async (want: (t: string) => boolean) => {
      while (!want(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        text += new TextDecoder().decode(value);
      }
    };
    await next((t) => t.includes('event: snapshot'));
    expect((await s.call('POST', '/agents/ana/presence', { presence: 'available' })).status).toBe(200);
    await next((t) => /event: agent\ndata: [^\n]*"presence":"available"/.test(t));
    const line = text
      .split('\n')
      .find((l) => l.startsWith('data: ') && l.includes('"agentId":"ana"') && l.includes('"presence":"available"'));
    expect(JSON.parse(line!.slice(6))).toMatchObject({ agentId: 'ana', presence: 'available', reason: null });
    // The queue's board moved with it (its agents by presence).
    await next((t) => /event: queue\ndata: [^\n]*"available":1/.test(t));
    ctrl.abort();
    await reader.cancel().catch(() => undefined);
  });
});
