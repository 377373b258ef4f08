/** The durable virtual-actor runtime. */
export { ActorHost, type ActorHostOptions } from './host.js';
export {
  DEFAULT_VIRTUAL_START_MS,
  ManualClock,
  SystemClock,
  type Clock,
  type Settle,
  type TimerHandle,
} from './clock.js';
export { LmdbStore, type LmdbStoreOptions } from './lmdb-store.js';
export { MemoryStore } from './memory-store.js';
export type { ActorStore } from './store.js';
export { InvalidEffectAddressError, TerminalError, RetryableError, UnknownActorTypeError } from './errors.js';
export type { ActorType, Bus, DeliverResult } from './types.js';
