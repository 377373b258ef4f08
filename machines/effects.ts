/**
 * Effect actions for `setup({ actions })`. Their bodies do nothing: the actor host reads them
 * from the transition result and carries them out through its outbox. Spread into a machine's
 * setup: `setup({ actions: { ...effectActions, ... } })`, then name them with params:
 * `{ type: 'actor.send', params: ({ context }) => ({ to, event }) }`.
 */
import type { EffectParams } from '../protocol/effects.js';

type EffectAction<P> = (_: unknown, params: P) => void;

const noop = (): void => undefined;

export const effectActions: { [K in keyof EffectParams]: EffectAction<EffectParams[K]> } = {
  'actor.send': noop,
  'outbound.send': noop,
  record: noop,
  notify: noop,
  respond: noop,
};
