/** Meta webhooks (WhatsApp, Messenger, Instagram, Facebook pages): the hub.challenge handshake and X-Hub-Signature-256. */
import { WebhookError, type Integration, type WebhookRequest } from '../channel.js';
import { hmac, safeEqual } from '../crypto.js';

/** Answers `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`; undefined when the request is not one. */
export function metaHandshake(req: WebhookRequest, integration: Integration): Response | undefined {
  if (req.method !== 'GET') return undefined;
  const mode = req.query.get('hub.mode');
  const challenge = req.query.get('hub.challenge');
  if (mode === null && challenge === null) return undefined;
  const expected = integration.credentials.verifyToken;
  const token = req.query.get('hub.verify_token') ?? '';
  if (mode !== 'subscribe' || challenge === null || !expected || !safeEqual(token, expected)) {
    return Response.json(
      {
        error: {
          code: 'handshake_refused',
          message: 'hub.mode must be subscribe and hub.verify_token must match the integration verify token',
        },
      },
      { status: 403 },
    );
  }
  return new Response(challenge, { status: 200, headers: { 'content-type': 'text/plain' } });
}

/** Checks `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`. */
export function verifyMetaSignature(req: WebhookRequest, integration: Integration): void {
  const header = req.headers.get('x-hub-signature-256');
  if (!header) throw new WebhookError(401, 'signature_missing', 'the X-Hub-Signature-256 header is missing');
  const expected = `sha256=${hmac('sha256', integration.secret, req.rawBody, 'hex')}`;
  if (!safeEqual(header.toLowerCase(), expected)) {
    throw new WebhookError(
      401,
      'signature_invalid',
      'X-Hub-Signature-256 does not match the body signed with the app secret',
    );
  }
}
