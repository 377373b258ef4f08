/**
 * The gateway's Prometheus metrics: webhooks answered by channel and status code, and how long
 * JetStream took to acknowledge a webhook's events. Served on a separate listener
 * (`--metrics-port`, loopback by default) so the public webhook port never exposes them. Labels
 * are bounded: a configured channel (`unknown` for any other path segment) and an HTTP status.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isChannel } from '../protocol/channels.js';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #webhooks: Counter<'channel' | 'status'>;
  readonly #publish: Histogram<'channel' | 'result'>;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_gateway_' });
    this.#webhooks = new Counter({
      name: 'switchboard_gateway_webhooks_total',
      help: 'Webhook requests answered, by channel and HTTP status code.',
      labelNames: ['channel', 'status'],
      registers,
    });
    this.#publish = new Histogram({
      name: 'switchboard_gateway_publish_duration_seconds',
      help: "Time to get JetStream's acknowledgement of every event of one webhook (result ok, or unavailable: answered 503).",
      labelNames: ['channel', 'result'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
  }

  /** Counts one answered webhook; a path segment that is not a channel is `unknown`. */
  webhook(channel: string, status: number): void {
    this.#webhooks.inc({ channel: isChannel(channel) ? channel : 'unknown', status: String(status) });
  }

  /** Observes one publish of a webhook's events (seconds). */
  publish(channel: string, result: 'ok' | 'unavailable' | 'error', seconds: number): void {
    this.#publish.observe({ channel: isChannel(channel) ? channel : 'unknown', result }, seconds);
  }

  /** The app of the metrics listener: `GET /metrics` only. */
  app(): Hono {
    const app = new Hono();
    app.get('/metrics', async (c) =>
      c.body(await this.registry.metrics(), 200, { 'content-type': this.registry.contentType }),
    );
    app.notFound((c) =>
      c.json(
        {
          error: {
            code: 'not_found',
            message: `no route for ${c.req.method} ${c.req.path}; metrics are at GET /metrics`,
          },
        },
        404,
      ),
    );
    return app;
  }

  /** Serves `GET /metrics` on its own port and address; resolves with the port and a close function. */
  listen(port: number, hostname = '127.0.0.1'): Promise<{ port: number; close: () => Promise<void> }> {
    const app = this.app();
    return new Promise((resolve) => {
      const server: ServerType = serve({ fetch: app.fetch, port, hostname }, (info) =>
        resolve({
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              (server as { closeAllConnections?: () => void }).closeAllConnections?.();
              server.close(() => done());
            }),
        }),
      );
    });
  }
}
