import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { pureTransition } from '../../actors/transition.js';
import { counterMachine, type CounterEvent } from '../../machines/counter.machine.js';

describe('pureTransition (reused inert scope)', () => {
  it('agrees with xstate transition() on snapshots and actions', () => {
    const fast = pureTransition(counterMachine);
    const events: CounterEvent[] = [
      { type: 'count.incremented', by: 2 },
      { type: 'reminder.requested', delayMs: 5_000 },
      { type: 'reminder.cancelled' },
      { type: 'reminder.fired' },
      { type: 'count.incremented' },
    ];
    let [a] = initialTransition(counterMachine);
    let b = a;
    for (const e of events) {
      const [na, actsA] = transition(counterMachine, a, e);
      const [nb, actsB] = fast(b, e);
      expect(counterMachine.getPersistedSnapshot(nb)).toEqual(counterMachine.getPersistedSnapshot(na));
      expect(actsB.map((x) => [x.type, x.params])).toEqual(
        actsA.map((x) => [x.type, (x as { params?: unknown }).params]),
      );
      a = na;
      b = nb;
    }
  });
});
