/**
 * Routing administration: apply the routing configuration (JSON body or a file on the engine
 * host), read it back, and read a queue's board. Applying tells every configured agent and queue
 * actor, so live actors re-announce capacity and re-dispatch with the new rules.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { QueueContext } from '../../machines/queue.machine.js';
import { own, type RoutingConfig } from '../../machines/routing-config.js';
import { RoutingConfigError, routingHolderOf, type RoutingConfigHolder } from '../config/routing.js';
import type { Engine } from '../engine.js';
import { ApiError } from './errors.js';

export const FileBody = z.object({ name: z.string().min(1).max(255) }).strict();
/** Largest routing file read from the configuration directory. */
export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Reads `name` from inside `dir` only: no absolute paths, no `..` out of it, no symlink leading
 * out of it, regular files only. Every refusal is the same error, so it never tells whether a
 * file exists outside; contents are never echoed.
 */
export async function readConfigFile(dir: string, name: string): Promise<string> {
  const refused = () =>
    new ApiError(
      422,
      'config_file_refused',
      'give the name of a readable JSON file inside the configuration directory (--config-dir), e.g. {"name": "routing.json"}',
    );
  if (isAbsolute(name) || name.includes('\0')) throw refused();
  try {
    const root = await realpath(dir);
    const target = await realpath(resolve(root, name));
    const rel = relative(root, target);
    if (!rel || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) throw refused();
    const st = await stat(target);
    if (!st.isFile() || st.size > MAX_CONFIG_FILE_BYTES) throw refused();
    return await readFile(target, 'utf8');
  } catch {
    throw refused();
  }
}

/** The KV bucket every node watches for the applied routing file (hot reload across the cluster). */
export const ROUTING_CONFIG_BUCKET = 'sb_routing_config';

/**
 * Shares applied files through a NATS KV bucket: each node watches it and applies newer
 * versions locally. Concurrent applies on two nodes: the last write wins.
 */
function shareConfig(engine: Engine, holder: RoutingConfigHolder, applied: (c: RoutingConfig) => Promise<unknown>) {
  const kv = engine.nc.jetstream().views.kv(ROUTING_CONFIG_BUCKET, { history: 1 });
  void (async () => {
    const w = await (await kv).watch({ key: 'current' });
    for await (const e of w) {
      if (e.operation !== 'PUT') continue;
      try {
        const { version, source } = JSON.parse(new TextDecoder().decode(e.value)) as {
          version: number;
          source: unknown;
        };
        if (version <= holder.config().version) continue;
        await applied(holder.apply(source, version));
        engine.log.info({ version }, 'routing configuration reloaded from the cluster');
      } catch (err) {
        engine.log.error({ err }, 'a shared routing configuration could not be applied; keeping the current one');
      }
    }
  })().catch((err) => engine.log.warn({ err }, 'routing configuration watch ended'));
  return {
    publish: async (version: number, source: unknown) => {
      await (await kv).put('current', JSON.stringify({ version, source }));
    },
  };
}

/** Mounts the routing admin API. */
export function routingAdminRoutes(engine: Engine): Hono {
  const app = new Hono();
  const found = routingHolderOf(engine.options.actorTypes);
  // The last applied file survives restarts in the data directory.
  found?.attachFile(join(engine.options.dataDir, 'routing.json'));
  const holder = (): RoutingConfigHolder => {
    if (!found) throw new ApiError(503, 'routing_not_hosted', 'this engine does not host the routing actors');
    return found;
  };

  /** Tells live actors: agents re-announce (skills, memberships, capacity), queues re-dispatch. */
  const tellActors = (next: RoutingConfig) =>
    Promise.all([
      ...Object.keys(next.agents).map((k) =>
        engine.host.send(
          { type: 'agent', key: k },
          { type: 'agent.config_changed' },
          `config:${next.version}:agent:${k}`,
        ),
      ),
      ...Object.keys(next.queues).map((k) =>
        engine.host.send(
          { type: 'queue', key: k },
          { type: 'queue.config_changed' },
          `config:${next.version}:queue:${k}`,
        ),
      ),
    ]);
  const shared = found && engine.nc ? shareConfig(engine, found, tellActors) : undefined;

  async function apply(c: Context, input: unknown): Promise<Response> {
    let next: RoutingConfig;
    try {
      next = holder().apply(input);
    } catch (err) {
      if (err instanceof RoutingConfigError) throw new ApiError(422, 'config_invalid', err.message, err.issues);
      throw err;
    }
    await shared?.publish(next.version, input);
    await tellActors(next);
    return c.json({
      ok: true,
      version: next.version,
      queues: Object.keys(next.queues).length,
      agents: Object.keys(next.agents).length,
      flows: Object.keys(next.flows).length,
    });
  }

  app.put('/admin/routing/config', async (c) => {
    const input = await c.req.json().catch(() => {
      throw new ApiError(400, 'invalid_json', 'the request body is not valid JSON');
    });
    return apply(c, input);
  });
  app.post('/admin/routing/config/file', async (c) => {
    const dir = engine.options.configDir;
    if (!dir)
      throw new ApiError(
        409,
        'config_dir_not_set',
        'this engine reads routing files only from its --config-dir, and none is set; PUT the JSON to /admin/routing/config instead',
      );
    const parsed = FileBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success)
      throw new ApiError(
        400,
        'invalid_body',
        'send {"name": "<routing JSON file inside the configuration directory>"}',
        parsed.error.issues,
      );
    const text = await readConfigFile(dir, parsed.data.name);
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the text: say only that it is not JSON.
      throw new ApiError(422, 'config_file_invalid_json', `"${parsed.data.name}" is not valid JSON`);
    }
    return apply(c, input);
  });
  app.get('/admin/routing/config', (c) =>
    c.json({ version: holder().config().version, source: holder().source ?? null, resolved: holder().config() }),
  );
  app.get('/admin/queues/:queueId', (c) => {
    const id = c.req.param('queueId');
    if (!own(holder().config().queues, id)) throw new ApiError(404, 'unknown_queue', `no queue "${id}" is configured`);
    const q = engine.host.read({ type: 'queue', key: id })?.context as QueueContext | undefined;
    return c.json({
      queueId: id,
      waiting: q?.waiting.length ?? 0,
      offering: q?.waiting.filter((e) => e.offer).length ?? 0,
      oldestEnqueuedAt: q?.waiting.reduce<number | undefined>(
        (m, e) => (m === undefined || e.enqueuedAt < m ? e.enqueuedAt : m),
        undefined,
      ),
      stats: q?.stats,
      agents: Object.values(q?.agents ?? {}),
    });
  });
  return app;
}
