/**
 * The agent actor's rules as plain functions over its context: grant or refuse offers against
 * capacity with blending, resolve each offer exactly once (accepted, declined, timed out,
 * rescinded, or withdrawn when the agent logs out), after-contact work, transfers, and the
 * announcements that tell member queues the agent's routable capacity.
 */
import type { ActorRef } from '../protocol/actor.js';
import { freeByMedia, freeSlots, type HeldCounts } from './routing.js';
import { agentTopic, refuse, type Fx } from './routing-fx.js';
import { DEFAULT_UTILIZATION, own, type AcwMode, type MediaType, type RoutingDeps } from './routing-config.js';

export type Presence = 'offline' | 'available' | 'not_ready';
export type OfferOutcome = 'accepted' | 'declined' | 'timed_out' | 'rescinded' | 'withdrawn';

export interface AgentOffer {
  readonly offerId: string;
  readonly interactionId: string;
  readonly conversationKey: string;
  readonly queueId: string;
  readonly from: ActorRef;
  readonly mediaType: MediaType;
  readonly direct: boolean;
  readonly at: number;
  readonly expiresAt: number;
  readonly info?: Record<string, unknown>;
}

export interface HeldInteraction {
  readonly interactionId: string;
  readonly conversationKey: string;
  readonly queueId: string;
  readonly mediaType: MediaType;
  readonly stage: 'connected' | 'wrapup';
  readonly since: number;
}

export interface AgentContext {
  readonly agentId: string;
  readonly presence: Presence;
  readonly reason?: string;
  readonly presenceSince: number;
  readonly idleSince: number;
  readonly version: number;
  readonly offers: Readonly<Record<string, AgentOffer>>;
  readonly interactions: Readonly<Record<string, HeldInteraction>>;
  /** Optional after-contact work: capacity is already free, a code may still be given. */
  readonly pendingWrapups: Readonly<Record<string, { readonly queueId: string; readonly since: number }>>;
  readonly announced: readonly string[];
  readonly stats: {
    readonly granted: number;
    readonly refused: number;
    readonly accepted: number;
    readonly declined: number;
    readonly timedOut: number;
    readonly rescinded: number;
    readonly withdrawn: number;
  };
}

type At = { at?: number };
export type AgentEvent =
  | ({ type: 'agent.logged_in' } & At)
  | ({ type: 'agent.logged_out' } & At)
  | ({ type: 'agent.presence_changed'; presence: Presence; reason?: string } & At)
  | ({
      type: 'agent.offer_requested';
      offerId: string;
      interactionId: string;
      conversationKey: string;
      queueId: string;
      from: ActorRef;
      mediaType?: MediaType;
      direct?: boolean;
      alertingTimeoutMs: number;
      info?: Record<string, unknown>;
    } & At)
  | ({ type: 'agent.offer_accepted'; offerId: string } & At)
  | ({ type: 'agent.offer_declined'; offerId: string } & At)
  | ({ type: 'agent.offer_expired'; offerId: string } & At)
  | ({ type: 'agent.offer_rescinded'; offerId: string; reason?: string } & At)
  | ({ type: 'agent.interaction_ended'; interactionId: string } & At)
  | ({ type: 'agent.interaction_released'; interactionId: string; reason: string } & At)
  | ({ type: 'agent.wrapup_submitted'; interactionId: string; code: string } & At)
  | ({ type: 'agent.wrapup_expired'; interactionId: string } & At)
  | ({ type: 'agent.transfer_requested'; interactionId: string; target: { queueId?: string; agentId?: string } } & At)
  | ({ type: 'agent.config_changed' } & At);

type Patch = Partial<{ -readonly [K in keyof AgentContext]: AgentContext[K] }>;

const interactionRef = (key: string): ActorRef => ({ type: 'interaction', key });

/** Interactions holding capacity (active, mandatory wrap-up, reservations), optionally leaving out one queue's reservations. */
export function heldCounts(ctx: AgentContext, excludeQueue?: string): HeldCounts {
  const held: HeldCounts = {};
  for (const it of Object.values(ctx.interactions)) held[it.mediaType] = (held[it.mediaType] ?? 0) + 1;
  for (const o of Object.values(ctx.offers)) {
    if (excludeQueue !== undefined && o.from.type === 'queue' && o.from.key === excludeQueue) continue;
    held[o.mediaType] = (held[o.mediaType] ?? 0) + 1;
  }
  return held;
}

/** The agent rules bound to the configuration. */
export function agentLogic(deps: RoutingDeps) {
  const cfg = () => deps.config();
  const utilOf = (agentId: string) => cfg().agents[agentId]?.utilization ?? DEFAULT_UTILIZATION;
  const acwOf = (queueId: string): { mode: AcwMode; timeoutSeconds: number; defaultCode: string } =>
    cfg().queues[queueId]?.acw ?? { mode: 'optional', timeoutSeconds: 0, defaultCode: 'Processed' };

  /** Tells every member queue (and queues it left) the agent's routable capacity. */
  function announce(ctx: AgentContext, patch: Patch, fx: Fx): Patch {
    const next = { ...ctx, ...patch } as AgentContext;
    const agent = cfg().agents[next.agentId];
    const queues = agent?.queues ?? [];
    const version = next.version + 1;
    const util = utilOf(next.agentId);
    for (const q of queues) {
      fx.send(
        { type: 'queue', key: q },
        {
          type: 'queue.agent_updated',
          agentId: next.agentId,
          routable: next.presence === 'available' && !!agent,
          free: freeByMedia(util, heldCounts(next, q)),
          idleSince: next.idleSince,
          skills: agent?.skills ?? {},
          version,
        },
      );
    }
    for (const q of next.announced) {
      if (!queues.includes(q))
        fx.send(
          { type: 'queue', key: q },
          {
            type: 'queue.agent_updated',
            agentId: next.agentId,
            routable: false,
            free: {},
            idleSince: next.idleSince,
            skills: {},
            version,
          },
        );
    }
    return { ...patch, version, announced: [...queues] };
  }

  function resolveToSource(
    ctx: AgentContext,
    o: AgentOffer | { offerId: string; interactionId: string; from: ActorRef },
    outcome: OfferOutcome | 'refused',
    reason: string | undefined,
    fx: Fx,
  ): void {
    const base = { offerId: o.offerId, interactionId: o.interactionId, agentId: ctx.agentId, outcome, reason };
    if (o.from.type === 'queue') fx.send(o.from, { type: 'queue.offer_resolved', ...base });
    else fx.send(o.from, { type: 'interaction.direct_offer_resolved', ...base });
  }

  function without<T>(rec: Readonly<Record<string, T>>, key: string): Record<string, T> {
    const out = { ...rec };
    delete out[key];
    return out;
  }

  /** Closes an offer (not accepted) and reports it. */
  function closeOffer(
    ctx: AgentContext,
    o: AgentOffer,
    outcome: Exclude<OfferOutcome, 'accepted'>,
    reason: string | undefined,
    at: number,
    fx: Fx,
  ): Patch {
    fx.cancel(`alert:${o.offerId}`);
    if (outcome !== 'rescinded') resolveToSource(ctx, o, outcome, reason, fx);
    fx.notify(agentTopic(ctx.agentId), {
      kind: 'offer_closed',
      offerId: o.offerId,
      interactionId: o.interactionId,
      outcome,
      reason,
    });
    fx.record('routing.offer', {
      offerId: o.offerId,
      interactionId: o.interactionId,
      agentId: ctx.agentId,
      queueId: o.queueId,
      conversationKey: o.conversationKey,
      mediaType: o.mediaType,
      outcome,
      reason,
      offeredAt: o.at,
      at,
    });
    const key = outcome === 'timed_out' ? 'timedOut' : outcome;
    return { offers: without(ctx.offers, o.offerId), stats: { ...ctx.stats, [key]: ctx.stats[key] + 1 } };
  }

  /** The agent ends its part: report the disconnect, then wrap-up per the queue's mode. */
  function endPart(ctx: AgentContext, it: HeldInteraction, by: string, at: number, fx: Fx): Patch {
    fx.send(interactionRef(it.interactionId), { type: 'interaction.agent_disconnected', agentId: ctx.agentId, by, at });
    const acw = acwOf(it.queueId);
    fx.notify(agentTopic(ctx.agentId), {
      kind: 'wrapup_required',
      interactionId: it.interactionId,
      mode: acw.mode,
      by,
      ...(acw.mode === 'timeboxed'
        ? { deadlineAt: at + acw.timeoutSeconds * 1_000, defaultCode: acw.defaultCode }
        : {}),
    });
    if (acw.mode === 'optional') {
      return {
        interactions: without(ctx.interactions, it.interactionId),
        pendingWrapups: { ...ctx.pendingWrapups, [it.interactionId]: { queueId: it.queueId, since: at } },
      };
    }
    if (acw.mode === 'timeboxed')
      fx.timer(`acw:${it.interactionId}`, acw.timeoutSeconds * 1_000, {
        type: 'agent.wrapup_expired',
        interactionId: it.interactionId,
      });
    return { interactions: { ...ctx.interactions, [it.interactionId]: { ...it, stage: 'wrapup', since: at } } };
  }

  function finishWrapup(ctx: AgentContext, interactionId: string, code: string, by: string, at: number, fx: Fx): Patch {
    fx.cancel(`acw:${interactionId}`);
    fx.send(interactionRef(interactionId), {
      type: 'interaction.agent_wrapped_up',
      agentId: ctx.agentId,
      code,
      by,
      at,
    });
    fx.notify(agentTopic(ctx.agentId), { kind: 'wrapped_up', interactionId, code, by });
    return {
      interactions: without(ctx.interactions, interactionId),
      pendingWrapups: without(ctx.pendingWrapups, interactionId),
      idleSince: at,
    };
  }

  /** Why the agent cannot take an offer now (unknown, not available, already holding it, at capacity), or undefined. */
  function offerRefusal(ctx: AgentContext, event: Extract<AgentEvent, { type: 'agent.offer_requested' }>) {
    if (!cfg().agents[ctx.agentId]) return 'unknown_agent';
    if (ctx.presence !== 'available') return `agent_${ctx.presence}`;
    if (
      own(ctx.offers, event.offerId) ||
      own(ctx.interactions, event.interactionId) ||
      Object.values(ctx.offers).some((o) => o.interactionId === event.interactionId)
    )
      return 'already_holding';
    if (freeSlots(utilOf(ctx.agentId), heldCounts(ctx), event.mediaType ?? 'message') <= 0) return 'agent_at_capacity';
    return undefined;
  }

  function handle(ctx: AgentContext, event: AgentEvent, fx: Fx): Patch | undefined {
    const at = event.at ?? 0;
    const c = cfg();
    switch (event.type) {
      case 'agent.offer_requested': {
        const media = event.mediaType ?? 'message';
        const reason = offerRefusal(ctx, event);
        if (reason) {
          resolveToSource(ctx, event, 'refused', reason, fx);
          return { stats: { ...ctx.stats, refused: ctx.stats.refused + 1 } };
        }
        const offer: AgentOffer = {
          offerId: event.offerId,
          interactionId: event.interactionId,
          conversationKey: event.conversationKey,
          queueId: event.queueId,
          from: event.from,
          mediaType: media,
          direct: !!event.direct,
          at,
          expiresAt: at + event.alertingTimeoutMs,
          info: event.info,
        };
        fx.timer(`alert:${offer.offerId}`, event.alertingTimeoutMs, {
          type: 'agent.offer_expired',
          offerId: offer.offerId,
        });
        const after = { ...ctx, offers: { ...ctx.offers, [offer.offerId]: offer } };
        // `held` lets reporting (and tests) check capacity at every grant, the only step that adds load.
        fx.record('interaction.stage', {
          interactionId: offer.interactionId,
          stage: 'alerting',
          agentId: ctx.agentId,
          queueId: offer.queueId,
          offerId: offer.offerId,
          direct: offer.direct,
          held: heldCounts(after),
          at,
        });
        fx.notify(agentTopic(ctx.agentId), { kind: 'offer', ...offer });
        return announce(
          ctx,
          {
            offers: { ...ctx.offers, [offer.offerId]: offer },
            stats: { ...ctx.stats, granted: ctx.stats.granted + 1 },
          },
          fx,
        );
      }
      case 'agent.offer_accepted': {
        const o = own(ctx.offers, event.offerId);
        if (!o)
          return refuse(
            fx,
            'offer_not_found',
            `offer ${event.offerId} is not alerting for agent ${ctx.agentId} (it was already answered, timed out or withdrawn)`,
          );
        fx.cancel(`alert:${o.offerId}`);
        if (o.from.type === 'queue') resolveToSource(ctx, o, 'accepted', undefined, fx);
        fx.send(interactionRef(o.interactionId), {
          type: 'interaction.offer_accepted',
          offerId: o.offerId,
          agentId: ctx.agentId,
          queueId: o.queueId,
          direct: o.direct,
          at,
        });
        fx.notify(agentTopic(ctx.agentId), {
          kind: 'offer_closed',
          offerId: o.offerId,
          interactionId: o.interactionId,
          outcome: 'accepted',
        });
        fx.record('routing.offer', {
          offerId: o.offerId,
          interactionId: o.interactionId,
          agentId: ctx.agentId,
          queueId: o.queueId,
          conversationKey: o.conversationKey,
          mediaType: o.mediaType,
          outcome: 'accepted',
          offeredAt: o.at,
          at,
        });
        fx.respond({
          ok: true,
          data: { interactionId: o.interactionId, conversationKey: o.conversationKey, queueId: o.queueId },
        });
        const it: HeldInteraction = {
          interactionId: o.interactionId,
          conversationKey: o.conversationKey,
          queueId: o.queueId,
          mediaType: o.mediaType,
          stage: 'connected',
          since: at,
        };
        return announce(
          ctx,
          {
            offers: without(ctx.offers, o.offerId),
            interactions: { ...ctx.interactions, [it.interactionId]: it },
            idleSince: at,
            stats: { ...ctx.stats, accepted: ctx.stats.accepted + 1 },
          },
          fx,
        );
      }
      case 'agent.offer_declined': {
        const o = own(ctx.offers, event.offerId);
        if (!o) return refuse(fx, 'offer_not_found', `offer ${event.offerId} is not alerting for agent ${ctx.agentId}`);
        fx.respond({ ok: true, data: { interactionId: o.interactionId } });
        return announce(ctx, closeOffer(ctx, o, 'declined', undefined, at, fx), fx);
      }
      case 'agent.offer_expired': {
        const o = own(ctx.offers, event.offerId);
        if (!o) return undefined;
        fx.record('agent.rona', { agentId: ctx.agentId, offerId: o.offerId, interactionId: o.interactionId, at });
        return announce(ctx, closeOffer(ctx, o, 'timed_out', 'alerting_timeout', at, fx), fx);
      }
      case 'agent.offer_rescinded': {
        const o = own(ctx.offers, event.offerId);
        if (!o) return undefined;
        return announce(ctx, closeOffer(ctx, o, 'rescinded', event.reason, at, fx), fx);
      }
      case 'agent.interaction_ended': {
        const it = own(ctx.interactions, event.interactionId);
        if (it?.stage !== 'connected')
          return refuse(
            fx,
            'not_connected',
            `agent ${ctx.agentId} is not connected to interaction ${event.interactionId}`,
          );
        fx.respond({ ok: true, data: { mode: acwOf(it.queueId).mode } });
        return announce(ctx, endPart(ctx, it, 'agent', at, fx), fx);
      }
      case 'agent.interaction_released': {
        const it = own(ctx.interactions, event.interactionId);
        if (!it) return undefined;
        if (event.reason === 'duplicate' || event.reason === 'requeued') {
          fx.notify(agentTopic(ctx.agentId), {
            kind: 'interaction_removed',
            interactionId: it.interactionId,
            reason: event.reason,
          });
          return announce(ctx, { interactions: without(ctx.interactions, it.interactionId) }, fx);
        }
        if (it.stage !== 'connected') return undefined;
        return announce(ctx, endPart(ctx, it, event.reason, at, fx), fx);
      }
      case 'agent.wrapup_submitted': {
        if (!c.wrapupCodes.includes(event.code))
          return refuse(
            fx,
            'wrapup_code_invalid',
            `"${event.code}" is not a configured wrap-up code (${c.wrapupCodes.join(', ')})`,
          );
        const it = own(ctx.interactions, event.interactionId);
        let patch: Patch = {};
        if (it?.stage === 'connected') patch = endPart(ctx, it, 'agent', at, fx);
        else if (!(it?.stage === 'wrapup' || own(ctx.pendingWrapups, event.interactionId))) {
          return refuse(
            fx,
            'not_in_wrapup',
            `interaction ${event.interactionId} is not waiting for a wrap-up code from agent ${ctx.agentId}`,
          );
        }
        const mid = { ...ctx, ...patch } as AgentContext;
        fx.respond({ ok: true, data: { code: event.code } });
        return announce(ctx, { ...patch, ...finishWrapup(mid, event.interactionId, event.code, 'agent', at, fx) }, fx);
      }
      case 'agent.wrapup_expired': {
        const it = own(ctx.interactions, event.interactionId);
        if (it?.stage !== 'wrapup') return undefined;
        return announce(ctx, finishWrapup(ctx, it.interactionId, acwOf(it.queueId).defaultCode, 'timeout', at, fx), fx);
      }
      case 'agent.transfer_requested': {
        const it = own(ctx.interactions, event.interactionId);
        if (it?.stage !== 'connected')
          return refuse(
            fx,
            'not_connected',
            `agent ${ctx.agentId} is not connected to interaction ${event.interactionId}`,
          );
        const { queueId, agentId } = event.target ?? {};
        if ((queueId === undefined) === (agentId === undefined))
          return refuse(fx, 'transfer_target_invalid', 'name exactly one of target.queueId or target.agentId');
        if (queueId !== undefined && !c.queues[queueId])
          return refuse(fx, 'unknown_queue', `no queue "${queueId}" is configured`);
        if (agentId !== undefined && (!c.agents[agentId] || agentId === ctx.agentId))
          return refuse(fx, 'unknown_agent', `cannot transfer to agent "${agentId}"`);
        fx.send(interactionRef(it.interactionId), {
          type: 'interaction.transfer_requested',
          agentId: ctx.agentId,
          target: event.target,
          at,
        });
        fx.notify(agentTopic(ctx.agentId), {
          kind: 'interaction_removed',
          interactionId: it.interactionId,
          reason: 'transferred',
        });
        fx.respond({ ok: true, data: { interactionId: it.interactionId } });
        return announce(ctx, { interactions: without(ctx.interactions, it.interactionId), idleSince: at }, fx);
      }
      case 'agent.config_changed':
        return announce(ctx, {}, fx);
      case 'agent.logged_in':
      case 'agent.presence_changed': {
        if (!c.agents[ctx.agentId])
          return refuse(fx, 'unknown_agent', `agent "${ctx.agentId}" is not in the routing configuration`);
        if (
          event.type === 'agent.presence_changed' &&
          !['available', 'not_ready', 'offline'].includes(event.presence)
        ) {
          return refuse(fx, 'presence_invalid', 'presence is one of available, not_ready, offline');
        }
        const reason = (event as { reason?: string }).reason;
        return refuse(
          fx,
          'reason_invalid',
          `"${reason}" is not a configured not-ready reason (${c.notReadyReasons.join(', ')})`,
        );
      }
      case 'agent.logged_out':
        fx.respond({ ok: true, data: { presence: ctx.presence } });
        return undefined;
    }
  }

  /** Entering a presence: record it, withdraw alerting offers when going offline, announce. */
  function enter(ctx: AgentContext, event: AgentEvent, presence: Presence, fx: Fx): Patch {
    const at = event.at ?? 0;
    const reason =
      presence !== 'not_ready'
        ? undefined
        : event.type === 'agent.offer_expired'
          ? 'RONA'
          : ((event as { reason?: string }).reason ?? 'Pause');
    // The presence left and since when: reporting counts time in each presence from these spans.
    fx.record('agent.presence', {
      agentId: ctx.agentId,
      presence,
      reason,
      at,
      previous: ctx.presence,
      previousReason: ctx.reason,
      previousSince: ctx.presenceSince,
    });
    fx.notify(agentTopic(ctx.agentId), { kind: 'presence', presence, reason });
    let cur = { ...ctx, presence, reason, presenceSince: at, idleSince: ctx.idleSince || at } as AgentContext;
    if (presence === 'offline') {
      for (const o of Object.values(cur.offers))
        cur = { ...cur, ...closeOffer(cur, o, 'withdrawn', 'agent_offline', at, fx) } as AgentContext;
    }
    const patch: Patch = {
      presence,
      reason,
      presenceSince: at,
      idleSince: cur.idleSince,
      offers: cur.offers,
      stats: cur.stats,
    };
    return announce(ctx, patch, fx);
  }

  /** A new agent's context. */
  function initial(agentId: string): AgentContext {
    return {
      agentId,
      presence: 'offline',
      presenceSince: 0,
      idleSince: 0,
      version: 0,
      offers: {},
      interactions: {},
      pendingWrapups: {},
      announced: [],
      stats: { granted: 0, refused: 0, accepted: 0, declined: 0, timedOut: 0, rescinded: 0, withdrawn: 0 },
    };
  }

  return { handle, enter, initial, announce, offerRefusal };
}
