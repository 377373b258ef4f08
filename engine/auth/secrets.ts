/**
 * The secrets file: hashed API keys, people's password hashes, the keys that sign session tokens,
 * and an optional external identity provider. API keys and passwords are stored hashed; the
 * signing keys are the only secrets in clear, so the file is written with mode 0600 and never
 * served. Edited with `switchboard auth …` (engine/auth-command.ts); a running engine re-reads it
 * when it changes, so keys rotate without a restart.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1–64 letters, digits, _ or -');

/** Roles an API key may carry (people sign in; their roles come from the routing configuration). */
export const API_KEY_ROLES = ['admin', 'supervisor', 'gateway', 'monitor'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

const ApiKeyEntry = z
  .object({
    id: Id,
    role: z.enum(API_KEY_ROLES),
    hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'use "sha256:<64 hex digits>" (switchboard auth add-key)'),
    createdAt: z.string().optional(),
  })
  .strict();

const PasswordEntry = z
  .object({ id: Id, hash: z.string().startsWith('scrypt$'), changedAt: z.string().optional() })
  .strict();

const SigningKey = z
  .object({
    kid: z.string().regex(/^[\w.-]{1,64}$/),
    /** 32+ random bytes, base64url: HS256 secret. */
    secret: z.string().regex(/^[\w-]{43,}$/, 'use at least 32 random bytes, base64url'),
    /** Signs new tokens from this time on (ms since epoch); verifies at once. Lets every node learn a key first. */
    activatesAt: z.number().int().nonnegative().default(0),
    createdAt: z.string().optional(),
  })
  .strict();

const Oidc = z
  .object({
    issuer: z.string().min(1),
    audience: z.string().min(1),
    jwksUrl: z.string().url(),
    /** The claim that holds the person's id in the routing configuration. */
    idClaim: z.string().min(1).default('sub'),
  })
  .strict();

/** The secrets file's schema. */
export const SecretsFileSchema = z
  .object({
    apiKeys: z.array(ApiKeyEntry).default([]),
    passwords: z.array(PasswordEntry).default([]),
    signingKeys: z.array(SigningKey).default([]),
    oidc: Oidc.optional(),
  })
  .strict();

export type SecretsFile = z.output<typeof SecretsFileSchema>;
export type SecretsFileInput = z.input<typeof SecretsFileSchema>;

/** The secrets file does not validate or cannot be read. */
export class SecretsFileError extends Error {
  override readonly name = 'SecretsFileError';
}

/** Validates a secrets file's content. */
export function parseSecrets(input: unknown, where = 'secrets'): SecretsFile {
  const r = SecretsFileSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new SecretsFileError(`${where}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const ids = new Set<string>();
  for (const k of r.data.apiKeys) {
    if (ids.has(k.id)) throw new SecretsFileError(`${where}: apiKeys: duplicate id "${k.id}"`);
    ids.add(k.id);
  }
  return r.data;
}

/** API keys read `sbk.<id>.<secret>`: the id finds the entry, the whole key is hashed. */
const API_KEY = /^sbk\.([A-Za-z0-9_-]{1,64})\.([\w-]{32,128})$/;

/** A new API key for `id` (shown once) and the hash to store. */
export function newApiKey(id: string): { key: string; hash: string } {
  const key = `sbk.${Id.parse(id)}.${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key) };
}

/**
 * The stored form of an API key. SHA-256 rather than scrypt: a key carries 256 random bits, so
 * a slow hash adds nothing against guessing and would cost every request a scrypt run.
 */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** The id an API key names, or undefined when the text is not shaped like one. */
export function apiKeyId(key: string): string | undefined {
  return API_KEY.exec(key)?.[1];
}

/** Whether `key` matches a stored hash (constant time). */
export function apiKeyMatches(key: string, hash: string): boolean {
  const a = Buffer.from(hashApiKey(key));
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A new token signing key. */
export function newSigningKey(activatesAt = 0, now = new Date()): SecretsFile['signingKeys'][number] {
  return {
    kid: `k${now.getTime().toString(36)}${randomBytes(3).toString('hex')}`,
    secret: randomBytes(32).toString('base64url'),
    activatesAt,
    createdAt: now.toISOString(),
  };
}

/** Reads a secrets file (undefined when it does not exist). */
export function readSecretsFile(path: string): SecretsFile | undefined {
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new SecretsFileError(`${path} is not valid JSON (${(err as Error).name})`);
  }
  return parseSecrets(json, path);
}

/** Writes a secrets file atomically with mode 0600. */
export function writeSecretsFile(path: string, secrets: SecretsFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Reads, changes and writes a secrets file (created with a signing key when missing). */
export function updateSecretsFile(path: string, change: (s: SecretsFile) => SecretsFile): SecretsFile {
  const current = readSecretsFile(path) ?? parseSecrets({ signingKeys: [newSigningKey()] });
  const next = parseSecrets(change(current), path);
  writeSecretsFile(path, next);
  return next;
}

/** How often a running engine looks at the secrets file for changes. */
export const SECRETS_RECHECK_MS = 1_000;

/**
 * The current secrets of a running engine: a fixed object (tests), or a file re-read when its
 * modification time or size changes (checked at most once per SECRETS_RECHECK_MS of `now`).
 */
export class SecretsStore {
  #secrets: SecretsFile;
  readonly #path?: string;
  readonly #now: () => number;
  #checkedAt = 0;
  #stamp = '';
  /** Called with the error when a changed file does not validate (the previous secrets stay in force). */
  onReloadError?: (err: Error) => void;

  private constructor(secrets: SecretsFile, now: () => number, path?: string) {
    this.#secrets = secrets;
    this.#now = now;
    this.#path = path;
    if (path) this.#stamp = stampOf(path);
  }

  /** Fixed secrets (tests and embedded tools). */
  static of(input: SecretsFileInput, now: () => number = Date.now): SecretsStore {
    return new SecretsStore(parseSecrets(input), now);
  }

  /** A file's secrets; with `create`, a missing file is created with one signing key. */
  static file(path: string, options: { create?: boolean; now?: () => number } = {}): SecretsStore {
    let s = readSecretsFile(path);
    if (!s) {
      if (!options.create)
        throw new SecretsFileError(`no secrets file at ${path}; create it with: switchboard auth init`);
      s = parseSecrets({ signingKeys: [newSigningKey()] });
      writeSecretsFile(path, s);
    }
    return new SecretsStore(s, options.now ?? Date.now, path);
  }

  get path(): string | undefined {
    return this.#path;
  }

  /** The secrets now in force (re-reading a changed file first). */
  current(): SecretsFile {
    if (this.#path && this.#now() - this.#checkedAt >= SECRETS_RECHECK_MS) this.reload();
    return this.#secrets;
  }

  /** Re-reads the file when it changed; keeps the old secrets if the new file is invalid. */
  reload(): void {
    if (!this.#path) return;
    this.#checkedAt = this.#now();
    const stamp = stampOf(this.#path);
    if (stamp === this.#stamp) return;
    try {
      const next = readSecretsFile(this.#path);
      if (next) this.#secrets = next;
      this.#stamp = stamp;
    } catch (err) {
      this.#stamp = stamp;
      this.onReloadError?.(err as Error);
    }
  }

  /** Replaces fixed secrets (tests rotate keys with this). */
  replace(input: SecretsFileInput): void {
    this.#secrets = parseSecrets(input);
    if (this.#path) {
      writeSecretsFile(this.#path, this.#secrets);
      this.#stamp = stampOf(this.#path);
    }
  }
}

function stampOf(path: string): string {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}:${s.ino}`;
  } catch {
    return 'missing';
  }
}
