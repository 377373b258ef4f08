/** Who is calling: the roles Switchboard knows and the principal a credential resolves to. */

/** People: an agent acts only as itself; a supervisor reads everything and steers agents; an admin configures. */
export type PersonRole = 'agent' | 'supervisor' | 'admin';
/** Services (API keys only): a gateway reads web-session history; a monitor scrapes /metrics. */
export type ServiceRole = 'gateway' | 'monitor';
export type Role = PersonRole | ServiceRole;

export const PERSON_ROLES: readonly PersonRole[] = ['agent', 'supervisor', 'admin'];
export const SERVICE_ROLES: readonly ServiceRole[] = ['gateway', 'monitor'];
export const ROLES: readonly Role[] = [...PERSON_ROLES, ...SERVICE_ROLES];

/** How a principal proved who it is. */
export type CredentialKind = 'api_key' | 'session' | 'oidc' | 'internal';

/** The caller of one request, resolved from its credential and the configuration. */
export interface Principal {
  /** A person's id (the agent id for agents) or an API key's id. */
  readonly id: string;
  readonly role: Role;
  readonly via: CredentialKind;
}

const RANK: Record<PersonRole, number> = { agent: 1, supervisor: 2, admin: 3 };

/** Whether `role` grants `needed`: person roles include those below them; service roles only themselves. */
export function grants(role: Role, needed: Role): boolean {
  if (role === needed) return true;
  if (!(role in RANK) || !(needed in RANK)) return false;
  return RANK[role as PersonRole] >= RANK[needed as PersonRole];
}

/** Whether a principal is a person (acts as an agent id), rather than a service key. */
export function isPerson(p: Principal): boolean {
  return p.via !== 'api_key' && p.via !== 'internal';
}
