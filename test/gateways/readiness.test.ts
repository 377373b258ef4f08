/**
 * The gateway's health as an operator sees it (item 14): `/readyz` false with the reason while NATS is
 * unreachable or Switchboard's streams are missing, `/healthz` honest about it, one start log line saying what
 * is missing and how to fix it, and 503 answers that say why.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { connectNats, ensureStreams } from '../../engine/nats-bus.js';
import { freePort, startNatsServer } from '../../engine/nats-server.js';
import { parseGatewayConfig } from '../../gateways/config.js';
import { startGateway } from '../../gateways/gateway.js';
import { tempDir } from '../support/tmp.js';
import { metaSignature } from './support.js';

const SECRET = 'ready_secret';
const config = parseGatewayConfig({ integrations: [{ id: 'wa1', channel: 'whatsapp', secret: SECRET }] });
const webhook = JSON.stringify({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: 'waba',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { phone_number_id: 'p' },
            messages: [
              { from: '15550001', id: 'wamid.ready1', timestamp: '1749416383', type: 'text', text: { body: 'hi' } },
            ],
          },
        },
      ],
    },
  ],
});

/** A pino logger whose JSON lines are kept for assertions. */
function capturedLogger() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

async function get(port: number, path: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

async function until<T>(what: string, pred: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('gateway health and readiness', () => {
  it('on a NATS without the streams: not ready with the fix, 503 that says why; ready once an engine creates them', async () => {
    const server = await startNatsServer({ dir: join(tempDir('sb-ready-'), 'nats') });
    const { logger, lines } = capturedLogger();
    const gw = await startGateway({ config, natsUrl: server.url, httpPort: 0, logger, publishBudgetMs: 300 });
    try {
      const start = lines.filter((l) => /gateway listening/.test(l.msg));
      expect(start).toHaveLength(1);
      expect(start[0]).toMatchObject({ level: 40, ready: false, code: 'streams_missing' });
      expect(start[0]!.msg).toMatch(/SB_ACTORS.*start an engine on this NATS \(switchboard engine --nats /);
      const ready = await get(gw.port, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({
        status: 'not_ready',
        ready: false,
        nats: 'connected',
        streams: { SB_ACTORS: false, SB_EFFECTS: false },
        error: { code: 'streams_missing' },
      });
      const health = await get(gw.port, '/healthz');
      expect(health.status).toBe(200); // the process is alive
      expect(health.json).toMatchObject({ status: 'degraded', ready: false, error: { code: 'streams_missing' } });
      const res = await fetch(`http://127.0.0.1:${gw.port}/webhooks/whatsapp/wa1`, {
        method: 'POST',
        body: webhook,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(webhook, SECRET) },
      });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
        /no SB_ACTORS, SB_EFFECTS stream/,
      );

      // An engine creates the streams: the gateway becomes ready by itself and accepts the webhook.
      const admin = await connectNats(server.url, 'test-admin');
      await ensureStreams(await admin.jetstreamManager());
      await admin.close();
      await until('ready', async () => ((await get(gw.port, '/readyz')).status === 200 ? true : undefined));
      expect((await get(gw.port, '/healthz')).json).toMatchObject({ status: 'ok', ready: true, nats: 'connected' });
      const ok = await fetch(`http://127.0.0.1:${gw.port}/webhooks/whatsapp/wa1`, {
        method: 'POST',
        body: webhook,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(webhook, SECRET) },
      });
      expect(ok.status).toBe(200);
      expect(lines.some((l) => /gateway ready/.test(l.msg))).toBe(true);

      // NATS goes away: not ready, reason given; healthz no longer says ok.
      await server.kill();
      await until('not ready after NATS died', async () => {
        const r = await get(gw.port, '/readyz');
        return r.status === 503 && r.json.error?.code === 'nats_unreachable' ? true : undefined;
      });
      expect((await get(gw.port, '/healthz')).json).toMatchObject({ status: 'degraded', nats: 'disconnected' });
    } finally {
      await gw.stop();
      await server.stop();
    }
  });

  it('started before NATS is reachable: serves /readyz false at once and says in its log how to fix it', async () => {
    const { logger, lines } = capturedLogger();
    const [natsPort, httpPort] = [await freePort(), await freePort()];
    const starting = startGateway({
      config,
      natsUrl: `nats://127.0.0.1:${natsPort}`,
      httpPort,
      logger,
      deliver: false,
    });
    const early = await until('readyz served', async () => get(httpPort, '/readyz').catch(() => undefined));
    expect(early).toMatchObject({ status: 503, json: { ready: false, error: { code: 'nats_unreachable' } } });
    expect(early.json.error.message).toMatch(/cannot reach NATS at nats:\/\/127\.0\.0\.1:\d+: start nats-server/);
    const warned = await until('the start warning', async () => lines.find((l) => /not ready/.test(l.msg)));
    expect(warned).toMatchObject({ level: 40, code: 'nats_unreachable' });
    const server = await startNatsServer({ dir: join(tempDir('sb-ready-'), 'nats'), port: natsPort });
    const gw = await starting;
    try {
      expect(lines.filter((l) => /gateway listening/.test(l.msg))).toEqual([
        expect.objectContaining({ ready: false, code: 'streams_missing' }),
      ]);
    } finally {
      await gw.stop();
      await server.stop();
    }
  });
});
