/**
 * Genesys Cloud's inbound Open Messaging paths, so middleware only changes its base URL:
 * `POST /api/v2/conversations/messages/:integrationId/inbound/open/{message|receipt|event}` and the legacy
 * `POST /api/v2/conversations/messages/inbound/open` (integration in `channel.to.id`). Each is handed, bytes and
 * headers unchanged, to the gateway's own `/webhooks/open/:integrationId` route through `forward` (the gateway app's
 * fetch), so verification, publishing and the answer are exactly those of the webhook route.
 */
import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Integration } from '../channel.js';

/** Largest body the compatibility paths read before handing it on (the webhook route applies its own limit too). */
export const OPEN_ROUTES_BODY_LIMIT_BYTES = 1024 * 1024;

/** Lifetime announced for tokens from the client-credentials endpoint (the token itself is the static inbound token). */
export const OPEN_TOKEN_EXPIRES_IN_S = 86_400;

/**
 * The open-messaging compatibility sub-app; `forward` receives the rewritten request. With `integrations`, it also
 * answers Genesys' OAuth client-credentials call (`POST /oauth/token`, client id/secret in Basic auth or the form):
 * an open integration whose `credentials.oauthClientId/oauthClientSecret` match gets its `inboundToken` back.
 */
export function openRoutes(
  forward: (req: Request) => Response | Promise<Response>,
  bodyLimitBytes = OPEN_ROUTES_BODY_LIMIT_BYTES,
  integrations: readonly Integration[] = [],
): Hono {
  const app = new Hono();
  app.post('/oauth/token', async (c) => {
    const form = new URLSearchParams(await c.req.text().catch(() => ''));
    const basic = /^Basic\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const [id, secret] = basic
      ? Buffer.from(basic, 'base64').toString('utf8').split(':', 2)
      : [form.get('client_id'), form.get('client_secret')];
    if (form.get('grant_type') !== 'client_credentials')
      return c.json(
        // RFC 6749 §5.2 error shape (`error_description`); `description` kept for clients written against it.
        {
          error: 'unsupported_grant_type',
          error_description: 'only grant_type=client_credentials is supported',
          description: 'only grant_type=client_credentials is supported',
        },
        400,
      );
    const match = integrations.find(
      (i) =>
        i.channel === 'open' &&
        i.credentials.inboundToken &&
        i.credentials.oauthClientId !== undefined &&
        safeEqual(i.credentials.oauthClientId, id ?? '') &&
        safeEqual(i.credentials.oauthClientSecret ?? '', secret ?? ''),
    );
    if (!match)
      return c.json(
        {
          error: 'invalid_client',
          error_description: 'unknown client id or wrong secret',
          description: 'unknown client id or wrong secret',
        },
        401,
      );
    return c.json({
      access_token: match.credentials.inboundToken,
      token_type: 'bearer',
      expires_in: OPEN_TOKEN_EXPIRES_IN_S,
    });
  });
  app.use(
    '/api/v2/conversations/messages/*',
    bodyLimit({
      maxSize: bodyLimitBytes,
      onError: (c) =>
        c.json({ error: { code: 'body_too_large', message: `the body is over ${bodyLimitBytes} bytes` } }, 413),
    }),
  );
  const hand = async (raw: Request, integrationId: string, kind: string): Promise<Response> => {
    const url = new URL(raw.url);
    url.pathname = `/webhooks/open/${encodeURIComponent(integrationId)}`;
    url.search = `kind=${kind}`;
    return forward(new Request(url, { method: 'POST', headers: raw.headers, body: await raw.arrayBuffer() }));
  };
  app.post('/api/v2/conversations/messages/:integrationId/inbound/open/:kind{message|receipt|event}', (c) =>
    hand(c.req.raw, c.req.param('integrationId'), c.req.param('kind')),
  );
  app.post('/api/v2/conversations/messages/inbound/open', async (c) => {
    const raw = c.req.raw.clone();
    let to: unknown;
    try {
      to = ((await c.req.json()) as { channel?: { to?: { id?: unknown } } }).channel?.to?.id;
    } catch {
      return c.json({ error: { code: 'body_malformed', message: 'the request body is not JSON' } }, 400);
    }
    if (typeof to !== 'string' || !/^[A-Za-z0-9_-]+$/.test(to)) {
      return c.json(
        {
          error: {
            code: 'body_invalid',
            message: 'channel.to.id: the legacy inbound API names the integration id here',
          },
        },
        400,
      );
    }
    return hand(raw, to, 'message');
  });
  return app;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
