/**
 * Live updates for HTTP clients: the host's `notify` effects are published on `sb.live.<topic>`;
 * this subscribes on NATS core and streams them as server-sent events.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { NatsConnection } from 'nats';
import { subjects } from '../protocol/subjects.js';
import { decode } from '../protocol/wire.js';

/** Keep-alive comment interval so proxies keep an idle stream open (ms). */
export const LIVE_HEARTBEAT_MS = 15_000;

/** Streams every live update of `topic` as SSE events named by their `kind` (or `update`). */
export function liveStream(c: Context, nc: NatsConnection, topic: string, first?: Record<string, unknown>): Response {
  const subject = subjects.live(topic);
  return streamSSE(c, async (stream) => {
    const sub = nc.subscribe(subject);
    let id = 0;
    stream.onAbort(() => sub.unsubscribe());
    if (first) await stream.writeSSE({ event: 'snapshot', data: JSON.stringify(first), id: String(++id) });
    const beat = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => undefined), LIVE_HEARTBEAT_MS);
    try {
      for await (const m of sub) {
        let data: Record<string, unknown>;
        try {
          data = decode<Record<string, unknown>>(m.data);
        } catch {
          continue; // not ours to render; never break the stream
        }
        await stream.writeSSE({
          event: typeof data.kind === 'string' ? data.kind : 'update',
          data: JSON.stringify(data),
          id: String(++id),
        });
      }
    } finally {
      clearInterval(beat);
    }
  });
}
