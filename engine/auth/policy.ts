/**
 * Who may call which route: one table for the whole engine. Every route mounted on the engine's
 * app has an entry here (test/engine/auth-matrix.test.ts fails on a route without one); a request
 * matching no entry needs admin, so a forgotten entry fails closed.
 */
import { TrieRouter } from 'hono/router/trie-router';
import { grants, isPerson, type Principal, type Role } from './principal.js';
import type { AccessScopes } from './scopes.js';

/** A check on the agent calling, over a path parameter (see AccessScopes). */
export type Scope = 'self' | 'conversation' | 'connected' | 'contact' | 'interaction';

/** The access rule of one route. */
export interface RouteRule {
  /** 'public', or the roles that may call (a person role includes the person roles above it). */
  readonly allow: 'public' | readonly Role[];
  /** People without an `allow` role may still call when every scope holds for them. */
  readonly agent?: readonly Scope[];
  /** Audit supervisors' and admins' reads too (people's data); their writes and every refusal always are. */
  readonly audit?: boolean;
}

/** The path parameter each scope reads. */
export const SCOPE_PARAM: Record<Scope, string> = {
  self: 'agentId',
  conversation: 'key',
  connected: 'key',
  contact: 'id',
  interaction: 'interactionId',
};

const PUBLIC: RouteRule = { allow: 'public' };
const ADMIN: RouteRule = { allow: ['admin'] };
const SUPERVISOR: RouteRule = { allow: ['supervisor'] };
const ANY_PERSON: RouteRule = { allow: ['agent'] };
/** The agent named in the path, or a supervisor steering it. */
const SELF_OR_SUPERVISOR: RouteRule = { allow: ['supervisor'], agent: ['self'] };
/** Only the agent named in the path: nobody accepts, sends or wraps up in another agent's name. */
const SELF: RouteRule = { allow: [], agent: ['self'] };

/** The engine's route table: `<METHOD> <hono path pattern>` → rule. */
export const ROUTE_RULES: Readonly<Record<string, RouteRule>> = {
  // Liveness and readiness stay open for load balancers and orchestrators.
  'GET /healthz': PUBLIC,
  'GET /readyz': PUBLIC,
  // Sign-in (engine/api/auth.ts).
  'POST /auth/login': PUBLIC,
  'POST /auth/logout': PUBLIC,
  'GET /auth/me': { allow: ['agent', 'gateway', 'monitor'] },
  'POST /auth/refresh': ANY_PERSON,
  // Operators (engine/api/health.ts, engine/api/admin.ts).
  'GET /admin/clock': ADMIN,
  'POST /admin/clock/advance': ADMIN,
  'GET /admin/actors/:type/:key': ADMIN,
  'GET /admin/stats': ADMIN,
  'GET /admin/audit': { allow: ['admin'], audit: true },
  'PUT /admin/routing/config': ADMIN,
  'POST /admin/routing/config/file': ADMIN,
  'GET /admin/routing/config': ADMIN,
  'GET /admin/queues/:queueId': SUPERVISOR,
  // Agents (engine/api/agents.ts).
  'POST /agents/:agentId/login': SELF_OR_SUPERVISOR,
  'POST /agents/:agentId/logout': SELF_OR_SUPERVISOR,
  'POST /agents/:agentId/presence': SELF_OR_SUPERVISOR,
  'GET /agents/:agentId': SELF_OR_SUPERVISOR,
  'GET /agents/:agentId/events': SELF_OR_SUPERVISOR,
  'POST /agents/:agentId/offers/:offerId/accept': SELF,
  'POST /agents/:agentId/offers/:offerId/decline': SELF,
  'POST /agents/:agentId/interactions/:interactionId/end': SELF,
  'POST /agents/:agentId/interactions/:interactionId/wrapup': SELF,
  'POST /agents/:agentId/interactions/:interactionId/transfer': SELF_OR_SUPERVISOR,
  'POST /agents/:agentId/interactions/:interactionId/messages': SELF,
  'GET /agents/:agentId/interactions/:interactionId/history': {
    allow: ['supervisor'],
    agent: ['self', 'interaction'],
    audit: true,
  },
  // The workspace (engine/api/workspace.ts): its reads are scoped like the history's.
  'GET /agents/:agentId/workspace': SELF_OR_SUPERVISOR,
  'GET /agents/:agentId/interactions/:interactionId': {
    allow: ['supervisor'],
    agent: ['self', 'interaction'],
    audit: true,
  },
  'GET /agents/:agentId/interactions/:interactionId/timeline': {
    allow: ['supervisor'],
    agent: ['self', 'interaction'],
    audit: true,
  },
  'POST /agents/:agentId/interactions/:interactionId/typing': SELF,
  'GET /clock': ANY_PERSON,
  'POST /media': ANY_PERSON,
  // Platforms (WhatsApp fetches a `link`) and customers' browsers read attachments with no credential:
  // an id is 128 bits of the content's SHA-256, known only to whoever was sent the message.
  'GET /media/:id': PUBLIC,
  // The pages and their modules carry no data (engine/web/serve.ts); what they show comes from the API.
  'GET /': PUBLIC,
  'GET /ui': PUBLIC,
  'GET /ui/*': PUBLIC,
  'GET /routing/canned-responses': ANY_PERSON,
  'GET /routing/wrapup-codes': ANY_PERSON,
  // Conversations and contacts (engine/api/conversations.ts).
  'GET /conversations/:key': { allow: ['supervisor'], agent: ['conversation'], audit: true },
  'GET /conversations/:key/history': { allow: ['supervisor', 'gateway'], agent: ['conversation'], audit: true },
  // The agent connected to the conversation replies as itself; an admin key replies as the system.
  'POST /conversations/:key/replies': { allow: ['admin'], agent: ['connected'] },
  'POST /conversations/:key/consent': SUPERVISOR,
  'GET /contacts/:id': { allow: ['supervisor'], agent: ['contact'], audit: true },
  'GET /contacts/:id/history': { allow: ['supervisor'], agent: ['contact'], audit: true },
  'POST /contacts/:id/links': SUPERVISOR,
  // Prometheus scrapes with a monitor API key (engine/metrics.ts); admins may look too.
  'GET /metrics': { allow: ['monitor', 'admin'] },
  // Proactive messages (engine/api/outbound.ts): supervisors, and campaign systems with a supervisor or admin API key.
  'POST /outbound/messages': SUPERVISOR,
  'POST /outbound/messages/batch': SUPERVISOR,
  // Reports (engine/api/reports.ts): supervisors and admins.
  'GET /reports/queues': SUPERVISOR,
  'GET /reports/agents': SUPERVISOR,
  'GET /reports/wrapup-codes': SUPERVISOR,
  'GET /reports/realtime/queues': SUPERVISOR,
  'GET /reports/realtime/agents': SUPERVISOR,
  'GET /reports/realtime/events': SUPERVISOR,
  'GET /openapi.json': PUBLIC,
};

/** What a request without an entry needs. */
export const FALLBACK_RULE: RouteRule = ADMIN;

/** One matched rule with the request's path parameters (decoded). */
export interface MatchedRule {
  readonly pattern: string;
  readonly rule: RouteRule;
  readonly params: Readonly<Record<string, string>>;
}

/** Finds the rule of a request; HEAD is treated as GET. */
export class RuleTable {
  readonly #router = new TrieRouter<string>();
  readonly rules: Readonly<Record<string, RouteRule>>;

  constructor(rules: Readonly<Record<string, RouteRule>> = ROUTE_RULES) {
    this.rules = rules;
    for (const key of Object.keys(rules)) {
      const [method, path] = key.split(' ');
      this.#router.add(method!, path!, key);
    }
  }

  match(method: string, path: string): MatchedRule | undefined {
    const [found] = this.#router.match(method === 'HEAD' ? 'GET' : method, path)[0];
    if (!found) return undefined;
    const [pattern, raw] = found as [string, Record<string, string>];
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) {
      try {
        params[k] = decodeURIComponent(v);
      } catch {
        params[k] = v;
      }
    }
    return { pattern, rule: this.rules[pattern]!, params };
  }
}

/** The outcome of checking one request. */
export type Decision =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly status: 401 | 403;
      readonly code: 'unauthenticated' | 'forbidden';
      readonly message: string;
    };

const SCOPE_TEXT: Record<Scope, string> = {
  self: 'the agent named in the path',
  conversation: 'an agent who holds or held this conversation',
  connected: 'the agent connected to this conversation',
  contact: 'an agent who holds or held one of this contact’s conversations',
  interaction: 'an agent who holds or held this interaction',
};

/** What a rule needs, in words (the 403's message). */
export function describeRule(rule: RouteRule): string {
  if (rule.allow === 'public') return 'nothing';
  const roles = rule.allow.length ? `role ${rule.allow.join(' or ')}` : '';
  const scopes = rule.agent?.length ? rule.agent.map((s) => SCOPE_TEXT[s]).join(' and ') : '';
  return [roles, scopes].filter(Boolean).join(', or ');
}

/** Whether `principal` may make a request that matched `rule` with `params`. */
export function decide(
  rule: RouteRule,
  principal: Principal | undefined,
  params: Readonly<Record<string, string>>,
  scopes: AccessScopes,
): Decision {
  if (rule.allow === 'public') return { ok: true };
  if (!principal)
    return {
      ok: false,
      status: 401,
      code: 'unauthenticated',
      message: 'send a credential: "Authorization: Bearer <API key or session token>" or the session cookie',
    };
  if (rule.allow.some((r) => grants(principal.role, r))) return { ok: true };
  if (rule.agent?.length && isPerson(principal)) {
    const held = rule.agent.every((s) => {
      const value = params[SCOPE_PARAM[s]];
      if (value === undefined) return false;
      if (s === 'self') return value === principal.id;
      return scopes[s](principal.id, value);
    });
    if (held) return { ok: true };
  }
  return {
    ok: false,
    status: 403,
    code: 'forbidden',
    message: `this needs ${describeRule(rule)}; you are ${principal.role} "${principal.id}"`,
  };
}
