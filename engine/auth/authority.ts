/**
 * The engine's credentials: resolves a bearer credential (API key, session token, identity
 * provider token) to who it is, signs people in (scrypt, rate-limited per account and per source
 * address), issues session tokens, and keeps the audit log. Roles of people come from the routing
 * configuration (engine/auth/middleware.ts); API keys carry theirs.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { addressKey } from '../../gateways/source-address.js';
import { WindowLimiter } from '../../gateways/window-limiter.js';
import { AuditLog, MemoryAuditSink, type AuditSink } from './audit.js';
import { decoyHash, parsePasswordHash, verifyPassword } from './passwords.js';
import type { CredentialKind, Role } from './principal.js';
import { apiKeyId, apiKeyMatches, SecretsStore, type SecretsFileInput } from './secrets.js';
import { DEFAULT_TOKEN_TTL_SECONDS, signSessionToken, TokenError, verifyToken } from './tokens.js';
import { VerifiedTokenCache } from './token-cache.js';

/** A fixed-window limit. */
export interface RateLimit {
  readonly limit: number;
  readonly windowMs: number;
}

/** Failed sign-ins allowed per account before it is refused for the rest of the window. */
export const DEFAULT_SIGN_IN_PER_ACCOUNT: RateLimit = { limit: 5, windowMs: 15 * 60_000 };
/** Sign-in attempts allowed per source address. */
export const DEFAULT_SIGN_IN_PER_ADDRESS: RateLimit = { limit: 20, windowMs: 60_000 };
/** Password checks running at once (each holds 16 MiB and a libuv thread for a while). */
export const MAX_CONCURRENT_PASSWORD_CHECKS = 4;

/** Everything an engine needs to check credentials. */
export interface AuthOptions {
  /** The secrets: a file path (created with a signing key when missing), a store, or fixed secrets (tests). */
  readonly secrets: string | SecretsStore | SecretsFileInput;
  /**
   * Time for token expiry and rate limits: the wall clock by default. Deliberately not the
   * engine's clock, which may be virtual: advancing simulated days must not sign everyone out.
   */
  readonly now?: () => number;
  readonly tokenTtlSeconds?: number;
  readonly signInPerAccount?: RateLimit;
  readonly signInPerAddress?: RateLimit;
  /** Where audit records go (in memory by default; the engine uses the SB_AUDIT stream). */
  readonly audit?: AuditSink;
  readonly logger?: Logger;
}

/** Who a credential says it is, before the configuration gives a person a role. */
export interface Identity {
  readonly id: string;
  readonly via: CredentialKind;
  /** API keys carry their role; people get theirs from the configuration. */
  readonly role?: Role;
  /** When a token stops being valid (ms since epoch). */
  readonly expiresAt?: number;
}

/** A sign-in that did not succeed. */
export type SignInRefusal = {
  readonly ok: false;
  readonly code: 'invalid_credentials' | 'rate_limited';
  readonly message: string;
  readonly retryAfterMs?: number;
};

/** Checks credentials and issues tokens for one engine. */
export class Authority {
  readonly secrets: SecretsStore;
  readonly audit: AuditLog;
  readonly now: () => number;
  readonly tokenTtlSeconds: number;
  /**
   * An admin key that exists only in this process's memory, for the engine's own tools (the CLI's
   * `--routing` applies through the HTTP API with it). Never written anywhere.
   */
  readonly internalKey = `sbk.internal.${randomBytes(32).toString('base64url')}`;
  readonly #perAccount: WindowLimiter;
  readonly #perAddress: WindowLimiter;
  readonly #log?: Logger;
  readonly #verified = new VerifiedTokenCache();
  #decoy?: Promise<string>;
  #checking = 0;

  constructor(options: AuthOptions) {
    this.now = options.now ?? Date.now;
    this.secrets =
      typeof options.secrets === 'string'
        ? SecretsStore.file(options.secrets, { create: true, now: this.now })
        : options.secrets instanceof SecretsStore
          ? options.secrets
          : SecretsStore.of(options.secrets, this.now);
    this.#log = options.logger;
    this.secrets.onReloadError = (err) =>
      this.#log?.error({ err }, 'the changed secrets file is invalid; the previous secrets stay in force');
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
    const acc = options.signInPerAccount ?? DEFAULT_SIGN_IN_PER_ACCOUNT;
    const addr = options.signInPerAddress ?? DEFAULT_SIGN_IN_PER_ADDRESS;
    this.#perAccount = new WindowLimiter(acc.limit, acc.windowMs, this.now);
    this.#perAddress = new WindowLimiter(addr.limit, addr.windowMs, this.now);
    this.audit = new AuditLog(options.audit ?? new MemoryAuditSink(), options.logger);
  }

  /** Who a bearer credential is; throws TokenError when it does not verify. */
  async identify(credential: string): Promise<Identity> {
    const keyId = apiKeyId(credential);
    if (keyId !== undefined) {
      if (credential === this.internalKey) return { id: 'engine', via: 'internal', role: 'admin' };
      const entry = this.secrets.current().apiKeys.find((k) => k.id === keyId);
      if (!entry || !apiKeyMatches(credential, entry.hash))
        throw new TokenError('signature_invalid', 'this API key is not (or no longer) valid');
      return { id: entry.id, via: 'api_key', role: entry.role };
    }
    const secrets = this.secrets.current();
    const now = this.now();
    let t = this.#verified.get(secrets, credential, now);
    if (!t) {
      t = await verifyToken(secrets, credential, now);
      this.#verified.set(secrets, credential, t);
    }
    return { id: t.subject, via: t.via, expiresAt: t.expiresAt };
  }

  /** Issues a session token for a person. */
  issue(id: string): Promise<{ token: string; expiresAt: number }> {
    return signSessionToken(this.secrets.current(), id, this.now(), this.tokenTtlSeconds);
  }

  /**
   * Checks a person's password. Refused without checking once the source address made too many
   * attempts or the account had too many failures in the window; unknown accounts cost the same
   * scrypt run as known ones.
   */
  async signIn(id: string, password: string, source: string): Promise<{ ok: true } | SignInRefusal> {
    const limited = (retryAfterMs: number): SignInRefusal => ({
      ok: false,
      code: 'rate_limited',
      message: `too many sign-in attempts; try again in ${Math.ceil(retryAfterMs / 1000)} s`,
      retryAfterMs,
    });
    // An IPv6 caller counts by its /64: one subscriber's block, not one of its 2^64 addresses.
    const byAddress = this.#perAddress.hit(addressKey(source));
    if (!byAddress.allowed) return limited(byAddress.retryAfterMs);
    const byAccount = this.#perAccount.check(id);
    if (!byAccount.allowed) return limited(byAccount.retryAfterMs);
    if (this.#checking >= MAX_CONCURRENT_PASSWORD_CHECKS) return limited(1_000);
    this.#checking++;
    let ok: boolean;
    try {
      const { passwords } = this.secrets.current();
      const entry = passwords.find((p) => p.id === id);
      // The decoy costs what the stored hashes cost, so a missing account answers as slowly as a wrong password.
      this.#decoy ??= decoyHash(passwords[0] ? parsePasswordHash(passwords[0].hash) : undefined);
      ok = await verifyPassword(password, entry?.hash ?? (await this.#decoy));
      ok &&= !!entry;
    } finally {
      this.#checking--;
    }
    if (!ok) {
      this.#perAccount.hit(id);
      return { ok: false, code: 'invalid_credentials', message: 'the id or the password is wrong' };
    }
    this.#perAccount.reset(id);
    return { ok: true };
  }
}
