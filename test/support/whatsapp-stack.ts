/**
 * A single-node engine (its own embedded nats-server, or a given NATS) with a WhatsApp gateway in
 * front of it, driven as users drive it: a customer posting signed webhooks, agents and operators
 * calling the engine's HTTP API. The gateway delivers outbound messages only when given a fake Graph API (`deliverTo`).
 */
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import { createLogger } from '../../engine/logger.js';
import { startEngineNode, type EngineNode } from '../../engine/node.js';
import { autoHeaders, testAuthority } from './auth.js';
import { embeddedGatewayCredentials } from './nats.js';
import { parseGatewayConfig } from '../../gateways/config.js';
import { startGateway } from '../../gateways/gateway.js';
import { conversationKey } from '../../protocol/channels.js';

const SECRET = 'stack-app-secret';

export interface WhatsAppStackOptions {
  readonly dataDir: string;
  readonly virtualClock: boolean;
  /** Join this NATS instead of starting an embedded nats-server in the data dir. */
  readonly natsUrl?: string;
  readonly logger?: Logger;
  /** Serve the gateway's Prometheus metrics on a free loopback port (`gateway.metricsPort`). */
  readonly gatewayMetrics?: boolean;
  /** Deliver outbound messages to this base URL (a fake Graph API), at `ratePerSecond` when given. */
  readonly deliverTo?: string;
  readonly ratePerSecond?: number;
  /** The integration's `options` (e.g. optOutKeywords / optInKeywords). */
  readonly integrationOptions?: Record<string, unknown>;
}

/** Answers of the engine's HTTP API: status and JSON body. */
export type Call = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; json: Record<string, any> }>;

/** The body of a WhatsApp Cloud API webhook carrying one customer text message, as Meta sends it. */
export function whatsappTextWebhook(m: {
  from: string;
  id: string;
  text: string;
  timestampSeconds: number;
  name?: string;
}): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550000000', phone_number_id: '100' },
              contacts: [{ profile: { name: m.name ?? 'Sam' }, wa_id: m.from }],
              messages: [
                { from: m.from, id: m.id, timestamp: String(m.timestampSeconds), type: 'text', text: { body: m.text } },
              ],
            },
          },
        ],
      },
    ],
  });
}

export async function whatsappStack(o: WhatsAppStackOptions) {
  const logger = o.logger ?? createLogger({ level: 'silent' });
  const node: EngineNode = await startEngineNode({
    dataDir: o.dataDir,
    httpPort: 0,
    natsUrl: o.natsUrl,
    virtualClock: o.virtualClock,
    logger,
    auth: testAuthority(),
  });
  const gateway = await startGateway({
    config: parseGatewayConfig({
      integrations: [
        {
          id: 'wa1',
          channel: 'whatsapp',
          secret: SECRET,
          ...(o.integrationOptions ? { options: o.integrationOptions } : {}),
          ...(o.deliverTo
            ? {
                sendBaseUrl: o.deliverTo,
                credentials: { phoneNumberId: 'PN1', accessToken: 'wa-token' },
                ...(o.ratePerSecond ? { ratePerSecond: o.ratePerSecond } : {}),
              }
            : {}),
        },
      ],
    }),
    natsUrl: node.engine.natsUrl,
    // The embedded nats-server admits a gateway only with its credential (none when joining o.natsUrl).
    natsCredentials: embeddedGatewayCredentials(node.engine),
    httpPort: 0,
    deliver: o.deliverTo !== undefined,
    logger,
    ...(o.gatewayMetrics ? { metricsPort: 0 } : {}),
  });
  const base = `http://127.0.0.1:${node.httpPort}`;
  const call: Call = async (method, path, body) => {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', ...(await autoHeaders(path)) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };
  let n = 0;
  /** Posts one signed customer message webhook; `at` is the platform's timestamp (ms, sent in seconds as Meta does). */
  const customerWrites = async (
    text: string,
    opts: { from?: string; at?: number; id?: string } = {},
  ): Promise<string> => {
    const from = opts.from ?? '15550001234';
    const id = opts.id ?? `wamid.stack${++n}`;
    const at = opts.at ?? node.engine.clock.now();
    const body = whatsappTextWebhook({ from, id, text, timestampSeconds: Math.floor(at / 1000), name: 'Sam' });
    const res = await fetch(`http://127.0.0.1:${gateway.port}/webhooks/whatsapp/wa1`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
      },
      body,
    });
    if (res.status !== 200) throw new Error(`gateway answered ${res.status}: ${await res.text()}`);
    return id;
  };
  return {
    node,
    engine: node.engine,
    gateway,
    call,
    customerWrites,
    /** The conversation key of a customer (default number). */
    conversationKey: (from = '15550001234') =>
      conversationKey({ channel: 'whatsapp', integrationId: 'wa1', channelUserId: from }),
    async stop(): Promise<void> {
      await gateway.stop();
      await node.stop();
    },
  };
}

/** Waits (wall clock, for asynchronous delivery only) until `pred` returns something truthy. */
export async function until<T>(what: string, pred: () => T | undefined | Promise<T | undefined>, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
