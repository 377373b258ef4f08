/**
 * Effects a machine may name. Machines list them as custom actions (`{ type, params }`); the
 * actor host writes them to its transactional outbox in the same commit as the new snapshot,
 * and an outbox relay carries them to NATS. No machine knows about NATS.
 */
import type { ActorEvent, ActorRef } from './actor.js';
import type { OutboundMessage } from './channels.js';

/** Deliver an event to another actor (any partition, any node), exactly once. */
export interface SendToActorParams {
  readonly to: ActorRef;
  readonly event: ActorEvent;
}

/** A reporting record (interaction stages, refusals, deliveries); kind becomes a subject token. */
export interface RecordParams {
  readonly kind: string;
  readonly data: Record<string, unknown>;
}

/** A live update for subscribers of a topic (an agent's feed, a queue board). */
export interface NotifyParams {
  readonly topic: string;
  readonly data: Record<string, unknown>;
}

/** An answer to whoever delivered the current event (e.g. a refusal with a reason code). */
export interface RespondParams {
  readonly ok: boolean;
  readonly code?: string;
  readonly message?: string;
  readonly data?: Record<string, unknown>;
}

/** The effect actions and their params, by action type. */
export interface EffectParams {
  'actor.send': SendToActorParams;
  'outbound.send': OutboundMessage;
  record: RecordParams;
  notify: NotifyParams;
  respond: RespondParams;
}

export type EffectType = keyof EffectParams;

export const EFFECT_TYPES: readonly EffectType[] = ['actor.send', 'outbound.send', 'record', 'notify', 'respond'];

export function isEffectType(type: string): type is EffectType {
  return (EFFECT_TYPES as readonly string[]).includes(type);
}
