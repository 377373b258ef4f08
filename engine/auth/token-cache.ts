/**
 * Verified session tokens, remembered until they expire. Verifying an HS256 token through
 * WebCrypto took ~14 % of the engine's CPU in the flood bench (an agent presents the same token
 * on every call); a session token's verdict depends only on the signing keys and on the time
 * against its `exp` (there is no revocation list), so it is kept until then and forgotten as
 * soon as the secrets change (a rotation or removal of a key re-verifies every token).
 */
import type { SecretsFile } from './secrets.js';
import type { VerifiedToken } from './tokens.js';

/** Most tokens remembered; past it the oldest are forgotten first. */
export const TOKEN_CACHE_SIZE = 10_000;

/** Token → its verification, valid while the secrets object is the same and before `expiresAt`. */
export class VerifiedTokenCache {
  readonly #max: number;
  #secrets?: SecretsFile;
  readonly #tokens = new Map<string, VerifiedToken>();

  constructor(max = TOKEN_CACHE_SIZE) {
    this.#max = max;
  }

  /** The remembered verification of `token` under `secrets` at `now`, if still valid. */
  get(secrets: SecretsFile, token: string, now: number): VerifiedToken | undefined {
    if (secrets !== this.#secrets) {
      this.#tokens.clear();
      this.#secrets = secrets;
      return undefined;
    }
    const hit = this.#tokens.get(token);
    if (hit === undefined) return undefined;
    if (now >= hit.expiresAt) {
      this.#tokens.delete(token);
      return undefined;
    }
    return hit;
  }

  /** Remembers a session token verified under `secrets` (other kinds are not kept: an identity provider may revoke keys). */
  set(secrets: SecretsFile, token: string, verified: VerifiedToken): void {
    if (verified.via !== 'session') return;
    if (secrets !== this.#secrets) {
      this.#tokens.clear();
      this.#secrets = secrets;
    }
    if (this.#tokens.size >= this.#max) this.#tokens.delete(this.#tokens.keys().next().value!);
    this.#tokens.set(token, verified);
  }

  get size(): number {
    return this.#tokens.size;
  }
}
