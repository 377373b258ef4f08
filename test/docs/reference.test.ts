/**
 * The operators' reference cannot drift: the generated files equal what the schemas produce, every schema field has
 * a sentence, and the examples in examples/ run — the routing file is applied to a real engine and routes a signed
 * WhatsApp webhook from the example gateway config to an example agent.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  generatedDocs,
  gatewayJsonSchema,
  ROUTING_FIELDS,
  routingJsonSchema,
  schemaFields,
} from '../../engine/config/reference.js';
import { createLogger } from '../../engine/logger.js';
import { startEngineNode } from '../../engine/node.js';
import { autoHeaders, testAuthority } from '../support/auth.js';
import { readServerSentEvents } from '../../engine/sse-client.js';
import { GatewayConfigError, loadGatewayConfig, parseGatewayConfig } from '../../gateways/config.js';
import { startGateway } from '../../gateways/gateway.js';
import { CHANNELS } from '../../protocol/channels.js';
import { metaSignature } from '../gateways/support.js';
import { useNatsServer } from '../support/nats.js';
import { tempDir } from '../support/tmp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** Waits (wall clock, for asynchronous delivery only) until `pred` finds something. */
async function until<T>(what: string, pred: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('configuration reference', () => {
  it('docs/configuration.md and docs/schema/*.json are what the schemas generate (run `npm run docs`)', () => {
    for (const [file, text] of Object.entries(generatedDocs())) {
      expect(read(file), `${file} is stale: run npm run docs`).toBe(text);
    }
  });

  it('every routing-file field has a sentence, and every sentence names a field', () => {
    const paths = schemaFields(routingJsonSchema()).map((f) => f.path);
    expect(paths.filter((p) => !Object.hasOwn(ROUTING_FIELDS, p))).toEqual([]);
    expect(Object.keys(ROUTING_FIELDS).filter((p) => !paths.includes(p))).toEqual([]);
  });

  it('every gateway field of every channel has a description', () => {
    const undescribed = schemaFields(gatewayJsonSchema())
      .filter(
        (f) =>
          !f.schema.description &&
          !['integrations[].channel', 'integrations[].credentials', 'integrations[].options'].includes(f.path),
      )
      .map((f) => f.path);
    expect(undescribed).toEqual([]);
    const doc = read('docs/configuration.md');
    for (const ch of CHANNELS) expect(doc).toContain(`### \`${ch}\``);
  });

  it('a misspelt credential or option is refused at start with its path', () => {
    const bad = (integration: object) => () => parseGatewayConfig({ integrations: [integration] });
    expect(bad({ id: 'wa', channel: 'whatsapp', secret: 's', credentials: { acessToken: 't' } })).toThrow(
      /integrations\.0\.credentials: Unrecognized key: "acessToken"/,
    );
    expect(bad({ id: 'w', channel: 'web', secret: 's', options: { allowedOrigin: ['x'] } })).toThrow(
      GatewayConfigError,
    );
    expect(bad({ id: 'x', channel: 'sms', secret: 's', options: { statusCallbackUrl: 'not a url' } })).toThrow(
      /integrations\.0\.options\.statusCallbackUrl/,
    );
  });
});

describe('examples that run', () => {
  const nats = useNatsServer();

  it('examples/routing.json applies to a real engine and examples/gateway.json routes a signed webhook to an agent', async () => {
    const gatewayConfig = loadGatewayConfig(join(root, 'examples/gateway.json'));
    expect(new Set(gatewayConfig.integrations.map((i) => i.channel))).toEqual(new Set(CHANNELS));
    const routing = JSON.parse(read('examples/routing.json'));

    const node = await startEngineNode({
      dataDir: tempDir(),
      httpPort: 0,
      natsUrl: nats.server.url,
      virtualClock: true,
      logger: createLogger({ level: 'silent' }),
      auth: testAuthority(),
    });
    const gw = await startGateway({ config: gatewayConfig, natsUrl: nats.server.url, httpPort: 0, deliver: false });
    const base = `http://127.0.0.1:${node.httpPort}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(base + path, {
        method,
        headers: { 'content-type': 'application/json', ...(await autoHeaders(path)) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as Record<string, any> };
    };
    let feed: ReturnType<typeof readServerSentEvents> | undefined;
    try {
      const applied = await call('PUT', '/admin/routing/config', routing);
      expect(applied.status, JSON.stringify(applied.json)).toBe(200);
      feed = readServerSentEvents(`${base}/agents/ana/events`, await autoHeaders('/agents/ana'));
      const events = feed.events;

      // A Tuesday at 10:00 in Madrid: open hours, so no auto-response; "factura" goes to billing (ana has billing 5).
      const tuesday10 = Date.parse('2026-12-01T09:00:00Z');
      await call('POST', '/admin/clock/advance', { ms: Math.max(0, tuesday10 - node.engine.clock.now()) });
      expect((await call('POST', '/agents/ana/login')).status).toBe(200);
      expect((await call('POST', '/agents/ana/presence', { presence: 'available' })).status).toBe(200);

      const wa = gatewayConfig.integrations.find((i) => i.channel === 'whatsapp')!;
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: 'waba',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { phone_number_id: wa.credentials.phoneNumberId },
                  contacts: [{ profile: { name: 'Customer' }, wa_id: '34600000001' }],
                  messages: [
                    {
                      from: '34600000001',
                      id: 'wamid.EXAMPLE1',
                      timestamp: String(Math.floor(tuesday10 / 1000)),
                      type: 'text',
                      text: { body: 'Hola, necesito mi factura' },
                    },
                  ],
                },
              },
            ],
          },
        ],
      });
      const res = await fetch(`http://127.0.0.1:${gw.port}/webhooks/whatsapp/${wa.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, wa.secret) },
        body,
      });
      expect(res.status).toBe(200);

      const offer = await until('an offer to ana', () => events.find((e) => e.event === 'offer'));
      expect(offer.data.queueId).toBe('billing');

      // The routing file's `conversations` section reached the new conversation: 48 h for whatsapp:wa-main.
      const key = offer.data.conversationKey as string;
      const actor = await call('GET', `/admin/actors/conversation/${encodeURIComponent(key)}`);
      expect(actor.json.snapshot?.context?.threadingWindowMs ?? actor.json.context?.threadingWindowMs).toBe(
        48 * 3_600_000,
      );
    } finally {
      feed?.close();
      await gw.stop();
      await node.stop();
    }
  });
});
