/**
 * An identity provider's signing keys (its JWKS), fetched and cached in the authority's time
 * rather than the wall clock inside jose, so a key rotation behaves as documented and can be
 * tested: a key the provider starts publishing is fetched on the first token that names it (at
 * most once per JWKS_COOLDOWN_MS, so unknown key ids cannot make us hammer the provider), and a
 * key it stops publishing is refused once the cached set is JWKS_MAX_AGE_MS old.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { TokenError } from './tokens.js';

/** How long a fetched key set is used before it is fetched again. */
export const JWKS_MAX_AGE_MS = 10 * 60_000;
/** The least time between two fetches (a token naming an unknown key waits for it). */
export const JWKS_COOLDOWN_MS = 30_000;
/** How long a fetch may take. */
export const JWKS_TIMEOUT_MS = 5_000;

/** One provider's key set. */
export class RemoteKeySet {
  #keys?: ReturnType<typeof createLocalJWKSet>;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #triedAt = Number.NEGATIVE_INFINITY;
  #failure?: TokenError;
  #pending?: Promise<void>;

  constructor(
    readonly url: string,
    readonly now: () => number,
    readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** The key for a token's header (what jose's jwtVerify takes). */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (!this.#keys || this.now() - this.#fetchedAt >= JWKS_MAX_AGE_MS) await this.#refresh();
    try {
      return await this.#keys!(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || this.now() - this.#triedAt < JWKS_COOLDOWN_MS) throw err;
      await this.#refresh();
      return this.#keys!(header, token);
    }
  };

  /** Fetches the set (one fetch at a time; a failure is repeated, not retried, within the cooldown). */
  async #refresh(): Promise<void> {
    if (this.#failure && this.now() - this.#triedAt < JWKS_COOLDOWN_MS) throw this.#failure;
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    await this.#pending;
  }

  async #fetch(): Promise<void> {
    this.#triedAt = this.now();
    try {
      const res = await this.fetchImpl(this.url, {
        redirect: 'manual',
        headers: { accept: 'application/json, application/jwk-set+json' },
        signal: AbortSignal.timeout(JWKS_TIMEOUT_MS),
      });
      if (res.status !== 200) throw new Error(`it answered ${res.status}`);
      const set = (await res.json()) as JSONWebKeySet;
      this.#keys = createLocalJWKSet(set);
      this.#fetchedAt = this.now();
      this.#failure = undefined;
    } catch (err) {
      // Fail closed: a set that could not be renewed is not used past its age.
      this.#keys = undefined;
      this.#failure = new TokenError(
        'no_key',
        `the identity provider's keys could not be fetched from ${this.url} (${(err as Error).message})`,
      );
      throw this.#failure;
    }
  }
}
