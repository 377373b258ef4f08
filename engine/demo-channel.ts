/**
 * The demo's WhatsApp side: a local fake of the WhatsApp Cloud API send endpoint, a gateway for
 * one WhatsApp integration pointed at it, and a customer who posts signed webhooks exactly as
 * Meta does, stamped with the engine's virtual time (`X-Hub-Signature-256: sha256=<hex HMAC of the raw body with the app secret>`).
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { Logger } from 'pino';
import { parseGatewayConfig } from '../gateways/config.js';
import { builtinAdapters } from '../gateways/adapters.js';
import { startGateway } from '../gateways/gateway.js';
import { createWebAdapter } from '../gateways/web/index.js';
import { conversationKey } from '../protocol/channels.js';

const APP_SECRET = 'demo-app-secret';
const PHONE_NUMBER_ID = '100200300';
const CUSTOMER = '15551234567';

export interface DemoChannel {
  readonly gatewayUrl: string;
  readonly conversationKey: string;
  /** Posts one signed customer message webhook; resolves when the gateway answered 200. */
  customerWrites(text: string): Promise<void>;
  /** Resolves once the fake provider has received `n` messages in all. */
  delivered(n: number): Promise<void>;
  stop(): Promise<void>;
}

/** A free loopback port (for a gateway that must know its own address before it starts). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The web-messaging integration of the demo (the customer page chats through it). */
export const DEMO_WEB_INTEGRATION = 'web';

export async function startDemoChannel(o: {
  natsUrl: string;
  /** The gateway's seed file for the embedded nats-server (its credential allows a gateway's subjects only). */
  natsCredsFile?: string;
  /** The gateway's port (known before it starts: the web integration sends to its own streams). */
  gatewayPort: number;
  /** The engine's base URL (the customer page reads its history through the gateway from there). */
  engineUrl: string;
  /** The gateway's API key (role gateway) for reading web sessions' history from the engine. */
  historyApiKey: string;
  logger: Logger;
  now: () => number;
  onProviderSend: (text: string) => void;
}): Promise<DemoChannel> {
  let sent = 0;
  const provider: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      const msg = JSON.parse(body || '{}') as { type?: string; text?: { body?: string }; template?: { name?: string } };
      sent++;
      o.onProviderSend(
        msg.type === 'template' ? `[template ${msg.template?.name}]` : (msg.text?.body ?? `[${msg.type}]`),
      );
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          messaging_product: 'whatsapp',
          contacts: [{ input: CUSTOMER, wa_id: CUSTOMER }],
          messages: [{ id: `wamid.demo${sent}` }],
        }),
      );
    });
  });
  await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
  const providerPort = (provider.address() as { port: number }).port;

  const config = parseGatewayConfig(
    {
      integrations: [
        {
          id: 'wa1',
          channel: 'whatsapp',
          secret: APP_SECRET,
          credentials: { phoneNumberId: PHONE_NUMBER_ID, accessToken: 'demo-token', verifyToken: 'demo-verify' },
          sendBaseUrl: `http://127.0.0.1:${providerPort}/v21.0`,
        },
        {
          id: DEMO_WEB_INTEGRATION,
          channel: 'web',
          secret: 'demo-web-secret',
          credentials: { historyApiKey: o.historyApiKey },
          sendBaseUrl: `http://127.0.0.1:${o.gatewayPort}`,
          options: { historyUrl: o.engineUrl },
        },
      ],
    },
    'demo gateway config',
  );
  // The web adapter stamps customer messages with the engine's (virtual) time, as the WhatsApp customer does.
  const gateway = await startGateway({
    config,
    natsUrl: o.natsUrl,
    natsCredentials: o.natsCredsFile ? { credsFile: o.natsCredsFile } : undefined,
    httpPort: o.gatewayPort,
    logger: o.logger,
    adapters: { ...builtinAdapters, web: createWebAdapter({ now: o.now }) },
  });
  const gatewayUrl = `http://127.0.0.1:${gateway.port}`;
  let n = 0;

  return {
    gatewayUrl,
    conversationKey: conversationKey({ channel: 'whatsapp', integrationId: 'wa1', channelUserId: CUSTOMER }),
    async customerWrites(text) {
      const id = `wamid.customer${++n}.${o.now()}`;
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: 'WABA_ID',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '15550001111', phone_number_id: PHONE_NUMBER_ID },
                  contacts: [{ profile: { name: 'Sam' }, wa_id: CUSTOMER }],
                  messages: [
                    {
                      from: CUSTOMER,
                      id,
                      timestamp: String(Math.floor(o.now() / 1000)),
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
      const signature = `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`;
      const res = await fetch(`${gatewayUrl}/webhooks/whatsapp/wa1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
        body,
      });
      if (res.status !== 200) throw new Error(`gateway answered ${res.status}: ${await res.text()}`);
      process.stdout.write(`  ${'customer'.padEnd(10)} "${text}" (webhook → gateway: ${res.status})\n`);
    },
    async delivered(count) {
      for (let i = 0; i < 500 && sent < count; i++) await new Promise((r) => setTimeout(r, 20));
      if (sent < count) throw new Error(`demo: the provider received ${sent} of ${count} messages`);
    },
    async stop() {
      await gateway.stop();
      await new Promise<void>((r) => provider.close(() => r()));
    },
  };
}
