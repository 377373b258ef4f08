/**
 * The queue actor (key = queueId): waiting interactions ordered by score, its view of member
 * agents (told by the agents), offers in flight, and counters. Every event that can make a
 * match possible — an interaction enqueued, capacity freed, an agent on queue, an offer
 * refused or timed out, a bullseye ring expiring (a durable timer) — runs the dispatch pass.
 */
import { enqueueActions, setup } from 'xstate';
import type { ActorRef } from '../protocol/actor.js';
import { effectActions } from './effects.js';
import {
  dispatch,
  earliestRingChange,
  insertByScore,
  queueScore,
  type AgentView,
  type HeldCounts,
  type WaitingEntry,
} from './routing.js';
import { fxOf, type Enqueue, type Fx } from './routing-fx.js';
import { own, type MediaType, type QueueConfig, type RoutingDeps } from './routing-config.js';

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

type Patch = Partial<{ -readonly [K in keyof QueueContext]: QueueContext[K] }>;

/** A queue's config, or a safe default so events for an unconfigured queue still apply. */
function queueConfig(deps: RoutingDeps, queueId: string): QueueConfig {
  return (
    deps.config().queues[queueId] ?? {
      id: queueId,
      name: queueId,
      mediaType: 'message',
      strategy: 'longest_idle',
      alertingTimeoutSeconds: 30,
      serviceLevelSeconds: 60,
      rings: [],
      acw: { mode: 'optional', timeoutSeconds: 0, defaultCode: 'Processed' },
      affinity: { mode: 'disabled', timeoutSeconds: 0 },
    }
  );
}

/** The queue's rules as a plain function: apply an event, then dispatch. */
export function queueStep(deps: RoutingDeps, ctx: QueueContext, event: QueueEvent, fx: Fx): Patch {
  const at = event.at ?? 0;
  const q = queueConfig(deps, ctx.queueId);
  let waiting = ctx.waiting;
  let agents = ctx.agents;
  let stats = ctx.stats;
  const touched: WaitingEntry[] = [];
  const indexOf = (id: string) => waiting.findIndex((e) => e.interactionId === id);
  switch (event.type) {
    case 'queue.interaction_enqueued': {
      if (indexOf(event.interactionId) >= 0) break;
      const enqueuedAt = event.enqueuedAt ?? at;
      const priority = event.priority ?? 0;
      const entry: WaitingEntry = {
        interactionId: event.interactionId,
        conversationKey: event.conversationKey,
        score: queueScore(enqueuedAt, priority),
        enqueuedAt,
        priority,
        skills: event.skills ?? [],
        mediaType: event.mediaType ?? q.mediaType,
        declinedBy: [],
        ...(event.avoidAgentId !== undefined ? { avoidAgentId: event.avoidAgentId } : {}),
        info: event.info,
      };
      waiting = insertByScore(waiting, entry);
      touched.push(entry);
      stats = { ...stats, enqueued: stats.enqueued + 1 };
      fx.record('interaction.stage', {
        interactionId: event.interactionId,
        stage: 'queued',
        queueId: ctx.queueId,
        priority,
        // Reporting counts offers by channel and media type.
        conversationKey: event.conversationKey,
        mediaType: entry.mediaType,
        at,
      });
      break;
    }
    case 'queue.interaction_withdrawn': {
      const i = indexOf(event.interactionId);
      if (i < 0) break;
      const e = waiting[i];
      if (e.offer) {
        fx.send(
          { type: 'agent', key: e.offer.agentId },
          { type: 'agent.offer_rescinded', offerId: e.offer.offerId, reason: event.reason },
        );
        agents = releaseOutstanding(agents, e.offer.agentId);
      }
      waiting = waiting.filter((_, j) => j !== i);
      if (event.reason !== 'connected_elsewhere') {
        stats = { ...stats, abandoned: stats.abandoned + 1 };
        fx.record('queue.abandoned', {
          interactionId: e.interactionId,
          queueId: ctx.queueId,
          reason: event.reason,
          waitedMs: at - e.enqueuedAt,
          at,
        });
      }
      break;
    }
    case 'queue.agent_updated': {
      const prev = own(agents, event.agentId);
      if (prev && prev.version >= event.version) break;
      agents = {
        ...agents,
        [event.agentId]: {
          agentId: event.agentId,
          routable: event.routable,
          free: event.free,
          idleSince: event.idleSince,
          skills: event.skills,
          version: event.version,
          outstanding: prev?.outstanding ?? 0,
          lastOfferSeq: prev?.lastOfferSeq ?? 0,
        },
      };
      break;
    }
    case 'queue.offer_resolved': {
      const i = indexOf(event.interactionId);
      const e = i >= 0 ? waiting[i] : undefined;
      // Only the offer in flight counts; a late answer to a withdrawn offer was already released.
      if (!e?.offer || e.offer.offerId !== event.offerId) break;
      agents = releaseOutstanding(agents, e.offer.agentId);
      if (event.outcome === 'accepted') {
        waiting = waiting.filter((_, j) => j !== i);
        const inSl = at - e.enqueuedAt <= q.serviceLevelSeconds * 1_000;
        stats = {
          ...stats,
          answered: stats.answered + 1,
          answeredInServiceLevel: stats.answeredInServiceLevel + (inSl ? 1 : 0),
        };
      } else {
        // Back to its original position (score unchanged); a decliner is not asked again.
        const declinedBy = event.outcome === 'declined' ? [...e.declinedBy, event.agentId] : e.declinedBy;
        const back = { ...e, offer: undefined, declinedBy };
        const copy = waiting.slice();
        copy[i] = back;
        waiting = copy;
        touched.push(back);
        if (event.outcome === 'declined') stats = { ...stats, declined: stats.declined + 1 };
        else if (event.outcome === 'timed_out') stats = { ...stats, timedOut: stats.timedOut + 1 };
        else stats = { ...stats, refused: stats.refused + 1 };
      }
      break;
    }
    case 'queue.ring_checked':
      break;
    case 'queue.config_changed':
      break;
  }
  const full = event.type === 'queue.ring_checked' || event.type === 'queue.config_changed';
  return dispatchAndArm(q, { ...ctx, waiting, agents, stats }, at, fx, full, touched);
}

function releaseOutstanding(
  agents: Readonly<Record<string, AgentView>>,
  agentId: string,
): Readonly<Record<string, AgentView>> {
  const a = own(agents, agentId);
  return a && a.outstanding > 0 ? { ...agents, [agentId]: { ...a, outstanding: a.outstanding - 1 } } : agents;
}

function dispatchAndArm(
  q: QueueConfig,
  ctx: QueueContext,
  at: number,
  fx: Fx,
  fullRingCheck: boolean,
  touched: readonly WaitingEntry[],
): Patch {
  const picks = dispatch(ctx.waiting, ctx.agents, q, at);
  let { waiting, agents, offerSeq } = ctx;
  if (picks.length > 0) {
    // Copy once and patch the chosen positions: the list can be 10,000 long.
    const next = waiting.slice();
    const agentsNext = { ...agents };
    for (const p of picks) {
      const e = next[p.index];
      offerSeq++;
      const offerId = `${q.id}.${offerSeq}`;
      const a = agentsNext[p.agentId];
      agentsNext[p.agentId] = { ...a, outstanding: a.outstanding + 1, lastOfferSeq: offerSeq };
      const from: ActorRef = { type: 'queue', key: q.id };
      fx.send(
        { type: 'agent', key: p.agentId },
        {
          type: 'agent.offer_requested',
          offerId,
          interactionId: e.interactionId,
          conversationKey: e.conversationKey,
          queueId: q.id,
          from,
          mediaType: e.mediaType,
          alertingTimeoutMs: q.alertingTimeoutSeconds * 1_000,
          info: { ...e.info, enqueuedAt: e.enqueuedAt, priority: e.priority, skills: e.skills },
        },
      );
      next[p.index] = { ...e, offer: { offerId, agentId: p.agentId, at }, avoidAgentId: undefined };
    }
    waiting = next;
    agents = agentsNext;
  }
  const stats = { ...ctx.stats, offered: ctx.stats.offered + picks.length };
  // One durable timer for the earliest bullseye ring change. A full scan only when the timer
  // fired or the rules changed; otherwise entries put (back) in line can only bring it forward,
  // and a timer that fires early just re-dispatches and re-scans.
  let ringTimerAt = ctx.ringTimerAt;
  if (fullRingCheck) {
    const next = earliestRingChange(waiting, q.rings, at);
    if (next !== undefined) fx.timer('ring', next - at, { type: 'queue.ring_checked' });
    else if (ringTimerAt !== undefined) fx.cancel('ring');
    ringTimerAt = next;
  } else {
    const next = earliestRingChange(
      touched.filter((e) => !e.offer),
      q.rings,
      at,
    );
    if (next !== undefined && (ringTimerAt === undefined || next < ringTimerAt)) {
      fx.timer('ring', next - at, { type: 'queue.ring_checked' });
      ringTimerAt = next;
    }
  }
  return { waiting, agents, offerSeq, stats, ringTimerAt };
}

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

/** Builds the queue machine over the routing configuration. */
export function createQueueMachine(deps: RoutingDeps) {
  return setup({
    types: {} as { context: QueueContext; events: QueueEvent; input: { queueId: string } },
    actions: {
      ...effectActions,
      step: enqueueActions(({ context, event, enqueue }) => {
        enqueue.assign(queueStep(deps, context, event, fxOf(enqueue as unknown as Enqueue)) as never);
      }),
    },
  }).createMachine({
    id: 'queue',
    context: ({ input }) => initialQueueContext(input.queueId),
    on: {
      'queue.interaction_enqueued': { actions: 'step' },
      'queue.interaction_withdrawn': { actions: 'step' },
      'queue.agent_updated': { actions: 'step' },
      'queue.offer_resolved': { actions: 'step' },
      'queue.ring_checked': { actions: 'step' },
      'queue.config_changed': { actions: 'step' },
    },
  });
}

export type QueueMachine = ReturnType<typeof createQueueMachine>;
