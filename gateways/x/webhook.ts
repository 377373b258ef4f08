/** X Account Activity webhooks: the CRC handshake and `x-twitter-webhooks-signature`, both base64 HMAC-SHA256 with the consumer secret. */
import { WebhookError, type Integration, type WebhookRequest } from '../channel.js';
import { hmac, safeEqual } from '../crypto.js';

/** Answers `GET ?crc_token=…` with `{ response_token: "sha256=<base64 HMAC>" }`; undefined for other requests. */
export function xCrcHandshake(req: WebhookRequest, integration: Integration): Response | undefined {
  if (req.method !== 'GET') return undefined;
  const token = req.query.get('crc_token');
  if (token === null) return undefined;
  if (!token)
    return Response.json({ error: { code: 'handshake_invalid', message: 'crc_token is empty' } }, { status: 400 });
  return Response.json({ response_token: `sha256=${hmac('sha256', integration.secret, token, 'base64')}` });
}

/** Checks `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, raw body)>`. */
export function verifyXSignature(req: WebhookRequest, integration: Integration): void {
  const header = req.headers.get('x-twitter-webhooks-signature');
  if (!header) throw new WebhookError(401, 'signature_missing', 'the x-twitter-webhooks-signature header is missing');
  const expected = `sha256=${hmac('sha256', integration.secret, req.rawBody, 'base64')}`;
  if (!safeEqual(header, expected))
    throw new WebhookError(
      401,
      'signature_invalid',
      'x-twitter-webhooks-signature does not match the body signed with the consumer secret',
    );
}
