/**
 * The OpenAPI document against the engine it describes: no mounted route is missing from it, every $ref resolves,
 * and every operation answers — without a credential, and as admin with a deliberately invalid body — only with
 * statuses the document lists, errors in its Error shape. Against a real engine (real nats-server on loopback).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../actors/clock.js';
import { builtinActorTypes, builtinRouteModules } from '../../engine/actor-types.js';
import { engineOpenApi, OPERATIONS } from '../../engine/api/openapi.js';
import { routingHolderOf } from '../../engine/config/routing.js';
import { Engine } from '../../engine/engine.js';
import { createApp } from '../../engine/http.js';
import { createLogger } from '../../engine/logger.js';
import { headersFor, testAuthority, type TestCaller } from '../support/auth.js';
import { useNatsServer } from '../support/nats.js';
import { tempDir } from '../support/tmp.js';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
  components: { schemas: Record<string, unknown> };
};

describe('OpenAPI description of the engine', () => {
  const nats = useNatsServer();
  let engine: Engine;
  let app: ReturnType<typeof createApp>;

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
    routingHolderOf(engine.options.actorTypes)!.apply({
      queues: [{ id: 'support' }],
      agents: [{ id: 'ana', queues: ['support'] }],
      flows: [{ integrationId: '*', defaultQueueId: 'support' }],
    });
    app = createApp(engine, builtinRouteModules);
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('is served at /openapi.json without a credential and lists exactly the mounted routes', async () => {
    const res = await app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc;
    expect(doc).toEqual(JSON.parse(JSON.stringify(engineOpenApi())));
    expect(doc.openapi).toBe('3.1.0');
    const mounted = [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))];
    expect(
      mounted.filter((r) => !(r in OPERATIONS)),
      'mounted routes missing from engine/api/openapi.ts',
    ).toEqual([]);
    expect(
      Object.keys(OPERATIONS).filter((r) => !mounted.includes(r)),
      'documented routes not mounted',
    ).toEqual([]);
    // Every $ref points at a component that exists.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(doc.components.schemas).toHaveProperty(r);
  });

  it('every operation answers only the statuses it documents, errors in the Error shape', async () => {
    const doc = engineOpenApi() as unknown as Doc;
    const wrong: string[] = [];
    const fill = (p: string) =>
      p
        .replace('{agentId}', 'ana')
        .replace('{type}', 'agent')
        .replace('{key}', encodeURIComponent('whatsapp:wa1:15550001111'))
        .replace(/\{\w+\}/g, 'nothing-here');
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const who of ['none', 'admin'] as TestCaller[]) {
          const res = await app.request(fill(path), {
            method: method.toUpperCase(),
            headers: { 'content-type': 'application/json', ...(await headersFor(who)) },
            // A body no schema accepts: the route must answer with a documented error, not crash.
            body: method === 'get' ? undefined : '[]',
          });
          const json = res.headers.get('content-type')?.startsWith('application/json') ? await res.json() : undefined;
          if (!json) await res.body?.cancel();
          if (!(String(res.status) in op.responses))
            wrong.push(`${method.toUpperCase()} ${path} as ${who}: ${res.status} is not documented`);
          if (res.status >= 400) {
            const e = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
            if (typeof e?.code !== 'string' || typeof e?.message !== 'string')
              wrong.push(`${method.toUpperCase()} ${path} as ${who}: ${res.status} without {error:{code,message}}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
