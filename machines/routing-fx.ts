/**
 * A small effect writer over xstate's `enqueueActions`, so routing machines compute their
 * effects in plain functions: send to an actor, record, notify, respond, set or cancel a
 * durable timer (ids are computed strings, which the host stores as the timer's id).
 */
import type { ActorEvent, ActorRef } from '../protocol/actor.js';
import type { RespondParams } from '../protocol/effects.js';

/** The subset of xstate's enqueue object the writer needs. */
export interface Enqueue {
  (action: { type: string; params?: unknown }): void;
  raise: (event: { type: string; [k: string]: unknown }, options?: { id?: string; delay?: number }) => void;
  cancel: (id: string) => void;
}

/** Effects a routing handler may emit. */
export interface Fx {
  send(to: ActorRef, event: ActorEvent): void;
  record(kind: string, data: Record<string, unknown>): void;
  notify(topic: string, data: Record<string, unknown>): void;
  respond(r: RespondParams): void;
  timer(id: string, delayMs: number, event: { type: string; [k: string]: unknown }): void;
  cancel(id: string): void;
}

/** Wraps `enqueue` as an Fx. */
export function fxOf(enqueue: Enqueue): Fx {
  return {
    send: (to, event) => enqueue({ type: 'actor.send', params: { to, event } }),
    record: (kind, data) => enqueue({ type: 'record', params: { kind, data } }),
    notify: (topic, data) => enqueue({ type: 'notify', params: { topic, data } }),
    respond: (r) => enqueue({ type: 'respond', params: r }),
    timer: (id, delayMs, event) => enqueue.raise(event, { id, delay: Math.max(0, delayMs) }),
    cancel: (id) => enqueue.cancel(id),
  };
}

/** The live topic of an agent's feed (`sb.live.agent.<id>`). */
export function agentTopic(agentId: string): string {
  return `agent.${agentId}`;
}

/** Answers the caller with a refusal; returns `undefined` so a rule can `return refuse(...)` (no new context). */
export function refuse(fx: Fx, code: string, message: string): undefined {
  fx.respond({ ok: false, code, message });
  return undefined;
}
