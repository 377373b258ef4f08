/**
 * The gateway HTTP app: `/webhooks/<channel>/<integration id>` for every configured integration,
 * `/healthz` (the process answers; NATS state shown) and `/readyz` (NATS reachable and streams there).
 * Order per request: size limit (413) → integration lookup (404) → handshake → signature over
 * the raw bytes (401) → normalize (400) → bound pass-through data → publish to JetStream (503
 * unless acknowledged: NATS unavailable, and nothing else) → 200.
 */
import { Hono, type Context } from 'hono';
import { gatewayOpenApi } from './openapi.js';
import type { Logger } from 'pino';
import type { InboundEvent } from '../protocol/channels.js';
import { boundEvent } from './bound.js';
import { WebhookError, type ChannelAdapter, type Integration, type WebhookRequest } from './channel.js';
import type { GatewayReadiness } from './health.js';
import type { GatewayMetrics } from './metrics.js';
import { PublishUnavailableError, inboundEnvelope, type EnvelopePublisher } from './publisher.js';

/** Default largest webhook body accepted. */
export const DEFAULT_WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

/** The adapters and integrations a gateway app serves, and where it publishes. */
export interface GatewayAppOptions {
  readonly adapters: readonly ChannelAdapter[];
  readonly integrations: readonly Integration[];
  readonly publisher: EnvelopePublisher;
  readonly bodyLimitBytes?: number;
  /** Stamps `receivedAt` on events (ms since epoch). */
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Sub-apps mounted at the root before the webhook route, so their middleware (CORS) wraps it: web messaging's routes. */
  readonly routes?: readonly Hono[];
  /** What NATS readiness is known (`startGateway` watches its connection); without it /readyz reports ready. */
  readonly health?: { readonly current: GatewayReadiness; check(): Promise<GatewayReadiness> };
  /** Counts webhooks by channel and status, and times publishes (gateways/metrics.ts). */
  readonly metrics?: GatewayMetrics;
}

/** Counters a gateway exposes on /healthz. */
export interface GatewayStats {
  accepted: number;
  events: number;
  refused: number;
  unavailable: number;
}

function fail(c: Context, status: number, code: string, message: string): Response {
  return c.json({ error: { code, message } }, status as 400);
}

/** Reads the raw body, refusing (413) more than `limit` bytes without buffering a hostile chunked body whole. */
async function readBody(c: Context, limit: number): Promise<Uint8Array> {
  const tooLarge = () => new WebhookError(413, 'body_too_large', `the webhook body is over ${limit} bytes`);
  if (c.req.header('content-length') !== undefined) return new Uint8Array(await c.req.arrayBuffer());
  const stream = c.req.raw.body;
  if (!stream) return new Uint8Array();
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Builds the gateway's hono app. */
export function createGatewayApp(o: GatewayAppOptions): { app: Hono; stats: GatewayStats } {
  const limit = o.bodyLimitBytes ?? DEFAULT_WEBHOOK_BODY_LIMIT_BYTES;
  const now = o.now ?? Date.now;
  const adapters = new Map(o.adapters.map((a) => [a.channel as string, a]));
  const integrations = new Map(o.integrations.map((i) => [`${i.channel}/${i.id}`, i]));
  const stats: GatewayStats = { accepted: 0, events: 0, refused: 0, unavailable: 0 };
  const app = new Hono();

  // Liveness: 200 while the process answers; it says whether NATS is usable rather than claiming "ok".
  app.get('/healthz', (c) => {
    const r = o.health?.current;
    const ready = r?.ready ?? true;
    return c.json({
      status: ready ? 'ok' : 'degraded',
      ready,
      ...(r ? { nats: r.nats } : {}),
      ...(r?.error ? { error: r.error } : {}),
      channels: [...adapters.keys()],
      stats,
    });
  });
  // Readiness: 200 only while webhooks can be accepted; 503 with what is missing and how to fix it.
  app.get('/readyz', async (c) => {
    if (!o.health) return c.json({ status: 'ready', ready: true });
    const r = await o.health.check();
    return c.json({ status: r.ready ? 'ready' : 'not_ready', ...r }, r.ready ? 200 : 503);
  });
  app.get('/openapi.json', (c) => c.json(gatewayOpenApi()));
  // Every webhook answer is counted, whichever branch gave it (open messaging's API paths hand over to this route).
  if (o.metrics) {
    const metrics = o.metrics;
    app.use('/webhooks/:channel/:integration', async (c, next) => {
      await next();
      metrics.webhook(c.req.param('channel'), c.res.status);
    });
  }
  for (const sub of o.routes ?? []) app.route('/', sub);
  app.on(['GET', 'POST'], '/webhooks/:channel/:integration', async (c) => {
    // hono's bodyLimit middleware cut throughput by more than half here (bench/RESULTS.md); the
    // declared length is checked first, a chunked body while it is read (readBody).
    if (Number(c.req.header('content-length') ?? 0) > limit) {
      stats.refused++;
      return fail(c, 413, 'body_too_large', `the webhook body is over ${limit} bytes`);
    }
    const adapter = adapters.get(c.req.param('channel'));
    if (!adapter) {
      stats.refused++;
      return fail(
        c,
        404,
        'unknown_channel',
        `this gateway does not serve channel "${c.req.param('channel')}"; it serves ${[...adapters.keys()].join(', ')}`,
      );
    }
    const integration = integrations.get(`${adapter.channel}/${c.req.param('integration')}`);
    if (!integration) {
      stats.refused++;
      return fail(
        c,
        404,
        'unknown_integration',
        `no ${adapter.channel} integration "${c.req.param('integration')}" is configured`,
      );
    }
    let events: InboundEvent[];
    let req: WebhookRequest;
    try {
      const rawBody = c.req.method === 'POST' ? await readBody(c, limit) : new Uint8Array();
      const url = new URL(c.req.url);
      req = {
        method: c.req.method,
        url: integration.webhookUrl ? integration.webhookUrl + url.search : c.req.url,
        headers: c.req.raw.headers,
        query: url.searchParams,
        rawBody,
      };
      const handshake = adapter.handshake?.(req, integration);
      if (handshake) return handshake;
      if (c.req.method !== 'POST')
        return fail(c, 400, 'handshake_invalid', `a GET must be the ${adapter.channel} verification handshake`);
      adapter.verify(req, integration);
      const received = now();
      // Only what the canonical event needs travels on, bounded: hostile nesting in unused fields stays behind.
      events = adapter.normalize(req, integration).map((e) => boundEvent({ ...e, receivedAt: received }));
    } catch (err) {
      stats.refused++;
      if (err instanceof WebhookError) return fail(c, err.status, err.code, err.message);
      // Hostile input must never crash the process: anything else the adapter throws is a bad body.
      o.logger?.warn(
        { err, channel: adapter.channel, integration: integration.id },
        'webhook refused: adapter failed on the body',
      );
      return fail(
        c,
        400,
        'body_malformed',
        `the ${adapter.channel} webhook body could not be read: ${(err as Error)?.message ?? String(err)}`,
      );
    }
    const publishStart = performance.now();
    const timed = (result: 'ok' | 'unavailable' | 'error') =>
      o.metrics?.publish(adapter.channel, result, (performance.now() - publishStart) / 1_000);
    try {
      await o.publisher.publish(events.map(inboundEnvelope));
      timed('ok');
    } catch (err) {
      timed(err instanceof PublishUnavailableError ? 'unavailable' : 'error');
      if (!(err instanceof PublishUnavailableError)) {
        // Not NATS: a 503 would make the platform retry for days a message that can never be published.
        o.logger?.error({ err, channel: adapter.channel, integration: integration.id }, 'webhook publish failed');
        return fail(c, 500, 'internal_error', 'the gateway failed to publish this webhook; see its log');
      }
      stats.unavailable++;
      const why = o.health?.current.error;
      o.logger?.warn(
        { err, channel: adapter.channel, integration: integration.id, ...(why ? { why: why.code } : {}) },
        'webhook answered 503: publish not acknowledged',
      );
      return fail(c, 503, 'nats_unavailable', `${why ? why.message : err.message}; retry later`);
    }
    stats.accepted++;
    stats.events += events.length;
    return adapter.acknowledge?.(req, events) ?? c.json({ ok: true, events: events.length });
  });
  app.notFound((c) =>
    fail(
      c,
      404,
      'not_found',
      `no route for ${c.req.method} ${c.req.path}; webhooks go to /webhooks/<channel>/<integration id>`,
    ),
  );
  app.onError((err, c) => {
    o.logger?.error({ err }, 'gateway request failed');
    return fail(c, 500, 'internal_error', 'the gateway failed to handle this request; see its log');
  });
  return { app, stats };
}
