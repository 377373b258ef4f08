/** Test helpers for the gateway suites: a recording publisher, independent signers, request builders. */
import { createHmac } from 'node:crypto';
import type { Envelope } from '../../protocol/actor.js';
import type { ChannelAdapter, Integration } from '../../gateways/channel.js';
import { PublishUnavailableError, type EnvelopePublisher } from '../../gateways/publisher.js';
import { createGatewayApp } from '../../gateways/server.js';

/** Records envelopes and deduplicates by id, as JetStream does; `down` makes it unavailable. */
export class RecordingPublisher implements EnvelopePublisher {
  readonly envelopes: Envelope[] = [];
  readonly #seen = new Set<string>();
  down = false;

  async publish(envelopes: readonly Envelope[]): Promise<void> {
    if (this.down) throw new PublishUnavailableError('test: NATS is down');
    for (const e of envelopes) {
      if (this.#seen.has(e.id)) continue;
      this.#seen.add(e.id);
      this.envelopes.push(e);
    }
  }

  /** The published events. */
  get events(): Record<string, unknown>[] {
    return this.envelopes.map((e) => e.event as Record<string, unknown>);
  }
}

/** Meta's signature, computed here with node:crypto (not the gateway's code): sha256=<hex>. */
export function metaSignature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** X's signature: sha256=<base64>. */
export function xSignature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`;
}

/** An in-process gateway app over one adapter and its integrations. */
export function testApp(adapter: ChannelAdapter, integrations: Integration[], bodyLimitBytes?: number) {
  const publisher = new RecordingPublisher();
  const { app, stats } = createGatewayApp({
    adapters: [adapter],
    integrations,
    publisher,
    bodyLimitBytes,
    now: () => 1_700_000_000_000,
  });
  const post = (path: string, body: string, headers: Record<string, string>) =>
    app.request(path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { app, stats, publisher, post };
}
