/**
 * The authorization matrix: every route the engine mounts × (no credential, wrong agent, right
 * agent, supervisor, admin) → the expected answer, from one table. A mounted route without an
 * entry here fails the test. 'ok' means the request got past authorization (any status but 401
 * and 403: the body sent is deliberately invalid, so most allowed writes answer 400/422).
 * Against a real engine (real nats-server on loopback), in process through `app.request`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../actors/clock.js';
import { builtinActorTypes, builtinRouteModules } from '../../engine/actor-types.js';
import { routingHolderOf } from '../../engine/config/routing.js';
import { Engine } from '../../engine/engine.js';
import { createApp } from '../../engine/http.js';
import { createLogger } from '../../engine/logger.js';
import type { AgentContext } from '../../machines/agent-logic.js';
import { headersFor, testAuthority, tokenFor, type TestCaller } from '../support/auth.js';
import { useNatsServer } from '../support/nats.js';
import { tempDir } from '../support/tmp.js';

type Expect = 'ok' | 401 | 403;
/** Columns: no credential, wrong agent (bob), right agent (ana), supervisor (person sup), admin (API key). */
type Row = readonly [none: Expect, wrongAgent: Expect, rightAgent: Expect, supervisor: Expect, admin: Expect];

const OPEN: Row = ['ok', 'ok', 'ok', 'ok', 'ok'];
const ANYONE_SIGNED_IN: Row = [401, 'ok', 'ok', 'ok', 'ok'];
const ADMIN_ONLY: Row = [401, 403, 403, 403, 'ok'];
const SUPERVISOR_UP: Row = [401, 403, 403, 'ok', 'ok'];
const SELF_OR_SUPERVISOR: Row = [401, 403, 'ok', 'ok', 'ok'];
const SELF_ONLY: Row = [401, 403, 'ok', 403, 403];

/** The spec, written independently of engine/auth/policy.ts. */
const MATRIX: Record<string, Row> = {
  'GET /healthz': OPEN,
  'GET /readyz': OPEN,
  'GET /openapi.json': OPEN,
  'POST /auth/login': OPEN,
  'POST /auth/logout': OPEN,
  'GET /auth/me': ANYONE_SIGNED_IN,
  // API keys do not refresh (the handler refuses): only people renew tokens.
  'POST /auth/refresh': [401, 'ok', 'ok', 'ok', 403],
  'GET /admin/clock': ADMIN_ONLY,
  'POST /admin/clock/advance': ADMIN_ONLY,
  'GET /admin/actors/:type/:key': ADMIN_ONLY,
  'GET /admin/stats': ADMIN_ONLY,
  'GET /admin/audit': ADMIN_ONLY,
  'PUT /admin/routing/config': ADMIN_ONLY,
  'POST /admin/routing/config/file': ADMIN_ONLY,
  'GET /admin/routing/config': ADMIN_ONLY,
  'GET /admin/queues/:queueId': SUPERVISOR_UP,
  // Prometheus scrapes with a monitor API key (checked below); no person but an admin reads it.
  'GET /metrics': ADMIN_ONLY,
  'GET /reports/queues': SUPERVISOR_UP,
  'GET /reports/agents': SUPERVISOR_UP,
  'GET /reports/wrapup-codes': SUPERVISOR_UP,
  'GET /reports/realtime/queues': SUPERVISOR_UP,
  'GET /reports/realtime/agents': SUPERVISOR_UP,
  'GET /reports/realtime/events': SUPERVISOR_UP,
  'POST /agents/:agentId/login': SELF_OR_SUPERVISOR,
  'POST /agents/:agentId/presence': SELF_OR_SUPERVISOR,
  'GET /agents/:agentId': SELF_OR_SUPERVISOR,
  'GET /agents/:agentId/events': SELF_OR_SUPERVISOR,
  'POST /agents/:agentId/offers/:offerId/accept': SELF_ONLY,
  'POST /agents/:agentId/offers/:offerId/decline': SELF_ONLY,
  'POST /agents/:agentId/interactions/:interactionId/wrapup': SELF_ONLY,
  'POST /agents/:agentId/interactions/:interactionId/messages': SELF_ONLY,
  'POST /agents/:agentId/interactions/:interactionId/transfer': SELF_OR_SUPERVISOR,
  'GET /agents/:agentId/interactions/:interactionId/history': SELF_OR_SUPERVISOR,
  'GET /agents/:agentId/workspace': SELF_OR_SUPERVISOR,
  'GET /agents/:agentId/interactions/:interactionId': SELF_OR_SUPERVISOR,
  'GET /agents/:agentId/interactions/:interactionId/timeline': SELF_OR_SUPERVISOR,
  'POST /agents/:agentId/interactions/:interactionId/typing': SELF_ONLY,
  'GET /clock': ANYONE_SIGNED_IN,
  'POST /media': ANYONE_SIGNED_IN,
  // Attachments are fetched by platforms and customers' browsers (content-hash ids).
  'GET /media/:id': OPEN,
  'GET /routing/canned-responses': ANYONE_SIGNED_IN,
  'GET /routing/wrapup-codes': ANYONE_SIGNED_IN,
  'GET /conversations/:key': SELF_OR_SUPERVISOR,
  'GET /conversations/:key/history': SELF_OR_SUPERVISOR,
  // The connected agent replies as itself; a supervisor may not; an admin key replies as the system.
  'POST /conversations/:key/replies': [401, 403, 'ok', 403, 'ok'],
  'POST /conversations/:key/consent': SUPERVISOR_UP,
  'GET /contacts/:id': SELF_OR_SUPERVISOR,
  'GET /contacts/:id/history': SELF_OR_SUPERVISOR,
  'POST /contacts/:id/links': SUPERVISOR_UP,
  // Business-initiated messages: never an agent on its own.
  'POST /outbound/messages': SUPERVISOR_UP,
  'POST /outbound/messages/batch': SUPERVISOR_UP,
  // Last: these end the state the rows above read.
  'POST /agents/:agentId/interactions/:interactionId/end': SELF_ONLY,
  'POST /agents/:agentId/logout': SELF_OR_SUPERVISOR,
};

const CALLERS: readonly TestCaller[] = ['none', { person: 'bob' }, { person: 'ana' }, { person: 'sup' }, 'admin'];
const NAMES = ['no credential', 'wrong agent', 'right agent', 'supervisor', 'admin'];

const routing = {
  queues: [{ id: 'support', alertingTimeoutSeconds: 600 }],
  agents: [
    { id: 'ana', queues: ['support'] },
    { id: 'bob', queues: [] },
  ],
  people: [{ id: 'sup', role: 'supervisor' }],
  flows: [{ integrationId: '*', defaultQueueId: 'support' }],
};
const KEY = 'whatsapp:wa1:15550001111';

async function until<T>(what: string, pick: () => T | undefined): Promise<T> {
  for (let i = 0; i < 1_000; i++) {
    const v = pick();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('authorization matrix', () => {
  const nats = useNatsServer();
  let engine: Engine;
  let app: ReturnType<typeof createApp>;
  const ids = { interactionId: '', offerId: '', contactId: '' };

  beforeAll(async () => {
    engine = new Engine({
      dataDir: join(tempDir(), 'e'),
      natsUrl: nats.server.url,
      clock: new ManualClock(Date.UTC(2026, 0, 5, 9)),
      logger: createLogger({ level: 'silent' }),
      actorTypes: builtinActorTypes({ partitions: 16 }),
      auth: testAuthority(),
    });
    await engine.start();
    routingHolderOf(engine.options.actorTypes)!.apply(routing);
    app = createApp(engine, builtinRouteModules);
    const agent = () => engine.host.read({ type: 'agent', key: 'ana' })?.context as AgentContext | undefined;
    expect((await call('POST', '/agents/ana/login', { person: 'ana' })).status).toBe(200);
    const [channel, integrationId, channelUserId] = KEY.split(':');
    await engine.host.send(
      { type: 'conversation', key: KEY },
      {
        type: 'message.received',
        channel,
        integrationId,
        channelUserId,
        messageId: 'm1',
        kind: 'text',
        text: 'hi',
        at: engine.clock.now(),
      },
      'matrix:m1',
    );
    const offer = await until('the offer to ana', () => Object.values(agent()?.offers ?? {})[0]);
    const acc = await call('POST', `/agents/ana/offers/${offer.offerId}/accept`, { person: 'ana' });
    expect(acc.status).toBe(200);
    await until('ana connected', () => Object.values(agent()?.interactions ?? {}).find((i) => i.stage === 'connected'));
    ids.interactionId = offer.interactionId;
    ids.offerId = offer.offerId;
    ids.contactId = await until(
      'the contact',
      () =>
        (engine.host.read({ type: 'conversation', key: KEY })?.context as { contactId?: string } | undefined)
          ?.contactId,
    );
    await until('the contact actor', () => engine.host.read({ type: 'contact', key: ids.contactId }));
  });
  afterAll(async () => {
    await engine?.stop();
  });

  async function call(method: string, path: string, who: TestCaller, body?: string) {
    const res = await app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...(await headersFor(who)) },
      body: method === 'GET' || method === 'HEAD' ? undefined : (body ?? '[]'),
    });
    // Live feeds stay open: read nothing more than the status.
    const json = res.headers.get('content-type')?.startsWith('application/json') ? await res.json() : undefined;
    if (!json) await res.body?.cancel();
    return { status: res.status, json: json as { error?: { code: string; message: string } } | undefined };
  }

  const fill = (pattern: string): string =>
    pattern
      .replace(':agentId', 'ana')
      .replace(':offerId', ids.offerId)
      .replace(':interactionId', ids.interactionId)
      .replace(':queueId', 'support')
      .replace(':type/:key', `conversation/${encodeURIComponent(KEY)}`)
      .replace(':key', encodeURIComponent(KEY))
      .replace(':id', ids.contactId);

  it('every mounted route has an entry in the matrix', () => {
    const mounted = [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))];
    const missing = mounted.filter((r) => !(r in MATRIX));
    expect(missing, 'routes without an authorization matrix entry (add them to MATRIX and ROUTE_RULES)').toEqual([]);
    expect(Object.keys(MATRIX).filter((r) => !mounted.includes(r))).toEqual([]);
  });

  it('every route answers each caller as the matrix says', async () => {
    const wrong: string[] = [];
    const check = async (route: string, path: string, row: Row) => {
      const method = route.split(' ')[0]!;
      for (let i = 0; i < CALLERS.length; i++) {
        const r = await call(method, path, CALLERS[i]!);
        const want = row[i]!;
        const got = r.status === 401 || r.status === 403 ? r.status : 'ok';
        if (got !== want)
          wrong.push(`${route} as ${NAMES[i]}: expected ${want}, got ${r.status} ${JSON.stringify(r.json)}`);
        if (r.status === 401) expect(r.json?.error?.code).toBe('unauthenticated');
        if (r.status === 403) {
          expect(r.json?.error?.code).toBe('forbidden');
          expect(r.json?.error?.message).toMatch(/needs|only|API key/);
        }
      }
    };
    for (const [route, row] of Object.entries(MATRIX)) await check(route, fill(route.split(' ')[1]!), row);
    expect(wrong).toEqual([]);
  });

  it('service keys reach only their routes', async () => {
    const asGateway = (m: string, p: string) => call(m, p, 'gateway');
    expect((await asGateway('GET', `/conversations/${encodeURIComponent(KEY)}/history`)).status).toBe(200);
    expect((await asGateway('GET', `/conversations/${encodeURIComponent(KEY)}`)).status).toBe(403);
    expect((await asGateway('GET', '/admin/routing/config')).status).toBe(403);
    expect((await call('GET', '/metrics', 'monitor')).status).toBe(200);
    // A report path that is not one of the listed ones falls to the admin-only default.
    expect((await call('GET', '/reports/queues/support/intervals', { person: 'sup' })).status).toBe(403);
    expect((await call('GET', '/reports/queues', 'monitor')).status).toBe(403);
    expect((await call('GET', '/admin/stats', 'monitor')).status).toBe(403);
    expect((await call('GET', '/agents/ana', 'monitor')).status).toBe(403);
  });

  it("a browser's live feed authenticates with the session cookie (EventSource cannot set headers)", async () => {
    const open = async (cookie: string) => {
      const res = await app.request('/agents/ana/events', { headers: { cookie } });
      const type = res.headers.get('content-type');
      await res.body?.cancel();
      return { status: res.status, type };
    };
    expect(await open(`sb_session=${await tokenFor('ana')}`)).toMatchObject({ status: 200, type: 'text/event-stream' });
    expect((await open(`sb_session=${await tokenFor('bob')}`)).status).toBe(403);
    expect((await open('sb_session=garbage')).status).toBe(401);
  });

  it('a route missing from the table needs admin (fails closed)', async () => {
    expect((await call('GET', '/nowhere', 'none')).status).toBe(401);
    const r = await call('GET', '/nowhere', { person: 'sup' });
    expect(r.status).toBe(403);
    expect(r.json?.error?.message).toContain('role admin');
    expect((await call('GET', '/nowhere', 'admin')).status).toBe(404);
  });
});
