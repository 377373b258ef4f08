/**
 * The queue's rules as plain functions over its context (the chart in queue.machine.ts says when
 * each runs): put an interaction in line, take it out, learn an agent's view, settle an offer,
 * and the dispatch pass that offers waiting interactions to agents and arms the ring timer.
 */
import type { ActorRef } from '../protocol/actor.js';
import { dispatch, earliestRingChange, insertByScore, queueScore, type WaitingEntry } from './routing.js';
import type { Fx } from './routing-fx.js';
import { own, type QueueConfig, type RoutingDeps } from './routing-config.js';
import type { QueueContext, QueueEvent } from './queue.machine.js';

/** A context change. */
export type QueuePatch = Partial<{ -readonly [K in keyof QueueContext]: QueueContext[K] }>;
type Ev<T extends QueueEvent['type']> = Extract<QueueEvent, { type: T }>;

/** A queue's config, or a safe default so events for an unconfigured queue still apply. */
export function queueConfig(deps: RoutingDeps, queueId: string): QueueConfig {
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

/** The waiting entry of an interaction, if it is in line. */
export function entryOf(ctx: QueueContext, interactionId: string): WaitingEntry | undefined {
  return ctx.waiting.find((e) => e.interactionId === interactionId);
}

/** Whether an answer is about the offer in flight for its interaction (a late one was already released). */
export function isOfferInFlight(ctx: QueueContext, event: Ev<'queue.offer_resolved'>): boolean {
  return entryOf(ctx, event.interactionId)?.offer?.offerId === event.offerId;
}

/** Whether an agent's announcement is newer than the queue's view of it. */
export function isNewerAgentView(ctx: QueueContext, event: Ev<'queue.agent_updated'>): boolean {
  const prev = own(ctx.agents, event.agentId);
  return !prev || prev.version < event.version;
}

/** Puts an interaction in line by score. */
export function enqueue(
  q: QueueConfig,
  ctx: QueueContext,
  event: Ev<'queue.interaction_enqueued'>,
  fx: Fx,
): QueuePatch {
  const at = event.at ?? 0;
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
  return {
    waiting: insertByScore(ctx.waiting, entry),
    stats: { ...ctx.stats, enqueued: ctx.stats.enqueued + 1 },
  };
}

/** Takes an interaction out of line (rescinding its offer); counts an abandon unless it connected elsewhere. */
export function withdraw(ctx: QueueContext, event: Ev<'queue.interaction_withdrawn'>, fx: Fx): QueuePatch {
  const at = event.at ?? 0;
  const e = entryOf(ctx, event.interactionId);
  if (!e) return {};
  let { agents, stats } = ctx;
  if (e.offer) {
    fx.send(
      { type: 'agent', key: e.offer.agentId },
      { type: 'agent.offer_rescinded', offerId: e.offer.offerId, reason: event.reason },
    );
    agents = releaseOutstanding(agents, e.offer.agentId);
  }
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
  return { waiting: ctx.waiting.filter((x) => x !== e), agents, stats };
}

/** Learns an agent's routable capacity, keeping the offers the queue has outstanding with it. */
export function updateAgent(ctx: QueueContext, event: Ev<'queue.agent_updated'>): QueuePatch {
  const prev = own(ctx.agents, event.agentId);
  return {
    agents: {
      ...ctx.agents,
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
    },
  };
}

/** An accepted offer: the interaction leaves the line, answered (within the service level or not). */
export function answer(q: QueueConfig, ctx: QueueContext, event: Ev<'queue.offer_resolved'>): QueuePatch {
  const at = event.at ?? 0;
  const e = entryOf(ctx, event.interactionId)!;
  const inSl = at - e.enqueuedAt <= q.serviceLevelSeconds * 1_000;
  return {
    agents: releaseOutstanding(ctx.agents, e.offer!.agentId),
    waiting: ctx.waiting.filter((x) => x !== e),
    stats: {
      ...ctx.stats,
      answered: ctx.stats.answered + 1,
      answeredInServiceLevel: ctx.stats.answeredInServiceLevel + (inSl ? 1 : 0),
    },
  };
}

/** A declined, timed-out or refused offer: back to its original position (score unchanged); a decliner is not asked again. */
export function putBack(ctx: QueueContext, event: Ev<'queue.offer_resolved'>): QueuePatch {
  const i = ctx.waiting.findIndex((x) => x.interactionId === event.interactionId);
  const e = ctx.waiting[i];
  const declined = event.outcome === 'declined';
  const waiting = ctx.waiting.slice();
  waiting[i] = { ...e, offer: undefined, declinedBy: declined ? [...e.declinedBy, event.agentId] : e.declinedBy };
  const s = ctx.stats;
  const stats = declined
    ? { ...s, declined: s.declined + 1 }
    : event.outcome === 'timed_out'
      ? { ...s, timedOut: s.timedOut + 1 }
      : { ...s, refused: s.refused + 1 };
  return { agents: releaseOutstanding(ctx.agents, e.offer!.agentId), waiting, stats };
}

function releaseOutstanding(agents: QueueContext['agents'], agentId: string): QueueContext['agents'] {
  const a = own(agents, agentId);
  return a && a.outstanding > 0 ? { ...agents, [agentId]: { ...a, outstanding: a.outstanding - 1 } } : agents;
}

/** Which entries the ring timer must consider: none new, the event's own entry (put in or back in line), or all. */
export type RingScope = 'none' | 'event' | 'full';

/** The dispatch pass: offer waiting interactions to agents, then arm one timer for the earliest ring change. */
export function dispatchAndArm(
  q: QueueConfig,
  ctx: QueueContext,
  at: number,
  fx: Fx,
  scope: RingScope,
  touchedId?: string,
): QueuePatch {
  // Entries put (back) in line by this event, as they were before this pass offered them.
  const touched = scope === 'event' ? ctx.waiting.filter((e) => e.interactionId === touchedId && !e.offer) : [];
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
  if (scope === 'full') {
    const next = earliestRingChange(waiting, q.rings, at);
    if (next !== undefined) fx.timer('ring', next - at, { type: 'queue.ring_checked' });
    else if (ringTimerAt !== undefined) fx.cancel('ring');
    ringTimerAt = next;
  } else {
    const next = earliestRingChange(touched, q.rings, at);
    if (next !== undefined && (ringTimerAt === undefined || next < ringTimerAt)) {
      fx.timer('ring', next - at, { type: 'queue.ring_checked' });
      ringTimerAt = next;
    }
  }
  return { waiting, agents, offerSeq, stats, ringTimerAt };
}
