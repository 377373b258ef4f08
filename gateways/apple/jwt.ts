/** The HS256 JWTs Apple Messages for Business uses both ways (key = the base64-decoded MSP API secret). */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Allowed clock difference when checking `exp`/`nbf`. */
export const JWT_LEEWAY_MS = 60_000;

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** Signs `{iss, iat}` claims as the MSP does when calling Apple. */
export function signAppleJwt(secretBase64: string, claims: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', Buffer.from(secretBase64, 'base64')).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** Verifies an HS256 JWT; returns a sentence naming what is wrong, or undefined when it is valid. */
export function jwtProblem(
  token: string,
  secretBase64: string,
  audience: string | undefined,
  nowMs: number,
): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return 'the bearer token is not a JWT';
  const [head, body, sig] = parts as [string, string, string];
  let header: { alg?: unknown };
  let claims: { aud?: unknown; exp?: unknown; nbf?: unknown };
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return 'the JWT header or claims are not JSON';
  }
  // Only HS256: refusing "none" and asymmetric algorithms closes the usual algorithm-confusion holes.
  if (header.alg !== 'HS256') return `the JWT algorithm must be HS256, got ${JSON.stringify(header.alg)}`;
  const expected = createHmac('sha256', Buffer.from(secretBase64, 'base64')).update(`${head}.${body}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return 'the JWT signature does not match the MSP API secret';
  if (audience !== undefined) {
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(audience)) return `the JWT audience must be the MSP id ${audience}`;
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 + JWT_LEEWAY_MS < nowMs) return 'the JWT has expired';
  if (typeof claims.nbf === 'number' && claims.nbf * 1000 - JWT_LEEWAY_MS > nowMs) return 'the JWT is not valid yet';
  return undefined;
}
