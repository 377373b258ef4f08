/** A small counting machine: the runtime's reference actor for tests, benchmarks and the demo. */
import { assign, cancel, raise, setup } from 'xstate';
import { effectActions } from './effects.js';

export interface CounterContext {
  count: number;
  fired: number;
}

export type CounterEvent =
  | { type: 'count.incremented'; by?: number; at?: number }
  | { type: 'reminder.requested'; delayMs: number; at?: number }
  | { type: 'reminder.cancelled'; at?: number }
  | { type: 'reminder.fired'; at?: number };

/** Counts events, records every change, and keeps one cancellable durable reminder. */
export const counterMachine = setup({
  types: {} as { context: CounterContext; events: CounterEvent },
  actions: { ...effectActions },
}).createMachine({
  id: 'counter',
  context: { count: 0, fired: 0 },
  on: {
    'count.incremented': {
      actions: [
        assign({ count: ({ context, event }) => context.count + (event.by ?? 1) }),
        { type: 'record', params: ({ context }) => ({ kind: 'counter.changed', data: { count: context.count } }) },
      ],
    },
    'reminder.requested': {
      actions: raise({ type: 'reminder.fired' }, { id: 'reminder', delay: ({ event }) => event.delayMs }),
    },
    'reminder.cancelled': { actions: cancel('reminder') },
    'reminder.fired': {
      actions: [
        assign({ fired: ({ context }) => context.fired + 1 }),
        { type: 'notify', params: ({ context }) => ({ topic: 'counter.reminder', data: { fired: context.fired } }) },
      ],
    },
  },
});

export type CounterMachine = typeof counterMachine;
