/**
 * xstate's pure `transition()` builds a throwaway actor per call (~40k/s here). The host keeps
 * one inert actor scope per machine and reuses it (~3-4x faster). The scope's shape is
 * xstate-internal, which is why package.json pins xstate to an exact version; the contract test
 * in test/actors/transition.test.ts checks both paths agree.
 */
import { createActor, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';

/** An action as the host sees it after a transition. */
export interface ExecutableAction {
  readonly type: string;
  readonly params?: unknown;
}

/** A fast pure transition function for one machine: (snapshot, event) → [next, actions]. */
export type PureTransition = (
  snapshot: AnyMachineSnapshot,
  event: { type: string },
) => [AnyMachineSnapshot, ExecutableAction[]];

export function pureTransition(machine: AnyStateMachine): PureTransition {
  // Machines hosted here never invoke or spawn, so one inert scope can serve every call.
  const self = createActor(machine);
  let collected: ExecutableAction[] = [];
  const scope = {
    self,
    defer: () => undefined,
    id: '',
    logger: () => undefined,
    sessionId: '',
    stopChild: () => undefined,
    system: self.system,
    emit: () => undefined,
    actionExecutor: (action: ExecutableAction) => {
      collected.push(action);
    },
  };
  return (snapshot, event) => {
    collected = [];
    const next = machine.transition(snapshot, event as never, scope as never) as AnyMachineSnapshot;
    return [next, collected];
  };
}
