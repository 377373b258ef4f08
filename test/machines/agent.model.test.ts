/**
 * Model-based tests of the agent machine: paths generated with xstate/graph's TestModel, replayed
 * purely with invariants on every step, then the paths with timers replayed on the real runtime
 * (ActorHost + LmdbStore + ManualClock) where timers fire from the clock.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { TestModel } from 'xstate/graph';
import { ActorHost, LmdbStore, ManualClock } from '../../actors/index.js';
import { RoutingConfigHolder } from '../../engine/config/routing.js';
import { heldCounts, type AgentContext, type AgentEvent } from '../../machines/agent-logic.js';
import { createAgentMachine } from '../../machines/agent.machine.js';
import { freeSlots } from '../../machines/routing.js';
import { LoopbackBus } from '../routing/harness.js';
import { tempDir } from '../support/tmp.js';

const holder = new RoutingConfigHolder({
  initial: {
    queues: [{ id: 'q1' }, { id: 'qv', mediaType: 'voice', acw: { mode: 'timeboxed', timeoutSeconds: 20 } }],
    agents: [
      {
        id: 'a1',
        queues: ['q1', 'qv'],
        utilization: {
          media: { message: { max: 2, interruptibleBy: ['voice'] }, voice: { max: 1, interruptibleBy: [] } },
          totalMax: 2,
        },
      },
    ],
  },
});
const machine = createAgentMachine(holder);
const util = holder.config().agents.a1.utilization;

type Ev = AgentEvent & { type: string };
const ctxOf = (s: AnyMachineSnapshot) => s.context as AgentContext;

/** The events worth trying from a state (fresh offer ids; answers to the offers alerting). */
function eventsFor(s: AnyMachineSnapshot): Ev[] {
  const c = ctxOf(s);
  const n = c.stats.granted + c.stats.refused + 1;
  const evs: Ev[] = [
    { type: 'agent.logged_in' },
    { type: 'agent.logged_out' },
    { type: 'agent.presence_changed', presence: 'not_ready', reason: 'Lunch' },
    { type: 'agent.presence_changed', presence: 'available' },
    {
      type: 'agent.offer_requested',
      offerId: `o${n}`,
      interactionId: `i${n}`,
      conversationKey: `k${n}`,
      queueId: 'q1',
      from: { type: 'queue', key: 'q1' },
      mediaType: 'message',
      alertingTimeoutMs: 30_000 + n * 1_000,
    },
    {
      type: 'agent.offer_requested',
      offerId: `o${n}`,
      interactionId: `i${n}`,
      conversationKey: `k${n}`,
      queueId: 'qv',
      from: { type: 'queue', key: 'qv' },
      mediaType: 'voice',
      alertingTimeoutMs: 30_000 + n * 1_000,
    },
  ];
  for (const o of Object.values(c.offers)) {
    evs.push(
      { type: 'agent.offer_accepted', offerId: o.offerId },
      { type: 'agent.offer_declined', offerId: o.offerId },
      { type: 'agent.offer_expired', offerId: o.offerId },
      { type: 'agent.offer_rescinded', offerId: o.offerId },
    );
  }
  for (const it of Object.values(c.interactions)) {
    if (it.stage === 'connected') evs.push({ type: 'agent.interaction_ended', interactionId: it.interactionId });
    else evs.push({ type: 'agent.wrapup_expired', interactionId: it.interactionId });
    evs.push({ type: 'agent.wrapup_submitted', interactionId: it.interactionId, code: 'Processed' });
  }
  return evs;
}

/** States by what matters for routing (presence, load), not by ids. */
function serialize(s: AnyMachineSnapshot): string {
  const c = ctxOf(s);
  const offers = Object.values(c.offers)
    .map((o) => o.mediaType)
    .sort()
    .join(',');
  const its = Object.values(c.interactions)
    .map((i) => `${i.mediaType}:${i.stage}`)
    .sort()
    .join(',');
  return `${String(s.value)}|${c.reason ?? ''}|${offers}|${its}`;
}

type Action = { type: string; params?: any };

/** Checks the invariants over one step; `answers` counts terminal outcomes per offer id. */
function checkStep(
  prev: AnyMachineSnapshot,
  next: AnyMachineSnapshot,
  event: Ev,
  actions: Action[],
  answers: Map<string, string[]>,
): void {
  const before = ctxOf(prev);
  const after = ctxOf(next);
  const held = heldCounts(after);
  // Capacity is never exceeded, per medium and in total.
  for (const [m, n] of Object.entries(held))
    expect(n, `${m} over capacity after ${event.type}`).toBeLessThanOrEqual(util.media[m as 'message']?.max ?? 0);
  expect(Object.values(held).reduce((a, b) => a + (b ?? 0), 0)).toBeLessThanOrEqual(util.totalMax);
  for (const a of actions) {
    const kind = a.params?.kind;
    if (a.type === 'record' && kind === 'interaction.stage' && a.params.data.stage === 'alerting') {
      // A grant only when the medium had room before it (blending: a call blocks new messages).
      const media = event.type === 'agent.offer_requested' ? (event.mediaType ?? 'message') : 'message';
      expect(freeSlots(util, heldCounts(before), media), `granted ${media} without room`).toBeGreaterThan(0);
      expect(before.presence).toBe('available');
    }
    if (a.type === 'record' && kind === 'routing.offer') {
      const id = a.params.data.offerId as string;
      answers.set(id, [...(answers.get(id) ?? []), a.params.data.outcome]);
    }
    if (
      a.type === 'actor.send' &&
      a.params.event.type === 'queue.offer_resolved' &&
      a.params.event.outcome === 'timed_out'
    ) {
      // RONA re-queues: the queue is told, and the agent is no longer available.
      expect(after.presence).not.toBe('available');
      if (before.presence === 'available') expect(after).toMatchObject({ presence: 'not_ready', reason: 'RONA' });
    }
  }
  if (event.type === 'agent.offer_expired' && before.offers[event.offerId]) {
    expect(
      actions.some(
        (a) =>
          a.type === 'actor.send' &&
          a.params.event.type === 'queue.offer_resolved' &&
          a.params.event.outcome === 'timed_out',
      ),
    ).toBe(true);
  }
  // Every offer that left the alerting set was answered exactly once; one still alerting, never.
  for (const id of Object.keys(before.offers)) {
    const n = answers.get(id)?.length ?? 0;
    expect(n, `offer ${id} answers`).toBe(after.offers[id] ? 0 : 1);
  }
}

const model = new TestModel(machine, {
  events: eventsFor as never,
  serializeState: serialize as never,
  input: { agentId: 'a1' },
} as never);

function replayPure(events: Ev[]): { snapshots: AnyMachineSnapshot[] } {
  let [s] = initialTransition(machine, { agentId: 'a1' });
  const snapshots = [s];
  const answers = new Map<string, string[]>();
  let at = 1_000;
  for (const e of events) {
    const ev = { ...e, at: (at += 1_000) };
    const [next, actions] = transition(machine, s, ev as never);
    checkStep(s, next, e, actions as Action[], answers);
    s = next;
    snapshots.push(s);
  }
  return { snapshots };
}

/** A seeded pseudo-random generator, so failures replay. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => (x = (x * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32;
}

describe('agent machine, model-based', () => {
  // Shortest paths reach every state; each is then extended by every event enabled there (every
  // transition covered), and seeded random walks add long interleavings that catch timer bugs.
  const shortest = model.getShortestPaths();
  const toStates = shortest.map((p) =>
    p.steps.map((st) => st.event as Ev).filter((e) => !e.type.startsWith('xstate.')),
  );
  const eventLists: Ev[][] = [];
  for (const [i, prefix] of toStates.entries()) {
    const end = shortest[i].state as AnyMachineSnapshot;
    for (const e of eventsFor(end)) eventLists.push([...prefix, e]);
  }
  const rand = rng(42);
  for (let w = 0; w < 300; w++) {
    let [s] = initialTransition(machine, { agentId: 'a1' });
    const walk: Ev[] = [];
    for (let k = 0; k < 30; k++) {
      const options = eventsFor(s);
      const e = options[Math.floor(rand() * options.length)];
      walk.push(e);
      [s] = transition(machine, s, { ...e, at: 1_000 * (k + 2) } as never);
    }
    eventLists.push(walk);
  }
  const paths = shortest;

  it('generates paths that reach every presence and load combination', () => {
    const states = new Set(
      paths.flatMap((p) => [p.state, ...p.steps.map((st) => st.state)].map((x) => serialize(x as AnyMachineSnapshot))),
    );
    expect(states.size, [...states].join('\n')).toBeGreaterThanOrEqual(17);
    for (const needle of [
      'available||message,message|',
      'available||voice|',
      'not_ready|RONA||',
      'available|||voice:wrapup',
      'offline|||message:connected',
    ]) {
      expect(states.has(needle), `${needle} in ${[...states].join(' ; ')}`).toBe(true);
    }
  });

  it('holds the invariants on every step of every path (pure transitions)', () => {
    for (const evs of eventLists) replayPure(evs);
  });

  it('replays the paths with timers on the real runtime, where timers fire from the clock', async () => {
    const timed = eventLists
      .filter((evs) => evs.some((e) => e.type === 'agent.offer_expired' || e.type === 'agent.wrapup_expired'))
      .slice(0, 60);
    expect(timed.length).toBeGreaterThan(10);
    let realized = 0;
    for (const [p, evs] of timed.entries()) {
      const clock = new ManualClock();
      const bus = new LoopbackBus();
      bus.local.clear();
      bus.local.add('agent');
      const store = LmdbStore.open(join(tempDir('sb-agent-model-'), 'lmdb'), { noSync: true });
      const host = new ActorHost({ store, clock, bus }).register({
        name: 'agent',
        machine,
        input: (key: string) => ({ agentId: key }),
      });
      bus.host = host;
      host.start();
      const ref = { type: 'agent', key: 'a1' };
      const pure = replayPure(evs).snapshots;
      let ok = true;
      for (const [i, e] of evs.entries()) {
        if (e.type === 'agent.offer_expired' || e.type === 'agent.wrapup_expired') {
          const id = e.type === 'agent.offer_expired' ? `alert:${e.offerId}` : `acw:${e.interactionId}`;
          const timers = [...host.timersOf(ref)].sort((a, b) => a[1] - b[1]);
          if (timers[0]?.[0] !== id) {
            ok = false; // another timer would fire first in real time: not realizable as written
            break;
          }
          await clock.set(timers[0][1]);
        } else {
          await clock.advance(10); // distinct due times, far from any timeout
          await host.send(ref, e, `p${p}-${i}`);
        }
        await bus.settle();
        expect(
          serialize(host.read(ref)!),
          JSON.stringify(evs.slice(0, i + 1).map((x) => `${x.type}:${(x as { offerId?: string }).offerId ?? ''}`)),
        ).toBe(serialize(pure[i + 1]));
      }
      if (ok) realized++;
      await host.stop();
      await store.close();
    }
    expect(realized).toBeGreaterThan(5);
  });
});
