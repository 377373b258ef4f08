/**
 * Quiescence: the moment nothing Switchboard started is still on its way, so virtual time may
 * move on. A virtual clock waits for it before its first timer and after each one (causal
 * virtual time, `ManualClock.settleWith`). Quiescent means, all at once:
 * - the host: no delivered event queued, being applied or waiting for its commit;
 * - the outbox: empty, no relay pass running (every committed effect acknowledged by JetStream);
 * - the consumers: no message in SB_ACTORS or SB_EFFECTS waiting for a Switchboard consumer
 *   (`sb-*` durables), neither undelivered (`num_pending`) nor delivered and unacknowledged
 *   (`num_ack_pending`: in flight). The engine acknowledges only after the commit, a gateway only
 *   after publishing the delivery status, so an acknowledged message's consequences are already
 *   in a stream or an outbox. This node's partition consumers always count; another process's
 *   consumer counts while it is being consumed (a pull waiting or messages in flight), so a
 *   gateway that is not running does not stop time;
 * and it holds on two checks in a row with no local progress between them.
 */
import type { JetStreamManager } from 'nats';
import type { ActorHost } from '../actors/host.js';
import { STREAMS } from '../protocol/subjects.js';

/** How long an advance waits for quiescence before it gives up (wall-clock ms). */
export const DEFAULT_SETTLE_TIMEOUT_MS = 30_000;
/** Pause between two checks while something is still busy (wall-clock ms). */
const POLL_MS = 2;
/** Durable consumers that take part: the engine's partitions and gateways' delivery workers. */
const OURS = /^sb-/;

/** Quiescence was not reached in time; `busy` says what was still in flight. */
export class SettleTimeoutError extends Error {
  override readonly name = 'SettleTimeoutError';
  constructor(
    readonly busy: readonly string[],
    timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      `nothing settled within ${timeoutMs} ms: ${busy.join('; ') || 'NATS did not answer'}; ` +
        'check that NATS, the engine and the gateways are running, then advance again',
      options,
    );
  }
}

export interface QuiescenceOptions {
  readonly host: ActorHost;
  readonly jsm: JetStreamManager;
  /** This node's consumers: their durable names and messages in hand. */
  readonly consumers: () => readonly { readonly durableName: string; readonly inflight: number }[];
  readonly timeoutMs?: number;
}

/** What is still in flight right now (empty when quiescent). */
export async function busyParts(o: QuiescenceOptions): Promise<string[]> {
  const busy: string[] = [];
  const { host } = o;
  if (!host.quiescent) busy.push(`host: ${host.pendingEvents} events in flight, outbox ${host.outboxSize}`);
  const own = new Map(o.consumers().map((c) => [c.durableName, c.inflight]));
  for (const [name, inflight] of own) if (inflight > 0) busy.push(`consumer ${name}: ${inflight} in hand`);
  for (const stream of [STREAMS.actors.name, STREAMS.effects.name]) {
    for await (const ci of o.jsm.consumers.list(stream)) {
      if (!OURS.test(ci.name)) continue;
      const live = own.has(ci.name) || ci.num_waiting > 0 || ci.num_ack_pending > 0;
      if (live && ci.num_pending + ci.num_ack_pending > 0)
        busy.push(`consumer ${ci.name}: ${ci.num_pending} not delivered, ${ci.num_ack_pending} unacknowledged`);
    }
  }
  return busy;
}

/** Resolves once quiescent (see the module comment); rejects with SettleTimeoutError after `timeoutMs`. */
export async function waitQuiescent(o: QuiescenceOptions): Promise<void> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_SETTLE_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  let last: string[] = [];
  let lastError: unknown;
  for (;;) {
    await o.host.drain();
    const before = o.host.progress;
    try {
      last = await busyParts(o);
      lastError = undefined;
    } catch (err) {
      // NATS unreachable for a moment: keep trying until the deadline.
      last = [`NATS: ${(err as Error).message}`];
      lastError = err;
    }
    // A second quiet look, with nothing done in between, rules out a message published just as
    // the first one was taken (a consumer's pending count may trail the stream by a moment).
    quiet = last.length === 0 && o.host.progress === before ? quiet + 1 : 0;
    if (quiet >= 2) return;
    if (Date.now() > deadline) throw new SettleTimeoutError(last, timeoutMs, { cause: lastError });
    await new Promise((r) => setTimeout(r, quiet > 0 ? 0 : POLL_MS));
  }
}
