/**
 * Bounded path generation over a machine model. Exploration is xstate/graph's own
 * `getAdjacencyMap` (with a coarse `serializeState`, so states that differ only by ids or
 * counters are one vertex, and `limit` caps the exploration); the paths are then read off that
 * graph here, because xstate's `getSimplePaths` enumerates every simple path to every vertex and
 * grows exponentially with the graph (it exhausted memory on the conversation machine).
 */
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import { getAdjacencyMap } from 'xstate/graph';

/** An event a model may send, with the words people use for it. */
export type LabelledEvent = EventObject & {
  /** What happens, for people (`customer writes "hello"`). */
  readonly label: string;
  readonly [field: string]: unknown;
};

/** A timer armed by the machine (xstate `after` or a durable effect timer), or by a peer the model stands for. */
export interface ModelTimer {
  readonly id: string;
  readonly dueAt: number;
  readonly delayMs: number;
  readonly event: EventObject;
}

/** What the model keeps besides the machine's snapshot: virtual time and the timers due. */
export interface TimedSnapshot {
  readonly status: 'active' | 'done';
  readonly output: undefined;
  readonly error: undefined;
  readonly machine: AnyMachineSnapshot;
  readonly now: number;
  readonly timers: readonly ModelTimer[];
}

/** The event that lets virtual time pass until the earliest timer fires. */
export const TIME_PASSES = 'model.time_passes';

/** A machine as a model: the events worth trying from a state and how states are told apart. */
export interface MachineModel {
  readonly name: string;
  /** One sentence: what the machine is. */
  readonly summary: string;
  readonly logic: AnyStateMachine;
  readonly input: unknown;
  /** The events worth trying from a snapshot (fresh ids; answers to what is pending); timers come on their own. */
  events(s: AnyMachineSnapshot): readonly LabelledEvent[];
  /** A state by what matters for behaviour, not by ids or counters (keeps the graph small). */
  serialize(s: AnyMachineSnapshot): string;
  /** Where the machine is, for people (`wrapup.mandatory`). */
  stateOf(s: AnyMachineSnapshot): string;
  /** A timer for people (`affinity timeout`), from its id. */
  timerLabel(id: string, s: AnyMachineSnapshot): string;
  /** States not explored further (terminal for a test: closed, abandoned). */
  stop?(s: AnyMachineSnapshot): boolean;
  /**
   * Timers another actor runs on this machine's behalf (the agent's wrap-up time box for an
   * interaction), recomputed after every step: id → [delay, event]. A peer timer keeps its due time
   * while its id stays.
   */
  peerTimers?(s: AnyMachineSnapshot): Readonly<Record<string, readonly [number, EventObject]>>;
}

/** One step of a path: the event (label and the event itself) and the state it leads to. */
export interface PathStep {
  readonly label: string;
  readonly event: EventObject;
  /** For a delayed event: the virtual time it fires at, and how long it had been armed. */
  readonly dueAt?: number;
  readonly delayMs?: number;
  /** The timer's id; `peer:` ones are run by another actor, which sends the event. */
  readonly timerId?: string;
  readonly state: string;
  /** The model's snapshot after the step (not printed; drivers compare against it). */
  readonly snapshot: TimedSnapshot;
}

export interface ModelPath {
  /** The state the path starts from. */
  readonly initial: string;
  readonly steps: readonly PathStep[];
}

/** `transitions`: the shortest path to each state, extended by each event tried there (every edge, refusals included). */
export type PathKind = 'shortest' | 'simple' | 'transitions';

/** How far a traversal may go. */
export interface PathBounds {
  /** Vertices xstate/graph may pop while exploring (default 20,000); exceeding it is an error that says so. */
  readonly maxStates?: number;
  /** Longest simple path, in steps (default 12). */
  readonly maxDepth?: number;
  /** Most paths returned (default 200). */
  readonly maxPaths?: number;
  /** Virtual time the model starts at (default a Tuesday 09:00 UTC). */
  readonly start?: number;
}

/** Where models start in virtual time: Tuesday 6 January 2026, 09:00 UTC (office hours in Europe). */
export const MODEL_START_MS = Date.UTC(2026, 0, 6, 9, 0, 0);

type Action = { type: string; params?: unknown };

/** Applies one event to the machine at the model's time and keeps its timers as the actor host would. */
function applyAt(
  model: MachineModel,
  s: TimedSnapshot,
  event: EventObject,
  now: number,
  fired?: string,
): TimedSnapshot {
  const [next, actions] = transition(model.logic, s.machine, { ...event, at: now } as never);
  const timers = new Map(s.timers.filter((t) => t.id !== fired).map((t) => [t.id, t]));
  for (const a of actions as Action[]) {
    if (a.type === 'xstate.raise') {
      const p = a.params as { event: EventObject; id?: string; delay?: number };
      if (p.delay === undefined) continue;
      const id = p.id ?? p.event.type;
      timers.set(id, { id, dueAt: now + p.delay, delayMs: p.delay, event: p.event });
    } else if (a.type === 'xstate.cancel') timers.delete((a.params as { sendId: string }).sendId);
  }
  return withPeers(model, { ...s, machine: next, now, timers: [...timers.values()], status: statusOf(next) });
}

function statusOf(s: AnyMachineSnapshot): 'active' | 'done' {
  return s.status === 'active' ? 'active' : 'done';
}

function withPeers(model: MachineModel, s: TimedSnapshot): TimedSnapshot {
  if (!model.peerTimers) return s;
  const wanted = model.peerTimers(s.machine);
  const own = s.timers.filter((t) => !t.id.startsWith('peer:'));
  const peers = Object.entries(wanted).map(([id, [delayMs, event]]) => {
    const kept = s.timers.find((t) => t.id === `peer:${id}`);
    return kept ?? { id: `peer:${id}`, dueAt: s.now + delayMs, delayMs, event };
  });
  return { ...s, timers: [...own, ...peers] };
}

/** The earliest timer (ties in the order armed), the one that fires when time passes. */
export function nextTimer(s: TimedSnapshot): ModelTimer | undefined {
  let due: ModelTimer | undefined;
  for (const t of s.timers) if (!due || t.dueAt < due.dueAt) due = t;
  return due;
}

/** The machine wrapped with virtual time: an xstate ActorLogic that xstate/graph can traverse. */
export function timedLogic(model: MachineModel, start = MODEL_START_MS) {
  return {
    getInitialSnapshot: (): TimedSnapshot => {
      const [machine, actions] = initialTransition(model.logic, model.input as never);
      const timers: ModelTimer[] = [];
      for (const a of actions as Action[])
        if (a.type === 'xstate.raise') {
          const p = a.params as { event: EventObject; id?: string; delay?: number };
          if (p.delay !== undefined)
            timers.push({ id: p.id ?? p.event.type, dueAt: start + p.delay, delayMs: p.delay, event: p.event });
        }
      const s: TimedSnapshot = { status: 'active', output: undefined, error: undefined, machine, now: start, timers };
      return withPeers(model, s);
    },
    transition: (s: TimedSnapshot, event: EventObject): TimedSnapshot => {
      if (event.type !== TIME_PASSES) return applyAt(model, s, event, s.now);
      // Every timer due at that moment fires, as a clock moved to it fires them all (in the order armed).
      const t = nextTimer(s);
      if (!t) return s;
      let next = s;
      for (const due of s.timers.filter((x) => x.dueAt === t.dueAt))
        if (next.timers.some((x) => x.id === due.id)) next = applyAt(model, next, due.event, due.dueAt, due.id);
      return next;
    },
  };
}

/** The events of a timed state: the model's own, then "time passes" to the earliest timer, labelled for people. */
export function timedEvents(model: MachineModel, s: TimedSnapshot): LabelledEvent[] {
  const evs = [...model.events(s.machine)];
  const t = nextTimer(s);
  if (t) evs.push({ type: TIME_PASSES, label: `after ${model.timerLabel(t.id, s.machine)} (${duration(t.delayMs)})` });
  return evs;
}

/** A timed state by the model's serialization and which timers are armed (not when). */
export function timedSerial(model: MachineModel, s: TimedSnapshot): string {
  // Timer ids carry offer and interaction ids (`alert:o7`): count them by kind, or ids would make every state new.
  return `${model.serialize(s.machine)}|${s.timers
    .map((t) => t.id.replace(/\d+/g, '#'))
    .sort()
    .join(',')}`;
}

type Adjacency = Record<
  string,
  { state: TimedSnapshot; transitions: Record<string, { event: EventObject; state: TimedSnapshot }> }
>;

function explore(model: MachineModel, bounds: PathBounds): { adj: Adjacency; root: string } {
  const maxStates = bounds.maxStates ?? 20_000;
  const options = {
    events: (s: TimedSnapshot) => timedEvents(model, s),
    serializeState: (s: TimedSnapshot) => timedSerial(model, s),
    serializeEvent: (e: EventObject) => (e as LabelledEvent).label,
    limit: maxStates,
    stopWhen: (s: TimedSnapshot) => s.status !== 'active' || (model.stop?.(s.machine) ?? false),
  };
  let adj: Adjacency;
  try {
    adj = getAdjacencyMap(timedLogic(model, bounds.start) as never, options as never) as unknown as Adjacency;
  } catch (err) {
    if (err instanceof Error && err.message.includes('limit'))
      throw new Error(
        `the ${model.name} machine has more than ${maxStates} states under this model; raise maxStates or coarsen its serialization`,
      );
    throw err;
  }
  return { adj, root: Object.keys(adj)[0]! };
}

/**
 * A path found on the graph, replayed from the initial state by its labels. The graph keeps one
 * snapshot per serialized state (the first reached), so the events on its edges carry that
 * snapshot's ids; replaying re-derives each step's event from the snapshot this path actually
 * reached, and drops a path whose label is not offered there.
 */
function concretize(
  model: MachineModel,
  logic: ReturnType<typeof timedLogic>,
  labels: readonly string[],
): ModelPath | undefined {
  let s = logic.getInitialSnapshot();
  const initial = model.stateOf(s.machine);
  const steps: PathStep[] = [];
  for (const label of labels) {
    const e = timedEvents(model, s).find((x) => x.label === label);
    if (!e) return undefined;
    const next = logic.transition(s, e);
    const { label: _l, ...event } = e;
    if (e.type === TIME_PASSES) {
      const t = nextTimer(s)!;
      steps.push({
        label,
        event: t.event,
        dueAt: t.dueAt,
        delayMs: t.delayMs,
        timerId: t.id,
        state: model.stateOf(next.machine),
        snapshot: next,
      });
    } else steps.push({ label, event: event as EventObject, state: model.stateOf(next.machine), snapshot: next });
    s = next;
  }
  return { initial, steps };
}

/**
 * Paths of a model. `shortest`: one path to each reachable state, fewest steps. `simple`: the
 * maximal paths that visit no state twice (ending where nothing new is reachable, at a stop
 * state, or at `maxDepth`), depth first, at most `maxPaths`.
 */
export function modelPaths(model: MachineModel, kind: PathKind, bounds: PathBounds = {}): ModelPath[] {
  const { adj, root } = explore(model, bounds);
  const maxPaths = bounds.maxPaths ?? 200;
  const serial = (s: TimedSnapshot) => timedSerial(model, s);
  const edges = (at: string) => Object.entries(adj[at]?.transitions ?? {});
  const found: string[][] = [];
  if (kind === 'shortest' || kind === 'transitions') {
    const seen = new Set([root]);
    let frontier: { at: string; labels: string[] }[] = [{ at: root, labels: [] }];
    const reached: { at: string; labels: string[] }[] = [{ at: root, labels: [] }];
    while (frontier.length > 0 && (kind === 'transitions' || found.length < maxPaths)) {
      const next: typeof frontier = [];
      for (const { at, labels } of frontier) {
        for (const [label, t] of edges(at)) {
          const to = serial(t.state);
          if (seen.has(to)) continue;
          seen.add(to);
          found.push([...labels, label]);
          next.push({ at: to, labels: [...labels, label] });
        }
      }
      reached.push(...next);
      frontier = next;
    }
    if (kind === 'transitions') {
      found.length = 0;
      for (const { at, labels } of reached) for (const [label] of edges(at)) found.push([...labels, label]);
    }
  } else {
    const maxDepth = bounds.maxDepth ?? 12;
    const onPath = new Set<string>();
    const walk = (at: string, labels: string[]): void => {
      onPath.add(at);
      let extended = false;
      if (labels.length < maxDepth) {
        for (const [label, t] of edges(at)) {
          if (found.length >= maxPaths) break;
          const to = serial(t.state);
          if (onPath.has(to)) continue;
          extended = true;
          walk(to, [...labels, label]);
        }
      }
      if (!extended && labels.length > 0 && found.length < maxPaths) found.push(labels);
      onPath.delete(at);
    };
    walk(root, []);
  }
  const logic = timedLogic(model, bounds.start);
  return found.slice(0, maxPaths).flatMap((labels) => concretize(model, logic, labels) ?? []);
}

/** A delay for people: `60 s`, `15 min`, `24 h` (seconds up to ten minutes, as timeouts are configured). */
export function duration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 600_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 100) / 10} s`;
}

/** A snapshot's state value as a dotted name (parallel regions joined with ` + `). */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return String(value);
  const entries = Object.entries(value as Record<string, unknown>);
  const parts = entries.map(([k, v]) =>
    typeof v === 'object' && v && Object.keys(v).length === 0 ? k : `${k}.${stateName(v)}`,
  );
  return parts.join(' + ');
}
