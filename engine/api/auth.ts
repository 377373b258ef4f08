/**
 * Sign-in and the audit trail over HTTP: `POST /auth/login` checks a person's password and
 * returns a short-lived session token (also set as an HttpOnly, SameSite=Strict cookie so a
 * browser's EventSource is authenticated), `POST /auth/refresh` renews it, `POST /auth/logout`
 * clears the cookie, `GET /auth/me` names the caller, `GET /admin/audit` pages the audit records.
 */
import { Hono, type Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { MAX_AUDIT_PAGE } from '../auth/audit.js';
import { principalOf, SESSION_COOKIE, sourceOf } from '../auth/middleware.js';
import { isPerson } from '../auth/principal.js';
import { TokenError } from '../auth/tokens.js';
import { routingHolderOf } from '../config/routing.js';
import type { Engine } from '../engine.js';
import { ApiError } from './errors.js';

export const LoginBody = z
  .object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), password: z.string().min(1).max(1_024) })
  .strict();
export const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE).default(100),
  before: z.coerce.number().int().min(1).optional(),
});

function secureRequest(c: Context, trustProxy: boolean): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  return trustProxy && c.req.header('x-forwarded-proto') === 'https';
}

/** Mounts the sign-in routes and the audit read-back. */
export function authRoutes(engine: Engine): Hono {
  const app = new Hono();
  const auth = () => engine.auth;
  const trustProxy = () => engine.options?.trustProxy === true;
  const people = () => routingHolderOf(engine.options?.actorTypes ?? [])?.config().people ?? {};

  const session = async (c: Context, id: string) => {
    const { token, expiresAt } = await auth()
      .issue(id)
      .catch((err: unknown) => {
        if (err instanceof TokenError) throw new ApiError(503, 'signing_key_missing', err.message);
        throw err;
      });
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: secureRequest(c, trustProxy()),
      expires: new Date(expiresAt),
    });
    const person = people()[id]!;
    return c.json({ token, tokenType: 'Bearer', expiresAt, principal: { id, role: person.role } });
  };

  app.post('/auth/login', async (c) => {
    const raw = await c.req.json().catch(() => undefined);
    const b = LoginBody.safeParse(raw);
    if (!b.success) throw new ApiError(400, 'invalid_body', 'send {"id": "<your id>", "password": "<password>"}');
    const source = sourceOf(c, trustProxy());
    const r = await auth().signIn(b.data.id, b.data.password, source);
    const known = r.ok && Object.hasOwn(people(), b.data.id);
    auth().audit.record({
      at: auth().now(),
      principal: known ? { id: b.data.id, role: people()[b.data.id]!.role, via: 'session' } : null,
      action: 'auth.login',
      target: { id: b.data.id },
      outcome: known ? 'done' : 'refused',
      status: known ? 200 : r.ok ? 401 : r.code === 'rate_limited' ? 429 : 401,
      ...(known ? {} : { reason: r.ok ? 'invalid_credentials' : r.code }),
      source,
    });
    if (!r.ok) {
      if (r.code === 'rate_limited') c.header('retry-after', String(Math.ceil((r.retryAfterMs ?? 1_000) / 1000)));
      throw new ApiError(r.code === 'rate_limited' ? 429 : 401, r.code, r.message);
    }
    // A password for someone no longer in the configuration: the same answer as a wrong password.
    if (!known) throw new ApiError(401, 'invalid_credentials', 'the id or the password is wrong');
    return session(c, b.data.id);
  });

  app.post('/auth/refresh', async (c) => {
    const p = principalOf(c)!;
    if (!isPerson(p))
      throw new ApiError(403, 'forbidden', 'only people refresh session tokens; API keys do not expire');
    return session(c, p.id);
  });

  app.post('/auth/logout', (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secureRequest(c, trustProxy()) });
    return c.json({ ok: true });
  });

  app.get('/auth/me', (c) => c.json({ principal: principalOf(c) }));

  app.get('/admin/audit', async (c) => {
    const q = AuditQuery.safeParse(c.req.query());
    if (!q.success)
      throw new ApiError(400, 'invalid_query', `limit must be 1–${MAX_AUDIT_PAGE}, before a record's seq`);
    const records = await auth().audit.sink.read({ limit: q.data.limit, before: q.data.before });
    const last = records.at(-1);
    return c.json({ records, next: records.length === q.data.limit && last ? last.seq : null });
  });

  return app;
}
