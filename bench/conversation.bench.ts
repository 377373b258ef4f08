/**
 * Conversation actors beside the runtime's reference actor, measured in one run.
 *   npx tsx bench/conversation.bench.ts [conversations]
 * In process, LMDB with fsync, SystemClock, pipelined deliveries:
 * 1. counter: the same number of events to the counter machine (the host's floor for logic);
 * 2. conversation: per conversation 1 first message (new interaction, contact, history), 4 more
 *    messages and 5 agent replies; effects go to a counting bus;
 * 3. the same with actor.send effects delivered back into the host (history pages, contacts,
 *    identities applied too), as the engine does through NATS.
 * Also: the size of a conversation snapshot and of a full history page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActorHost } from '../actors/host.js';
import { SystemClock } from '../actors/clock.js';
import { LmdbStore } from '../actors/lmdb-store.js';
import type { Bus } from '../actors/types.js';
import { conversationActorTypes } from '../engine/config/conversation.js';
import { counterMachine } from '../machines/counter.machine.js';
import type { Envelope } from '../protocol/actor.js';
import { decode, encode } from '../protocol/wire.js';

const CONVS = Number(process.argv[2] ?? 5_000);
const PER_CONV = 10;
const N = CONVS * PER_CONV;
const root = mkdtempSync(join(tmpdir(), 'sb-bench-conv-'));

async function pipelined(n: number, depth: number, job: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: depth }, async () => {
      while (next < n) await job(next++);
    }),
  );
}

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);

/** Event i of the workload: conversation i % CONVS, step ⌊i / CONVS⌋ (first message first). */
function event(i: number) {
  const c = i % CONVS;
  const step = Math.floor(i / CONVS);
  const key = `whatsapp:wa1:+1555${String(c).padStart(7, '0')}`;
  if (step < 5) {
    return {
      key,
      event: {
        type: 'message.received',
        channel: 'whatsapp',
        integrationId: 'wa1',
        channelUserId: key.slice(12),
        messageId: `m${i}`,
        kind: 'text',
        text: `customer message ${step}`,
        at: Date.now(),
      },
    };
  }
  return {
    key,
    event: {
      type: 'reply.requested',
      requestId: `r${i}`,
      sender: { kind: 'agent', agentId: 'a1' },
      kind: 'text',
      text: `agent reply ${step}`,
    },
  };
}

async function run(
  name: string,
  loopback: boolean,
): Promise<{ rate: number; effects: number; applied: number; host: ActorHost; store: LmdbStore }> {
  const store = LmdbStore.open(join(root, name));
  let effects = 0;
  let hostRef: ActorHost | undefined;
  const pending: Promise<unknown>[] = [];
  const bus: Bus = {
    publish: async (subject, data) => {
      effects++;
      if (loopback && subject.startsWith('sb.actor.')) {
        const env = decode<Envelope>(data);
        if (env.to.type !== 'interaction') pending.push(hostRef!.deliver(env));
      }
    },
  };
  const host = new ActorHost({ store, clock: new SystemClock(), bus });
  hostRef = host;
  if (name === 'counter') host.register({ name: 'counter', machine: counterMachine });
  else for (const t of conversationActorTypes()) host.register(t);
  host.start();
  const t0 = performance.now();
  await pipelined(N, 4_096, (i) => {
    if (name === 'counter')
      return host.deliver({
        id: `e${i}`,
        to: { type: 'counter', key: `k${i % CONVS}` },
        event: { type: 'count.incremented' },
      });
    const { key, event: ev } = event(i);
    return host.deliver({ id: `e${i}`, to: { type: 'conversation', key }, event: ev });
  });
  for (;;) {
    await host.drain();
    const n = pending.length;
    await Promise.all(pending);
    if (pending.length === n && host.outboxSize === 0) break;
  }
  const ms = performance.now() - t0;
  return { rate: rate(N, ms), effects, applied: host.stats.applied, host, store };
}

async function main(): Promise<void> {
  const counter = await run('counter', false);
  await counter.host.stop();
  await counter.store.close();
  const conv = await run('conversation', false);
  const ref = { type: 'conversation', key: event(0).key };
  const snapBytes = encode(conv.host.readPersisted(ref)).length;
  await conv.host.stop();
  await conv.store.close();
  const full = await run('conversation-full', true);
  const pageBytes = encode(full.host.readPersisted({ type: 'history', key: `${ref.key}|0` })).length;
  await full.host.stop();
  await full.store.close();
  rmSync(root, { recursive: true, force: true });
  const out = {
    conversations: CONVS,
    events: N,
    counterEventsPerSec: counter.rate,
    conversationEventsPerSec: conv.rate,
    conversationVsCounter: +(conv.rate / counter.rate).toFixed(2),
    effectsPerConversationEvent: +(conv.effects / N).toFixed(2),
    withHistoryInboundEventsPerSec: full.rate,
    withHistoryActorEventsApplied: full.applied,
    withHistoryVsCounter: +(full.rate / counter.rate).toFixed(2),
    conversationSnapshotBytes: snapBytes,
    historyPageBytesFor11Entries: pageBytes,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
