/** Ports and public shapes of the actor runtime. */
import type { AnyStateMachine, InputFrom } from 'xstate';
import type { RespondParams } from '../protocol/effects.js';

/** Where the outbox relay publishes; NATS JetStream in the engine, in-memory in simulations. */
export interface Bus {
  /** Publishes durably with `msgId` as the dedupe id; resolves when acknowledged. */
  publish(subject: string, data: Uint8Array, msgId: string): Promise<void>;
}

/** An actor type: a name, its machine, and the input a fresh actor starts from. */
export interface ActorType<M extends AnyStateMachine = AnyStateMachine> {
  readonly name: string;
  readonly machine: M;
  readonly input?: (key: string) => InputFrom<M>;
  /** Maps a stored snapshot of an earlier machine shape to this machine's (identity when absent). */
  readonly upgrade?: (persisted: unknown) => unknown;
}

/** What happened to one delivered envelope. */
export type DeliverResult =
  | { readonly status: 'applied'; readonly responses: readonly RespondParams[] }
  | { readonly status: 'duplicate' }
  | { readonly status: 'stale' }
  | { readonly status: 'rejected'; readonly code: string; readonly message: string };
