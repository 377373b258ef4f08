/**
 * Genesys Cloud's inbound Open Messaging paths, so middleware only changes its base URL:
 * `POST /api/v2/conversations/messages/:integrationId/inbound/open/{message|receipt|event}` and the legacy
 * `POST /api/v2/conversations/messages/inbound/open` (integration in `channel.to.id`). Each is handed, bytes and
 * headers unchanged, to the gateway's own `/webhooks/open/:integrationId` route through `forward` (the gateway app's
 * fetch), so verification, publishing and the answer are exactly those of the webhook route.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/** Largest body the compatibility paths read before handing it on (the webhook route applies its own limit too). */
export const OPEN_ROUTES_BODY_LIMIT_BYTES = 1024 * 1024;

/** The open-messaging compatibility sub-app; `forward` receives the rewritten request. */
export function openRoutes(forward: (req: Request) => Response | Promise<Response>, bodyLimitBytes = OPEN_ROUTES_BODY_LIMIT_BYTES): Hono {
  const app = new Hono();
  app.use('/api/v2/conversations/messages/*', bodyLimit({
    maxSize: bodyLimitBytes,
    onError: (c) => c.json({ error: { code: 'body_too_large', message: `the body is over ${bodyLimitBytes} bytes` } }, 413),
  }));
  const hand = async (raw: Request, integrationId: string, kind: string): Promise<Response> => {
    const url = new URL(raw.url);
    url.pathname = `/webhooks/open/${encodeURIComponent(integrationId)}`;
    url.search = `kind=${kind}`;
    return forward(new Request(url, { method: 'POST', headers: raw.headers, body: await raw.arrayBuffer() }));
  };
  app.post('/api/v2/conversations/messages/:integrationId/inbound/open/:kind{message|receipt|event}', (c) =>
    hand(c.req.raw, c.req.param('integrationId'), c.req.param('kind')));
  app.post('/api/v2/conversations/messages/inbound/open', async (c) => {
    const raw = c.req.raw.clone();
    let to: unknown;
    try {
      to = ((await c.req.json()) as { channel?: { to?: { id?: unknown } } }).channel?.to?.id;
    } catch {
      return c.json({ error: { code: 'body_malformed', message: 'the request body is not JSON' } }, 400);
    }
    if (typeof to !== 'string' || !/^[A-Za-z0-9_-]+$/.test(to)) {
      return c.json({ error: { code: 'body_invalid', message: 'channel.to.id: the legacy inbound API names the integration id here' } }, 400);
    }
    return hand(raw, to, 'message');
  });
  return app;
}
