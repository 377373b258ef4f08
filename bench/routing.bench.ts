/**
 * Routing benchmark. (1) Routing decisions per second with 1,000 agents and 10,000 waiting
 * interactions: the pure dispatch pass (capacity freed → best waiting entry), per strategy, and
 * the same decision through the queue machine's transition (context copy included). (2)
 * Offer-to-accept latency on a real engine over NATS: interaction opened → offer on the agent's
 * live feed → accept answered → connected record.
 * Run: npx tsx bench/routing.bench.ts
 */
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { RoutingConfigHolder, routingActorTypes } from '../engine/config/routing.js';
import { Engine } from '../engine/engine.js';
import { createLogger } from '../engine/logger.js';
import { connectNats, publishEnvelope } from '../engine/nats-bus.js';
import { startNatsServer } from '../engine/nats-server.js';
import { createQueueMachine, type QueueContext } from '../machines/queue.machine.js';
import { dispatch, insertByScore, queueScore, type AgentView, type WaitingEntry } from '../machines/routing.js';
import type { QueueConfig, SelectionStrategy } from '../machines/routing-config.js';
import { partitionOf } from '../protocol/partition.js';
import { decode } from '../protocol/wire.js';

const AGENTS = 1_000;
const WAITING = 10_000;
const SKILLS = ['billing', 'tech', 'spanish', 'french', 'vip'];
let seed = 99;
const rand = () => {
  seed = (seed * 1_103_515_245 + 12_345) >>> 0;
  return seed / 2 ** 32;
};
const out = (s: string) => process.stdout.write(`${s}\n`);

function queueCfg(strategy: SelectionStrategy): QueueConfig {
  return {
    id: 'q',
    name: 'q',
    mediaType: 'message',
    strategy,
    alertingTimeoutSeconds: 30,
    serviceLevelSeconds: 60,
    rings: [
      { timeoutSeconds: 30, skillsToRemove: ['spanish', 'french'] },
      { timeoutSeconds: 60, skillsToRemove: ['*'] },
    ],
    acw: { mode: 'optional', timeoutSeconds: 60, defaultCode: 'Processed' },
    affinity: { mode: 'any_queue', timeoutSeconds: 60 },
  };
}

function entry(i: number, now: number): WaitingEntry {
  const skills = SKILLS.filter(() => rand() < 0.25);
  const priority = Math.floor(rand() * 3);
  const enqueuedAt = now - Math.floor(rand() * 120_000);
  return {
    interactionId: `i${i}`,
    conversationKey: `k${i}`,
    score: queueScore(enqueuedAt, priority),
    enqueuedAt,
    priority,
    skills,
    mediaType: 'message',
    declinedBy: [],
  };
}

function population(now: number) {
  const agents: Record<string, AgentView> = {};
  for (let a = 0; a < AGENTS; a++) {
    const skills: Record<string, number> = {};
    for (const s of SKILLS) if (rand() < 0.5) skills[s] = 1 + Math.floor(rand() * 5);
    // Every agent full: the contact center is in interaction surplus, as with 10,000 waiting.
    agents[`a${a}`] = {
      agentId: `a${a}`,
      routable: true,
      free: { message: 0 },
      idleSince: now - Math.floor(rand() * 600_000),
      skills,
      version: 1,
      outstanding: 0,
      lastOfferSeq: a,
    };
  }
  let waiting: WaitingEntry[] = [];
  for (let i = 0; i < WAITING; i++) waiting = insertByScore(waiting, entry(i, now));
  return { agents, waiting };
}

function benchDispatch(strategy: SelectionStrategy, seconds: number): { perSec: number; emptyPassUs: number } {
  const now = Date.UTC(2026, 0, 5, 9);
  const q = queueCfg(strategy);
  const { agents, waiting } = population(now);
  let next = WAITING;
  let decisions = 0;
  const end = performance.now() + seconds * 1_000;
  let list = waiting;
  while (performance.now() < end) {
    for (let k = 0; k < 200; k++) {
      // Capacity freed on one agent → one decision; the chosen entry leaves, a new one arrives.
      const id = `a${Math.floor(rand() * AGENTS)}`;
      agents[id] = { ...agents[id], free: { message: 1 } };
      const picks = dispatch(list, agents, q, now, 1);
      agents[id] = { ...agents[id], free: { message: 0 } };
      if (picks.length) {
        decisions++;
        const i = list.findIndex((e) => e.interactionId === picks[0].interactionId);
        list = list.slice();
        list.splice(i, 1);
        list = insertByScore(list, entry(next++, now));
      }
    }
  }
  // A pass with nobody free (every event in a full contact center) costs:
  const t0 = performance.now();
  for (let i = 0; i < 1_000; i++) dispatch(list, agents, q, now);
  const emptyPassUs = ((performance.now() - t0) / 1_000) * 1_000;
  return { perSec: Math.round(decisions / seconds), emptyPassUs: Math.round(emptyPassUs * 10) / 10 };
}

function benchMachine(seconds: number): number {
  const holder = new RoutingConfigHolder({
    initial: {
      skills: SKILLS,
      queues: [{ id: 'q', rings: [{ timeoutSeconds: 30, skillsToRemove: ['spanish', 'french'] }] }],
    },
  });
  const m = createQueueMachine(holder);
  const now = Date.UTC(2026, 0, 5, 9);
  const { agents, waiting } = population(now);
  let [s] = initialTransition(m, { queueId: 'q' }) as [AnyMachineSnapshot, unknown];
  s = { ...s, context: { ...(s.context as QueueContext), agents, waiting } } as AnyMachineSnapshot;
  let decisions = 0;
  let version = 2;
  let at = now;
  const end = performance.now() + seconds * 1_000;
  while (performance.now() < end) {
    const id = `a${Math.floor(rand() * AGENTS)}`;
    const a = (s.context as QueueContext).agents[id];
    [s] = transition(
      m,
      s as never,
      {
        type: 'queue.agent_updated',
        agentId: id,
        routable: true,
        free: { message: 1 },
        idleSince: a.idleSince,
        skills: a.skills,
        version: version++,
        at: ++at,
      } as never,
    ) as [AnyMachineSnapshot, unknown];
    const c = s.context as QueueContext;
    const offered = c.waiting.find((e) => e.offer?.agentId === id);
    if (offered) {
      decisions++;
      [s] = transition(
        m,
        s as never,
        {
          type: 'queue.offer_resolved',
          offerId: offered.offer!.offerId,
          interactionId: offered.interactionId,
          agentId: id,
          outcome: 'accepted',
          at: ++at,
        } as never,
      ) as [AnyMachineSnapshot, unknown];
      [s] = transition(
        m,
        s as never,
        {
          type: 'queue.agent_updated',
          agentId: id,
          routable: true,
          free: { message: 0 },
          idleSince: at,
          skills: a.skills,
          version: version++,
          at: ++at,
        } as never,
      ) as [AnyMachineSnapshot, unknown];
      [s] = transition(
        m,
        s as never,
        { type: 'queue.interaction_enqueued', interactionId: `n${at}`, conversationKey: 'k', at: ++at } as never,
      ) as [AnyMachineSnapshot, unknown];
    }
  }
  return Math.round(decisions / seconds);
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 100) / 100;
}

async function benchLatency(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sb-routing-bench-'));
  const nats = await startNatsServer({ dir: join(dir, 'nats') });
  const holder = new RoutingConfigHolder({
    initial: {
      queues: [{ id: 'q' }],
      agents: Array.from({ length: 50 }, (_, i) => ({ id: `a${i}`, queues: ['q'] })),
      flows: [{ integrationId: '*', defaultQueueId: 'q' }],
    },
  });
  const engine = new Engine({
    dataDir: join(dir, 'e'),
    natsUrl: nats.url,
    logger: createLogger({ level: 'silent' }),
    actorTypes: routingActorTypes(holder),
  });
  await engine.start();
  const nc = await connectNats(nats.url, 'bench');
  const js = nc.jetstream();
  for (let i = 0; i < 50; i++)
    await engine.host.send({ type: 'agent', key: `a${i}` }, { type: 'agent.logged_in' }, `login${i}`);
  const openedAt = new Map<string, number>();
  const toOffer: number[] = [];
  const acceptAnswer: number[] = [];
  const acceptToConnected: number[] = [];
  const acceptedAt = new Map<string, number>();
  const connected = nc.subscribe('sb.record.interaction_stage');
  void (async () => {
    for await (const m of connected) {
      const r = decode<{ stage: string; interactionId: string }>(m.data);
      const t = acceptedAt.get(r.interactionId);
      if (r.stage === 'connected' && t !== undefined) acceptToConnected.push(performance.now() - t);
    }
  })();
  let done = 0;
  const finished = new Promise<void>((resolve) => {
    const live = nc.subscribe('sb.live.agent.*');
    void (async () => {
      for await (const m of live) {
        const d = decode<{ kind: string; offerId: string; interactionId: string; topic: string }>(m.data);
        if (d.kind !== 'offer') continue;
        const t0 = openedAt.get(d.interactionId)!;
        const t1 = performance.now();
        toOffer.push(t1 - t0);
        const agentId = d.topic.slice('agent.'.length);
        acceptedAt.set(d.interactionId, t1);
        void engine.host
          .send(
            { type: 'agent', key: agentId },
            { type: 'agent.offer_accepted', offerId: d.offerId },
            `acc:${d.offerId}`,
          )
          .then(async () => {
            acceptAnswer.push(performance.now() - t1);
            await engine.host.send(
              { type: 'agent', key: agentId },
              { type: 'agent.wrapup_submitted', interactionId: d.interactionId, code: 'Processed' },
              `wu:${d.offerId}`,
            );
            if (++done === n) resolve();
          });
      }
    })();
  });
  for (let i = 0; i < n; i++) {
    const iid = `x${i}`;
    openedAt.set(iid, performance.now());
    await publishEnvelope(
      js,
      {
        id: `open:${iid}`,
        to: { type: 'interaction', key: iid },
        event: {
          type: 'interaction.opened',
          interactionId: iid,
          conversationKey: `web:s:${iid}`,
          channel: 'web',
          integrationId: 's',
          channelUserId: iid,
          message: { text: 'hi' },
        },
      },
      partitionOf(iid),
    );
    await new Promise((r) => setTimeout(r, 5)); // an arrival every ~5 ms: latency, not saturation
  }
  await Promise.race([finished, new Promise((r) => setTimeout(r, 60_000))]);
  await new Promise((r) => setTimeout(r, 200));
  await nc.close();
  await engine.stop();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
  return { n: toOffer.length, toOffer, acceptAnswer, acceptToConnected };
}

out(`routing bench: ${AGENTS} agents, ${WAITING} waiting interactions`);
for (const strategy of ['longest_idle', 'best_skill', 'round_robin'] as const) {
  const r = benchDispatch(strategy, 4);
  out(`dispatch ${strategy}: ${r.perSec} decisions/s; a pass with no agent free: ${r.emptyPassUs} µs`);
}
out(`queue machine transition (capacity freed → offer → accepted → refill): ${benchMachine(6)} decisions/s`);
const lat = await benchLatency(Number(process.argv[2] ?? 500));
out(
  `offer latency over NATS (${lat.n} interactions, 50 agents): opened → offer on the live feed p50 ${pct(lat.toOffer, 50)} ms p99 ${pct(lat.toOffer, 99)} ms`,
);
out(
  `accept answered p50 ${pct(lat.acceptAnswer, 50)} ms p99 ${pct(lat.acceptAnswer, 99)} ms; accept → connected record p50 ${pct(lat.acceptToConnected, 50)} ms p99 ${pct(lat.acceptToConnected, 99)} ms`,
);
process.exit(0);
