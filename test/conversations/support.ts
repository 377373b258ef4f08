/**
 * Test kit for conversations on the real actor runtime (ActorHost + LmdbStore + ManualClock):
 * a loopback bus that delivers `actor.send` effects back into the same host (as NATS would),
 * and keeps outbound messages and records for assertions.
 */
import { join } from 'node:path';
import { ActorHost, LmdbStore, ManualClock } from '../../actors/index.js';
import type { ActorType, Bus } from '../../actors/types.js';
import type { ActorEvent, ActorRef, Envelope } from '../../protocol/actor.js';
import type { OutboundMessage } from '../../protocol/channels.js';
import { decode } from '../../protocol/wire.js';
import { tempDir } from '../support/tmp.js';

/** Delivers actor envelopes back into the host; keeps everything else. */
export class LoopbackBus implements Bus {
  host?: ActorHost;
  readonly outbound: OutboundMessage[] = [];
  readonly records: { subject: string; data: Record<string, unknown> }[] = [];
  /** Envelopes for actor types the host does not run (e.g. routing's `interaction`). */
  readonly elsewhere: Envelope[] = [];
  readonly #seen = new Set<string>();

  async publish(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    if (this.#seen.has(msgId)) return;
    this.#seen.add(msgId);
    if (subject.startsWith('sb.actor.')) {
      const env = decode<Envelope>(data);
      const r = await this.host!.deliver(env);
      if (r.status === 'rejected') this.elsewhere.push(env);
    } else if (subject.startsWith('sb.outbound.')) {
      this.outbound.push(decode<OutboundMessage>(data));
    } else {
      this.records.push({ subject, data: decode<Record<string, unknown>>(data) });
    }
  }

  /** Events routing would have received, in order. */
  routingEvents(): ActorEvent[] {
    return this.elsewhere.filter((e) => e.to.type === 'interaction').map((e) => e.event);
  }
}

/**
 * A host with the given actor types over a fresh LMDB dir, a manual clock and a loopback bus.
 * The store skips fsync (same code path, 4× faster for thousands of model steps); durability
 * under crashes is covered by the engine's crash-restart test.
 */
export function runtime(types: ActorType[], start = Date.UTC(2026, 0, 5, 9, 0, 0)) {
  const clock = new ManualClock(start);
  const store = LmdbStore.open(join(tempDir('sb-conv-'), 'lmdb'), { noSync: true });
  const bus = new LoopbackBus();
  const host = new ActorHost({ store, clock, bus });
  bus.host = host;
  for (const t of types) host.register(t);
  host.start();
  let n = 0;
  return {
    clock,
    store,
    bus,
    host,
    /** Sends an event with a fresh id and returns the first response (or the status). */
    async send(to: ActorRef, event: ActorEvent) {
      const r = await host.send(to, event, `t${++n}`);
      return r.status === 'applied' ? r.responses[0] : r;
    },
    /** Waits until every effect, including loopback deliveries, has settled. */
    async settle() {
      for (let i = 0; i < 20; i++) {
        await host.drain();
        if (host.outboxSize === 0) return;
      }
    },
    async close() {
      await host.stop();
      await store.close();
    },
  };
}
