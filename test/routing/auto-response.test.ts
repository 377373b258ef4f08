/**
 * Schedule auto-responses reach the customer (issue: they went to conversation "" and ended in
 * dead letters). Driven as users drive it: signed WhatsApp webhooks into the gateway, the engine's
 * admin API for the routing file, and a fake WhatsApp Cloud API receiving what goes out.
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../engine/logger.js';
import { startEngineNode, type EngineNode } from '../../engine/node.js';
import { parseGatewayConfig } from '../../gateways/config.js';
import { startGateway } from '../../gateways/gateway.js';
import { startFakeProvider } from '../gateways/fake-provider.js';
import { headersFor, testAuthority } from '../support/auth.js';
import { until } from '../support/whatsapp-stack.js';
import { embeddedGatewayCredentials } from '../support/nats.js';
import { tempDir } from '../support/tmp.js';

const SECRET = 'auto-response-secret';
const SATURDAY_NOON = Date.UTC(2026, 0, 10, 12, 0);
const flow = {
  integrationId: '*',
  timeZone: 'Europe/Paris',
  defaultQueueId: 'support',
  openHours: [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' }],
  closed: { autoResponse: 'We are closed; we will answer on Monday.', action: 'route' as const },
};
const routing = (extra: Record<string, unknown> = {}) => ({
  queues: [{ id: 'support' }],
  agents: [{ id: 'ana', queues: ['support'] }],
  flows: [{ ...flow, ...extra }],
});

let node: EngineNode;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let provider: Awaited<ReturnType<typeof startFakeProvider>>;
const logger = createLogger({ level: 'silent' });

beforeAll(async () => {
  provider = await startFakeProvider((_r, n) => ({
    status: 200,
    body: { messaging_product: 'whatsapp', contacts: [], messages: [{ id: `wamid.out${n}` }] },
  }));
  node = await startEngineNode({
    dataDir: join(tempDir('sb-auto-'), 'engine'),
    httpPort: 0,
    virtualClock: true,
    virtualStart: SATURDAY_NOON,
    logger,
    auth: testAuthority(),
  });
  gateway = await startGateway({
    config: parseGatewayConfig({
      integrations: [
        {
          id: 'wa1',
          channel: 'whatsapp',
          secret: SECRET,
          credentials: { phoneNumberId: 'wa-phone', accessToken: 'wa-token' },
          sendBaseUrl: provider.url,
        },
      ],
    }),
    natsUrl: node.engine.natsUrl,
    natsCredentials: embeddedGatewayCredentials(node.engine),
    httpPort: 0,
    logger,
  });
});
afterAll(async () => {
  await gateway?.stop();
  await node?.stop();
  await provider?.close();
});

async function applyRouting(file: unknown): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${node.httpPort}/admin/routing/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(await headersFor('admin')) },
    body: JSON.stringify(file),
  });
  expect(res.status, await res.text()).toBe(200);
}

async function customerWrites(from: string, text: string): Promise<void> {
  const at = node.engine.clock.now();
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550000000', phone_number_id: 'wa-phone' },
              contacts: [{ profile: { name: 'Sam' }, wa_id: from }],
              messages: [
                {
                  from,
                  id: `wamid.in.${from}`,
                  timestamp: String(Math.floor(at / 1000)),
                  type: 'text',
                  text: { body: text },
                },
              ],
            },
          },
        ],
      },
    ],
  });
  const res = await fetch(`http://127.0.0.1:${gateway.port}/webhooks/whatsapp/wa1`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
    body,
  });
  expect(res.status).toBe(200);
}

/** The texts the fake WhatsApp API received for one customer. */
const textsTo = (to: string) =>
  provider.requests.filter((r) => r.body?.to === to && r.body?.type === 'text').map((r) => r.body.text.body as string);

const interactionOf = async (from: string) => {
  const key = encodeURIComponent(`whatsapp:wa1:${from}`);
  const res = await fetch(`http://127.0.0.1:${node.httpPort}/conversations/${key}`, {
    headers: await headersFor('supervisor'),
  });
  const conv = (await res.json()) as {
    current?: { interactionId: string };
  };
  return conv.current?.interactionId;
};

describe('schedule auto-responses, webhook in, provider out', () => {
  it('closed hours: the customer receives the closed message and the interaction is queued', async () => {
    await applyRouting(routing());
    await customerWrites('15550000001', 'Hello, anyone there?');
    expect(await until('the closed auto-response', () => textsTo('15550000001')[0])).toBe(
      'We are closed; we will answer on Monday.',
    );
    const iid = await until('the interaction', () => interactionOf('15550000001'));
    const snap = node.engine.host.read({ type: 'interaction', key: iid });
    expect(snap?.value).toBe('queued');
    expect(node.engine.host.stats.rejected).toBe(0);
  });

  it('a special day answers with its own message', async () => {
    await applyRouting(
      routing({
        specialDays: [
          { date: '2026-01-10', name: 'Founders day', autoResponse: 'Happy Founders day! We reply tomorrow.' },
        ],
      }),
    );
    await customerWrites('15550000002', 'Hi');
    expect(await until('the special-day auto-response', () => textsTo('15550000002')[0])).toBe(
      'Happy Founders day! We reply tomorrow.',
    );
  });

  it('an emergency answers first and ends the interaction', async () => {
    await applyRouting(
      routing({
        emergency: { active: true, autoResponse: 'We are handling an outage; please try later.', action: 'end' },
      }),
    );
    await customerWrites('15550000003', 'Hi');
    expect(await until('the emergency auto-response', () => textsTo('15550000003')[0])).toBe(
      'We are handling an outage; please try later.',
    );
    const iid = await until('the interaction', () => interactionOf('15550000003'));
    expect(node.engine.host.read({ type: 'interaction', key: iid })?.value).toBe('closed');
    expect(node.engine.host.stats.rejected).toBe(0);
  });
});
