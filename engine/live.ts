/**
 * Live updates for HTTP clients: the host's `notify` effects are published on `sb.live.<topic>`;
 * this subscribes on NATS core and streams them as server-sent events. A feed may also follow
 * other subjects that change with its own events (an agent's feed follows the conversations it
 * holds), so a browser needs one stream, not one per conversation.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { NatsConnection, Subscription } from 'nats';
import { subjects } from '../protocol/subjects.js';
import { decode } from '../protocol/wire.js';

/** Keep-alive comment interval so proxies keep an idle stream open (ms). */
export const LIVE_HEARTBEAT_MS = 15_000;
/** Events buffered for a slow browser before the oldest are dropped (the browser then reloads). */
export const LIVE_BUFFER_MAX = 2_000;
/** Effect ids a feed remembers to drop an outbox relay's repeat of an update it already carried. */
export const LIVE_DEDUPE_IDS = 10_000;
/** The header the outbox relay sets to the effect id (JetStream's dedupe header). */
const MSG_ID_HEADER = 'Nats-Msg-Id';

type Data = Record<string, unknown>;

/** Extra subjects a feed follows, recomputed after each event of its own topic. */
export interface LiveFollow {
  /** The subjects to follow at the start. */
  readonly initial: readonly string[];
  /** After an event of the topic: every subject to follow now (undefined = no change). */
  next(data: Data): readonly string[] | undefined;
  /** Turns a message of a followed subject into an event, or drops it. */
  map?(subject: string, data: Data): Data | undefined;
}

/** Streams every live update of `topic` as SSE events named by their `kind` (or `update`). */
export function liveStream(
  c: Context,
  nc: NatsConnection,
  topic: string,
  first?: Record<string, unknown>,
  follow?: LiveFollow,
): Response {
  const main = subjects.live(topic);
  return streamSSE(c, async (stream) => {
    const queue: { subject: string; data: Data }[] = [];
    let dropped = false;
    let wake: (() => void) | undefined;
    let closed = false;
    // The outbox relays at least once: a publish that timed out after reaching NATS is sent
    // again with the same id. JetStream drops the repeat from the stream, but core subscribers
    // (this feed) see both, so the feed drops an effect id it has already queued.
    const seen = new Set<string>();
    const push = (subject: string, raw: Uint8Array, effectId: string | undefined) => {
      if (effectId) {
        if (seen.has(effectId)) return;
        seen.add(effectId);
        if (seen.size > LIVE_DEDUPE_IDS) seen.delete(seen.values().next().value as string);
      }
      let data: Data;
      try {
        data = decode<Data>(raw);
      } catch {
        return; // not ours to render; never break the stream
      }
      queue.push({ subject, data });
      if (queue.length > LIVE_BUFFER_MAX) {
        queue.shift();
        dropped = true;
      }
      wake?.();
    };
    const subs = new Map<string, Subscription>();
    const subscribe = (subject: string) => {
      if (subs.has(subject)) return;
      subs.set(
        subject,
        nc.subscribe(subject, {
          callback: (err, m) => !err && push(subject, m.data, m.headers?.get(MSG_ID_HEADER) || undefined),
        }),
      );
    };
    const followOnly = (wanted: readonly string[]) => {
      const set = new Set(wanted);
      for (const [s, sub] of subs) {
        if (s !== main && !set.has(s)) {
          sub.unsubscribe();
          subs.delete(s);
        }
      }
      for (const s of set) subscribe(s);
    };
    subscribe(main);
    if (follow) followOnly(follow.initial);
    stream.onAbort(() => {
      closed = true;
      wake?.();
    });
    let id = 0;
    const beat = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => undefined), LIVE_HEARTBEAT_MS);
    try {
      if (first) await stream.writeSSE({ event: 'snapshot', data: JSON.stringify(first), id: String(++id) });
      while (!closed) {
        const item = queue.shift();
        if (!item) {
          await new Promise<void>((r) => {
            wake = r;
          });
          wake = undefined;
          continue;
        }
        if (dropped) {
          dropped = false;
          await stream.writeSSE({
            event: 'reset',
            data: JSON.stringify({ reason: 'updates were dropped; reload' }),
            id: String(++id),
          });
        }
        let data: Data | undefined = item.data;
        if (item.subject === main) {
          const wanted = follow?.next(data);
          if (wanted) followOnly(wanted);
        } else data = follow?.map ? follow.map(item.subject, data) : data;
        if (!data) continue;
        await stream.writeSSE({
          event: typeof data.kind === 'string' ? data.kind : 'update',
          data: JSON.stringify(data),
          id: String(++id),
        });
      }
    } finally {
      clearInterval(beat);
      for (const s of subs.values()) s.unsubscribe();
    }
  });
}
