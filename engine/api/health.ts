/** Liveness, readiness and the operators' test clock. */
import { Hono } from 'hono';
import { z } from 'zod';
import type { Engine } from '../engine.js';
import { SettleTimeoutError } from '../quiescence.js';
import { ApiError } from './errors.js';

export const AdvanceBody = z.object({
  ms: z
    .number()
    .int()
    .nonnegative()
    .max(366 * 86_400_000),
});

export function healthRoutes(engine: Engine): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const r = await engine.readinessWithBacklog().catch(() => ({ ...engine.readiness(), degraded: false }));
    // Degraded is still ready: the node serves agents while a backlog drains; the numbers say how far behind it is.
    const status = !r.ready ? 'not_ready' : r.degraded ? 'degraded' : 'ready';
    return c.json({ status, ...r }, r.ready ? 200 : 503);
  });
  // Prometheus scrapes with a monitor API key (engine/auth/policy.ts); names in docs/metrics.md.
  app.get('/metrics', async (c) => {
    const { contentType, body } = await engine.metrics.text();
    return c.body(body, 200, { 'content-type': contentType });
  });
  app.get('/admin/clock', (c) => c.json({ now: engine.clock.now(), virtual: !!engine.virtualClock }));
  app.post('/admin/clock/advance', async (c) => {
    const clock = engine.virtualClock;
    if (!clock)
      throw new ApiError(
        409,
        'clock_not_virtual',
        'this engine runs on the system clock; start it with --virtual-clock to advance time',
      );
    const parsed = AdvanceBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success)
      throw new ApiError(
        400,
        'invalid_body',
        'send {"ms": <non-negative integer of milliseconds>}',
        parsed.error.issues,
      );
    try {
      await engine.advanceClock(parsed.data.ms);
    } catch (err) {
      if (!(err instanceof SettleTimeoutError)) throw err;
      const at = new Date(clock.now()).toISOString();
      throw new ApiError(503, 'clock_not_settled', `${err.message} (virtual time stopped at ${at})`, {
        now: clock.now(),
        busy: err.busy,
      });
    }
    return c.json({ now: clock.now() });
  });
  app.get('/admin/actors/:type/:key', (c) => {
    const ref = { type: c.req.param('type'), key: c.req.param('key') };
    let snapshot: unknown;
    try {
      snapshot = engine.host.readPersisted(ref);
    } catch (err) {
      throw new ApiError(404, 'unknown_actor_type', (err as Error).message);
    }
    if (snapshot === undefined)
      throw new ApiError(404, 'actor_not_found', `no ${ref.type} actor with key "${ref.key}" exists on this node`);
    return c.json({ ref, snapshot, timers: Object.fromEntries(engine.host.timersOf(ref)) });
  });
  app.get('/admin/stats', (c) => c.json({ host: engine.host.stats, ...engine.readiness() }));
  return app;
}
