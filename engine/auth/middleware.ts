/**
 * The engine's authorization middleware: finds the request's rule (engine/auth/policy.ts),
 * resolves its credential to a principal, decides, and audits. Handlers read the caller with
 * `principalOf(c)`; it is always set on non-public routes.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { sourceAddress } from '../../gateways/source-address.js';
import type { PersonConfig } from '../../machines/routing-config.js';
import type { AuditRecord } from './audit.js';
import type { Authority } from './authority.js';
import { decide, FALLBACK_RULE, RuleTable, type RouteRule } from './policy.js';
import { grants, type Principal } from './principal.js';
import type { AccessScopes } from './scopes.js';
import { TokenError } from './tokens.js';

/** The cookie that carries a browser's session token (HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'sb_session';

/** What the middleware needs. */
export interface AuthMiddlewareOptions {
  readonly authority: Authority;
  /** People who may sign in, with their roles (the routing configuration's `people`). */
  readonly people: () => Readonly<Record<string, PersonConfig>>;
  readonly scopes: AccessScopes;
  readonly rules?: RuleTable;
  /** Trust X-Forwarded-For from a reverse proxy for the caller's address. */
  readonly trustProxy?: boolean;
}

const PRINCIPAL = 'sb.principal';

/** The caller of a request that passed the middleware (undefined on public routes). */
export function principalOf(c: Context): Principal | undefined {
  return c.get(PRINCIPAL as never) as Principal | undefined;
}

/** The caller's address: the socket's, or the last X-Forwarded-For hop when a proxy is trusted. */
export function sourceOf(c: Context, trustProxy = false): string {
  return sourceAddress(c, trustProxy);
}

/** The bearer credential of a request and where it came from. */
export function credentialOf(c: Context): { value: string; from: 'header' | 'cookie' } | undefined {
  const h = c.req.header('authorization');
  if (h) {
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    return m ? { value: m[1]!, from: 'header' } : { value: '', from: 'header' };
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie ? { value: cookie, from: 'cookie' } : undefined;
}

/** Resolves a request's credential to a principal; the refusal's message when it does not verify. */
export async function authenticate(
  c: Context,
  authority: Authority,
  people: () => Readonly<Record<string, PersonConfig>>,
): Promise<{ principal?: Principal; refusal?: string }> {
  const cred = credentialOf(c);
  if (!cred) return {};
  if (!cred.value) return { refusal: 'the Authorization header must read "Bearer <credential>"' };
  try {
    const id = await authority.identify(cred.value);
    if (id.role) return { principal: { id: id.id, role: id.role, via: id.via } };
    const person = Object.hasOwn(people(), id.id) ? people()[id.id] : undefined;
    if (!person) return { refusal: `"${id.id}" is not a person in the routing configuration` };
    // A cookie is sent by the browser on its own: refuse it on writes coming from another origin.
    if (cred.from === 'cookie' && c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const origin = c.req.header('origin');
      if (origin && origin !== new URL(c.req.url).origin)
        return { refusal: `the session cookie is not accepted on requests from ${origin}` };
    }
    return { principal: { id: person.id, role: person.role, via: id.via } };
  } catch (err) {
    if (err instanceof TokenError) return { refusal: err.message };
    throw err;
  }
}

function refuse(c: Context, status: 401 | 403, code: string, message: string): Response {
  return c.json({ error: { code, message } }, status);
}

/** Whether an allowed call is audited: supervisors' and admins' writes, and their reads the rule marks. */
function audited(rule: RouteRule, method: string, p: Principal): boolean {
  if (!grants(p.role, 'supervisor')) return false;
  return rule.audit === true || (method !== 'GET' && method !== 'HEAD');
}

/** The middleware. */
export function authMiddleware(o: AuthMiddlewareOptions): MiddlewareHandler {
  const table = o.rules ?? new RuleTable();
  return async (c, next) => {
    const method = c.req.method;
    const matched = table.match(method, c.req.path);
    const rule = matched?.rule ?? FALLBACK_RULE;
    if (rule.allow === 'public') return next();
    const params = matched?.params ?? {};
    const action = `${method} ${matched?.pattern.split(' ')[1] ?? c.req.path}`;
    const base = (): Omit<AuditRecord, 'principal' | 'outcome'> => ({
      at: o.authority.now(),
      action,
      ...(Object.keys(params).length ? { target: params } : {}),
      source: sourceOf(c, o.trustProxy),
    });
    const { principal, refusal } = await authenticate(c, o.authority, o.people);
    if (!principal) {
      const message = refusal
        ? `the credential was refused: ${refusal}`
        : 'send a credential: "Authorization: Bearer <API key or session token>" or the session cookie';
      o.authority.audit.record({
        ...base(),
        principal: null,
        outcome: 'refused',
        status: 401,
        reason: 'unauthenticated',
      });
      return refuse(c, 401, 'unauthenticated', message);
    }
    const d = decide(rule, principal, params, o.scopes);
    if (!d.ok) {
      o.authority.audit.record({ ...base(), principal, outcome: 'refused', status: d.status, reason: d.code });
      return refuse(c, d.status, d.code, d.message);
    }
    c.set(PRINCIPAL as never, principal as never);
    await next();
    const status = c.res.status;
    // A handler's own refusal (a reply in another agent's name) is a refused authorization like the table's.
    if (status === 401 || status === 403)
      o.authority.audit.record({
        ...base(),
        principal,
        outcome: 'refused',
        status,
        reason: status === 401 ? 'unauthenticated' : 'forbidden',
      });
    else if (audited(rule, method, principal))
      o.authority.audit.record({ ...base(), principal, outcome: status < 400 ? 'done' : 'failed', status });
  };
}
