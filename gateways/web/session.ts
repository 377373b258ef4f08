/**
 * Web messaging sessions are stateless: a session token is `<sessionId>.<base64url HMAC-SHA256(secret,
 * "web-session:<integrationId>:<sessionId>")>`, so any gateway holding the integration secret can check it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SESSION_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** A new random session id (128 bits, base64url). */
export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

/** The token that proves a browser owns `sessionId` on this integration. */
export function sessionToken(secret: string, integrationId: string, sessionId: string): string {
  return `${sessionId}.${createHmac('sha256', secret).update(`web-session:${integrationId}:${sessionId}`).digest('base64url')}`;
}

/** The session id a token is for, when the token is valid for this integration; undefined otherwise. */
export function sessionOf(token: string, secret: string, integrationId: string): string | undefined {
  const dot = token.indexOf('.');
  if (dot < 0) return undefined;
  const sessionId = token.slice(0, dot);
  if (!SESSION_ID.test(sessionId)) return undefined;
  const expected = Buffer.from(sessionToken(secret, integrationId, sessionId));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given) ? sessionId : undefined;
}

/** The bearer token of a request (Authorization header, or `token` query for EventSource, which cannot set headers). */
export function bearerOf(headers: Headers, query?: URLSearchParams): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(headers.get('authorization') ?? '');
  return m?.[1] ?? query?.get('token') ?? undefined;
}

/** `sha256=<hex HMAC-SHA256(secret, body)>`: how the delivery worker signs what it hands to the web routes. */
export function outboundSignature(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time string comparison. */
export function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
