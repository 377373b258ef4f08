/**
 * Credentials for tests: the one way tests authenticate against the engine's API.
 *
 * - An engine started in a test takes `auth: testAuthority()` (EngineOptions / startEngineNode);
 *   an in-process fake engine object gets `auth: testAuthority()` as a field.
 * - `TEST_ADMIN_KEY`, `TEST_SUPERVISOR_KEY`, `TEST_GATEWAY_KEY`, `TEST_MONITOR_KEY` are API keys that
 *   authority knows; `tokenFor('ana')` is a session token for the person `ana` (who must be in the
 *   routing configuration, as every agent is).
 * - `headersFor(who)` gives the Authorization header; `autoHeaders(path)` picks it from the path:
 *   `/agents/<id>/…` as that agent, everything else as admin — what most existing tests need.
 */
import { Authority, type AuthOptions } from '../../engine/auth/authority.js';
import { TEST_SCRYPT, hashPassword } from '../../engine/auth/passwords.js';
import { hashApiKey, parseSecrets, writeSecretsFile, type SecretsFileInput } from '../../engine/auth/secrets.js';
import { signSessionToken } from '../../engine/auth/tokens.js';

const fixed = (seed: string) => Buffer.alloc(32, seed).toString('base64url');

/** Known API keys (test secrets only: never used outside tests). */
export const TEST_ADMIN_KEY = `sbk.test-admin.${fixed('a')}`;
export const TEST_SUPERVISOR_KEY = `sbk.test-supervisor.${fixed('s')}`;
export const TEST_GATEWAY_KEY = `sbk.test-gateway.${fixed('g')}`;
export const TEST_MONITOR_KEY = `sbk.test-monitor.${fixed('m')}`;
/** The signing key of test session tokens. */
export const TEST_SIGNING_KEY = { kid: 'test-k1', secret: fixed('k'), activatesAt: 0 };

/** The secrets behind testAuthority(): the four keys and the signing key; `extra` is merged in. */
export function testSecrets(extra: Partial<SecretsFileInput> = {}): SecretsFileInput {
  return {
    apiKeys: [
      { id: 'test-admin', role: 'admin', hash: hashApiKey(TEST_ADMIN_KEY) },
      { id: 'test-supervisor', role: 'supervisor', hash: hashApiKey(TEST_SUPERVISOR_KEY) },
      { id: 'test-gateway', role: 'gateway', hash: hashApiKey(TEST_GATEWAY_KEY) },
      { id: 'test-monitor', role: 'monitor', hash: hashApiKey(TEST_MONITOR_KEY) },
      ...(extra.apiKeys ?? []),
    ],
    passwords: extra.passwords ?? [],
    signingKeys: extra.signingKeys ?? [TEST_SIGNING_KEY],
    ...(extra.oidc ? { oidc: extra.oidc } : {}),
  };
}

/** A fresh Authority over the test secrets (its own rate limits and in-memory audit). */
export function testAuthority(options: Partial<AuthOptions> = {}): Authority {
  return new Authority({ secrets: testSecrets(), ...options });
}

/** A test password hash (cheap scrypt parameters, same format and code path). */
export function testPasswordHash(password: string): Promise<string> {
  return hashPassword(password, TEST_SCRYPT);
}

/** A session token for person `id`, signed with the test signing key. */
export async function tokenFor(id: string, options: { now?: number; ttlSeconds?: number } = {}): Promise<string> {
  const { token } = await signSessionToken(
    { apiKeys: [], passwords: [], signingKeys: [TEST_SIGNING_KEY] },
    id,
    options.now ?? Date.now(),
    options.ttlSeconds,
  );
  return token;
}

/** Who a test calls as: a role's API key, or a person by id. */
export type TestCaller = 'admin' | 'supervisor' | 'gateway' | 'monitor' | { readonly person: string } | 'none';

/** The Authorization header for a caller ({} for 'none'). */
export async function headersFor(who: TestCaller): Promise<Record<string, string>> {
  if (who === 'none') return {};
  if (typeof who === 'object') return { authorization: `Bearer ${await tokenFor(who.person)}` };
  const key = {
    admin: TEST_ADMIN_KEY,
    supervisor: TEST_SUPERVISOR_KEY,
    gateway: TEST_GATEWAY_KEY,
    monitor: TEST_MONITOR_KEY,
  }[who];
  return { authorization: `Bearer ${key}` };
}

/** The header most calls need: `/agents/<id>/…` as that agent, everything else as admin. */
export function autoHeaders(path: string): Promise<Record<string, string>> {
  const agent = /^\/agents\/([^/?]+)/.exec(path)?.[1];
  return headersFor(agent ? { person: decodeURIComponent(agent) } : 'admin');
}

/** Writes the test secrets to a file, for engines started as a process (`<data>/secrets.json` is the default). */
export function writeTestSecrets(path: string, extra: Partial<SecretsFileInput> = {}): void {
  writeSecretsFile(path, parseSecrets(testSecrets(extra)));
}
