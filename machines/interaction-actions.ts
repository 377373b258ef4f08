/**
 * The interaction machine's named actions: each emits effects (messages to the queue, the agent
 * and the conversation; records; live notifications) and context changes from the current
 * context and event. The chart (interaction.machine.ts) says when each runs.
 */
import { cancel, enqueueActions } from 'xstate';
import type { ActorRef } from '../protocol/actor.js';
import { effectActions } from './effects.js';
import { evaluateSchedules } from './flow.js';
import {
  affinityFor,
  directAlertingMs,
  fallbackReason,
  keywordTarget,
  queueOf,
  routableFlow,
  type DirectVia,
  type RoutingMessage,
} from './interaction-rules.js';
import type { InteractionContext, InteractionEvent } from './interaction.machine.js';
import { agentTopic, fxOf, type Enqueue, type Fx } from './routing-fx.js';
import type { RoutingConfig, RoutingDeps } from './routing-config.js';

/** Timer ids of snapshots stored before the stages were states; cancelled on leaving the state they bounded. */
const LEGACY_TIMERS = { direct: 'direct', inactivity: 'inactivity' } as const;

type Patch = Partial<{ -readonly [K in keyof InteractionContext]: InteractionContext[K] }>;
type Ev<T extends InteractionEvent['type']> = Extract<InteractionEvent, { type: T }>;
interface Args {
  readonly context: InteractionContext;
  readonly event: InteractionEvent;
  readonly config: RoutingConfig;
  readonly fx: Fx;
  readonly at: number;
  readonly set: (patch: Patch) => void;
}

const agentRef = (key: string): ActorRef => ({ type: 'agent', key });
const queueRef = (key: string): ActorRef => ({ type: 'queue', key });
const convRef = (ctx: InteractionContext): ActorRef => ({ type: 'conversation', key: ctx.conversationKey ?? '' });
/** A field of the event, whichever event it is. */
export const field = <T>(event: InteractionEvent, name: string): T | undefined =>
  (event as unknown as Record<string, T | undefined>)[name];

/** The interaction machine's actions over the routing configuration. */
export function interactionActions(deps: RoutingDeps) {
  /** A named action that emits effects and context changes from the current context and event. */
  const act = <P = undefined>(run: (a: Args, params: P) => void) =>
    enqueueActions(({ context, event, enqueue }, params: P) => {
      const e = enqueue as unknown as Enqueue & { assign: (p: Patch) => void };
      const ev = event as InteractionEvent;
      const ctx = context as InteractionContext;
      run(
        { context: ctx, event: ev, config: deps.config(), fx: fxOf(e), at: ev.at ?? 0, set: (p) => e.assign(p) },
        params,
      );
    }) as never;

  const recordStage = (a: Args, stage: string, data: Record<string, unknown> = {}) =>
    a.fx.record('interaction.stage', {
      interactionId: a.context.interactionId,
      stage,
      queueId: a.context.queueId,
      agentId: a.context.agentId,
      // Reporting counts by channel: every stage record names it.
      channel: a.context.channel,
      at: a.at,
      ...data,
    });
  const info = (ctx: InteractionContext, text?: string) => ({
    channel: ctx.channel,
    integrationId: ctx.integrationId,
    channelUserId: ctx.channelUserId,
    contactId: ctx.contactId,
    conversationKey: ctx.conversationKey,
    preview: text?.slice(0, 200),
  });
  const messageOf = (event: InteractionEvent) => field<RoutingMessage>(event, 'message');

  return {
    ...effectActions,
    cancelLegacyDirectTimer: cancel(LEGACY_TIMERS.direct) as never,
    cancelLegacyInactivityTimer: cancel(LEGACY_TIMERS.inactivity) as never,
    rememberAddress: act(({ event, set }) => {
      const e = event as Ev<'interaction.opened'>;
      set({
        conversationKey: e.conversationKey,
        contactId: e.contactId,
        channel: e.channel,
        integrationId: e.integrationId,
        channelUserId: e.channelUserId,
      });
    }),
    rememberReturn: act(({ context, event, set }) =>
      set({ conversationKey: field<string>(event, 'conversationKey') ?? context.conversationKey }),
    ),
    recordOpened: act(({ context, event, fx, at }) => {
      const e = event as Ev<'interaction.opened'>;
      fx.record('interaction.stage', {
        interactionId: context.interactionId,
        stage: 'opened',
        conversationKey: e.conversationKey,
        channel: e.channel,
        at,
      });
    }),
    recordUnroutable: act(({ context, fx, at }) =>
      fx.record('interaction.stage', {
        interactionId: context.interactionId,
        stage: 'unroutable',
        reason: 'no_flow',
        integrationId: context.integrationId,
        at,
      }),
    ),
    applySchedule: act(({ context, config, fx, at }) => {
      const s = evaluateSchedules(routableFlow(config, context.integrationId)!, at);
      fx.record('interaction.flow', {
        interactionId: context.interactionId,
        schedule: s.schedule,
        name: s.name,
        action: s.outcome.action,
        at,
      });
      if (s.outcome.autoResponse)
        fx.send(convRef(context), {
          type: 'reply.requested',
          requestId: `auto:${context.interactionId}:${s.schedule}`,
          interactionId: context.interactionId,
          sender: { kind: 'system', reason: 'auto_response' },
          kind: 'text',
          text: s.outcome.autoResponse,
        });
      if (s.outcome.action === 'end')
        fx.record('interaction.stage', {
          interactionId: context.interactionId,
          stage: 'closed',
          reason: `schedule_${s.schedule}`,
          at,
        });
    }),
    applyKeywords: act(({ context, event, config, set }) => {
      const t = keywordTarget(config, routableFlow(config, context.integrationId)!, messageOf(event));
      set({ skills: t.skills, priority: t.priority, queueId: t.queueId });
    }),
    joinQueue: act(({ context, event, config, fx, at, set }) => {
      const queueId = context.queueId!;
      fx.send(queueRef(queueId), {
        type: 'queue.interaction_enqueued',
        interactionId: context.interactionId,
        conversationKey: context.conversationKey,
        priority: context.priority,
        skills: context.skills,
        mediaType: queueOf(config, queueId)?.mediaType ?? 'message',
        enqueuedAt: at,
        ...(context.avoidAgentId !== undefined ? { avoidAgentId: context.avoidAgentId } : {}),
        info: info(context, messageOf(event)?.text),
      });
      set({ enqueuedAt: at, agentId: undefined, direct: undefined, avoidAgentId: undefined });
    }),
    recordAffinitySkipped: act(({ context, event, config, fx, at }) => {
      const lastAgent = field<string>(event, 'lastAgentId') ?? context.lastAgentId;
      const queue = queueOf(config, context.queueId)!;
      const why = affinityFor(config, queue, lastAgent);
      if (why !== 'none' && why !== 'offer')
        fx.record('routing.affinity_fallback', {
          interactionId: context.interactionId,
          agentId: lastAgent,
          queueId: queue.id,
          reason: why,
          at,
        });
    }),
    chooseDirectAgent: act(({ context, event, at, set }, params: { via: DirectVia }) => {
      const agentId =
        params.via === 'affinity'
          ? (field<string>(event, 'lastAgentId') ?? context.lastAgentId)!
          : (event as Ev<'interaction.transfer_requested'>).target.agentId!;
      const seq = context.directSeq + 1;
      set({
        directSeq: seq,
        direct: { offerId: `${context.interactionId}.d${seq}`, agentId, at },
        agentId: undefined,
      });
    }),
    offerDirect: act(({ context, event, config, fx, at }, params: { via: DirectVia }) => {
      const d = context.direct!;
      const q = queueOf(config, context.queueId)!;
      fx.send(agentRef(d.agentId), {
        type: 'agent.offer_requested',
        offerId: d.offerId,
        interactionId: context.interactionId,
        conversationKey: context.conversationKey,
        queueId: q.id,
        from: { type: 'interaction', key: context.interactionId },
        mediaType: q.mediaType,
        direct: true,
        alertingTimeoutMs: directAlertingMs(q, params.via),
        info: { ...info(context, messageOf(event)?.text), reason: params.via },
      });
      fx.record('interaction.stage', {
        interactionId: context.interactionId,
        stage: params.via,
        agentId: d.agentId,
        queueId: q.id,
        offerId: d.offerId,
        at,
      });
    }),
    rescindDirect: act(({ context, event, fx }, params: { reason?: string } | undefined) =>
      fx.send(agentRef(context.direct!.agentId), {
        type: 'agent.offer_rescinded',
        offerId: context.direct!.offerId,
        reason: params?.reason ?? field<string>(event, 'reason') ?? 'expired',
      }),
    ),
    fallBack: act(({ context, event, fx, at, set }, params: { via: DirectVia }) => {
      const d = context.direct!;
      const reason =
        event.type === 'interaction.direct_offer_resolved'
          ? fallbackReason(event.outcome, event.reason)
          : `${params.via}_timeout`;
      fx.record('routing.affinity_fallback', {
        interactionId: context.interactionId,
        agentId: d.agentId,
        queueId: context.queueId,
        via: params.via,
        reason,
        offeredAt: d.at,
        at,
      });
      set({ fallback: { agentId: d.agentId, reason, at }, avoidAgentId: d.agentId });
    }),
    withdrawFromQueue: act(({ context, event, fx }, params: { reason?: string } | undefined) =>
      fx.send(queueRef(context.queueId!), {
        type: 'queue.interaction_withdrawn',
        interactionId: context.interactionId,
        reason: params?.reason ?? field<string>(event, 'reason') ?? 'expired',
      }),
    ),
    recordAbandoned: act((a) => {
      const { context, event, at } = a;
      const reason = event.type === 'interaction.expired' ? 'expired' : field<string>(event, 'reason');
      recordStage(a, 'abandoned', {
        reason,
        waitedMs: context.enqueuedAt !== undefined ? at - context.enqueuedAt : undefined,
      });
      a.set({ direct: undefined });
    }),
    connect: act((a) => {
      const { context, event, fx, at, set } = a;
      const agentId = (event as Ev<'interaction.offer_accepted'>).agentId;
      fx.send(convRef(context), { type: 'interaction.connected', interactionId: context.interactionId, agentId, at });
      recordStage(a, 'connected', {
        agentId,
        waitedMs: context.enqueuedAt !== undefined ? at - context.enqueuedAt : undefined,
      });
      set({ agentId, lastAgentId: agentId, direct: undefined, connectedAt: at });
    }),
    forwardToAgent: act(({ context, event, fx }) =>
      fx.notify(agentTopic(context.agentId!), {
        kind: 'message',
        interactionId: context.interactionId,
        conversationKey: context.conversationKey,
        message: messageOf(event),
      }),
    ),
    releaseAccepter: act(({ context, event, fx }, params: { reason: string }) =>
      fx.send(agentRef((event as Ev<'interaction.offer_accepted'>).agentId), {
        type: 'agent.interaction_released',
        interactionId: context.interactionId,
        reason: params.reason,
      }),
    ),
    releaseAgent: act(({ context, fx }, params: { reason: string }) =>
      fx.send(agentRef(context.agentId!), {
        type: 'agent.interaction_released',
        interactionId: context.interactionId,
        reason: params.reason,
      }),
    ),
    notifyCustomerLeft: act(({ context, event, fx }) =>
      fx.notify(agentTopic(context.agentId!), {
        kind: 'customer_left',
        interactionId: context.interactionId,
        reason: event.type === 'interaction.expired' ? 'expired' : field<string>(event, 'reason'),
      }),
    ),
    tellDisconnected: act(({ context, fx, at }) =>
      fx.send(convRef(context), {
        type: 'interaction.disconnected',
        interactionId: context.interactionId,
        agentId: context.agentId,
        at,
      }),
    ),
    tellWrappedUp: act(({ context, event, fx, at }, params: { code?: string } | undefined) =>
      fx.send(convRef(context), {
        type: 'interaction.wrapped_up',
        interactionId: context.interactionId,
        agentId: field<string>(event, 'agentId'),
        code: params?.code ?? field<string>(event, 'code'),
        at,
      }),
    ),
    recordWrapup: act((a) => {
      // Talk time ends here (the handle time's first part); wrap-up time counts from here.
      recordStage(a, 'wrapup', { by: field<string>(a.event, 'by'), connectedAt: a.context.connectedAt });
      a.set({ wrapupAt: a.at });
    }),
    recordWrappedUp: act((a) => {
      const e = a.event as Ev<'interaction.agent_wrapped_up'>;
      recordStage(a, 'wrapped_up', { agentId: e.agentId, code: e.code, by: e.by, wrapupAt: a.context.wrapupAt });
    }),
    leaveLastAgent: act(({ set }) => set({ agentId: undefined })),
    recordTransferred: act((a) =>
      recordStage(a, 'transferred', { target: (a.event as Ev<'interaction.transfer_requested'>).target }),
    ),
    retargetQueue: act(({ event, set }) =>
      set({ queueId: (event as Ev<'interaction.transfer_requested'>).target.queueId }),
    ),
    recordInactive: act((a) =>
      recordStage(a, 'inactive', { action: queueOf(a.config, a.context.queueId)?.inactivity?.action }),
    ),
    recordClosed: act((a) => recordStage(a, 'closed', { reason: 'expired' })),
  };
}
