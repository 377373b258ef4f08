/**
 * Who may read a conversation later: one actor per conversation key remembers every agent that
 * accepted one of its interactions, so "the history of interactions it holds or held" survives
 * transfers, wrap-up and restarts. Bounded: past ACCESS_MAX_AGENTS the agent seen longest ago
 * is forgotten (a supervisor can still read it).
 */
import { assign, setup } from 'xstate';

/** Agents remembered per conversation. */
export const ACCESS_MAX_AGENTS = 200;

export interface AccessContext {
  /** agent id → first and last grant (ms since epoch) and the last interaction accepted. */
  readonly agents: Readonly<
    Record<string, { readonly first: number; readonly last: number; readonly interactionId: string }>
  >;
}

export type AccessEvent = { type: 'access.granted'; agentId: string; interactionId: string; at: number };

/** Records grants; nothing else. */
export const accessMachine = setup({
  types: {} as { context: AccessContext; events: AccessEvent },
}).createMachine({
  id: 'access',
  context: { agents: {} },
  on: {
    'access.granted': {
      actions: assign({
        agents: ({ context, event }) => {
          const before = Object.hasOwn(context.agents, event.agentId) ? context.agents[event.agentId] : undefined;
          const next = {
            ...context.agents,
            [event.agentId]: { first: before?.first ?? event.at, last: event.at, interactionId: event.interactionId },
          };
          const ids = Object.keys(next);
          if (ids.length > ACCESS_MAX_AGENTS) {
            const oldest = ids.reduce((a, b) => (next[a]!.last <= next[b]!.last ? a : b));
            delete next[oldest];
          }
          return next;
        },
      }),
    },
  },
});

export type AccessMachine = typeof accessMachine;
