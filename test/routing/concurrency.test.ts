/**
 * Randomized concurrency over real NATS: many agents, hundreds of interactions, random
 * accept / decline / alerting timeouts / presence changes / abandonment. At the end every
 * interaction is connected, waiting or abandoned exactly once, and no grant ever put an agent
 * over capacity (checked on every alerting record, as it happened).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { ManualClock } from '../../actors/clock.js';
import { RoutingConfigHolder, routingActorTypes } from '../../engine/config/routing.js';
import { Engine } from '../../engine/engine.js';
import { createLogger } from '../../engine/logger.js';
import { connectNats, publishEnvelope } from '../../engine/nats-bus.js';
import type { AgentContext } from '../../machines/agent-logic.js';
import { interactionStage } from '../../machines/interaction.machine.js';
import type { QueueContext } from '../../machines/queue.machine.js';
import type { ActorEvent, Envelope } from '../../protocol/actor.js';
import { partitionOf } from '../../protocol/partition.js';
import { decode } from '../../protocol/wire.js';
import { useNatsServer } from '../support/nats.js';
import { tempDir } from '../support/tmp.js';

/** Stands in for the conversation actor: counts what routing tells it. */
const conversationSink = setup({
  types: {} as { context: { connected: number; disconnected: number; wrapped: number }; events: ActorEvent },
}).createMachine({
  context: { connected: 0, disconnected: 0, wrapped: 0 },
  on: {
    'interaction.connected': { actions: assign({ connected: ({ context }) => context.connected + 1 }) },
    'interaction.disconnected': { actions: assign({ disconnected: ({ context }) => context.disconnected + 1 }) },
    'interaction.wrapped_up': { actions: assign({ wrapped: ({ context }) => context.wrapped + 1 }) },
  },
});

const AGENTS = 24;
const INTERACTIONS = 300;
const MAX_MESSAGES = 3;

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => (x = (x * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32;
}

describe('routing under random concurrency over NATS', () => {
  const nats = useNatsServer();

  it('ends with every interaction connected, waiting or abandoned exactly once, and no agent over capacity', async () => {
    const agentIds = Array.from({ length: AGENTS }, (_, i) => `ag${i}`);
    const holder = new RoutingConfigHolder({
      initial: {
        skills: ['billing'],
        queues: [
          { id: 'sales', alertingTimeoutSeconds: 20, strategy: 'round_robin' },
          { id: 'billing', alertingTimeoutSeconds: 20, strategy: 'best_skill' },
        ],
        agents: agentIds.map((id, i) => ({
          id,
          queues: i % 3 === 0 ? ['billing'] : ['sales', 'billing'],
          skills: i % 2 ? { billing: 1 + (i % 5) } : {},
          utilization: { media: { message: { max: MAX_MESSAGES, interruptibleBy: [] } }, totalMax: MAX_MESSAGES },
        })),
        flows: [
          {
            integrationId: '*',
            defaultQueueId: 'sales',
            keywordRules: [{ keywords: ['bill'], queueId: 'billing', priority: 3 }],
          },
        ],
      },
    });
    const clock = new ManualClock();
    const engine = new Engine({
      dataDir: join(tempDir(), 'e'),
      natsUrl: nats.server.url,
      clock,
      logger: createLogger({ level: 'silent' }),
      actorTypes: [...routingActorTypes(holder), { name: 'conversation', machine: conversationSink }],
      noSync: true,
    });
    await engine.start();
    const nc = await connectNats(nats.server.url, 'concurrency-test');
    const js = nc.jetstream();
    const rand = rng(2024);
    let seq = 0;
    const publish = (to: { type: string; key: string }, event: ActorEvent) =>
      publishEnvelope(js, { id: `t:${++seq}`, to, event } as Envelope, partitionOf(to.key));

    // Every grant is checked as it happens: the alerting record carries the agent's load after it.
    const overCapacity: unknown[] = [];
    const offers: { agentId: string; offerId: string }[] = [];
    const recSub = nc.subscribe('sb.record.interaction_stage');
    void (async () => {
      for await (const m of recSub) {
        const r = decode<{ stage: string; held?: Record<string, number> }>(m.data);
        if (r.stage === 'alerting' && Object.values(r.held ?? {}).reduce((a, b) => a + b, 0) > MAX_MESSAGES)
          overCapacity.push(r);
      }
    })();
    const liveSub = nc.subscribe('sb.live.agent.*');
    void (async () => {
      for await (const m of liveSub) {
        const d = decode<{ kind: string; offerId?: string; topic: string }>(m.data);
        if (d.kind === 'offer') offers.push({ agentId: d.topic.slice('agent.'.length), offerId: d.offerId! });
      }
    })();

    const quiet = async () => {
      let last = -1;
      for (let i = 0; i < 500; i++) {
        await new Promise((r) => setTimeout(r, 60));
        const now = engine.host.stats.applied;
        if (now === last && engine.host.outboxSize === 0) return;
        last = now;
      }
      throw new Error('engine never went quiet');
    };
    const agentCtx = (id: string) => engine.host.read({ type: 'agent', key: id })?.context as AgentContext | undefined;

    for (const id of agentIds) await publish({ type: 'agent', key: id }, { type: 'agent.logged_in' });
    const ids = Array.from({ length: INTERACTIONS }, (_, i) => `ix${i}`);
    const abandoned = new Set<string>();
    let sent = 0;
    for (let round = 0; round < 12; round++) {
      // New customers, some abandoning soon after.
      const batch = ids.slice(sent, sent + INTERACTIONS / 10);
      sent += batch.length;
      await Promise.all(
        batch.map((iid) =>
          publish(
            { type: 'interaction', key: iid },
            {
              type: 'interaction.opened',
              interactionId: iid,
              conversationKey: `web:site:${iid}`,
              channel: 'web',
              integrationId: 'site',
              channelUserId: iid,
              message: { messageId: `m-${iid}`, kind: 'text', text: rand() < 0.3 ? 'my bill is wrong' : 'hello' },
            },
          ),
        ),
      );
      for (const iid of ids.slice(0, sent)) {
        if (!abandoned.has(iid) && rand() < 0.02) {
          abandoned.add(iid);
          await publish(
            { type: 'interaction', key: iid },
            { type: 'interaction.customer_left', interactionId: iid, reason: 'closed_by_customer' },
          );
        }
      }
      // Random presence changes.
      for (const id of agentIds) {
        const r = rand();
        if (r < 0.1)
          await publish(
            { type: 'agent', key: id },
            { type: 'agent.presence_changed', presence: 'not_ready', reason: 'Pause' },
          );
        else if (r < 0.3)
          await publish({ type: 'agent', key: id }, { type: 'agent.presence_changed', presence: 'available' });
      }
      await quiet();
      // Answer the offers in flight at random: accept, decline, or let them time out (RONA).
      const pending = offers.splice(0);
      await Promise.all(
        pending.map(async (o) => {
          const r = rand();
          if (r < 0.6)
            await engine.host.send(
              { type: 'agent', key: o.agentId },
              { type: 'agent.offer_accepted', offerId: o.offerId },
              `acc:${o.offerId}`,
            );
          else if (r < 0.8)
            await engine.host.send(
              { type: 'agent', key: o.agentId },
              { type: 'agent.offer_declined', offerId: o.offerId },
              `dec:${o.offerId}`,
            );
        }),
      );
      // Some agents finish work (free capacity: dispatch is driven by that event).
      for (const id of agentIds) {
        for (const it of Object.values(agentCtx(id)?.interactions ?? {})) {
          if (rand() < 0.3)
            await engine.host.send(
              { type: 'agent', key: id },
              { type: 'agent.wrapup_submitted', interactionId: it.interactionId, code: 'Processed' },
              `wu:${it.interactionId}:${round}`,
            );
        }
      }
      await quiet();
      await clock.advance(21_000); // alerting timeouts fire: RONA, back to the queue
      await quiet();
    }
    // Settle: everyone available; answer what is left until nothing changes.
    for (const id of agentIds)
      await publish({ type: 'agent', key: id }, { type: 'agent.presence_changed', presence: 'available' });
    await quiet();
    for (let i = 0; i < 5; i++) {
      for (const o of offers.splice(0))
        await engine.host.send(
          { type: 'agent', key: o.agentId },
          { type: 'agent.offer_accepted', offerId: o.offerId },
          `acc2:${o.offerId}`,
        );
      await quiet();
    }

    const queues = ['sales', 'billing'].map(
      (k) => engine.host.read({ type: 'queue', key: k })?.context as QueueContext,
    );
    const waitingIn = new Map<string, number>();
    for (const q of queues)
      for (const e of q.waiting) waitingIn.set(e.interactionId, (waitingIn.get(e.interactionId) ?? 0) + 1);
    const tally = { connected: 0, waiting: 0, abandoned: 0 };
    for (const iid of ids) {
      const it = { stage: interactionStage(engine.host.read({ type: 'interaction', key: iid })!) };
      const conv = engine.host.read({ type: 'conversation', key: `web:site:${iid}` })?.context as
        | { connected: number }
        | undefined;
      const inQueue = waitingIn.get(iid) ?? 0;
      if (it.stage === 'abandoned') {
        tally.abandoned++;
        expect(inQueue).toBe(0);
        expect(conv?.connected ?? 0).toBe(0);
      } else if (it.stage === 'queued') {
        tally.waiting++;
        expect(inQueue).toBe(1);
        expect(conv?.connected ?? 0).toBe(0);
      } else {
        expect(['connected', 'wrapup', 'waiting']).toContain(it.stage);
        tally.connected++;
        expect(inQueue).toBe(0);
        expect(conv?.connected).toBe(1);
      }
    }
    expect(tally.connected + tally.waiting + tally.abandoned).toBe(INTERACTIONS);
    expect(tally.connected).toBeGreaterThan(INTERACTIONS / 3);
    expect(queues.reduce((n, q) => n + q.stats.abandoned, 0)).toBe(tally.abandoned);
    // Connected interactions are held by exactly one agent each; nobody over capacity.
    const heldBy = new Map<string, number>();
    for (const id of agentIds) {
      const c = agentCtx(id)!;
      expect(Object.keys(c.interactions).length + Object.keys(c.offers).length).toBeLessThanOrEqual(MAX_MESSAGES);
      for (const iid of Object.keys(c.interactions)) heldBy.set(iid, (heldBy.get(iid) ?? 0) + 1);
    }
    for (const n of heldBy.values()) expect(n).toBe(1);
    expect(overCapacity).toEqual([]);
    const stats = agentIds.map((id) => agentCtx(id)!.stats);
    expect(stats.reduce((n, s) => n + s.timedOut, 0)).toBeGreaterThan(0);
    expect(stats.reduce((n, s) => n + s.declined, 0)).toBeGreaterThan(0);
    recSub.unsubscribe();
    liveSub.unsubscribe();
    await nc.close();
    await engine.stop();
  });
});
