/**
 * Session tokens: JWTs signed HS256 (jose) with the secrets file's signing keys, the key named by
 * `kid` so several keys verify during a rotation. And tokens of an external identity provider,
 * verified against its JWKS (issuer and audience checked).
 */
import { randomBytes } from 'node:crypto';
import { decodeJwt, errors, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import type { SecretsFile } from './secrets.js';

/** Issuer and audience of Switchboard's own session tokens. */
export const TOKEN_ISSUER = 'switchboard';
export const TOKEN_AUDIENCE = 'switchboard-api';
/** Default life of a session token: short, renewed with POST /auth/refresh. */
export const DEFAULT_TOKEN_TTL_SECONDS = 3_600;

/** Why a token was refused (the 401's message says it). */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  constructor(
    readonly reason: 'expired' | 'signature_invalid' | 'claim_invalid' | 'unknown_key' | 'malformed' | 'no_key',
    message: string,
  ) {
    super(message);
  }
}

/** A verified token: whose it is and until when. */
export interface VerifiedToken {
  readonly subject: string;
  readonly expiresAt: number;
  readonly via: 'session' | 'oidc';
}

type SigningKey = SecretsFile['signingKeys'][number];

/** The key new tokens are signed with at `now`: the newest active one. */
export function activeSigningKey(keys: readonly SigningKey[], now: number): SigningKey | undefined {
  let best: SigningKey | undefined;
  for (const k of keys) if (k.activatesAt <= now && (!best || k.activatesAt >= best.activatesAt)) best = k;
  return best;
}

/** Signs a session token for `subject`. */
export async function signSessionToken(
  secrets: SecretsFile,
  subject: string,
  now: number,
  ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS,
): Promise<{ token: string; expiresAt: number }> {
  const key = activeSigningKey(secrets.signingKeys, now);
  if (!key) throw new TokenError('no_key', 'no signing key is active; run: switchboard auth rotate-signing-key');
  const iat = Math.floor(now / 1000);
  const exp = iat + ttlSeconds;
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' })
    .setSubject(subject)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(randomBytes(9).toString('base64url'))
    .sign(Buffer.from(key.secret, 'base64url'));
  return { token, expiresAt: exp * 1000 };
}

/**
 * What an identity provider may sign with: asymmetric algorithms only, so a token can never be
 * "signed" with the provider's public key used as an HMAC secret.
 */
export const OIDC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

function refusal(err: unknown): TokenError {
  if (err instanceof TokenError) return err;
  if (err instanceof errors.JWTExpired) return new TokenError('expired', 'the token has expired; sign in again');
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new TokenError('signature_invalid', 'the token signature does not verify');
  if (err instanceof errors.JWTClaimValidationFailed)
    return new TokenError('claim_invalid', `the token's "${err.claim}" claim is not accepted: ${err.reason}`);
  if (err instanceof errors.JOSEAlgNotAllowed)
    return new TokenError('signature_invalid', 'the token is signed with an algorithm that is not accepted');
  if (err instanceof errors.JWKSNoMatchingKey)
    return new TokenError('unknown_key', 'the token is signed with a key the identity provider does not publish');
  return new TokenError('malformed', 'the credential is neither an API key nor a valid token');
}

/**
 * Verifies a bearer token: Switchboard's own (signing keys) or, when configured, the identity
 * provider's, whose keys `keySet(jwksUrl)` finds (engine/auth/jwks.ts).
 */
export async function verifyToken(
  secrets: SecretsFile,
  token: string,
  now: number,
  keySet: (jwksUrl: string) => JWTVerifyGetKey,
): Promise<VerifiedToken> {
  let issuer: string | undefined;
  try {
    issuer = decodeJwt(token).iss;
  } catch (err) {
    throw refusal(err);
  }
  const currentDate = new Date(now);
  try {
    if (issuer === TOKEN_ISSUER) {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const key = secrets.signingKeys.find((k) => k.kid === header.kid);
          if (!key) throw new TokenError('unknown_key', 'the token is signed with a key this engine does not hold');
          return Buffer.from(key.secret, 'base64url');
        },
        { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['HS256'], currentDate, requiredClaims: ['exp'] },
      );
      if (!payload.sub) throw new TokenError('claim_invalid', 'the token names no subject');
      return { subject: payload.sub, expiresAt: (payload.exp ?? 0) * 1000, via: 'session' };
    }
    const oidc = secrets.oidc;
    if (oidc && issuer === oidc.issuer) {
      const { payload } = await jwtVerify(token, keySet(oidc.jwksUrl), {
        algorithms: OIDC_ALGORITHMS,
        issuer: oidc.issuer,
        audience: oidc.audience,
        currentDate,
        requiredClaims: ['exp'],
      });
      const id = payload[oidc.idClaim];
      if (typeof id !== 'string' || !id)
        throw new TokenError('claim_invalid', `the identity provider's token has no "${oidc.idClaim}" claim`);
      return { subject: id, expiresAt: (payload.exp ?? 0) * 1000, via: 'oidc' };
    }
  } catch (err) {
    throw refusal(err);
  }
  throw new TokenError('claim_invalid', `tokens from issuer "${issuer ?? '(none)'}" are not accepted here`);
}
