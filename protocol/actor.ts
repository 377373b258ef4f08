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

/** Longest actor key accepted (keys travel in envelopes and LMDB keys). */
export const MAX_ACTOR_KEY_LENGTH = 512;

/** Why `ref` cannot address an actor (an empty or over-long key, control characters, no type), or undefined when it can. */
export function actorRefProblem(
  ref: { readonly type?: unknown; readonly key?: unknown } | undefined,
): string | undefined {
  if (!ref || typeof ref.type !== 'string' || ref.type === '') return 'no actor type';
  if (typeof ref.key !== 'string' || ref.key.trim() === '') return 'an empty key';
  if (ref.key.length > MAX_ACTOR_KEY_LENGTH) return `a key longer than ${MAX_ACTOR_KEY_LENGTH} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(ref.key)) return 'a key with control characters';
  return undefined;
}
