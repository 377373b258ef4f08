/** HMAC helpers shared by the channels: computed over the exact raw bytes, compared in constant time. */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC of `data` with `key` in the given digest encoding. */
export function hmac(
  algorithm: 'sha1' | 'sha256',
  key: string | Buffer,
  data: Uint8Array | string,
  encoding: 'hex' | 'base64',
): string {
  return createHmac(algorithm, key).update(data).digest(encoding);
}

/** Constant-time string equality (false when lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
