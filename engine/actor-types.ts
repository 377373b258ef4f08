/** The actor types an engine node hosts. Each feature adds its types here. */
import type { ActorType } from '../actors/types.js';
import { accessMachine } from '../machines/access.machine.js';
import { counterMachine } from '../machines/counter.machine.js';
import { reportMachine } from '../machines/report.machine.js';
import { conversationActorTypes, type ConversationConfig } from './config/conversation.js';
import { RoutingConfigHolder, routingActorTypes } from './config/routing.js';

/** Everything a feature's actor types may need at registration (configuration, partitions). */
export interface ActorTypeContext {
  readonly partitions: number;
  /** Conversation config (threading windows, policy overrides, content filters), or a reader of the current one; defaults when absent. */
  readonly conversation?: ConversationConfig | (() => ConversationConfig);
  /** Routing configuration (hot-reloaded: actors read it at use); a fresh empty holder when absent. */
  readonly routing?: RoutingConfigHolder;
}

/** The built-in actor types. */
export function builtinActorTypes(ctx: ActorTypeContext): ActorType[] {
  const routing = ctx.routing ?? new RoutingConfigHolder();
  return [
    // The runtime's reference actor (tests, benchmarks, demo).
    { name: 'counter', machine: counterMachine },
    // Conversations: conversation, history pages, contacts, identity index. Without an explicit
    // config they read the routing file's `conversations` section, so applying a file reaches them.
    ...conversationActorTypes(ctx.conversation ?? routing.conversation),
    // Routing: agent, queue and interaction actors.
    ...routingActorTypes(routing),
    // Security: which agents held each conversation (scopes agents' reads of its history).
    { name: 'access', machine: accessMachine },
    // Reports: per-entity, per-day aggregates fed by every record (engine/reports/facts.ts).
    { name: 'report', machine: reportMachine },
  ];
}

/** Route modules mounted by the engine's HTTP server. */
export { builtinRouteModules } from './routes.js';
