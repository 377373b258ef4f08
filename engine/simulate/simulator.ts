/**
 * The what-if simulator: a contact-center day on the real machines and the real actor host (ActorHost + an ActorStore +
 * ManualClock) in virtual time. Customers arrive (Poisson, with an hourly profile), the routing
 * actors (interaction, queue, agent) route them exactly as in production, and simulated agents accept, handle and
 * wrap up; customers whose patience runs out leave. The store is the in-memory ActorStore, held to the LMDB
 * store's contract. Time is causal: the run steps to the next due time — a durable
 * timer or a scripted event — and lets everything it causes settle before the next one, so results are the same
 * for a seed however the run is sliced.
 */
import { ActorHost, ManualClock, MemoryStore } from '../../actors/index.js';
import type { Bus } from '../../actors/types.js';
import type { ActorEvent, Envelope } from '../../protocol/actor.js';
import { decode } from '../../protocol/wire.js';
import { RoutingConfigHolder, routingActorTypes } from '../config/routing.js';
import { poissonArrivals, sampler, seeded, type Uniform } from './random.js';
import { parseScenario, type Scenario, type SimAgent, scenarioRouting, simIntegration } from './scenario.js';

const HOUR_MS = 3_600_000;
const ROUTING_TYPES = new Set(['agent', 'queue', 'interaction']);

/** Figures of one queue, of all queues, or of one interval. */
export interface SimFigures {
  /** Customers who arrived after warm-up and reached a queue. */
  readonly offered: number;
  /** Of those, connected to an agent. */
  readonly answered: number;
  /** Of those, left before an agent connected. */
  readonly abandoned: number;
  /** Answered within the queue's service-level threshold, as a fraction of offered. */
  readonly serviceLevel: number;
  /** Mean wait of the answered, in seconds. */
  readonly asaSeconds: number;
  /** Mean handle time (connected + wrap-up) of the interactions completed, in seconds. */
  readonly ahtSeconds: number;
  /** Agents' busy time (connected + wrap-up, per unit of capacity) over their staffed time. */
  readonly occupancy: number;
}

/** What a run reports: totals, per queue, per interval (by arrival time), and how much work it did. */
export interface SimResult {
  readonly seed: number;
  readonly total: SimFigures;
  readonly queues: Readonly<Record<string, SimFigures>>;
  readonly intervals: readonly ({ readonly start: string; readonly queue: string } & SimFigures)[];
  readonly run: {
    readonly conversations: number;
    readonly agents: number;
    readonly actorEvents: number;
    /** Accepts that put an agent above its capacity (an invariant: always 0). */
    readonly overCapacity: number;
  };
}

interface Customer {
  readonly id: string;
  readonly arrivedAt: number;
  queueId?: string;
  connectedAt?: number;
  abandonedAt?: number;
  doneAt?: number;
  busyFrom?: number;
  agentId?: string;
  capacity?: number;
}

/** Scripted events in time order; ties keep insertion order. */
class Agenda {
  readonly #items: { at: number; seq: number; run: () => Promise<void> }[] = [];
  #seq = 0;

  add(at: number, run: () => Promise<void>): void {
    const item = { at, seq: this.#seq++, run };
    // Binary insertion keeps the agenda sorted; most insertions land near the end.
    let lo = 0;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.#items[mid];
      if (m.at < at || (m.at === at && m.seq < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.#items.splice(lo, 0, item);
  }

  get next(): number | undefined {
    return this.#items[0]?.at;
  }

  /** Removes and returns everything due at or before `t`. */
  takeDue(t: number): (() => Promise<void>)[] {
    let n = 0;
    while (n < this.#items.length && this.#items[n].at <= t) n++;
    return this.#items.splice(0, n).map((i) => i.run);
  }
}

/** Delivers routing envelopes back into the host and hands live updates and records to the simulator. */
class SimBus implements Bus {
  host?: ActorHost;
  readonly #pending = new Set<Promise<unknown>>();
  constructor(
    readonly onLive: (m: Record<string, unknown>) => void,
    readonly onRecord: (m: Record<string, unknown>) => void,
    readonly onOther: (e: Envelope) => void,
  ) {}

  async publish(subject: string, data: Uint8Array): Promise<void> {
    if (subject.startsWith('sb.actor.')) {
      const env = decode<Envelope>(data);
      if (!ROUTING_TYPES.has(env.to.type)) return this.onOther(env);
      const p = this.host!.deliver(env).finally(() => this.#pending.delete(p));
      this.#pending.add(p);
    } else if (subject.startsWith('sb.live.')) this.onLive(decode(data));
    else if (subject.startsWith('sb.record.')) this.onRecord(decode(data));
  }

  /** Waits until nothing is in flight: no delivery, no uncommitted event, no outbox row. */
  async settle(): Promise<void> {
    for (;;) {
      await this.host!.drain();
      if (this.#pending.size === 0) {
        await new Promise((r) => setImmediate(r));
        if (this.#pending.size === 0 && this.host!.outboxSize === 0) return;
      }
      await Promise.all([...this.#pending]);
    }
  }
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

/** Runs a scenario (raw JSON or parsed) and returns its figures. `seed` overrides the scenario's. */
export async function simulate(raw: unknown, opts: { seed?: number } = {}): Promise<SimResult> {
  const s: Scenario = parseScenario(raw);
  const seed = opts.seed ?? s.seed;
  const { routing, agents } = scenarioRouting(s);
  const holder = new RoutingConfigHolder({ initial: routing });
  const cfg = holder.config();
  const start = Date.parse(s.start);
  const runMs = s.durationHours * HOUR_MS;
  const end = start + runMs;
  const warmupEnd = start + s.warmupHours * HOUR_MS;
  const clock = new ManualClock(start);
  // The memory store keeps the LMDB store's contract (test/actors/store.contract.test.ts) without its I/O.
  const store = new MemoryStore();
  const agenda = new Agenda();
  const customers = new Map<string, Customer>();
  let n = 0;

  // One stream per kind of draw, so adding agents does not change the arrivals (what-if on the same customers).
  const streams = (k: number): Uniform => seeded(seed, k);
  const handle = sampler(s.handleTime, streams(1));
  const wrap = sampler(s.wrapupTime, streams(2));
  const answer = sampler(s.answerTime, streams(3));
  const patience = s.patience ? sampler(s.patience, streams(4)) : undefined;
  const notReadyReason = cfg.notReadyReasons.find((r) => r !== 'RONA') ?? 'Meeting';
  const codeFor = (queueId: string | undefined) =>
    (queueId && cfg.queues[queueId]?.acw.defaultCode) || cfg.wrapupCodes[0] || 'Processed';

  const bus = new SimBus(
    (m) => {
      if (m.kind !== 'offer' || typeof m.topic !== 'string') return;
      const agentId = m.topic.slice('agent.'.length);
      const offerId = String(m.offerId);
      const c = customers.get(String(m.interactionId));
      if (c && !c.queueId && typeof m.queueId === 'string') c.queueId = m.queueId;
      agenda.add(clock.now() + answer(), () => accept(agentId, offerId));
    },
    (r) => {
      if (r.kind === 'interaction.stage' && r.stage === 'queued') {
        const c = customers.get(String(r.interactionId));
        if (c && typeof r.queueId === 'string') c.queueId = r.queueId;
      }
    },
    () => undefined,
  );
  const host = new ActorHost({ store, clock, bus, maxActive: 200_000 });
  for (const t of routingActorTypes(holder)) host.register(t);
  bus.host = host;
  host.start();

  const send = async (type: string, key: string, event: Omit<ActorEvent, 'at'>) => {
    return host.send({ type, key }, { ...event, at: clock.now() } as ActorEvent, `sim:${++n}`);
  };
  const agentCapacity = new Map(agents.map((a) => [a.id, a.capacity]));
  // Invariant watched on every accept: no agent ever holds more than its capacity.
  const holding = new Map<string, number>();
  let overCapacity = 0;

  async function accept(agentId: string, offerId: string): Promise<void> {
    const r = await send('agent', agentId, { type: 'agent.offer_accepted', offerId });
    const data = r.status === 'applied' ? r.responses?.[0] : undefined;
    if (!data?.ok) return;
    const c = customers.get(String((data.data as { interactionId?: string })?.interactionId));
    if (!c || c.connectedAt !== undefined || c.abandonedAt !== undefined) return;
    c.connectedAt = clock.now();
    c.busyFrom = c.connectedAt;
    const held = (holding.get(agentId) ?? 0) + 1;
    holding.set(agentId, held);
    if (held > (agentCapacity.get(agentId) ?? 1)) overCapacity++;
    c.agentId = agentId;
    c.capacity = agentCapacity.get(agentId) ?? 1;
    agenda.add(clock.now() + handle(), () => finish(agentId, c));
  }

  async function finish(agentId: string, c: Customer): Promise<void> {
    await send('agent', agentId, { type: 'agent.interaction_ended', interactionId: c.id });
    agenda.add(clock.now() + wrap(), async () => {
      await send('agent', agentId, { type: 'agent.wrapup_submitted', interactionId: c.id, code: codeFor(c.queueId) });
      c.doneAt = clock.now();
      holding.set(agentId, (holding.get(agentId) ?? 1) - 1);
    });
  }

  // Staffing: log in at the shift's start, go Not Ready (finishing current work) at its end.
  const staffed: SimAgent[] = agents;
  for (const a of staffed) {
    agenda.add(start + a.fromMs, async () => {
      await send('agent', a.id, { type: 'agent.logged_in' });
    });
    if (a.toMs < runMs)
      agenda.add(start + a.toMs, async () => {
        await send('agent', a.id, { type: 'agent.presence_changed', presence: 'not_ready', reason: notReadyReason });
      });
  }

  // Arrivals: each stream of arrivals draws from its own generator.
  s.arrivals.forEach((arr, i) => {
    const times = poissonArrivals(arr.ratePerHour, arr.profile, runMs, streams(10 + i));
    const integrationId = arr.integrationId ?? simIntegration(arr.queue!);
    for (const t of times) {
      agenda.add(start + Math.floor(t), async () => {
        const id = `sim-${customers.size + 1}`;
        const c: Customer = { id, arrivedAt: clock.now(), queueId: arr.queue };
        customers.set(id, c);
        await send('interaction', id, {
          type: 'interaction.opened',
          interactionId: id,
          conversationKey: `${arr.channel}:${integrationId}:${id}`,
          contactId: `ct-${id}`,
          channel: arr.channel,
          integrationId,
          channelUserId: id,
          message: { messageId: `m-${id}`, kind: 'text', text: arr.text },
        });
        if (patience)
          agenda.add(clock.now() + patience(), async () => {
            if (c.connectedAt !== undefined) return;
            c.abandonedAt = clock.now();
            await send('interaction', id, {
              type: 'interaction.customer_left',
              interactionId: id,
              reason: 'abandoned',
            });
          });
      });
    }
  });

  try {
    await bus.settle();
    for (;;) {
      const timer = store.earliestTimer();
      const next = Math.min(agenda.next ?? Infinity, timer ?? Infinity);
      if (!(next <= end)) break;
      if (next > clock.now()) await clock.set(next);
      else await clock.flush();
      await bus.settle();
      const due = agenda.takeDue(clock.now());
      if (due.length > 0) {
        await Promise.all(due.map((run) => run()));
        await bus.settle();
      }
    }
    await clock.set(end);
    await bus.settle();
  } finally {
    await host.stop();
    await store.close();
  }

  return figures(s, seed, customers, staffed, { start, end, warmupEnd, events: host.stats.applied, cfg, overCapacity });
}

function figures(
  s: Scenario,
  seed: number,
  customers: ReadonlyMap<string, Customer>,
  agents: readonly SimAgent[],
  o: {
    start: number;
    end: number;
    warmupEnd: number;
    events: number;
    cfg: ReturnType<RoutingConfigHolder['config']>;
    overCapacity: number;
  },
): SimResult {
  const slMs = (q: string | undefined) => (q ? (o.cfg.queues[q]?.serviceLevelSeconds ?? 20) : 20) * 1_000;
  // Staffed agent-time per unit of capacity, overall and per interval window (after warm-up).
  const staffedMs = (from: number, to: number) =>
    agents.reduce((sum, a) => {
      const lo = Math.max(from, o.start + a.fromMs);
      const hi = Math.min(to, o.start + a.toMs);
      return sum + Math.max(0, hi - lo);
    }, 0);
  const busyMs = (cs: readonly Customer[], from: number, to: number) =>
    cs.reduce((sum, c) => {
      if (c.busyFrom === undefined) return sum;
      const lo = Math.max(from, c.busyFrom);
      const hi = Math.min(to, c.doneAt ?? o.end);
      return sum + Math.max(0, hi - lo) / (c.capacity ?? 1);
    }, 0);
  const all = [...customers.values()];
  const calc = (cs: readonly Customer[], from: number, to: number, occupancyOf: readonly Customer[]): SimFigures => {
    const offered = cs.filter((c) => c.arrivedAt >= from && c.arrivedAt < to && c.queueId !== undefined);
    const answered = offered.filter((c) => c.connectedAt !== undefined);
    const abandoned = offered.filter((c) => c.connectedAt === undefined && c.abandonedAt !== undefined);
    const inSl = answered.filter((c) => c.connectedAt! - c.arrivedAt <= slMs(c.queueId));
    const done = offered.filter((c) => c.doneAt !== undefined && c.connectedAt !== undefined);
    const staffed = staffedMs(from, to);
    return {
      offered: offered.length,
      answered: answered.length,
      abandoned: abandoned.length,
      serviceLevel: round(offered.length ? inSl.length / offered.length : 0),
      asaSeconds: round(mean(answered.map((c) => c.connectedAt! - c.arrivedAt)) / 1_000, 2),
      ahtSeconds: round(mean(done.map((c) => c.doneAt! - c.connectedAt!)) / 1_000, 2),
      occupancy: round(staffed ? busyMs(occupancyOf, from, to) / staffed : 0),
    };
  };
  const queueIds = [...new Set(all.map((c) => c.queueId).filter((q): q is string => q !== undefined))].sort();
  const queues: Record<string, SimFigures> = Object.create(null);
  for (const q of queueIds) {
    const cs = all.filter((c) => c.queueId === q);
    // Occupancy is an agent figure: per queue it is the time agents spent on that queue's work.
    queues[q] = calc(cs, o.warmupEnd, o.end, cs);
  }
  const intervals: ({ start: string; queue: string } & SimFigures)[] = [];
  const step = s.intervalMinutes * 60_000;
  for (let t = o.warmupEnd; t < o.end; t += step) {
    const to = Math.min(o.end, t + step);
    for (const q of ['*', ...queueIds]) {
      const cs = q === '*' ? all : all.filter((c) => c.queueId === q);
      intervals.push({ start: new Date(t).toISOString(), queue: q, ...calc(cs, t, to, cs) });
    }
  }
  return {
    seed,
    total: calc(all, o.warmupEnd, o.end, all),
    queues,
    intervals,
    run: { conversations: customers.size, agents: agents.length, actorEvents: o.events, overCapacity: o.overCapacity },
  };
}

/** The figures of two runs side by side: b − a for every total and queue figure. */
export function compareResults(a: SimResult, b: SimResult): Record<string, Record<string, number>> {
  const diff = (x: SimFigures, y: SimFigures) =>
    Object.fromEntries(Object.keys(x).map((k) => [k, round(y[k as keyof SimFigures] - x[k as keyof SimFigures])]));
  const out: Record<string, Record<string, number>> = { total: diff(a.total, b.total) };
  for (const q of Object.keys(a.queues)) if (b.queues[q]) out[q] = diff(a.queues[q], b.queues[q]);
  return out;
}
