/**
 * The interaction machine's decisions as small pure functions over the routing configuration
 * (the machine's guards and delays call them): which flow applies, where keyword rules send a
 * message, whether a returning customer goes to the last agent first, the direct-offer timeouts,
 * the wrap-up mode, and why a direct offer fell back.
 */
import { evaluateSchedules, flowFor, matchKeywords, type RoutingTarget } from './flow.js';
import type { AcwMode, FlowConfig, QueueConfig, RoutingConfig } from './routing-config.js';

/** A routing message as the conversation summarises it (text and routing hints). */
export interface RoutingMessage {
  readonly messageId?: string;
  readonly kind?: string;
  readonly text?: string;
  readonly routing?: { readonly intent?: string; readonly group?: string; readonly locale?: string };
}

/** A configured queue by id (own properties only: ids come from outside). */
export function queueOf(config: RoutingConfig, queueId: string | undefined): QueueConfig | undefined {
  return queueId !== undefined && Object.hasOwn(config.queues, queueId) ? config.queues[queueId] : undefined;
}

/** The integration's flow when it can route (its default queue exists), else undefined. */
export function routableFlow(config: RoutingConfig, integrationId: string | undefined): FlowConfig | undefined {
  const flow = flowFor(config, integrationId ?? '');
  return flow && queueOf(config, flow.defaultQueueId) ? flow : undefined;
}

/** Whether the schedule in force at `at` ends the interaction (after its auto-response). */
export function scheduleEnds(flow: FlowConfig, at: number): boolean {
  return evaluateSchedules(flow, at).outcome.action === 'end';
}

/** Where keyword rules send a message: their queue when it exists, else the flow's default. */
export function keywordTarget(config: RoutingConfig, flow: FlowConfig, message?: RoutingMessage): RoutingTarget {
  const t = matchKeywords(flow, message?.text, message?.routing?.intent);
  return queueOf(config, t.queueId) ? t : { ...t, queueId: flow.defaultQueueId };
}

/** Why a returning customer is not offered to the last agent first. */
export type AffinitySkip = 'agent_unknown' | 'affinity_disabled' | 'agent_not_in_queue';

/**
 * Last-agent affinity for a returning customer: `offer` when the last agent is configured and
 * the queue's affinity mode allows them, else why not (`none` when there was no last agent).
 */
export function affinityFor(
  config: RoutingConfig,
  queue: QueueConfig,
  lastAgentId: string | undefined,
): 'offer' | 'none' | AffinitySkip {
  if (!lastAgentId) return 'none';
  const agent = Object.hasOwn(config.agents, lastAgentId) ? config.agents[lastAgentId] : undefined;
  if (!agent) return 'agent_unknown';
  if (queue.affinity.mode === 'disabled') return 'affinity_disabled';
  if (queue.affinity.mode === 'this_queue' && !agent.queues.includes(queue.id)) return 'agent_not_in_queue';
  return 'offer';
}

/** How a direct offer came about: a returning customer's last agent, or a transfer to an agent. */
export type DirectVia = 'affinity' | 'transfer';

/** How long a returning customer waits for the last agent before the queue. */
export function affinityTimeoutMs(queue: QueueConfig | undefined): number {
  return Math.max(0, (queue?.affinity.timeoutSeconds ?? 0) * 1_000);
}

/**
 * How long a direct offer alerts at the agent. Affinity gives up first (no RONA: the agent keeps
 * alerting 1 s longer and the offer is rescinded before); a transfer lets the agent's own
 * alerting timeout (RONA) act first.
 */
export function directAlertingMs(queue: QueueConfig, via: DirectVia): number {
  return via === 'affinity' ? affinityTimeoutMs(queue) + 1_000 : queue.alertingTimeoutSeconds * 1_000;
}

/** How long the interaction waits for a transferred-to agent: 1 s past their alerting timeout. */
export function transferTimeoutMs(queue: QueueConfig | undefined): number {
  return Math.max(0, ((queue?.alertingTimeoutSeconds ?? 0) + 1) * 1_000);
}

/** The wrap-up mode of a queue (optional when the queue is gone). */
export function acwModeOf(config: RoutingConfig, queueId: string | undefined): AcwMode {
  return queueOf(config, queueId)?.acw.mode ?? 'optional';
}

/** Why a direct offer the agent answered without accepting falls back to the queue. */
export function fallbackReason(outcome: string, reason: string | undefined): string {
  return outcome === 'refused' ? (reason ?? 'refused') : outcome;
}
