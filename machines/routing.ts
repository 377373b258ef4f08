/**
 * Pure routing decisions shared by the queue and agent machines: capacity with blending, queue
 * scores, bullseye rings, agent selection and the dispatch pass. No I/O, no clock: callers pass
 * `now` (the event's time). Kept apart from the machines so they are easy to test and bench.
 */
import type { MediaType, QueueConfig, Ring, SelectionStrategy, Utilization } from './routing-config.js';

/** Interactions an agent holds (active plus reserved), by media type. */
export type HeldCounts = Partial<Record<MediaType, number>>;

/** Every media type capacity is counted in. */
export const MEDIA_TYPES: readonly MediaType[] = ['message', 'voice', 'email', 'callback'];

/** How many more interactions of `media` an agent may take now (0 when blocked by blending or a cap). */
export function freeSlots(util: Utilization, held: HeldCounts, media: MediaType): number {
  const own = util.media[media];
  if (!own) return 0;
  let total = 0;
  for (const m of MEDIA_TYPES) {
    const n = held[m] ?? 0;
    total += n;
    // Another medium in progress blocks this one unless it may be interrupted by it.
    if (n > 0 && m !== media && !(util.media[m]?.interruptibleBy ?? []).includes(media)) return 0;
  }
  return Math.max(0, Math.min(own.max - (held[media] ?? 0), util.totalMax - total));
}

/** Free slots for every media type. */
export function freeByMedia(util: Utilization, held: HeldCounts): HeldCounts {
  const out: HeldCounts = {};
  for (const m of MEDIA_TYPES) out[m] = freeSlots(util, held, m);
  return out;
}

/** Genesys' queue score: enqueue time minus priority × 60 s (lower is served first). */
export function queueScore(enqueuedAt: number, priority: number): number {
  return enqueuedAt - priority * 60_000;
}

/** The skills still required after `waitMs` in queue, with bullseye rings dropping skills. */
export function skillsAfterWait(skills: readonly string[], rings: readonly Ring[], waitMs: number): readonly string[] {
  let left = skills;
  let t = 0;
  for (const ring of rings) {
    t += ring.timeoutSeconds * 1_000;
    if (waitMs < t) break;
    if (ring.skillsToRemove.includes('*')) return [];
    left = left.filter((s) => !ring.skillsToRemove.includes(s));
  }
  return left;
}

/** The ring index after `waitMs` (0 = innermost). */
export function ringAfterWait(rings: readonly Ring[], waitMs: number): number {
  let t = 0;
  let i = 0;
  for (const ring of rings) {
    t += ring.timeoutSeconds * 1_000;
    if (waitMs < t) break;
    i++;
  }
  return i;
}

/** When the entry enqueued at `enqueuedAt` next moves to an outer ring, or undefined. */
export function nextRingAt(rings: readonly Ring[], enqueuedAt: number, now: number): number | undefined {
  let t = enqueuedAt;
  for (const ring of rings) {
    t += ring.timeoutSeconds * 1_000;
    if (t > now) return t;
  }
  return undefined;
}

/** One waiting interaction in a queue. */
export interface WaitingEntry {
  readonly interactionId: string;
  readonly conversationKey: string;
  readonly score: number;
  readonly enqueuedAt: number;
  readonly priority: number;
  readonly skills: readonly string[];
  readonly mediaType: MediaType;
  /** Agents that declined it (not offered again by this queue). */
  readonly declinedBy: readonly string[];
  /** Skipped by the next dispatch when another agent qualifies: the agent whose direct offer just fell back. */
  readonly avoidAgentId?: string;
  /** The offer in flight, if any. */
  readonly offer?: { readonly offerId: string; readonly agentId: string; readonly at: number };
  readonly info?: Readonly<Record<string, unknown>>;
}

/** What a queue knows about a member agent (told by the agent; the agent stays the authority). */
export interface AgentView {
  readonly agentId: string;
  readonly routable: boolean;
  /** Free slots per media type, not counting reservations this queue holds. */
  readonly free: HeldCounts;
  readonly idleSince: number;
  readonly skills: Readonly<Record<string, number>>;
  readonly version: number;
  /** Offers of this queue in flight to the agent. */
  readonly outstanding: number;
  /** Round-robin position: the queue's offer sequence at the last offer. */
  readonly lastOfferSeq: number;
}

/** Inserts an entry keeping score order (ties keep arrival order); returns a new array. */
export function insertByScore(waiting: readonly WaitingEntry[], entry: WaitingEntry): WaitingEntry[] {
  let lo = 0;
  let hi = waiting.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (waiting[mid].score <= entry.score) lo = mid + 1;
    else hi = mid;
  }
  const out = waiting.slice();
  out.splice(lo, 0, entry);
  return out;
}

/** Whether the agent has every skill the entry still requires after `waitMs` (no allocation: this is the hot loop). */
export function qualifies(
  agent: AgentView,
  skills: readonly string[],
  rings: readonly Ring[],
  waitMs: number,
): boolean {
  for (const s of skills) {
    if (agent.skills[s] > 0) continue;
    // Missing: fine only if a ring already passed has dropped this skill.
    let t = 0;
    let dropped = false;
    for (const ring of rings) {
      t += ring.timeoutSeconds * 1_000;
      if (waitMs < t) break;
      if (ring.skillsToRemove.includes('*') || ring.skillsToRemove.includes(s)) {
        dropped = true;
        break;
      }
    }
    if (!dropped) return false;
  }
  return true;
}

/** Whether the agent has every required skill. */
export function hasSkills(agent: AgentView, required: readonly string[]): boolean {
  for (const s of required) if (!(agent.skills[s] > 0)) return false;
  return true;
}

function proficiency(agent: AgentView, skills: readonly string[]): number {
  let sum = 0;
  for (const s of skills) sum += agent.skills[s] ?? 0;
  return sum;
}

/** True when `a` should be chosen over `b` for `entry` under `strategy`. */
export function better(strategy: SelectionStrategy, a: AgentView, b: AgentView, entry: WaitingEntry): boolean {
  if (strategy === 'round_robin') {
    if (a.lastOfferSeq !== b.lastOfferSeq) return a.lastOfferSeq < b.lastOfferSeq;
  } else if (strategy === 'best_skill') {
    const pa = proficiency(a, entry.skills);
    const pb = proficiency(b, entry.skills);
    if (pa !== pb) return pa > pb;
  }
  if (a.idleSince !== b.idleSince) return a.idleSince < b.idleSince;
  return a.agentId < b.agentId;
}

/** One routing decision: offer this interaction to this agent. */
export interface Assignment {
  readonly interactionId: string;
  readonly agentId: string;
  /** Position of the entry in the waiting list given to `dispatch`. */
  readonly index: number;
}

/** Free slots the queue may still use on an agent. */
export function estimate(agent: AgentView, media: MediaType): number {
  return agent.routable ? (agent.free[media] ?? 0) - agent.outstanding : 0;
}

/**
 * The dispatch pass: waiting entries in score order, each offered to the best eligible agent
 * with room (skills required at the entry's current ring, not an agent that declined it, and
 * not the agent an affinity or transfer offer just fell back from while another qualifies).
 * Stops as soon as no agent has room, so a full contact center costs almost nothing.
 */
export function dispatch(
  waiting: readonly WaitingEntry[],
  agents: Readonly<Record<string, AgentView>>,
  queue: QueueConfig,
  now: number,
  limit = Infinity,
): Assignment[] {
  const room = new Map<string, number>();
  const pool: AgentView[] = [];
  for (const id in agents) {
    const n = estimate(agents[id], queue.mediaType);
    if (n > 0) {
      room.set(id, n);
      pool.push(agents[id]);
    }
  }
  const out: Assignment[] = [];
  if (pool.length === 0) return out;
  for (let index = 0; index < waiting.length; index++) {
    const entry = waiting[index];
    if (entry.offer) continue;
    const waitMs = now - entry.enqueuedAt;
    let best: AgentView | undefined;
    let avoided: AgentView | undefined;
    for (const a of pool) {
      if (
        (room.get(a.agentId) ?? 0) <= 0 ||
        !qualifies(a, entry.skills, queue.rings, waitMs) ||
        (entry.declinedBy.length > 0 && entry.declinedBy.includes(a.agentId))
      )
        continue;
      if (a.agentId === entry.avoidAgentId) avoided = a;
      else if (!best || better(queue.strategy, a, best, entry)) best = a;
    }
    // The agent who just let it fall back gets it again only when nobody else qualifies.
    best ??= avoided;
    if (!best) continue;
    out.push({ interactionId: entry.interactionId, agentId: best.agentId, index });
    const left = room.get(best.agentId)! - 1;
    room.set(best.agentId, left);
    if (left <= 0) {
      pool.splice(pool.indexOf(best), 1);
      if (pool.length === 0 || out.length >= limit) break;
    }
    // Round robin and longest idle move on: treat the chosen agent as just served within this pass.
    if (queue.strategy !== 'best_skill') {
      const moved = { ...best, lastOfferSeq: Number.MAX_SAFE_INTEGER, idleSince: now };
      pool[pool.indexOf(best)] = moved;
    }
    if (out.length >= limit) break;
  }
  return out;
}

/** The earliest ring change among waiting entries without an offer, or undefined. */
export function earliestRingChange(
  waiting: readonly WaitingEntry[],
  rings: readonly Ring[],
  now: number,
): number | undefined {
  if (rings.length === 0) return undefined;
  let min: number | undefined;
  for (const e of waiting) {
    if (e.offer) continue;
    const t = nextRingAt(rings, e.enqueuedAt, now);
    if (t !== undefined && (min === undefined || t < min)) min = t;
  }
  return min;
}
