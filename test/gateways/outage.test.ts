import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectNats, ensureStreams } from '../../engine/nats-bus.js';
import { startNatsServer } from '../../engine/nats-server.js';
import { parseGatewayConfig } from '../../gateways/config.js';
import { startGateway } from '../../gateways/gateway.js';
import type { Envelope } from '../../protocol/actor.js';
import { STREAMS } from '../../protocol/subjects.js';
import { decode } from '../../protocol/wire.js';
import { tempDir } from '../support/tmp.js';
import { metaSignature } from './support.js';

const SECRET = 'outage_secret';

function webhook(i: number): string {
  return JSON.stringify({
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
                {
                  from: `1555${i % 50}`,
                  id: `wamid.out${i}`,
                  timestamp: '1749416383',
                  type: 'text',
                  text: { body: `message ${i}` },
                },
              ],
            },
          },
        ],
      },
    ],
  });
}

describe('nats-server stopped while webhooks arrive', () => {
  it('answers 200 only for what JetStream stored and 503 for everything else; nothing answered 200 is lost', async () => {
    const dir = join(tempDir('sb-outage-'), 'nats');
    let server = await startNatsServer({ dir });
    const nc = await connectNats(server.url, 'test-admin');
    await ensureStreams(await nc.jetstreamManager());
    await nc.close();
    const config = parseGatewayConfig({ integrations: [{ id: 'wa1', channel: 'whatsapp', secret: SECRET }] });
    const gw = await startGateway({ config, natsUrl: server.url, httpPort: 0, deliver: false, publishBudgetMs: 500 });
    const url = `http://127.0.0.1:${gw.port}/webhooks/whatsapp/wa1`;
    const results = new Map<number, number>();
    const send = async (i: number): Promise<void> => {
      const body = webhook(i);
      const res = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, SECRET) },
      });
      results.set(i, res.status);
      await res.arrayBuffer();
    };
    // Ten concurrent senders keep webhooks arriving while the server goes down and comes back.
    let next = 0;
    let phase: 'before' | 'down' | 'after' = 'before';
    const downSeen: number[] = [];
    const senders = Array.from({ length: 10 }, async () => {
      while (next < 3_000) {
        const i = next++;
        await send(i);
        if (phase === 'down') downSeen.push(i);
      }
    });
    while (next < 200) await new Promise((r) => setTimeout(r, 10));
    await server.kill();
    phase = 'down';
    while (downSeen.length < 20) await new Promise((r) => setTimeout(r, 10));
    server = await startNatsServer({ dir, port: server.port });
    phase = 'after';
    await Promise.all(senders);
    const statuses = [...results.values()];
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    const first = new Map(results);
    // The platform retries what got 503 (and Meta may repeat some 200s): every retry is now accepted.
    const retried = [...first].filter(([, s]) => s === 503).map(([i]) => i);
    for (const i of [...retried, 0, 1, 2]) await send(i);
    expect(retried.every((i) => results.get(i) === 200)).toBe(true);
    await gw.stop();

    const admin = await connectNats(server.url, 'test-check');
    const consumer = await admin.jetstream().consumers.get(STREAMS.actors.name);
    const stored = new Set<string>();
    const total = (await (await admin.jetstreamManager()).streams.info(STREAMS.actors.name)).state.messages;
    const iter = await consumer.fetch({ max_messages: total, expires: 2_000 });
    for await (const m of iter) {
      stored.add(decode<Envelope>(m.data).id);
      if (stored.size >= total) break;
    }
    expect(stored.size).toBe(total); // no id stored twice
    const accepted = [...first].filter(([, s]) => s === 200).map(([i]) => `whatsapp:wa1:wamid.out${i}`);
    expect(accepted.filter((id) => !stored.has(id))).toEqual([]);
    // After the retries every webhook is stored exactly once.
    expect(total).toBe(3_000);
    await admin.close();
    await server.stop();
  });
});
