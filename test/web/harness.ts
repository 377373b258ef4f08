/**
 * Browser tests' world: a real nats-server, an engine node in virtual time serving the pages,
 * a gateway with a WhatsApp integration (in front of a local fake WhatsApp API) and a web
 * integration, all on loopback; and Debian's chromium driven by playwright-core (one browser
 * per test file, a fresh context per test). Screenshots go to test-output/web/.
 */
import { createHmac } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { Authority } from '../../engine/auth/authority.js';
import { createLogger } from '../../engine/logger.js';
import { type EngineNode, startEngineNode } from '../../engine/node.js';
import { parseGatewayConfig } from '../../gateways/config.js';
import { type Gateway, startGateway } from '../../gateways/gateway.js';
import { startFakeProvider } from '../gateways/fake-provider.js';
import { TEST_ADMIN_KEY, TEST_GATEWAY_KEY, testPasswordHash, testSecrets, tokenFor } from '../support/auth.js';
import { useNatsServer } from '../support/nats.js';
import { tempDir } from '../support/tmp.js';

export const HOUR = 3_600_000;
export const OUTPUT_DIR = join(process.cwd(), 'test-output', 'web');
const APP_SECRET = 'browser-test-app-secret';
const PHONE_NUMBER_ID = '100200300';
const logger = createLogger({ level: 'silent' });

/** Every person's password in the browser tests: `<id>-password`. */
export const passwordOf = (id: string) => `${id}-password`;

/** The routing configuration the browser tests run with. */
export const ROUTING = {
  skills: ['billing'],
  queues: [
    {
      id: 'support',
      name: 'Support',
      alertingTimeoutSeconds: 60,
      acw: { mode: 'mandatory' },
      affinity: { mode: 'any_queue', timeoutSeconds: 90 },
      alertSound: true,
    },
    { id: 'billing', name: 'Billing', alertingTimeoutSeconds: 60, acw: { mode: 'timeboxed', timeoutSeconds: 120 } },
  ],
  agents: [
    { id: 'ana', name: 'Ana Lima', queues: ['support'] },
    { id: 'bob', name: 'Bob Stone', queues: ['support', 'billing'] },
  ],
  people: [
    { id: 'sofia', name: 'Sofia Reyes', role: 'supervisor' },
    { id: 'root', name: 'Ops', role: 'admin' },
  ],
  flows: [{ integrationId: '*', defaultQueueId: 'support' }],
  cannedResponses: [
    { id: 'greet', name: 'Greeting', text: 'Hi {{name}}, this is Ana. Let me check your order.' },
    { id: 'bye', name: 'Goodbye', text: 'Thanks for writing, {{firstName}}. Have a good day!' },
  ],
  templates: [
    {
      name: 'order_update',
      language: 'en',
      text: 'Your order {{1}} ships on {{2}}.',
      params: ['Order number', 'Ship date'],
    },
  ],
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface World {
  node: EngineNode;
  gateway: Gateway;
  engineUrl: string;
  gatewayUrl: string;
  provider: Awaited<ReturnType<typeof startFakeProvider>>;
  browser: Browser;
  /** A new browser context (its own storage) with a page; `options` adds to the defaults (viewport, base URL). */
  page(options?: BrowserContextOptions): Promise<{ context: BrowserContext; page: Page }>;
  /** An API call, with the admin key, or as the person `as` (a session token). */
  call(
    method: string,
    path: string,
    body?: unknown,
    as?: string,
  ): Promise<{ status: number; json: Record<string, any> }>;
  advance(ms: number): Promise<void>;
  /** A customer writes on WhatsApp: a signed webhook stamped with the engine's virtual time. */
  whatsapp(from: string, text: string, name?: string): Promise<void>;
  /** WhatsApp reports a status for one of the provider's message ids. */
  whatsappStatus(to: string, wamid: string, status: 'delivered' | 'read' | 'failed'): Promise<void>;
}

/**
 * Starts the world for the enclosing test file; stopped in afterAll. The virtual clock starts at
 * `start` (default now: the web gateway stamps customer messages with its own clock).
 */
export function useWorld(start?: number): World {
  const nats = useNatsServer();
  const w = {} as World;
  let n = 0;
  beforeAll(async () => {
    const provider = await startFakeProvider((req, i) =>
      req.path.includes('/messages')
        ? { status: 200, body: { messaging_product: 'whatsapp', messages: [{ id: `wamid.out${i}` }] } }
        : { status: 404, body: { error: { message: 'not found' } } },
    );
    const passwords = await Promise.all(
      ['ana', 'bob', 'sofia', 'root'].map(async (id) => ({ id, hash: await testPasswordHash(passwordOf(id)) })),
    );
    const node = await startEngineNode({
      dataDir: tempDir('sb-web-'),
      httpPort: 0,
      natsUrl: nats.server.url,
      virtualClock: true,
      virtualStart: start ?? Date.now(),
      auth: new Authority({ secrets: testSecrets({ passwords }) }),
      logger,
    });
    const engineUrl = `http://127.0.0.1:${node.httpPort}`;
    const gatewayPort = await freePort();
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const gateway = await startGateway({
      config: parseGatewayConfig({
        integrations: [
          {
            id: 'wa1',
            channel: 'whatsapp',
            secret: APP_SECRET,
            credentials: { phoneNumberId: PHONE_NUMBER_ID, accessToken: 'test-token', verifyToken: 'test-verify' },
            sendBaseUrl: `${provider.url}/v21.0`,
          },
          {
            id: 'web1',
            channel: 'web',
            secret: 'browser-test-web-secret',
            credentials: { historyApiKey: TEST_GATEWAY_KEY },
            sendBaseUrl: gatewayUrl,
            options: { historyUrl: engineUrl },
          },
        ],
      }),
      natsUrl: nats.server.url,
      httpPort: gatewayPort,
      logger,
    });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    Object.assign(w, { node, gateway, engineUrl, gatewayUrl, provider, browser });
    const res = await w.call('PUT', '/admin/routing/config', ROUTING);
    if (res.status !== 200) throw new Error(`routing config refused: ${JSON.stringify(res.json)}`);
  });
  afterAll(async () => {
    await w.browser?.close();
    await w.gateway?.stop();
    await w.node?.stop();
    await w.provider?.close();
  });
  w.page = async (options = {}) => {
    const context = await w.browser.newContext({
      viewport: { width: 1280, height: 800 },
      baseURL: w.engineUrl,
      ...options,
    });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    page.on('pageerror', (err) => {
      throw err;
    });
    return { context, page };
  };
  w.call = async (method, path, body, as) => {
    const credential = as ? await tokenFor(as) : TEST_ADMIN_KEY;
    const res = await fetch(w.engineUrl + path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };
  w.advance = async (ms) => {
    const r = await w.call('POST', '/admin/clock/advance', { ms });
    if (r.status !== 200) throw new Error(`advance: ${JSON.stringify(r.json)}`);
  };
  const postWhatsApp = async (value: Record<string, unknown>) => {
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
                metadata: { display_phone_number: '15550001111', phone_number_id: PHONE_NUMBER_ID },
                ...value,
              },
            },
          ],
        },
      ],
    });
    const res = await fetch(`${w.gatewayUrl}/webhooks/whatsapp/wa1`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`,
      },
      body,
    });
    if (res.status !== 200) throw new Error(`gateway answered ${res.status}: ${await res.text()}`);
  };
  w.whatsapp = (from, text, name = 'Sam Rivera') =>
    postWhatsApp({
      contacts: [{ profile: { name }, wa_id: from }],
      messages: [
        {
          from,
          id: `wamid.in${++n}.${from}`,
          timestamp: String(Math.floor(w.node.engine.clock.now() / 1000)),
          type: 'text',
          text: { body: text },
        },
      ],
    });
  w.whatsappStatus = (to, wamid, status) =>
    postWhatsApp({
      statuses: [
        {
          id: wamid,
          status,
          timestamp: String(Math.floor(w.node.engine.clock.now() / 1000)),
          recipient_id: to,
        },
      ],
    });
  return w;
}

/**
 * Saves a screenshot under test-output/web/. The README's pictures are copied to docs/img/ only
 * when UPDATE_SCREENSHOTS=1, so an ordinary test run leaves the working tree clean.
 */
export async function screenshot(page: Page, name: string, readme?: string, fullPage = false): Promise<string> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const file = join(OUTPUT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  if (readme && process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(join(process.cwd(), 'docs', 'img'), { recursive: true });
    copyFileSync(file, join(process.cwd(), 'docs', 'img', readme));
  }
  return file;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core in the page (WCAG 2 A/AA rules); returns the violations, each with the first offending node. */
export async function axeViolations(page: Page): Promise<{ id: string; impact: string; help: string; node: string }[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<any> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } });
    return r.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      node: v.nodes[0]?.html ?? '',
    }));
  });
}

/** Polls `pred` until it gives a value (every 25 ms, failing after `ms`). */
export async function until<T>(
  what: string,
  pred: () => T | undefined | Promise<T | undefined>,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Signs in on a page with the person's id and password. */
export async function signInAs(page: Page, id: string, path = '/ui/workspace'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('Your id').fill(id);
  await page.getByLabel('Password').fill(passwordOf(id));
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A small PNG (a blue 96×64 rectangle with a white bar), for attachments. */
export function samplePng(): Buffer {
  const width = 96;
  const height = 64;
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const bar = y > 26 && y < 38 && x > 12 && x < 84;
      row.set(bar ? [255, 255, 255] : [11, 92, 173], 1 + x * 3);
    }
    rows.push(row);
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const v of b) c = crcTable[(c ^ v) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
