/** A running gateway: the webhook HTTP server plus a delivery worker per channel, over one NATS connection. */
import type { Hono } from 'hono';
import { serve, type ServerType } from '@hono/node-server';
import { connect, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { Channel } from '../protocol/channels.js';
import { builtinAdapters } from './adapters.js';
import type { ChannelAdapter } from './channel.js';
import type { GatewayConfig } from './config.js';
import { DeliveryWorker } from './delivery.js';
import { JetStreamPublisher } from './publisher.js';
import type { RetryPolicy } from './retry.js';
import { createGatewayApp, type GatewayStats } from './server.js';
import { openRoutes } from './open/index.js';
import { webRoutes } from './web/index.js';

/** Everything `startGateway` needs: config, channels, NATS URL, HTTP port. */
export interface GatewayOptions {
  readonly config: GatewayConfig;
  /** Channels to serve; every channel with a configured integration when left out. */
  readonly channels?: readonly Channel[];
  readonly natsUrl: string;
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
}

/** A started gateway. */
export interface Gateway {
  readonly port: number;
  /** The gateway's HTTP app (for in-process requests and its route list). */
  readonly app: Hono;
  readonly nc: NatsConnection;
  readonly stats: GatewayStats;
  readonly workers: readonly DeliveryWorker[];
  stop(): Promise<void>;
}

/** Connects to NATS (waiting for it), serves webhooks and starts the delivery workers. */
export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const registry = o.adapters ?? builtinAdapters;
  const channels = o.channels ?? [...new Set(o.config.integrations.map((i) => i.channel))];
  const adapters = channels.map((ch) => {
    const a = registry[ch];
    if (!a) throw new Error(`no adapter for channel "${ch}"; available: ${Object.keys(registry).join(', ')}`);
    return a;
  });
  const integrations = o.config.integrations.filter((i) => channels.includes(i.channel));
  const nc = await connect({
    servers: o.natsUrl,
    name: `switchboard-gateway`,
    noAsyncTraces: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
  });
  const publisher = new JetStreamPublisher(nc, { partitions: o.config.partitions, budgetMs: o.publishBudgetMs });
  // Web messaging also serves the browser: sessions, the SSE stream and the outbound hand-off (gateways/web/routes.ts);
  // open messaging also answers on Genesys' inbound API paths, handed to the webhook route (gateways/open/routes.ts).
  let self: { fetch: (req: Request) => Response | Promise<Response> } | undefined;
  const routes = [
    ...(channels.includes('web')
      ? [webRoutes({ integration: (id) => integrations.find((i) => i.channel === 'web' && i.id === id) }).app]
      : []),
    ...(channels.includes('open')
      ? [openRoutes((req) => self!.fetch(req), o.config.bodyLimitBytes, integrations)]
      : []),
  ];
  const { app, stats } = createGatewayApp({
    adapters,
    integrations,
    publisher,
    bodyLimitBytes: o.config.bodyLimitBytes,
    logger: o.logger,
    routes,
  });
  self = app;
  const workers =
    o.deliver === false
      ? []
      : adapters.map(
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
        );
  for (const w of workers) await w.start();
  const { server, port } = await new Promise<{ server: ServerType; port: number }>((resolve) => {
    const s = serve({ fetch: app.fetch, port: o.httpPort, hostname: o.hostname ?? '127.0.0.1' }, (info) =>
      resolve({ server: s, port: info.port }),
    );
  });
  o.logger?.info({ port, channels }, 'gateway listening');
  let stopping: Promise<void> | undefined;
  return {
    port,
    app,
    nc,
    stats,
    workers,
    stop: () =>
      (stopping ??= (async () => {
        await new Promise<void>((done) => {
          const force = setTimeout(
            () => (server as { closeAllConnections?: () => void }).closeAllConnections?.(),
            2_000,
          );
          server.close(() => {
            clearTimeout(force);
            done();
          });
        });
        await Promise.all(workers.map((w) => w.stop()));
        await nc.drain().catch(() => nc.close());
      })()),
  };
}
