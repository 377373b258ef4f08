import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../actors/clock.js';
import { builtinActorTypes, builtinRouteModules } from '../../engine/actor-types.js';
import { RoutingConfigHolder, routingHolderOf } from '../../engine/config/routing.js';
import { Engine } from '../../engine/engine.js';
import { createApp } from '../../engine/http.js';
import { createLogger } from '../../engine/logger.js';
import { useNatsServer } from '../support/nats.js';
import { headersFor, testAuthority } from '../support/auth.js';
import { tempDir } from '../support/tmp.js';

const logger = createLogger({ level: 'silent' });
const file = {
  queues: [{ id: 'q' }],
  agents: [{ id: 'ana', queues: ['q'] }],
  flows: [{ integrationId: '*', defaultQueueId: 'q' }],
};

describe('routing configuration across nodes', () => {
  const nats = useNatsServer();

  it('an apply on one node reaches the other through NATS KV, and survives a restart from the data dir', async () => {
    const dirs = [tempDir(), tempDir()];
    const engines = dirs.map(
      (d, i) =>
        new Engine({
          dataDir: join(d, 'e'),
          natsUrl: nats.server.url,
          clock: new ManualClock(),
          logger,
          partitions: 16,
          ownedPartitions: Array.from({ length: 8 }, (_, p) => p + 8 * i),
          actorTypes: builtinActorTypes({ partitions: 16 }),
          auth: testAuthority(),
        }),
    );
    for (const e of engines) await e.start();
    const [a, b] = engines.map((e) => createApp(e, builtinRouteModules));
    const admin = await headersFor('admin');
    const put = await a.request('/admin/routing/config', {
      method: 'PUT',
      body: JSON.stringify(file),
      headers: { 'content-type': 'application/json', ...admin },
    });
    expect(await put.json()).toMatchObject({ ok: true, version: 1 });
    const holderB = routingHolderOf(engines[1].options.actorTypes)!;
    const end = Date.now() + 10_000;
    while (holderB.config().version < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect((await (await b.request('/admin/routing/config', { headers: admin })).json()).version).toBe(1);
    expect(
      await (
        await b.request('/agents/ana/login', { method: 'POST', headers: await headersFor({ person: 'ana' }) })
      ).json(),
    ).toMatchObject({
      ok: true,
      presence: 'available',
    });
    const bad = await b.request('/admin/routing/config', {
      method: 'PUT',
      body: '{"queues": [{"id": 7}]}',
      headers: { 'content-type': 'application/json', ...admin },
    });
    expect(bad.status).toBe(422);
    expect((await bad.json()).error).toMatchObject({ code: 'config_invalid', details: [{ path: 'queues[0].id' }] });
    for (const e of engines) await e.stop();
    // A restarted node reads its last applied file from the data dir.
    const again = new RoutingConfigHolder();
    again.attachFile(join(dirs[0], 'e', 'routing.json'));
    expect(again.config()).toMatchObject({ version: 1, agents: { ana: { queues: ['q'] } } });
  });
});
