/**
 * `POST /admin/routing/config/file` reads only inside --config-dir: `../`, absolute paths,
 * symlinks leading out, directories and missing files all get the same refusal (it never tells
 * whether a file exists), and a bad file's contents are never echoed.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { routingAdminRoutes } from '../../engine/api/admin.js';
import { routingActorTypes } from '../../engine/config/routing.js';
import type { Engine } from '../../engine/engine.js';
import { createApp } from '../../engine/http.js';
import { baseConfig, routingHarness } from '../routing/harness.js';
import { headersFor, testAuthority } from '../support/auth.js';
import { tempDir } from '../support/tmp.js';

type H = Awaited<ReturnType<typeof routingHarness>>;
let h: H | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function setup(configDir?: string) {
  h = await routingHarness(baseConfig);
  const engine = {
    options: { actorTypes: routingActorTypes(h.holder), dataDir: tempDir(), configDir },
    host: h.host,
    clock: h.clock,
    auth: testAuthority(),
  } as unknown as Engine;
  const app = createApp(engine, [routingAdminRoutes]);
  return async (name: unknown) => {
    const res = await app.request('/admin/routing/config/file', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await headersFor('admin')) },
      body: JSON.stringify({ name }),
    });
    return {
      status: res.status,
      json: (await res.json()) as { ok?: boolean; error?: { code: string; message: string } },
    };
  };
}

describe('routing files from the configuration directory', () => {
  it('applies a file by name inside the directory, and refuses everything else the same way', async () => {
    const root = tempDir();
    const dir = join(root, 'config');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'routing.json'), JSON.stringify(baseConfig));
    writeFileSync(join(dir, 'sub', 'other.json'), JSON.stringify(baseConfig));
    const secret = join(root, 'secret.json');
    writeFileSync(secret, '{"password": "hunter2-top-secret"}');
    symlinkSync(secret, join(dir, 'escape.json'));
    symlinkSync(root, join(dir, 'up'));
    writeFileSync(join(dir, 'broken.json'), 'hunter2-top-secret, not json');
    const apply = await setup(dir);

    expect(await apply('routing.json')).toMatchObject({ status: 200, json: { ok: true } });
    expect(await apply('sub/other.json')).toMatchObject({ status: 200, json: { ok: true } });
    expect(await apply('./sub/../routing.json')).toMatchObject({ status: 200 });

    const probes = [
      '../secret.json',
      'sub/../../secret.json',
      secret,
      '/etc/passwd',
      'escape.json',
      'up/secret.json',
      'missing.json',
      '../missing.json',
      'sub',
      '.',
      'routing.json\u0000.txt',
    ];
    const answers = await Promise.all(probes.map(apply));
    for (const [i, a] of answers.entries()) {
      expect(a.status, probes[i]).toBe(422);
      expect(a.json.error, probes[i]).toEqual(answers[0]!.json.error);
    }
    expect(answers[0]!.json.error?.code).toBe('config_file_refused');

    const broken = await apply('broken.json');
    expect(broken).toMatchObject({ status: 422, json: { error: { code: 'config_file_invalid_json' } } });
    expect(JSON.stringify(broken.json)).not.toContain('hunter2');
    expect((await apply(7)).status).toBe(400);
  });

  it('is refused when no --config-dir is set', async () => {
    const apply = await setup(undefined);
    expect(await apply('routing.json')).toMatchObject({ status: 409, json: { error: { code: 'config_dir_not_set' } } });
  });
});
