/**
 * The agent actor (key = agentId): presence (offline / available / not ready with a reason),
 * capacity per media type with blending, offers as reservations it grants or refuses (it is the
 * single writer of its capacity, so no two queues over-assign it), connected interactions and
 * after-contact work. Queues learn its routable capacity from `queue.agent_updated` events.
 *
 *   offline ─logged in / available→ available ─alerting timed out (RONA) / not ready→ not_ready
 *   available | not_ready ─logged out / offline→ offline;  not_ready ─available→ available
 *
 * Its offers and interactions (each connected or in wrap-up) are data: an agent holds several.
 */
import { and, enqueueActions, setup } from 'xstate';
import type { ActorRef } from '../protocol/actor.js';
import { agentLogic, type AgentContext, type AgentEvent, type Presence } from './agent-logic.js';
import { effectActions } from './effects.js';
import { fxOf, type Enqueue } from './routing-fx.js';
import { own, type RoutingDeps } from './routing-config.js';

export type { AgentContext, AgentEvent } from './agent-logic.js';

/** Builds the agent machine over the routing configuration. */
export function createAgentMachine(deps: RoutingDeps) {
  const logic = agentLogic(deps);
  // Events every presence handles alike, each with its named rule (agent-logic.ts).
  const common = {
    'agent.offer_requested': [{ guard: 'offerGrantable', actions: 'grantOffer' }, { actions: 'refuseOffer' }],
    'agent.offer_accepted': { actions: 'acceptOffer' },
    'agent.offer_declined': { actions: 'declineOffer' },
    'agent.offer_expired': { actions: 'expireOffer' },
    'agent.offer_rescinded': { actions: 'rescindOffer' },
    'agent.interaction_ended': { actions: 'endInteraction' },
    'agent.interaction_released': { actions: 'releaseInteraction' },
    'agent.wrapup_submitted': { actions: 'submitWrapup' },
    'agent.wrapup_expired': { actions: 'closeWrapupByTimeout' },
    'agent.transfer_requested': { actions: 'transfer' },
    'agent.config_changed': { actions: 'announce' },
  } as const;
  // Each named action runs the agent's rule for its event (agent-logic.ts `handle`, one case per event).
  const rule = enqueueActions(
    // biome-ignore lint/suspicious/noExplicitAny: enqueueActions' own parameter type does not name this machine's events; fxOf narrows it
    ({ context, event, enqueue }: { context: AgentContext; event: AgentEvent; enqueue: any }) => {
      const patch = logic.handle(context, event, fxOf(enqueue as unknown as Enqueue));
      if (patch) enqueue.assign(patch as never);
    },
  ) as never;
  return setup({
    types: {} as { context: AgentContext; events: AgentEvent; input: { agentId: string } },
    actions: {
      ...effectActions,
      grantOffer: rule,
      refuseOffer: rule,
      acceptOffer: rule,
      declineOffer: rule,
      expireOffer: rule,
      rescindOffer: rule,
      endInteraction: rule,
      releaseInteraction: rule,
      submitWrapup: rule,
      closeWrapupByTimeout: rule,
      transfer: rule,
      announce: rule,
      refusePresence: rule,
      reportPresence: rule,
      toPresence: enqueueActions(
        (
          // biome-ignore lint/suspicious/noExplicitAny: as above
          { context, event, enqueue }: { context: AgentContext; event: AgentEvent; enqueue: any },
          params: { presence: Presence },
        ) => {
          enqueue.assign(logic.enter(context, event, params.presence, fxOf(enqueue as unknown as Enqueue)) as never);
        },
      ) as never,
      respondOk: enqueueActions(({ enqueue, context }: { enqueue: Enqueue; context: AgentContext }) =>
        enqueue({
          type: 'respond',
          params: { ok: true, data: { presence: context.presence, reason: context.reason } },
        }),
      ) as never,
    },
    guards: {
      known: ({ context }) => !!deps.config().agents[context.agentId],
      wantsAvailable: ({ event }) => 'presence' in event && event.presence === 'available',
      wantsNotReady: ({ event }) => 'presence' in event && event.presence === 'not_ready' && validReason(deps, event),
      wantsOffline: ({ event }) => 'presence' in event && event.presence === 'offline',
      offerGrantable: ({ context, event }) =>
        event.type === 'agent.offer_requested' && logic.offerRefusal(context, event) === undefined,
      alertingTimedOut: ({ context, event }) =>
        event.type === 'agent.offer_expired' && !!own(context.offers, event.offerId),
    },
  }).createMachine({
    id: 'agent',
    context: ({ input }) => logic.initial(input.agentId),
    initial: 'offline',
    states: {
      offline: {
        on: {
          ...common,
          'agent.logged_in': [
            {
              guard: 'known',
              target: 'available',
              reenter: true,
              actions: [{ type: 'toPresence', params: { presence: 'available' } }, 'respondOk'],
            },
            { actions: 'refusePresence' },
          ],
          'agent.presence_changed': [
            {
              guard: and(['known', 'wantsAvailable']),
              target: 'available',
              actions: [{ type: 'toPresence', params: { presence: 'available' } }, 'respondOk'],
            },
            {
              guard: and(['known', 'wantsNotReady']),
              target: 'not_ready',
              actions: [{ type: 'toPresence', params: { presence: 'not_ready' } }, 'respondOk'],
            },
            { guard: 'wantsOffline', actions: 'respondOk' },
            { actions: 'refusePresence' },
          ],
          'agent.logged_out': { actions: 'reportPresence' },
        },
      },
      available: {
        on: {
          ...common,
          'agent.offer_expired': [
            {
              guard: 'alertingTimedOut',
              target: 'not_ready',
              actions: ['expireOffer', { type: 'toPresence', params: { presence: 'not_ready' } }],
            },
            { actions: 'expireOffer' },
          ],
          'agent.logged_in': { actions: 'respondOk' },
          'agent.logged_out': {
            target: 'offline',
            actions: [{ type: 'toPresence', params: { presence: 'offline' } }, 'respondOk'],
          },
          'agent.presence_changed': [
            { guard: 'wantsAvailable', actions: 'respondOk' },
            {
              guard: 'wantsNotReady',
              target: 'not_ready',
              actions: [{ type: 'toPresence', params: { presence: 'not_ready' } }, 'respondOk'],
            },
            {
              guard: 'wantsOffline',
              target: 'offline',
              actions: [{ type: 'toPresence', params: { presence: 'offline' } }, 'respondOk'],
            },
            { actions: 'refusePresence' },
          ],
        },
      },
      not_ready: {
        on: {
          ...common,
          'agent.logged_in': { actions: 'respondOk' },
          'agent.logged_out': {
            target: 'offline',
            actions: [{ type: 'toPresence', params: { presence: 'offline' } }, 'respondOk'],
          },
          'agent.presence_changed': [
            {
              guard: 'wantsAvailable',
              target: 'available',
              actions: [{ type: 'toPresence', params: { presence: 'available' } }, 'respondOk'],
            },
            {
              guard: 'wantsNotReady',
              actions: [{ type: 'toPresence', params: { presence: 'not_ready' } }, 'respondOk'],
            },
            {
              guard: 'wantsOffline',
              target: 'offline',
              actions: [{ type: 'toPresence', params: { presence: 'offline' } }, 'respondOk'],
            },
            { actions: 'refusePresence' },
          ],
        },
      },
    },
  });
}

function validReason(deps: RoutingDeps, event: AgentEvent): boolean {
  const reason = (event as { reason?: string }).reason ?? 'Pause';
  return deps.config().notReadyReasons.includes(reason);
}

export type AgentMachine = ReturnType<typeof createAgentMachine>;

/** The agent actor's address. */
export function agentRef(agentId: string): ActorRef {
  return { type: 'agent', key: agentId };
}
