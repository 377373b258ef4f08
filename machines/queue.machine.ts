/**
 * The queue actor (key = queueId), as a statechart:
 *
 *   empty ─interaction enqueued→ waiting ─last one answered or withdrawn→ empty
 *
 * What it knows is context: the waiting interactions ordered by score, its view of member agents
 * (told by the agents), offers in flight, and counters. Every event that can make a match
 * possible — an interaction enqueued, capacity freed, an agent on queue, an offer refused or timed
 * out, a bullseye ring expiring (a durable timer) — runs the dispatch pass. Each decision is a
 * named guard and each change a named action over the pure rules in queue-rules.ts.
 */
import { enqueueActions, setup } from 'xstate';
import { effectActions } from './effects.js';
import {
  answer,
  dispatchAndArm,
  enqueue as putInLine,
  entryOf,
  isNewerAgentView,
  isOfferInFlight,
  putBack,
  queueConfig,
  updateAgent,
  withdraw,
  type QueuePatch,
  type RingScope,
} from './queue-rules.js';
import type { AgentView, HeldCounts, WaitingEntry } from './routing.js';
import { fxOf, type Enqueue, type Fx } from './routing-fx.js';
import type { MediaType, QueueConfig, RoutingDeps } from './routing-config.js';

export interface QueueStats {
  readonly enqueued: number;
  readonly offered: number;
  readonly answered: number;
  readonly answeredInServiceLevel: number;
  readonly abandoned: number;
  readonly declined: number;
  readonly timedOut: number;
  readonly refused: number;
}

/** What a queue knows (whether anyone waits is its state). */
export interface QueueContext {
  readonly queueId: string;
  readonly waiting: readonly WaitingEntry[];
  readonly agents: Readonly<Record<string, AgentView>>;
  readonly offerSeq: number;
  readonly ringTimerAt?: number;
  readonly stats: QueueStats;
}

type At = { at?: number };
export type QueueEvent =
  | ({
      type: 'queue.interaction_enqueued';
      interactionId: string;
      conversationKey: string;
      priority?: number;
      skills?: readonly string[];
      mediaType?: MediaType;
      enqueuedAt?: number;
      /** Skip this agent on the next dispatch when another qualifies (a direct offer to them just fell back). */
      avoidAgentId?: string;
      info?: Record<string, unknown>;
    } & At)
  | ({ type: 'queue.interaction_withdrawn'; interactionId: string; reason: string } & At)
  | ({
      type: 'queue.agent_updated';
      agentId: string;
      routable: boolean;
      free: HeldCounts;
      idleSince: number;
      skills: Record<string, number>;
      version: number;
    } & At)
  | ({
      type: 'queue.offer_resolved';
      offerId: string;
      interactionId: string;
      agentId: string;
      outcome: string;
      reason?: string;
    } & At)
  | ({ type: 'queue.ring_checked' } & At)
  | ({ type: 'queue.config_changed' } & At);

/** The top-level states of the queue machine. */
export type QueueMode = 'empty' | 'waiting';

/** A new queue's context. */
export function initialQueueContext(queueId: string): QueueContext {
  return {
    queueId,
    waiting: [],
    agents: {},
    offerSeq: 0,
    stats: {
      enqueued: 0,
      offered: 0,
      answered: 0,
      answeredInServiceLevel: 0,
      abandoned: 0,
      declined: 0,
      timedOut: 0,
      refused: 0,
    },
  };
}

/**
 * Maps a stored queue snapshot of the shape before its modes were states (one unnamed state) to
 * the state its waiting list describes; others pass unchanged. The ring timer stored with it
 * still fires as `queue.ring_checked`.
 */
export function upgradeQueueSnapshot(persisted: unknown): unknown {
  const p = persisted as { value?: unknown; context?: { waiting?: readonly unknown[] } } | undefined;
  if (!p?.context || p.value === 'empty' || p.value === 'waiting') return persisted;
  return { ...p, value: (p.context.waiting?.length ?? 0) > 0 ? 'waiting' : 'empty' };
}

interface Args {
  readonly context: QueueContext;
  readonly event: QueueEvent;
  readonly q: QueueConfig;
  readonly fx: Fx;
  readonly at: number;
}

/** Builds the queue machine over the routing configuration. */
export function createQueueMachine(deps: RoutingDeps) {
  /** A named action that emits effects and a context change from the current context and event. */
  const act = <P = undefined>(run: (a: Args, params: P) => QueuePatch) =>
    enqueueActions(({ context, event, enqueue }, params: P) => {
      const e = enqueue as unknown as Enqueue & { assign: (p: QueuePatch) => void };
      const ev = event as QueueEvent;
      const ctx = context as QueueContext;
      const a = { context: ctx, event: ev, q: queueConfig(deps, ctx.queueId), fx: fxOf(e), at: ev.at ?? 0 };
      e.assign(run(a, params));
    }) as never;
  const ev = <T extends QueueEvent['type']>(event: QueueEvent) => event as Extract<QueueEvent, { type: T }>;
  const dispatchWith = (scope: RingScope) => ({ type: 'dispatch', params: { scope } }) as const;
  const dispatchOnly = dispatchWith('none');

  return setup({
    types: {} as { context: QueueContext; events: QueueEvent; input: { queueId: string } },
    actions: {
      ...effectActions,
      putInLine: act(({ q, context, event, fx }) => putInLine(q, context, ev<'queue.interaction_enqueued'>(event), fx)),
      withdraw: act(({ context, event, fx }) => withdraw(context, ev<'queue.interaction_withdrawn'>(event), fx)),
      updateAgent: act(({ context, event }) => updateAgent(context, ev<'queue.agent_updated'>(event))),
      answer: act(({ q, context, event }) => answer(q, context, ev<'queue.offer_resolved'>(event))),
      putBack: act(({ context, event }) => putBack(context, ev<'queue.offer_resolved'>(event))),
      dispatch: act<{ scope: RingScope }>(({ q, context, event, fx, at }, { scope }) =>
        dispatchAndArm(q, context, at, fx, scope, (event as { interactionId?: string }).interactionId),
      ),
    },
    guards: {
      alreadyWaiting: ({ context, event }) => !!entryOf(context, ev<'queue.interaction_enqueued'>(event).interactionId),
      isWaiting: ({ context, event }) => !!entryOf(context, ev<'queue.interaction_withdrawn'>(event).interactionId),
      newerAgentView: ({ context, event }) => isNewerAgentView(context, ev<'queue.agent_updated'>(event)),
      offerAccepted: ({ context, event }) =>
        isOfferInFlight(context, ev<'queue.offer_resolved'>(event)) &&
        ev<'queue.offer_resolved'>(event).outcome === 'accepted',
      offerFellThrough: ({ context, event }) => isOfferInFlight(context, ev<'queue.offer_resolved'>(event)),
      nobodyWaiting: ({ context }) => context.waiting.length === 0,
    },
  }).createMachine({
    id: 'queue',
    context: ({ input }) => initialQueueContext(input.queueId),
    initial: 'empty',
    // Both states handle every event the same way; only an enqueue leaves `empty`, and `waiting`
    // returns to `empty` as soon as its line is empty.
    on: {
      'queue.interaction_withdrawn': [
        { guard: 'isWaiting', actions: ['withdraw', dispatchOnly] },
        { actions: dispatchOnly },
      ],
      'queue.agent_updated': [
        { guard: 'newerAgentView', actions: ['updateAgent', dispatchOnly] },
        { actions: dispatchOnly },
      ],
      'queue.offer_resolved': [
        { guard: 'offerAccepted', actions: ['answer', dispatchOnly] },
        { guard: 'offerFellThrough', actions: ['putBack', dispatchWith('event')] },
        { actions: dispatchOnly },
      ],
      'queue.ring_checked': { actions: dispatchWith('full') },
      'queue.config_changed': { actions: dispatchWith('full') },
    },
    states: {
      empty: {
        on: {
          'queue.interaction_enqueued': { target: 'waiting', actions: ['putInLine', dispatchWith('event')] },
        },
      },
      waiting: {
        always: { guard: 'nobodyWaiting', target: 'empty' },
        on: {
          'queue.interaction_enqueued': [
            { guard: 'alreadyWaiting', actions: dispatchOnly },
            { actions: ['putInLine', dispatchWith('event')] },
          ],
        },
      },
    },
  });
}

export type QueueMachine = ReturnType<typeof createQueueMachine>;
