/**
 * A whole deployment for channel tests driven as platforms and agents drive it: a real nats-server, an engine
 * node (virtual clock, HTTP API, agent SSE feeds), a gateway serving every channel under test, and one local fake
 * provider answering each platform's send API in its own wire format. Platforms' webhooks are signed here with
 * node:crypto / jsonwebtoken, never with the gateway's own code.
 */
import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { createLogger } from '../../../engine/logger.js';
import { startEngineNode, type EngineNode } from '../../../engine/node.js';
import { readServerSentEvents, type SseFeed } from '../../../engine/sse-client.js';
import { parseGatewayConfig } from '../../../gateways/config.js';
import { startGateway, type Gateway } from '../../../gateways/gateway.js';
import type { NatsServerHandle } from '../../../engine/nats-server.js';
import { autoHeaders, testAuthority } from '../../support/auth.js';
import { tempDir } from '../../support/tmp.js';
import { type FakeProvider, startFakeProvider } from '../line/fake-provider.js';

export const SECRETS = {
  messenger: 'fb_app_secret',
  line: 'line_channel_secret',
  telegram: 'tg_secret_token_0123',
  apple: Buffer.from('apple-msp-api-secret-0123456789abcdef').toString('base64'),
  open: 'open-outbound-signature-secret',
  x: 'x_consumer_secret',
};
export const PAGE_ID = '112233445566';
export const APPLE = { mspId: 'msp-1', businessId: 'biz-1' };

/** Waits (wall clock, for asynchronous delivery only) until `pred` finds something. */
export async function until<T>(what: string, pred: () => T | undefined | Promise<T | undefined>, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The fake provider's answers: each platform's send API success body. */
function providerAnswer(path: string, n: number) {
  if (path.includes('/messages') && !path.includes('/bot')) return { status: 200, body: { message_id: `m_out_${n}` } };
  if (path.startsWith('/v2/bot/message/')) return { status: 200, body: { sentMessages: [{ id: `line-out-${n}` }] } };
  if (path.startsWith('/bot')) return { status: 200, body: { ok: true, result: { message_id: 9000 + n } } };
  return { status: 200, body: {} };
}

/** A started stack and the calls a test makes against it. */
export interface Stack {
  readonly node: EngineNode;
  readonly gateway: Gateway;
  readonly provider: FakeProvider;
  /** JSON call to the engine's HTTP API. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, any> }>;
  /** POST a webhook to the gateway with the given headers. */
  webhook(channel: string, integration: string, body: string, headers: Record<string, string>): Promise<Response>;
  /** A conversation's history entries (waits until `n` entries exist when given). */
  history(key: string, n?: number): Promise<Record<string, any>[]>;
  /** Logs an agent in and opens its feed. */
  agent(id: string): Promise<SseFeed>;
  stop(): Promise<void>;
}

/** Starts engine, gateway and fake provider on `nats`; `routed` integrations' conversations go to the agents. */
export async function startStack(
  nats: NatsServerHandle,
  o: { agents?: readonly string[]; routed?: readonly string[] } = {},
): Promise<Stack> {
  const agents = o.agents ?? ['ana'];
  const routed = o.routed ?? [];
  const logger = createLogger({ level: 'silent' });
  const node = await startEngineNode({
    dataDir: tempDir(),
    httpPort: 0,
    natsUrl: nats.url,
    auth: testAuthority(),
    virtualClock: true,
    logger,
  });
  let n = 0;
  const provider = await startFakeProvider((req) => providerAnswer(req.path, ++n));
  const config = parseGatewayConfig({
    integrations: [
      {
        id: 'page1',
        channel: 'messenger',
        secret: SECRETS.messenger,
        credentials: { pageId: PAGE_ID, accessToken: 'tok', verifyToken: 'vt' },
        sendBaseUrl: provider.url,
      },
      {
        id: 'line1',
        channel: 'line',
        secret: SECRETS.line,
        credentials: { accessToken: 'lt' },
        sendBaseUrl: provider.url,
      },
      {
        id: 'tg1',
        channel: 'telegram',
        secret: SECRETS.telegram,
        credentials: { botToken: '123:abc' },
        sendBaseUrl: provider.url,
      },
      { id: 'apple1', channel: 'apple', secret: SECRETS.apple, credentials: APPLE, sendBaseUrl: provider.url },
      { id: 'open1', channel: 'open', secret: SECRETS.open, sendBaseUrl: `${provider.url}/open-webhook` },
      { id: 'x1', channel: 'x', secret: SECRETS.x, credentials: {}, sendBaseUrl: provider.url },
      { id: 'wa1', channel: 'whatsapp', secret: SECRETS.messenger, credentials: {}, sendBaseUrl: provider.url },
    ],
  });
  const gateway = await startGateway({ config, natsUrl: nats.url, httpPort: 0, logger });
  const base = `http://127.0.0.1:${node.httpPort}`;
  const api: Stack['api'] = async (method, path, body) => {
    const res = await fetch(base + path, {
      method,
      // As the agent on /agents/<id>/…, as admin elsewhere.
      headers: { 'content-type': 'application/json', ...(await autoHeaders(path)) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, never> };
  };
  // Conversations on `routed` integrations are offered to the agents; every other one waits in a queue
  // nobody serves, so an agent is only ever offered what its test expects.
  const routing = {
    queues: [
      { id: 'support', alertingTimeoutSeconds: 60, acw: { mode: 'optional' } },
      { id: 'parked', alertingTimeoutSeconds: 60 },
    ],
    agents: agents.map((id) => ({ id, queues: ['support'] })),
    flows: [
      ...routed.map((integrationId) => ({ integrationId, defaultQueueId: 'support' })),
      { integrationId: '*', defaultQueueId: 'parked' },
    ],
  };
  const applied = await api('PUT', '/admin/routing/config', routing);
  if (applied.status !== 200) throw new Error(`routing config refused: ${JSON.stringify(applied.json)}`);
  const feeds: SseFeed[] = [];
  return {
    node,
    gateway,
    provider,
    api,
    webhook: (channel, integration, body, headers) =>
      fetch(`http://127.0.0.1:${gateway.port}/webhooks/${channel}/${integration}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      }),
    async history(key, want = 0) {
      const path = `/conversations/${encodeURIComponent(key)}/history?limit=200`;
      return until(`${want} history entries of ${key}`, async () => {
        const r = await api('GET', path);
        const entries = (r.json.entries ?? []) as Record<string, unknown>[];
        return r.status === 200 && entries.length >= want ? entries : undefined;
      });
    },
    async agent(id) {
      await api('POST', `/agents/${id}/login`);
      const feed = readServerSentEvents(`${base}/agents/${id}/events`, await autoHeaders(`/agents/${id}`));
      feeds.push(feed);
      await until(`${id} feed`, () => feed.events.find((e) => e.event === 'snapshot'));
      return feed;
    },
    async stop() {
      for (const f of feeds) f.close();
      await gateway.stop();
      await node.stop();
      await provider.close();
    },
  };
}

/** Meta's X-Hub-Signature-256 (hex). */
export const metaSig = (body: string) => `sha256=${createHmac('sha256', SECRETS.messenger).update(body).digest('hex')}`;
/** LINE's x-line-signature (base64). */
export const lineSig = (body: string) => createHmac('sha256', SECRETS.line).update(body).digest('base64');
/** Genesys' X-Hub-Signature-256 (base64). */
export const openSig = (body: string) => `sha256=${createHmac('sha256', SECRETS.open).update(body).digest('base64')}`;
/** X's x-twitter-webhooks-signature (base64). */
export const xSig = (body: string) => `sha256=${createHmac('sha256', SECRETS.x).update(body).digest('base64')}`;
/** Apple's Authorization header: a bearer HS256 JWT with the MSP id as audience. */
export const appleAuth = () =>
  `Bearer ${jwt.sign({ aud: APPLE.mspId, iat: Math.floor(Date.now() / 1000) }, Buffer.from(SECRETS.apple, 'base64'), { algorithm: 'HS256' })}`;
