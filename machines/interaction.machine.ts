/**
 * The routing side of one interaction (key = interactionId), as a statechart:
 *
 *   new ─opened→ flow.schedules ─→ flow.keywords ─→ queued ─accepted→ connected ─disconnected→ wrapup
 *   wrapup ─wrapped up→ waiting ─customer returned→ affinity (last agent; after affinity timeout) ─→ queued
 *   connected ─transfer→ queued | transferring (named agent; after transfer timeout → queued)
 *   queued | affinity | transferring ─customer left→ abandoned; ─expired→ closed
 *
 * Schedules (emergency → special day → closed → open, each with its auto-response) and keyword
 * rules are evaluated by eventless transitions of `flow`; a decision is a named guard over a
 * small pure rule (interaction-rules.ts). `connected` watches the per-queue inactivity timer;
 * `wrapup` shows the queue's after-contact-work mode (the agent actor owns its time box, since it
 * owns the capacity). The machine tells the conversation when an agent connects, disconnects and
 * wraps up, and records every stage with its time.
 */
import { setup } from 'xstate';
import type { ActorRef } from '../protocol/actor.js';
import { field, interactionActions } from './interaction-actions.js';
import {
  acwModeOf,
  affinityFor,
  affinityTimeoutMs,
  queueOf,
  routableFlow,
  scheduleEnds,
  transferTimeoutMs,
  type DirectVia,
  type RoutingMessage,
} from './interaction-rules.js';
import type { RoutingDeps } from './routing-config.js';

export type { RoutingMessage } from './interaction-rules.js';
export { interactionStage, upgradeInteractionSnapshot, type InteractionStage } from './interaction-snapshot.js';

/** What an interaction knows (what it is doing is its state). */
export interface InteractionContext {
  readonly interactionId: string;
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
  /** The direct offer in flight (whether affinity or transfer is the state). */
  readonly direct?: { readonly offerId: string; readonly agentId: string; readonly at: number };
  readonly directSeq: number;
  readonly fallback?: { readonly agentId: string; readonly reason: string; readonly at: number };
  /** Skipped by the queue's next dispatch when another agent qualifies: whose direct offer just fell back. */
  readonly avoidAgentId?: string;
  readonly connectedAt?: number;
  /** When the connected agent disconnected (wrap-up began), for reporting's wrap-up time. */
  readonly wrapupAt?: number;
}

type At = { at?: number };
/** Everything an interaction receives. */
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
  | ({ type: 'interaction.agent_disconnected'; agentId: string; by?: string } & At)
  | ({ type: 'interaction.agent_wrapped_up'; agentId: string; code: string; by?: string } & At)
  | ({ type: 'interaction.transfer_requested'; agentId: string; target: { queueId?: string; agentId?: string } } & At)
  // Timer events of snapshots stored before the stages were states (see interaction-snapshot.ts).
  | ({ type: 'interaction.direct_expired'; offerId: string } & At)
  | ({ type: 'interaction.inactivity_expired' } & At);

/** Delayed events of the interaction machine, by the name people know them by. */
export const INTERACTION_TIMERS = {
  affinityTimeout: 'xstate.after.affinityTimeout.interaction.affinity',
  transferTimeout: 'xstate.after.transferTimeout.interaction.transferring',
  inactivityTimeout: 'xstate.after.inactivityTimeout.interaction.connected.watched',
} as const;

/** Builds the interaction machine over the routing configuration. */
export function createInteractionMachine(deps: RoutingDeps) {
  const cfg = () => deps.config();
  const transfer = (event: InteractionEvent) =>
    (event as Extract<InteractionEvent, { type: 'interaction.transfer_requested' }>).target;

  return setup({
    types: {} as { context: InteractionContext; events: InteractionEvent; input: { interactionId: string } },
    delays: {
      affinityTimeout: ({ context }) => affinityTimeoutMs(queueOf(cfg(), context.queueId)),
      transferTimeout: ({ context }) => transferTimeoutMs(queueOf(cfg(), context.queueId)),
      inactivityTimeout: ({ context }) => (queueOf(cfg(), context.queueId)?.inactivity?.timeoutSeconds ?? 0) * 1_000,
    },
    guards: {
      noFlow: ({ context }) => !routableFlow(cfg(), context.integrationId),
      scheduleEnds: ({ context, event }) => scheduleEnds(routableFlow(cfg(), context.integrationId)!, event.at ?? 0),
      noQueue: ({ context }) => !queueOf(cfg(), context.queueId),
      lastAgentTakesFirst: ({ context, event }) =>
        affinityFor(
          cfg(),
          queueOf(cfg(), context.queueId)!,
          field<string>(event, 'lastAgentId') ?? context.lastAgentId,
        ) === 'offer',
      isDirectOffer: ({ context, event }) => context.direct?.offerId === field<string>(event, 'offerId'),
      directOfferFellThrough: ({ context, event }) =>
        context.direct?.offerId === field<string>(event, 'offerId') && field(event, 'outcome') !== 'accepted',
      acceptedDirectly: ({ event }) => field<boolean>(event, 'direct') === true,
      acceptedByAnotherAgent: ({ context, event }) => context.agentId !== field<string>(event, 'agentId'),
      fromConnectedAgent: ({ context, event }) => context.agentId === field<string>(event, 'agentId'),
      fromLastAgent: ({ context, event }) => context.lastAgentId === field<string>(event, 'agentId'),
      carriesMessage: ({ context, event }) => !!field(event, 'message') && !!context.agentId,
      watchesInactivity: ({ context }) => !!queueOf(cfg(), context.queueId)?.inactivity,
      inactivityDisconnects: ({ context }) => queueOf(cfg(), context.queueId)?.inactivity?.action === 'disconnect',
      inactivityRequeues: ({ context }) => queueOf(cfg(), context.queueId)?.inactivity?.action === 'requeue',
      transferToQueue: ({ event }) => !!queueOf(cfg(), transfer(event).queueId),
      transferToAgent: ({ context, event }) => !!transfer(event).agentId && !!queueOf(cfg(), context.queueId),
      hasQueue: ({ context }) => !!queueOf(cfg(), context.queueId),
      acwMandatory: ({ context }) => acwModeOf(cfg(), context.queueId) === 'mandatory',
      acwTimeboxed: ({ context }) => acwModeOf(cfg(), context.queueId) === 'timeboxed',
    },
    actions: interactionActions(deps),
  }).createMachine({
    id: 'interaction',
    context: ({ input }) => ({ interactionId: input.interactionId, skills: [], priority: 0, directSeq: 0 }),
    initial: 'new',
    states: {
      /** Created, not opened yet. */
      new: {
        on: {
          'interaction.opened': { target: 'flow', actions: ['rememberAddress', 'recordOpened'] },
          'interaction.customer_returned': returned(),
          'interaction.expired': { target: 'closed', actions: 'recordClosed' },
          'interaction.offer_accepted': lateAccept(),
          'interaction.agent_wrapped_up': lateCode(),
        },
      },
      /** The inbound flow: schedules first (only when opened), then keyword rules. */
      flow: {
        initial: 'schedules',
        states: {
          schedules: {
            always: [
              { guard: 'noFlow', target: '#interaction.unroutable', actions: 'recordUnroutable' },
              { guard: 'scheduleEnds', target: '#interaction.closed', actions: 'applySchedule' },
              { target: 'keywords', actions: 'applySchedule' },
            ],
          },
          keywords: {
            always: [
              { guard: 'noFlow', target: '#interaction.unroutable', actions: 'recordUnroutable' },
              { target: '#interaction.queued', actions: 'applyKeywords' },
            ],
          },
        },
      },
      /** Offered to the returning customer's last agent; the queue after the affinity timeout. */
      affinity: direct('affinity', 'affinityTimeout'),
      /** Offered to the agent named by a transfer; the queue after the transfer timeout. */
      transferring: direct('transfer', 'transferTimeout'),
      /** Waiting in a queue, which offers it to agents. */
      queued: {
        entry: 'joinQueue',
        on: {
          'interaction.offer_accepted': [
            {
              guard: 'acceptedDirectly',
              target: 'connected',
              actions: [{ type: 'withdrawFromQueue', params: { reason: 'connected_elsewhere' } }, 'connect'],
            },
            { target: 'connected', actions: 'connect' },
          ],
          'interaction.customer_left': { target: 'abandoned', actions: ['withdrawFromQueue', 'recordAbandoned'] },
          'interaction.expired': { target: 'closed', actions: ['withdrawFromQueue', 'recordAbandoned'] },
          'interaction.agent_wrapped_up': lateCode(),
        },
      },
      /** An agent is connected; customer messages go to the agent's feed. */
      connected: {
        exit: 'cancelLegacyInactivityTimer',
        initial: 'entered',
        states: {
          entered: { always: [{ guard: 'watchesInactivity', target: 'watched' }, { target: 'unwatched' }] },
          /** The queue's inactivity timer runs from the last customer message. */
          watched: { after: { inactivityTimeout: inactivity() } },
          unwatched: {},
          /** The inactivity rule released the agent; their disconnect moves on to wrap-up. */
          releasing: {},
        },
        on: {
          'interaction.message_received': { guard: 'carriesMessage', target: '.entered', actions: 'forwardToAgent' },
          'interaction.customer_returned': { guard: 'carriesMessage', target: '.entered', actions: 'forwardToAgent' },
          'interaction.offer_accepted': {
            guard: 'acceptedByAnotherAgent',
            actions: { type: 'releaseAccepter', params: { reason: 'duplicate' } },
          },
          'interaction.customer_left': { actions: 'notifyCustomerLeft' },
          'interaction.expired': {
            actions: ['notifyCustomerLeft', { type: 'releaseAgent', params: { reason: 'expired' } }],
          },
          'interaction.agent_disconnected': {
            guard: 'fromConnectedAgent',
            target: 'wrapup',
            actions: ['tellDisconnected', 'recordWrapup'],
          },
          'interaction.transfer_requested': [{ guard: 'fromConnectedAgent', target: 'transferred' }],
          'interaction.agent_wrapped_up': lateCode(),
          'interaction.inactivity_expired': inactivity(),
        },
      },
      /** Handing over: the conversation learns the agent left (code Transferred), then where it goes. */
      transferred: {
        entry: ['tellDisconnected', { type: 'tellWrappedUp', params: { code: 'Transferred' } }, 'recordTransferred'],
        always: [
          { guard: 'transferToQueue', target: 'queued', actions: 'retargetQueue' },
          {
            guard: 'transferToAgent',
            target: 'transferring',
            actions: { type: 'chooseDirectAgent', params: { via: 'transfer' } },
          },
          { guard: 'hasQueue', target: 'queued' },
          { target: 'unroutable' },
        ],
      },
      /** The agent left; a disposition code is due (optional, mandatory, or time-boxed by the agent's timer). */
      wrapup: {
        initial: 'entered',
        states: {
          entered: {
            always: [
              { guard: 'acwMandatory', target: 'mandatory' },
              { guard: 'acwTimeboxed', target: 'timeboxed' },
              { target: 'optional' },
            ],
          },
          optional: {},
          mandatory: {},
          timeboxed: {},
        },
        on: {
          'interaction.agent_wrapped_up': {
            guard: 'fromLastAgent',
            target: 'waiting',
            actions: ['tellWrappedUp', 'recordWrappedUp', 'leaveLastAgent'],
          },
          'interaction.customer_returned': returned(),
          'interaction.expired': { target: 'closed', actions: 'recordClosed' },
          'interaction.offer_accepted': lateAccept(),
        },
      },
      /** Wrapped up and still threaded: the customer's next message returns it (last agent first). */
      waiting: {
        on: {
          'interaction.customer_returned': returned(),
          'interaction.agent_wrapped_up': {
            guard: 'fromLastAgent',
            actions: ['tellWrappedUp', 'recordWrappedUp'],
          },
          'interaction.expired': { target: 'closed', actions: 'recordClosed' },
          'interaction.offer_accepted': lateAccept(),
        },
      },
      /** No flow routes this integration (or its queue is gone). */
      unroutable: {
        on: {
          'interaction.customer_returned': returned(),
          'interaction.expired': { target: 'closed', actions: 'recordClosed' },
          'interaction.offer_accepted': lateAccept(),
          'interaction.agent_wrapped_up': lateCode(),
        },
      },
      /** The customer left before an agent connected. */
      abandoned: {
        on: {
          'interaction.expired': { target: 'closed', actions: 'recordClosed' },
          'interaction.offer_accepted': lateAccept(),
          'interaction.agent_wrapped_up': lateCode(),
        },
      },
      /** Over: the threading window ended, or a schedule ended it. */
      closed: {
        on: {
          'interaction.offer_accepted': lateAccept(),
          'interaction.agent_wrapped_up': lateCode(),
        },
      },
    },
  });

  /** The customer is back: the flow when the queue is gone, the last agent first when affinity allows, else the queue. */
  function returned() {
    return [
      { guard: 'noQueue', target: '#interaction.flow.keywords', actions: 'rememberReturn' },
      {
        guard: 'lastAgentTakesFirst',
        target: '#interaction.affinity',
        actions: ['rememberReturn', { type: 'chooseDirectAgent', params: { via: 'affinity' } }],
      },
      { target: '#interaction.queued', actions: ['rememberReturn', 'recordAffinitySkipped'] },
    ] as const;
  }

  /** An agent accepted after the customer left or the interaction moved on: release them. */
  function lateAccept() {
    return { actions: { type: 'releaseAccepter', params: { reason: 'customer_left' } } } as const;
  }

  /** A late optional wrap-up code while routed again (or over) is only recorded: the conversation must not think nobody is connected. */
  function lateCode() {
    return { guard: 'fromLastAgent', actions: 'recordWrappedUp' } as const;
  }

  /** What the inactivity timer does: release the agent, and re-queue when the queue says so. */
  function inactivity() {
    return [
      {
        guard: 'inactivityDisconnects',
        target: '#interaction.connected.releasing',
        actions: ['recordInactive', { type: 'releaseAgent', params: { reason: 'inactivity' } }],
      },
      {
        guard: 'inactivityRequeues',
        target: '#interaction.queued',
        actions: ['recordInactive', { type: 'releaseAgent', params: { reason: 'requeued' } }, 'tellDisconnected'],
      },
    ] as const;
  }

  /** A direct offer (affinity or transfer) with its timeout; any answer but accept falls back to the queue. */
  function direct(via: DirectVia, timeout: 'affinityTimeout' | 'transferTimeout') {
    const fallBack = { type: 'fallBack', params: { via } } as const;
    return {
      entry: { type: 'offerDirect', params: { via } },
      exit: 'cancelLegacyDirectTimer',
      after: {
        [timeout]: {
          target: '#interaction.queued',
          actions: [{ type: 'rescindDirect', params: { reason: `${via}_timeout` } }, fallBack],
        },
      },
      on: {
        'interaction.direct_offer_resolved': {
          guard: 'directOfferFellThrough',
          target: '#interaction.queued',
          actions: fallBack,
        },
        'interaction.direct_expired': {
          guard: 'isDirectOffer',
          target: '#interaction.queued',
          actions: [{ type: 'rescindDirect', params: { reason: `${via}_timeout` } }, fallBack],
        },
        'interaction.offer_accepted': {
          guard: 'acceptedDirectly',
          target: '#interaction.connected',
          actions: 'connect',
        },
        'interaction.agent_wrapped_up': lateCode(),
        'interaction.customer_left': {
          target: '#interaction.abandoned',
          actions: ['rescindDirect', 'recordAbandoned'],
        },
        'interaction.expired': {
          target: '#interaction.closed',
          actions: [{ type: 'rescindDirect', params: { reason: 'expired' } }, 'recordAbandoned'],
        },
      },
    } as const;
  }
}

export type InteractionMachine = ReturnType<typeof createInteractionMachine>;

/** The interaction actor's address. */
export function interactionRef(interactionId: string): ActorRef {
  return { type: 'interaction', key: interactionId };
}
