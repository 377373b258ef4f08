/**
 * Real-time boards computed from the queue and agent actors' current snapshots (what is waiting,
 * offered, connected, in wrap-up; who is in which presence and since when) plus today's and the
 * last 30 minutes' service level from the reporting aggregates.
 */
import type { ActorHost } from '../../actors/host.js';
import { heldCounts, type AgentContext } from '../../machines/agent-logic.js';
import { REPORT_INTERVAL_MS } from '../../machines/report.machine.js';
import type { QueueContext } from '../../machines/queue.machine.js';
import { own, type RoutingConfig } from '../../machines/routing-config.js';
import { freeByMedia } from '../../machines/routing.js';
import { intervalOf } from './facts.js';
import { groupStart, queueReport } from './read.js';

const agentOf = (host: ActorHost, id: string) =>
  host.read({ type: 'agent', key: id })?.context as AgentContext | undefined;

/** One queue's board. */
export function queueBoard(host: ActorHost, config: RoutingConfig, queueId: string, now: number, tz = 'UTC') {
  const q = host.read({ type: 'queue', key: queueId })?.context as QueueContext | undefined;
  const waiting = q?.waiting ?? [];
  const notOffered = waiting.filter((e) => !e.offer);
  const oldest = notOffered.reduce<(typeof waiting)[number] | undefined>(
    (m, e) => (m === undefined || e.enqueuedAt < m.enqueuedAt ? e : m),
    undefined,
  );
  const members = Object.values(config.agents).filter((a) => a.queues.includes(queueId));
  const presence: Record<string, number> = { available: 0, not_ready: 0, offline: 0 };
  let connected = 0;
  let wrapup = 0;
  for (const a of members) {
    const ctx = agentOf(host, a.id);
    const p = ctx?.presence ?? 'offline';
    presence[p] = (presence[p] ?? 0) + 1;
    for (const it of Object.values(ctx?.interactions ?? {})) {
      if (it.queueId !== queueId) continue;
      if (it.stage === 'connected') connected++;
      else wrapup++;
    }
    for (const w of Object.values(ctx?.pendingWrapups ?? {})) if (w.queueId === queueId) wrapup++;
  }
  const sl = (from: number) => {
    const rows = queueReport(host, config, { from, to: intervalOf(now) + REPORT_INTERVAL_MS, interval: 'day', tz }, [
      queueId,
    ]);
    const s = rows.reduce(
      (acc, r) => ({
        inSl: acc.inSl + Number(r.answeredInSl),
        answered: acc.answered + Number(r.answered),
        abandoned: acc.abandoned + Number(r.abandoned),
      }),
      { inSl: 0, answered: 0, abandoned: 0 },
    );
    const d = s.answered + s.abandoned;
    return {
      answered: s.answered,
      abandoned: s.abandoned,
      serviceLevelPct: d > 0 ? Math.round((s.inSl / d) * 10_000) / 100 : null,
    };
  };
  return {
    queueId,
    name: own(config.queues, queueId)?.name ?? queueId,
    waiting: notOffered.length,
    offering: waiting.length - notOffered.length,
    longestWaitMs: oldest ? now - oldest.enqueuedAt : 0,
    oldestWaiting: oldest
      ? { interactionId: oldest.interactionId, conversationKey: oldest.conversationKey, enqueuedAt: oldest.enqueuedAt }
      : null,
    connected,
    wrapup,
    agents: presence,
    today: sl(groupStart(intervalOf(now), 'day', tz)),
    last30Min: sl(intervalOf(now) - REPORT_INTERVAL_MS),
  };
}

/** One agent's board. */
export function agentBoard(host: ActorHost, config: RoutingConfig, agentId: string, now: number) {
  const ctx = agentOf(host, agentId);
  const cfg = own(config.agents, agentId);
  const held: Record<string, { connected: number; wrapup: number }> = {};
  for (const it of Object.values(ctx?.interactions ?? {})) {
    const h = held[it.mediaType] ?? { connected: 0, wrapup: 0 };
    held[it.mediaType] = h;
    if (it.stage === 'connected') h.connected++;
    else h.wrapup++;
  }
  return {
    agentId,
    name: cfg?.name ?? agentId,
    queues: cfg?.queues ?? [],
    presence: ctx?.presence ?? 'offline',
    reason: ctx?.presence === 'not_ready' ? (ctx.reason ?? null) : null,
    presenceSince: ctx?.presenceSince || null,
    inPresenceMs: ctx?.presenceSince ? now - ctx.presenceSince : null,
    interactions: held,
    offers: Object.keys(ctx?.offers ?? {}).length,
    pendingWrapups: Object.keys(ctx?.pendingWrapups ?? {}).length,
    free: cfg && ctx ? freeByMedia(cfg.utilization, heldCounts(ctx)) : {},
  };
}

/** Every configured queue's board. */
export const queueBoards = (host: ActorHost, config: RoutingConfig, now: number, tz?: string) =>
  Object.keys(config.queues)
    .sort()
    .map((id) => queueBoard(host, config, id, now, tz));

/** Every configured agent's board. */
export const agentBoards = (host: ActorHost, config: RoutingConfig, now: number) =>
  Object.keys(config.agents)
    .sort()
    .map((id) => agentBoard(host, config, id, now));
