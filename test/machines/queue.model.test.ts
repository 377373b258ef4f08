/**
 * Model-based tests of the queue machine: TestModel shortest paths to every state, extended by
 * every enabled event, plus seeded random walks; invariants on every step. Walks with bullseye
 * ring timers are replayed on the real runtime, where the timer fires from the clock.
 */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { TestModel } from 'xstate/graph';
import { RoutingConfigHolder } from '../../engine/config/routing.js';
import { createQueueMachine, type QueueContext, type QueueEvent } from '../../machines/queue.machine.js';
import { hasSkills, skillsAfterWait } from '../../machines/routing.js';
import { join } from 'node:path';
import { ActorHost, LmdbStore, ManualClock } from '../../actors/index.js';
import { LoopbackBus } from '../routing/harness.js';
import { tempDir } from '../support/tmp.js';

const holder = new RoutingConfigHolder({
  initial: {
    skills: ['x'],
    queues: [{ id: 'q', strategy: 'round_robin', rings: [{ timeoutSeconds: 60, skillsToRemove: ['x'] }] }],
  },
});
const machine = createQueueMachine(holder);
const q = holder.config().queues.q;
const STEP_MS = 10_000;
type Ev = QueueEvent & { type: string };
const ctxOf = (s: AnyMachineSnapshot) => s.context as QueueContext;

function eventsFor(s: AnyMachineSnapshot): Ev[] {
  const c = ctxOf(s);
  const n = c.stats.enqueued + 1;
  const v = (id: string) => (c.agents[id]?.version ?? 0) + 1;
  const evs: Ev[] = [];
  if (c.waiting.length < 3) {
    evs.push({ type: 'queue.interaction_enqueued', interactionId: `e${n}`, conversationKey: `k${n}` });
    evs.push({
      type: 'queue.interaction_enqueued',
      interactionId: `e${n}`,
      conversationKey: `k${n}`,
      priority: 2,
      skills: ['x'],
    });
  }
  evs.push(
    {
      type: 'queue.agent_updated',
      agentId: 'a1',
      routable: true,
      free: { message: 1 },
      idleSince: 0,
      skills: { x: 3 },
      version: v('a1'),
    },
    {
      type: 'queue.agent_updated',
      agentId: 'a1',
      routable: false,
      free: { message: 1 },
      idleSince: 0,
      skills: { x: 3 },
      version: v('a1'),
    },
    {
      type: 'queue.agent_updated',
      agentId: 'a2',
      routable: true,
      free: { message: 2 },
      idleSince: 0,
      skills: {},
      version: v('a2'),
    },
  );
  for (const e of c.waiting) {
    if (e.offer) {
      for (const outcome of ['accepted', 'declined', 'timed_out', 'refused']) {
        evs.push({
          type: 'queue.offer_resolved',
          offerId: e.offer.offerId,
          interactionId: e.interactionId,
          agentId: e.offer.agentId,
          outcome,
        });
      }
    }
  }
  if (c.waiting[0])
    evs.push({
      type: 'queue.interaction_withdrawn',
      interactionId: c.waiting[0].interactionId,
      reason: 'closed_by_customer',
    });
  if (c.ringTimerAt !== undefined) evs.push({ type: 'queue.ring_checked' });
  return evs;
}

function serialize(s: AnyMachineSnapshot): string {
  const c = ctxOf(s);
  const w = c.waiting
    .map(
      (e) =>
        `${e.priority}${e.skills.join('')}${e.offer ? `>${e.offer.agentId}` : ''}${e.declinedBy.length ? '!' : ''}`,
    )
    .join(',');
  const a = Object.values(c.agents)
    .map((x) => `${x.agentId}${x.routable ? '+' : '-'}${x.outstanding}`)
    .sort()
    .join(',');
  return `${w}|${a}`;
}

type Action = { type: string; params?: any };

/** Event times: 10 s apart; a ring check exactly when the queue's ring timer is due. */
function nextAt(at: number, e: Ev, c: QueueContext): number {
  return e.type === 'queue.ring_checked' ? Math.max(at, c.ringTimerAt ?? at) : at + STEP_MS;
}

function replay(events: Ev[]): AnyMachineSnapshot[] {
  const out: AnyMachineSnapshot[] = [];
  let [s] = initialTransition(machine, { queueId: 'q' });
  let at = 1_000_000;
  for (const e of events) {
    const before = ctxOf(s);
    at = nextAt(at, e, before);
    const [next, actions] = transition(machine, s, { ...e, at } as never);
    const after = ctxOf(next);
    // Score order, one entry per interaction.
    for (let i = 1; i < after.waiting.length; i++)
      expect(after.waiting[i - 1].score).toBeLessThanOrEqual(after.waiting[i].score);
    expect(new Set(after.waiting.map((x) => x.interactionId)).size).toBe(after.waiting.length);
    // Outstanding offers per agent match the entries offered to it.
    for (const a of Object.values(after.agents)) {
      expect(a.outstanding, `outstanding of ${a.agentId}`).toBe(
        after.waiting.filter((x) => x.offer?.agentId === a.agentId).length,
      );
    }
    // New offers go only to routable agents with room and the skills the entry's ring still needs.
    for (const act of actions as Action[]) {
      if (act.type !== 'actor.send' || act.params.event.type !== 'agent.offer_requested') continue;
      const ev = act.params.event;
      const a = after.agents[act.params.to.key];
      const entry = after.waiting.find((x) => x.interactionId === ev.interactionId)!;
      expect(a.routable).toBe(true);
      expect(a.outstanding).toBeLessThanOrEqual(a.free.message ?? 0);
      expect(hasSkills(a, skillsAfterWait(entry.skills, q.rings, at - entry.enqueuedAt))).toBe(true);
      expect(entry.declinedBy).not.toContain(a.agentId);
    }
    const was0 =
      e.type === 'queue.offer_resolved' ? before.waiting.find((x) => x.interactionId === e.interactionId) : undefined;
    if (e.type === 'queue.offer_resolved' && was0?.offer?.offerId !== e.offerId) {
      // An answer to an offer no longer in flight leaves that entry as it was.
      expect(after.waiting.find((x) => x.interactionId === e.interactionId)?.offer).toEqual(was0?.offer);
    } else if (e.type === 'queue.offer_resolved') {
      const was = was0!;
      const now = after.waiting.find((x) => x.interactionId === e.interactionId);
      if (e.outcome === 'accepted') {
        expect(now).toBeUndefined();
        expect(after.stats.answered).toBe(before.stats.answered + 1);
      } else {
        // Back at its original position: same enqueue time and score (RONA re-queues).
        expect(now).toBeDefined();
        expect(now).toMatchObject({ score: was.score, enqueuedAt: was.enqueuedAt });
      }
    }
    const gone =
      e.type === 'queue.interaction_withdrawn'
        ? before.waiting.find((x) => x.interactionId === e.interactionId)
        : undefined;
    if (e.type === 'queue.interaction_withdrawn' && !gone) expect(after.stats.abandoned).toBe(before.stats.abandoned);
    if (e.type === 'queue.interaction_withdrawn' && gone) {
      const was = gone;
      expect(after.waiting.some((x) => x.interactionId === e.interactionId)).toBe(false);
      expect(after.stats.abandoned).toBe(before.stats.abandoned + 1);
      if (was.offer)
        expect(
          (actions as Action[]).some((x) => x.type === 'actor.send' && x.params.event.type === 'agent.offer_rescinded'),
        ).toBe(true);
    }
    s = next;
    out.push(s);
  }
  return out;
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => (x = (x * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32;
}

describe('queue machine, model-based', () => {
  const model = new TestModel(machine, {
    events: eventsFor as never,
    serializeState: serialize as never,
    input: { queueId: 'q' },
  } as never);
  const shortest = model.getShortestPaths();

  it('reaches offers, declines, ring expansion and abandonment', () => {
    const states = new Set(
      shortest.flatMap((p) =>
        [p.state, ...p.steps.map((st) => st.state)].map((x) => serialize(x as AnyMachineSnapshot)),
      ),
    );
    expect(states.size).toBeGreaterThan(50);
    expect([...states].some((x) => x.includes('>a1'))).toBe(true);
    expect([...states].some((x) => x.includes('!'))).toBe(true);
  });

  const walks: Ev[][] = [];
  const rand = rng(7);
  for (let w = 0; w < 300; w++) {
    let [s] = initialTransition(machine, { queueId: 'q' });
    const walk: Ev[] = [];
    let at = 1_000_000;
    for (let k = 0; k < 40; k++) {
      const opts = eventsFor(s);
      const e = opts[Math.floor(rand() * opts.length)];
      walk.push(e);
      at = nextAt(at, e, ctxOf(s));
      [s] = transition(machine, s, { ...e, at } as never);
    }
    walks.push(walk);
  }

  it('replays walks on the real runtime (ActorHost + LMDB + ManualClock), bullseye ring timers firing from the clock', async () => {
    let ringsFired = 0;
    for (const [p, walk] of walks.slice(0, 40).entries()) {
      const clock = new ManualClock(1_000_000);
      const bus = new LoopbackBus();
      bus.local.clear();
      bus.local.add('queue');
      const store = LmdbStore.open(join(tempDir('sb-queue-model-'), 'lmdb'), { noSync: true });
      const host = new ActorHost({ store, clock, bus }).register({
        name: 'queue',
        machine,
        input: (key: string) => ({ queueId: key }),
      });
      bus.host = host;
      host.start();
      const ref = { type: 'queue', key: 'q' };
      // The pure model follows the runtime: whenever the ring timer falls due before the next
      // event, the runtime's clock fires it and the model takes the same ring check.
      let [pure] = initialTransition(machine, { queueId: 'q' });
      let at = 1_000_000;
      for (const [i, e] of walk.entries()) {
        if (e.type === 'queue.ring_checked') continue;
        at += STEP_MS;
        for (
          let ring = host.timersOf(ref).get('ring');
          ring !== undefined && ring <= at;
          ring = host.timersOf(ref).get('ring')
        ) {
          await clock.set(ring);
          await bus.settle();
          [pure] = transition(machine, pure, { type: 'queue.ring_checked', at: ring } as never);
          ringsFired++;
          expect(serialize(host.read(ref)!)).toBe(serialize(pure));
        }
        await clock.set(at);
        await host.send(ref, { ...e, at }, `w${p}-${i}`);
        await bus.settle();
        [pure] = transition(machine, pure, { ...e, at } as never);
        expect(serialize(host.read(ref)!)).toBe(serialize(pure));
        expect(ctxOf(host.read(ref)!).ringTimerAt).toBe(ctxOf(pure).ringTimerAt);
      }
      await host.stop();
      await store.close();
    }
    expect(ringsFired).toBeGreaterThan(10);
  });

  it('holds the invariants on every step: paths to every state, every transition from them, and random walks', () => {
    let steps = 0;
    for (const p of shortest) {
      const prefix = p.steps.map((st) => st.event as Ev).filter((e) => !e.type.startsWith('xstate.'));
      for (const e of eventsFor(p.state as AnyMachineSnapshot)) {
        replay([...prefix, e]);
        steps += prefix.length + 1;
      }
    }
    for (const walk of walks) {
      replay(walk);
      steps += walk.length;
    }
    expect(steps).toBeGreaterThan(10_000);
  });
});
