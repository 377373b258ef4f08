/**
 * Twilio request validation: `X-Twilio-Signature` = base64 HMAC-SHA1(auth token, URL + every POST parameter sorted
 * by name as name+value). JSON callbacks carry `bodySHA256` in the query instead; then the URL alone is signed.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The signature Twilio computes for a URL and its (decoded) POST parameters. */
export function twilioSignature(
  authToken: string,
  url: string,
  params: readonly (readonly [string, string])[],
): string {
  // Sort by name; repeated names keep all their values, sorted, as the official helper does.
  const byName = new Map<string, string[]>();
  for (const [k, v] of params) byName.set(k, [...(byName.get(k) ?? []), v]);
  let data = url;
  for (const name of [...byName.keys()].sort()) for (const v of byName.get(name)!.sort()) data += name + v;
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** The URL as Twilio may have signed it: as given, with the default port added, or with it removed. */
export function urlVariants(url: string): string[] {
  const out = new Set([url]);
  try {
    const u = new URL(url);
    const def = u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '';
    if (def) {
      // URL normalises a default port away; rebuild both spellings by hand so the rest stays byte-identical.
      const hostStart = url.indexOf('//') + 2;
      const pathStart = url.slice(hostStart).search(/[/?#]/);
      const authority = pathStart === -1 ? url.slice(hostStart) : url.slice(hostStart, hostStart + pathStart);
      const rest = pathStart === -1 ? '' : url.slice(hostStart + pathStart);
      const prefix = url.slice(0, hostStart);
      if (authority.endsWith(`:${def}`)) out.add(prefix + authority.slice(0, -(def.length + 1)) + rest);
      else if (!/:\d+$/.test(authority)) out.add(`${prefix}${authority}:${def}${rest}`);
    }
  } catch {
    // not a URL: only the literal variant
  }
  return [...out];
}

/** Constant-time base64 signature comparison. */
export function signatureMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Hex SHA-256 of a body, as Twilio puts in `bodySHA256` for JSON callbacks. */
export function bodySha256(raw: Uint8Array): string {
  return createHash('sha256').update(raw).digest('hex');
}
