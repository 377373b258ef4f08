/** The engine's HTTP server: health, admin and agent APIs mounted on one hono app. */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { authRoutes } from './api/auth.js';
import { ApiError, renderError } from './api/errors.js';
import { healthRoutes } from './api/health.js';
import { MEDIA_MAX_BYTES } from './api/workspace.js';
import { openApiRoutes } from './api/openapi.js';
import { authMiddleware } from './auth/middleware.js';
import { hostScopes } from './auth/scopes.js';
import { routingHolderOf } from './config/routing.js';
import type { Engine } from './engine.js';

/** Route modules contributed by the features (conversations, routing, …). */
export type RouteModule = (engine: Engine) => Hono;

export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** Builds the engine's HTTP app; every route passes the authorization middleware (engine/auth/policy.ts). */
export function createApp(engine: Engine, modules: readonly RouteModule[] = []): Hono {
  if (!engine.auth)
    throw new Error('the engine has no Authority (engine.auth); tests: use testAuthority() from test/support/auth.ts');
  const app = new Hono();
  const limit = bodyLimit({
    maxSize: DEFAULT_BODY_LIMIT_BYTES,
    onError: (c) =>
      c.json(
        { error: { code: 'body_too_large', message: `the request body is over ${DEFAULT_BODY_LIMIT_BYTES} bytes` } },
        413,
      ),
  });
  // Attachments have their own, larger limit (engine/api/workspace.ts).
  const mediaLimit = bodyLimit({
    maxSize: MEDIA_MAX_BYTES,
    onError: (c) =>
      c.json({ error: { code: 'body_too_large', message: `an attachment is over ${MEDIA_MAX_BYTES} bytes` } }, 413),
  });
  app.use('*', (c, next) => (c.req.path === '/media' ? mediaLimit(c, next) : limit(c, next)));
  app.use(
    '*',
    authMiddleware({
      authority: engine.auth,
      people: () => routingHolderOf(engine.options?.actorTypes ?? [])?.config().people ?? {},
      scopes: hostScopes(() => engine.host),
      trustProxy: engine.options?.trustProxy,
    }),
  );
  app.route('/', healthRoutes(engine));
  app.route('/', authRoutes(engine));
  app.route('/', openApiRoutes());
  for (const m of modules) app.route('/', m(engine));
  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.onError((err, c) => {
    if (!(err instanceof ApiError) && (err as { status?: number })?.status !== 413)
      engine.log?.error({ err, method: c.req.method, path: c.req.path }, 'request failed');
    return renderError(err, c);
  });
  return app;
}

/** Whether a bind address only accepts connections from this machine. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Serves the app (on loopback unless told otherwise); resolves with a close function. */
export async function listen(
  app: Hono,
  port: number,
  hostname = '127.0.0.1',
): Promise<{ port: number; close: () => Promise<void>; server: ServerType }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
      resolve({
        port: info.port,
        server,
        close: () =>
          new Promise<void>((done) => {
            const force = setTimeout(
              () => (server as { closeAllConnections?: () => void }).closeAllConnections?.(),
              2_000,
            );
            server.close(() => {
              clearTimeout(force);
              done();
            });
          }),
      });
    });
  });
}

export { ApiError };
