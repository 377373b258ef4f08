/** The interaction actor's rules as one plain function over its context (see interaction.machine.ts). */
import type { ActorRef } from '../protocol/actor.js';
import { evaluateSchedules, flowFor, matchKeywords } from './flow.js';
import { agentTopic, type Fx } from './routing-fx.js';
import type { QueueConfig, RoutingConfig, RoutingDeps } from './routing-config.js';

export type InteractionStage =
  | 'new'
  | 'direct'
  | 'queued'
  | 'connected'
  | 'wrapup'
  | 'waiting'
  | 'abandoned'
  | 'closed'
  | 'unroutable';

export interface RoutingMessage {
  readonly messageId?: string;
  readonly kind?: string;
  readonly text?: string;
  readonly routing?: { readonly intent?: string; readonly group?: string; readonly locale?: string };
}

export interface InteractionContext {
  readonly interactionId: string;
  readonly stage: InteractionStage;
  readonly conversationKey?: string;
  readonly contactId?: string;
  readonly channel?: string;
  readonly integrationId?: string;
  readonly channelUserId?: string;
  readonly queueId?: string;
  readonly skills: readonly string[];
  readonly priority: number;
  readonly enqueuedAt?: number;
  readonly agentId?: string;
  readonly lastAgentId?: string;
  readonly direct?: {
    readonly offerId: string;
    readonly agentId: string;
    readonly reason: 'affinity' | 'transfer';
    readonly at: number;
  };
  readonly directSeq: number;
  readonly fallback?: { readonly agentId: string; readonly reason: string; readonly at: number };
  readonly connectedAt?: number;
}

type At = { at?: number };
export type InteractionEvent =
  | ({
      type: 'interaction.opened';
      interactionId: string;
      conversationKey: string;
      contactId?: string;
      channel: string;
      integrationId: string;
      channelUserId: string;
      message: RoutingMessage;
    } & At)
  | ({
      type: 'interaction.customer_returned';
      interactionId: string;
      conversationKey?: string;
      message?: RoutingMessage;
      lastAgentId?: string;
    } & At)
  | ({ type: 'interaction.message_received'; interactionId: string; message: RoutingMessage } & At)
  | ({ type: 'interaction.customer_left'; interactionId: string; reason: string } & At)
  | ({ type: 'interaction.expired'; interactionId: string } & At)
  | ({ type: 'interaction.offer_accepted'; offerId: string; agentId: string; queueId: string; direct?: boolean } & At)
  | ({
      type: 'interaction.direct_offer_resolved';
      offerId: string;
      agentId: string;
      outcome: string;
      reason?: string;
    } & At)
  | ({ type: 'interaction.direct_expired'; offerId: string } & At)
  | ({ type: 'interaction.agent_disconnected'; agentId: string; by?: string } & At)
  | ({ type: 'interaction.agent_wrapped_up'; agentId: string; code: string; by?: string } & At)
  | ({ type: 'interaction.transfer_requested'; agentId: string; target: { queueId?: string; agentId?: string } } & At)
  | ({ type: 'interaction.inactivity_expired' } & At);

type Patch = Partial<{ -readonly [K in keyof InteractionContext]: InteractionContext[K] }>;

const agentRef = (key: string): ActorRef => ({ type: 'agent', key });
const queueRef = (key: string): ActorRef => ({ type: 'queue', key });

/** Applies one event; returns the context changes. */
export function interactionStep(
  deps: RoutingDeps,
  ctx: InteractionContext,
  event: InteractionEvent,
  fx: Fx,
): Patch | undefined {
  const at = event.at ?? 0;
  const c = deps.config();
  const conv = (): ActorRef => ({ type: 'conversation', key: ctx.conversationKey ?? '' });
  const stage = (s: InteractionStage | 'wrapped_up' | 'transferred' | 'inactive', data: Record<string, unknown> = {}) =>
    fx.record('interaction.stage', {
      interactionId: ctx.interactionId,
      stage: s,
      queueId: ctx.queueId,
      agentId: ctx.agentId,
      at,
      ...data,
    });
  const info = (cur: InteractionContext, text?: string) => ({
    channel: cur.channel,
    integrationId: cur.integrationId,
    channelUserId: cur.channelUserId,
    contactId: cur.contactId,
    conversationKey: cur.conversationKey,
    preview: text?.slice(0, 200),
  });

  function enqueue(cur: InteractionContext, queueId: string, enqueuedAt: number, text?: string): Patch {
    fx.send(queueRef(queueId), {
      type: 'queue.interaction_enqueued',
      interactionId: cur.interactionId,
      conversationKey: cur.conversationKey,
      priority: cur.priority,
      skills: cur.skills,
      mediaType: c.queues[queueId]?.mediaType ?? 'message',
      enqueuedAt,
      info: info(cur, text),
    });
    return { stage: 'queued', queueId, enqueuedAt, agentId: undefined, direct: undefined };
  }

  function startDirect(
    cur: InteractionContext,
    agentId: string,
    reason: 'affinity' | 'transfer',
    q: QueueConfig,
    text?: string,
  ): Patch {
    const seq = cur.directSeq + 1;
    const offerId = `${cur.interactionId}.d${seq}`;
    // Affinity gives up after its own timeout (no RONA: the agent keeps alerting 1 s longer and
    // is rescinded first); a transfer lets the agent's alerting timeout (RONA) act first.
    const affinityMs = q.affinity.timeoutSeconds * 1_000;
    const alertingMs = reason === 'affinity' ? affinityMs + 1_000 : q.alertingTimeoutSeconds * 1_000;
    fx.send(agentRef(agentId), {
      type: 'agent.offer_requested',
      offerId,
      interactionId: cur.interactionId,
      conversationKey: cur.conversationKey,
      queueId: q.id,
      from: { type: 'interaction', key: cur.interactionId },
      mediaType: q.mediaType,
      direct: true,
      alertingTimeoutMs: alertingMs,
      info: { ...info(cur, text), reason },
    });
    fx.timer('direct', reason === 'affinity' ? affinityMs : alertingMs + 1_000, {
      type: 'interaction.direct_expired',
      offerId,
    });
    fx.record('interaction.stage', {
      interactionId: cur.interactionId,
      stage: reason === 'affinity' ? 'affinity' : 'transfer',
      agentId,
      queueId: q.id,
      offerId,
      at,
    });
    return {
      stage: 'direct',
      directSeq: seq,
      queueId: q.id,
      direct: { offerId, agentId, reason, at },
      agentId: undefined,
    };
  }

  function fallBack(reason: string): Patch {
    const d = ctx.direct!;
    fx.cancel('direct');
    fx.record('routing.affinity_fallback', {
      interactionId: ctx.interactionId,
      agentId: d.agentId,
      queueId: ctx.queueId,
      via: d.reason,
      reason,
      offeredAt: d.at,
      at,
    });
    return { ...enqueue(ctx, ctx.queueId!, at), fallback: { agentId: d.agentId, reason, at } };
  }

  function route(cur: InteractionContext, message: RoutingMessage | undefined, withSchedules: boolean): Patch {
    const flow = flowFor(c, cur.integrationId ?? '');
    if (!flow || !c.queues[flow.defaultQueueId]) {
      fx.record('interaction.stage', {
        interactionId: cur.interactionId,
        stage: 'unroutable',
        reason: 'no_flow',
        integrationId: cur.integrationId,
        at,
      });
      return { stage: 'unroutable' };
    }
    if (withSchedules) {
      const s = evaluateSchedules(flow, at);
      fx.record('interaction.flow', {
        interactionId: cur.interactionId,
        schedule: s.schedule,
        name: s.name,
        action: s.outcome.action,
        at,
      });
      if (s.outcome.autoResponse) {
        fx.send(conv(), {
          type: 'reply.requested',
          requestId: `auto:${cur.interactionId}:${s.schedule}`,
          interactionId: cur.interactionId,
          sender: { kind: 'system', reason: 'auto_response' },
          kind: 'text',
          text: s.outcome.autoResponse,
        });
      }
      if (s.outcome.action === 'end') {
        fx.record('interaction.stage', {
          interactionId: cur.interactionId,
          stage: 'closed',
          reason: `schedule_${s.schedule}`,
          at,
        });
        return { stage: 'closed' };
      }
    }
    const t = matchKeywords(flow, message?.text, message?.routing?.intent);
    const queueId = c.queues[t.queueId] ? t.queueId : flow.defaultQueueId;
    const next = { ...cur, skills: t.skills, priority: t.priority };
    return { skills: t.skills, priority: t.priority, ...enqueue(next, queueId, at, message?.text) };
  }

  function connect(agentId: string): Patch {
    fx.cancel('direct');
    fx.send(conv(), { type: 'interaction.connected', interactionId: ctx.interactionId, agentId, at });
    stage('connected', { agentId, waitedMs: ctx.enqueuedAt !== undefined ? at - ctx.enqueuedAt : undefined });
    const q = c.queues[ctx.queueId ?? ''];
    if (q?.inactivity)
      fx.timer('inactivity', q.inactivity.timeoutSeconds * 1_000, { type: 'interaction.inactivity_expired' });
    return { stage: 'connected', agentId, lastAgentId: agentId, direct: undefined, connectedAt: at };
  }

  switch (event.type) {
    case 'interaction.opened': {
      if (ctx.stage !== 'new') return undefined;
      const cur: InteractionContext = {
        ...ctx,
        conversationKey: event.conversationKey,
        contactId: event.contactId,
        channel: event.channel,
        integrationId: event.integrationId,
        channelUserId: event.channelUserId,
      };
      fx.record('interaction.stage', {
        interactionId: ctx.interactionId,
        stage: 'opened',
        conversationKey: event.conversationKey,
        channel: event.channel,
        at,
      });
      return { ...cur, ...route(cur, event.message, true) };
    }
    case 'interaction.customer_returned': {
      if (ctx.stage === 'connected') return forward(event.message);
      if (!['waiting', 'wrapup', 'unroutable', 'new'].includes(ctx.stage)) return undefined;
      const cur: InteractionContext = { ...ctx, conversationKey: event.conversationKey ?? ctx.conversationKey };
      const lastAgent = event.lastAgentId ?? ctx.lastAgentId;
      const q = c.queues[cur.queueId ?? ''];
      if (!q) return { conversationKey: cur.conversationKey, ...route(cur, event.message, false) };
      const agent = lastAgent ? c.agents[lastAgent] : undefined;
      if (
        lastAgent &&
        agent &&
        q.affinity.mode !== 'disabled' &&
        (q.affinity.mode === 'any_queue' || agent.queues.includes(q.id))
      ) {
        return {
          conversationKey: cur.conversationKey,
          ...startDirect(cur, lastAgent, 'affinity', q, event.message?.text),
        };
      }
      if (lastAgent) {
        const reason = !agent
          ? 'agent_unknown'
          : q.affinity.mode === 'disabled'
            ? 'affinity_disabled'
            : 'agent_not_in_queue';
        fx.record('routing.affinity_fallback', {
          interactionId: ctx.interactionId,
          agentId: lastAgent,
          queueId: q.id,
          reason,
          at,
        });
      }
      return { conversationKey: cur.conversationKey, ...enqueue(cur, q.id, at, event.message?.text) };
    }
    case 'interaction.message_received':
      return ctx.stage === 'connected' ? forward(event.message) : undefined;
    case 'interaction.direct_offer_resolved': {
      if (ctx.stage !== 'direct' || ctx.direct?.offerId !== event.offerId || event.outcome === 'accepted')
        return undefined;
      return fallBack(event.outcome === 'refused' ? (event.reason ?? 'refused') : event.outcome);
    }
    case 'interaction.direct_expired': {
      if (ctx.stage !== 'direct' || ctx.direct?.offerId !== event.offerId) return undefined;
      fx.send(agentRef(ctx.direct.agentId), {
        type: 'agent.offer_rescinded',
        offerId: event.offerId,
        reason: `${ctx.direct.reason}_timeout`,
      });
      return fallBack(`${ctx.direct.reason}_timeout`);
    }
    case 'interaction.offer_accepted': {
      if (ctx.stage === 'connected' && ctx.agentId !== event.agentId) {
        fx.send(agentRef(event.agentId), {
          type: 'agent.interaction_released',
          interactionId: ctx.interactionId,
          reason: 'duplicate',
        });
        return undefined;
      }
      if (ctx.stage === 'direct' || ctx.stage === 'queued') {
        if (ctx.stage === 'queued' && event.direct)
          fx.send(queueRef(ctx.queueId!), {
            type: 'queue.interaction_withdrawn',
            interactionId: ctx.interactionId,
            reason: 'connected_elsewhere',
          });
        if (ctx.stage === 'direct' && !event.direct) return undefined;
        return connect(event.agentId);
      }
      if (ctx.stage !== 'connected')
        fx.send(agentRef(event.agentId), {
          type: 'agent.interaction_released',
          interactionId: ctx.interactionId,
          reason: 'customer_left',
        });
      return undefined;
    }
    case 'interaction.customer_left':
    case 'interaction.expired': {
      const reason = event.type === 'interaction.expired' ? 'expired' : event.reason;
      if (ctx.stage === 'queued')
        fx.send(queueRef(ctx.queueId!), {
          type: 'queue.interaction_withdrawn',
          interactionId: ctx.interactionId,
          reason,
        });
      if (ctx.stage === 'direct')
        fx.send(agentRef(ctx.direct!.agentId), { type: 'agent.offer_rescinded', offerId: ctx.direct!.offerId, reason });
      if (ctx.stage === 'queued' || ctx.stage === 'direct') {
        fx.cancel('direct');
        stage('abandoned', { reason, waitedMs: ctx.enqueuedAt !== undefined ? at - ctx.enqueuedAt : undefined });
        return { stage: event.type === 'interaction.expired' ? 'closed' : 'abandoned', direct: undefined };
      }
      if (ctx.stage === 'connected') {
        fx.notify(agentTopic(ctx.agentId!), { kind: 'customer_left', interactionId: ctx.interactionId, reason });
        if (event.type === 'interaction.expired') {
          fx.send(agentRef(ctx.agentId!), {
            type: 'agent.interaction_released',
            interactionId: ctx.interactionId,
            reason: 'expired',
          });
        }
        return undefined;
      }
      if (event.type === 'interaction.expired' && ctx.stage !== 'closed') {
        stage('closed', { reason });
        return { stage: 'closed' };
      }
      return undefined;
    }
    case 'interaction.agent_disconnected': {
      if (ctx.stage !== 'connected' || ctx.agentId !== event.agentId) return undefined;
      fx.cancel('inactivity');
      fx.send(conv(), {
        type: 'interaction.disconnected',
        interactionId: ctx.interactionId,
        agentId: event.agentId,
        at,
      });
      stage('wrapup', { by: event.by });
      return { stage: 'wrapup' };
    }
    case 'interaction.agent_wrapped_up': {
      if (ctx.lastAgentId !== event.agentId) return undefined;
      // A late code (optional ACW) while the interaction is already routed again is only recorded:
      // the conversation must not think nobody is connected.
      if (ctx.stage === 'wrapup' || ctx.stage === 'waiting') {
        fx.send(conv(), {
          type: 'interaction.wrapped_up',
          interactionId: ctx.interactionId,
          agentId: event.agentId,
          code: event.code,
          at,
        });
      }
      stage('wrapped_up', { agentId: event.agentId, code: event.code, by: event.by });
      return ctx.stage === 'wrapup' ? { stage: 'waiting', agentId: undefined } : undefined;
    }
    case 'interaction.transfer_requested': {
      if (ctx.stage !== 'connected' || ctx.agentId !== event.agentId) return undefined;
      fx.cancel('inactivity');
      fx.send(conv(), {
        type: 'interaction.disconnected',
        interactionId: ctx.interactionId,
        agentId: event.agentId,
        at,
      });
      fx.send(conv(), {
        type: 'interaction.wrapped_up',
        interactionId: ctx.interactionId,
        agentId: event.agentId,
        code: 'Transferred',
        at,
      });
      stage('transferred', { target: event.target });
      if (event.target.queueId && c.queues[event.target.queueId]) return enqueue(ctx, event.target.queueId, at);
      const q = c.queues[ctx.queueId ?? ''];
      if (event.target.agentId && q) return startDirect(ctx, event.target.agentId, 'transfer', q);
      return q ? enqueue(ctx, q.id, at) : { stage: 'unroutable' };
    }
    case 'interaction.inactivity_expired': {
      const q = c.queues[ctx.queueId ?? ''];
      if (ctx.stage !== 'connected' || !q?.inactivity) return undefined;
      stage('inactive', { action: q.inactivity.action });
      if (q.inactivity.action === 'disconnect') {
        fx.send(agentRef(ctx.agentId!), {
          type: 'agent.interaction_released',
          interactionId: ctx.interactionId,
          reason: 'inactivity',
        });
        return undefined;
      }
      fx.send(agentRef(ctx.agentId!), {
        type: 'agent.interaction_released',
        interactionId: ctx.interactionId,
        reason: 'requeued',
      });
      fx.send(conv(), { type: 'interaction.disconnected', interactionId: ctx.interactionId, agentId: ctx.agentId, at });
      return enqueue(ctx, q.id, at);
    }
  }
  return undefined;

  function forward(message: RoutingMessage | undefined): Patch | undefined {
    if (!message || !ctx.agentId) return undefined;
    fx.notify(agentTopic(ctx.agentId), {
      kind: 'message',
      interactionId: ctx.interactionId,
      conversationKey: ctx.conversationKey,
      message,
    });
    const q = c.queues[ctx.queueId ?? ''];
    if (q?.inactivity)
      fx.timer('inactivity', q.inactivity.timeoutSeconds * 1_000, { type: 'interaction.inactivity_expired' });
    return undefined;
  }
}

/** For tests and tools: the config type this logic reads. */
export type { RoutingConfig };
