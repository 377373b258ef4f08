/**
 * Password hashes with node:crypto's scrypt (no native dependency). A hash records its own
 * parameters, `scrypt$<log2 N>$<r>$<p>$<salt>$<key>` (base64url), so the cost can be raised later
 * and old hashes still verify. The default follows OWASP's scrypt guidance (N=2^14, r=8, p=5:
 * 16 MiB per hash, the same work as N=2^17 with p=1 but an eighth of the memory per sign-in).
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost parameters. */
export interface ScryptParams {
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { log2N: 14, r: 8, p: 5 };
/** Cheap parameters for tests only (same code path, ~1000× less work). */
export const TEST_SCRYPT: ScryptParams = { log2N: 10, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Bounds a stored hash may ask for, so a tampered file cannot make one sign-in take gigabytes. */
const MAX_LOG2N = 20;
const MAX_P = 16;

function derive(password: string, salt: Buffer, k: ScryptParams): Promise<Buffer> {
  const N = 2 ** k.log2N;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, { N, r: k.r, p: k.p, maxmem: 256 * N * k.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** Hashes a password with a fresh salt. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (password.length < 8) throw new RangeError('a password needs at least 8 characters');
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return ['scrypt', params.log2N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** The parameters of a stored hash, or undefined when it is not one of ours. */
export function parsePasswordHash(hash: string): (ScryptParams & { salt: Buffer; key: Buffer }) | undefined {
  const m = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([\w-]{16,})\$([\w-]{32,})$/.exec(hash);
  if (!m) return undefined;
  const [log2N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (log2N < 1 || log2N > MAX_LOG2N || r < 1 || r > 32 || p < 1 || p > MAX_P) return undefined;
  return { log2N, r, p, salt: Buffer.from(m[4]!, 'base64url'), key: Buffer.from(m[5]!, 'base64url') };
}

/** Whether `password` matches `hash` (constant time over the derived key). */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const h = parsePasswordHash(hash);
  if (!h) return false;
  const key = await derive(password, h.salt, h);
  return key.length === h.key.length && timingSafeEqual(key, h.key);
}

/** A hash nobody's password matches, verified for unknown accounts so timing does not reveal which ids exist. */
export async function decoyHash(params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  return hashPassword(randomBytes(24).toString('base64url'), params);
}
