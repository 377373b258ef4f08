/** A running gateway: the webhook HTTP server plus a delivery worker per channel, over one NATS connection. */
import type { Hono } from 'hono';
import { serve, type ServerType } from '@hono/node-server';
import { connect, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { Envelope } from '../protocol/actor.js';
import type { Channel } from '../protocol/channels.js';
import { GATEWAY_INBOX_PREFIX, conversationOfTypingSubject, subjects } from '../protocol/subjects.js';
import { decode } from '../protocol/wire.js';
import { builtinAdapters } from './adapters.js';
import type { ChannelAdapter } from './channel.js';
import type { GatewayConfig } from './config.js';
import { DeliveryWorker } from './delivery.js';
import { GatewayHealth, type GatewayReadiness } from './health.js';
import { explainNatsRefusal, natsAuthOptions, type NatsCredentials } from './nats-credentials.js';
import { JetStreamPublisher, PublishUnavailableError, type EnvelopePublisher } from './publisher.js';
import type { RetryPolicy } from './retry.js';
import { GatewayMetrics } from './metrics.js';
import { createGatewayApp, type GatewayStats } from './server.js';
import { openRoutes } from './open/index.js';
import { webRoutes } from './web/index.js';

/** Everything `startGateway` needs: config, channels, NATS URL, HTTP port. */
export interface GatewayOptions {
  readonly config: GatewayConfig;
  /** Channels to serve; every channel with a configured integration when left out. */
  readonly channels?: readonly Channel[];
  readonly natsUrl: string;
  /** How to sign in to NATS (the embedded server's gateway seed file, a .creds file, or user and password). */
  readonly natsCredentials?: NatsCredentials;
  /** HTTP port (0 = a free one). */
  readonly httpPort: number;
  readonly hostname?: string;
  /** Run delivery workers (default true). */
  readonly deliver?: boolean;
  readonly adapters?: Partial<Record<Channel, ChannelAdapter>>;
  readonly fetchImpl?: typeof fetch;
  readonly retry?: RetryPolicy;
  readonly publishBudgetMs?: number;
  readonly logger?: Logger;
  /** Serve Prometheus metrics on this port (0 = a free one), apart from the public webhook port; none when left out. */
  readonly metricsPort?: number;
  /** The metrics listener's address (default 127.0.0.1). */
  readonly metricsHostname?: string;
}

/** A started gateway. */
export interface Gateway {
  readonly port: number;
  /** The gateway's HTTP app (for in-process requests and its route list). */
  readonly app: Hono;
  readonly nc: NatsConnection;
  readonly stats: GatewayStats;
  readonly workers: readonly DeliveryWorker[];
  /** The gateway's metrics registry. */
  readonly metrics: GatewayMetrics;
  /** The port `GET /metrics` listens on, when `metricsPort` was given. */
  readonly metricsPort?: number;
  /** Checks NATS and the streams now (what `/readyz` answers). */
  readiness(): Promise<GatewayReadiness>;
  stop(): Promise<void>;
}

/** After this long without a first NATS connection, the gateway says in its log what is missing (ms). */
export const NATS_WAIT_WARN_MS = 2_000;

/** Until the first connection, webhooks are answered 503 (the platform retries); then the JetStream publisher. */
class ConnectingPublisher implements EnvelopePublisher {
  inner?: EnvelopePublisher;
  constructor(readonly natsUrl: string) {}
  publish(envelopes: readonly Envelope[]): Promise<void> {
    if (!this.inner) return Promise.reject(new PublishUnavailableError(`not connected to NATS at ${this.natsUrl} yet`));
    return this.inner.publish(envelopes);
  }
}

/**
 * Serves webhooks at once, connects to NATS (waiting for it: webhooks get 503 meanwhile), checks the streams,
 * starts the delivery workers, and says in one log line whether it is ready or what is missing and how to fix it.
 */
export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  // A credential file that cannot be read is refused before anything is served.
  const auth = natsAuthOptions(o.natsCredentials);
  const registry = o.adapters ?? builtinAdapters;
  const channels = o.channels ?? [...new Set(o.config.integrations.map((i) => i.channel))];
  const adapters = channels.map((ch) => {
    const a = registry[ch];
    if (!a) throw new Error(`no adapter for channel "${ch}"; available: ${Object.keys(registry).join(', ')}`);
    return a;
  });
  const integrations = o.config.integrations.filter((i) => channels.includes(i.channel));
  const deliver = o.deliver !== false;
  let started = false;
  const health = new GatewayHealth({
    natsUrl: o.natsUrl,
    deliver,
    onChange: (r) => {
      if (!started) return;
      if (r.ready) o.logger?.info({ nats: o.natsUrl }, 'gateway ready: NATS reachable and streams present');
      else o.logger?.warn({ nats: o.natsUrl, code: r.error?.code }, `gateway not ready: ${r.error?.message}`);
    },
  });
  const publisher = new ConnectingPublisher(o.natsUrl);
  // Web messaging also serves the browser: sessions, the SSE stream and the outbound hand-off (gateways/web/routes.ts);
  // open messaging also answers on Genesys' inbound API paths, handed to the webhook route (gateways/open/routes.ts).
  let self: { fetch: (req: Request) => Response | Promise<Response> } | undefined;
  const web = channels.includes('web')
    ? webRoutes({
        integration: (id) => integrations.find((i) => i.channel === 'web' && i.id === id),
        sessionsPerAddressPerMinute: o.config.webSessionsPerAddressPerMinute,
        trustProxy: o.config.trustProxy,
      })
    : undefined;
  const routes = [
    ...(web ? [web.app] : []),
    ...(channels.includes('open')
      ? [openRoutes((req) => self!.fetch(req), o.config.bodyLimitBytes, integrations)]
      : []),
  ];
  const metrics = new GatewayMetrics();
  const { app, stats } = createGatewayApp({
    metrics,
    adapters,
    integrations,
    publisher,
    bodyLimitBytes: o.config.bodyLimitBytes,
    logger: o.logger,
    routes,
    health,
  });
  self = app;
  const { server, port } = await new Promise<{ server: ServerType; port: number }>((resolve) => {
    const s = serve({ fetch: app.fetch, port: o.httpPort, hostname: o.hostname ?? '127.0.0.1' }, (info) =>
      resolve({ server: s, port: info.port }),
    );
  });
  const metricsListener =
    o.metricsPort === undefined ? undefined : await metrics.listen(o.metricsPort, o.metricsHostname);
  const closeHttp = () =>
    Promise.all([
      new Promise<void>((done) => {
        const force = setTimeout(() => (server as { closeAllConnections?: () => void }).closeAllConnections?.(), 2_000);
        server.close(() => {
          clearTimeout(force);
          done();
        });
      }),
      metricsListener?.close(),
    ]).then(() => undefined);
  const connecting = connect({
    ...auth,
    // A gateway's credential may receive only under this prefix (protocol/subjects.ts).
    inboxPrefix: GATEWAY_INBOX_PREFIX,
    servers: o.natsUrl,
    name: `switchboard-gateway`,
    noAsyncTraces: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
  });
  let waited = false;
  const warn = setTimeout(() => {
    waited = true;
    const r = health.current;
    o.logger?.warn({ port, channels, nats: o.natsUrl, code: r.error?.code }, `gateway not ready: ${r.error?.message}`);
  }, NATS_WAIT_WARN_MS);
  let nc: NatsConnection;
  try {
    nc = await connecting;
  } catch (err) {
    clearTimeout(warn);
    await closeHttp();
    throw explainNatsRefusal(err, o.natsUrl, o.natsCredentials);
  } finally {
    clearTimeout(warn);
  }
  if (web) {
    // The agents' typing, for the customers' open streams (core NATS; nothing is kept).
    nc.subscribe(subjects.typingAll, {
      callback: (err, m) => {
        if (err) return;
        const key = conversationOfTypingSubject(m.subject);
        const p = key?.startsWith('web:') ? key.slice(4) : undefined;
        const colon = p?.indexOf(':') ?? -1;
        if (!p || colon < 0) return;
        let data: { from?: string; on?: boolean };
        try {
          data = decode(m.data);
        } catch {
          return;
        }
        if (data.from === 'agent')
          web.hub.signal(`${p.slice(0, colon)}/${p.slice(colon + 1)}`, 'typing', { on: data.on !== false });
      },
    });
  }
  publisher.inner = new JetStreamPublisher(nc, { partitions: o.config.partitions, budgetMs: o.publishBudgetMs });
  const first = await health.attach(nc);
  started = true;
  const workers = deliver
    ? adapters.map(
        (adapter) =>
          new DeliveryWorker({
            nc,
            adapter,
            integrations,
            publisher,
            fetchImpl: o.fetchImpl,
            retry: o.retry,
            logger: o.logger,
          }),
      )
    : [];
  // With the streams there the workers start at once; otherwise each waits for them (an engine creates them)
  // while webhooks are already served.
  const starting = Promise.all(workers.map((w) => w.start()));
  if (first.ready) await starting;
  else starting.catch((err: unknown) => o.logger?.error({ err }, 'delivery workers failed to start'));
  // The one start line: ready, or what is missing and how to fix it.
  if (first.ready) o.logger?.info({ port, channels, nats: o.natsUrl, ready: true }, 'gateway listening');
  else
    o.logger?.warn(
      { port, channels, nats: o.natsUrl, ready: false, code: first.error?.code, waitedForNats: waited },
      `gateway listening, not ready: ${first.error?.message}`,
    );
  let stopping: Promise<void> | undefined;
  return {
    port,
    app,
    nc,
    stats,
    workers,
    metrics,
    metricsPort: metricsListener?.port,
    readiness: () => health.check(),
    stop: () =>
      (stopping ??= (async () => {
        health.stop();
        await closeHttp();
        await Promise.all(workers.map((w) => w.stop()));
        await nc.drain().catch(() => nc.close());
      })()),
  };
}
