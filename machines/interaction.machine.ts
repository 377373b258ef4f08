/**
 * The routing side of one interaction (key = interactionId): inbound flow (schedules with
 * auto-responses, keyword rules), last-agent affinity with a recorded fallback, queued,
 * connected, wrap-up, waiting for the customer; transfers, abandonment and the optional
 * per-queue inactivity timer. It tells the conversation actor when an agent connects,
 * disconnects and wraps up; every stage is recorded with its time.
 */
import { enqueueActions, setup } from 'xstate';
import type { ActorRef } from '../protocol/actor.js';
import { effectActions } from './effects.js';
import { interactionStep, type InteractionContext, type InteractionEvent } from './interaction-logic.js';
import { fxOf, type Enqueue } from './routing-fx.js';
import type { RoutingDeps } from './routing-config.js';

export type { InteractionContext, InteractionEvent, InteractionStage } from './interaction-logic.js';

/** Builds the interaction machine over the routing configuration. */
export function createInteractionMachine(deps: RoutingDeps) {
  return setup({
    types: {} as { context: InteractionContext; events: InteractionEvent; input: { interactionId: string } },
    actions: {
      ...effectActions,
      step: enqueueActions(({ context, event, enqueue }) => {
        const patch = interactionStep(deps, context, event, fxOf(enqueue as unknown as Enqueue));
        if (patch) enqueue.assign(patch as never);
      }),
    },
  }).createMachine({
    id: 'interaction',
    context: ({ input }) => ({
      interactionId: input.interactionId,
      stage: 'new',
      skills: [],
      priority: 0,
      directSeq: 0,
    }),
    on: {
      '*': { actions: 'step' },
    },
  });
}

export type InteractionMachine = ReturnType<typeof createInteractionMachine>;

/** The interaction actor's address. */
export function interactionRef(interactionId: string): ActorRef {
  return { type: 'interaction', key: interactionId };
}
