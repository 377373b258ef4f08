/** Addressing and envelopes shared by the engine, the actor host and the gateways. */

/** The address of one durable actor: its registered type and its key. */
export interface ActorRef {
  readonly type: string;
  readonly key: string;
}

/** Every event an actor receives is a plain object with a dot-namespaced, past-tense `type`. */
export interface ActorEvent {
  readonly type: string;
  /** Milliseconds since the epoch; the host stamps it from its clock when the sender left it out. */
  readonly at?: number;
  readonly [field: string]: unknown;
}

/** One event on its way to one actor. `id` is the dedupe id: the same id is applied at most once. */
export interface Envelope<E extends ActorEvent = ActorEvent> {
  readonly id: string;
  readonly to: ActorRef;
  readonly event: E;
}

/** A stable string form of a ref, used as a map key and in logs. */
export function refId(ref: ActorRef): string {
  return `${ref.type}/${ref.key}`;
}
