/**
 * `switchboard/testkit`: generated test suites for a test author's own routing configuration.
 *
 * `generateSuite({ routing, machine })` walks the machine's model (engine/paths-models.ts) under
 * that configuration and returns one runnable test per path. Each runs on the real actor runtime —
 * an ActorHost over an LMDB store with a manual clock — hosting the machine under test; the path
 * plays its peers (the conversation, queues, agents send what they would), and its delayed steps
 * move the clock to the moment the timer is due, so durable timers fire from the clock. After
 * every step the kit checks that the hosted actor is where the model says, and the invariants
 * (capacity, one owner, reply window, RONA). `implementations` lets a test swap a machine (a
 * planted bug, a customised machine) while the model stays the reference.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { ActorHost, LmdbStore, ManualClock } from '../../actors/index.js';
import type { Bus } from '../../actors/types.js';
import { heldCounts, type AgentContext } from '../../machines/agent-logic.js';
import { policyFor } from '../../machines/channel-policies.js';
import type { InteractionContext } from '../../machines/interaction.machine.js';
import type { ActorEvent } from '../../protocol/actor.js';
import type { Channel } from '../../protocol/channels.js';
import { RoutingConfigHolder } from '../config/routing.js';
import { machineModel } from '../paths-models.js';
import { MODEL_START_MS, modelPaths, type MachineModel, type ModelPath, type PathKind } from '../paths-traverse.js';

export { MACHINE_NAMES, machineModel } from '../paths-models.js';
export { modelPaths, type ModelPath, type PathStep } from '../paths-traverse.js';

/** Machines the kit runs on the runtime. */
export const KIT_MACHINES = ['interaction', 'agent', 'conversation'] as const;
export type KitMachine = (typeof KIT_MACHINES)[number];

export interface SuiteOptions {
  /** Your routing file (as you would apply it), or a holder already loaded. */
  readonly routing: unknown;
  readonly machine: KitMachine;
  /** Which paths (default `transitions`: every event tried in every state the model reaches). */
  readonly paths?: PathKind;
  readonly maxPaths?: number;
  readonly maxDepth?: number;
  /** The conversation's channel (conversation machine; default whatsapp). */
  readonly channel?: Channel;
  /** Replace the hosted machine (the model keeps the reference one): a customised or deliberately broken machine. */
  readonly implementation?: (machine: AnyStateMachine) => AnyStateMachine;
  /** Where LMDB stores go (default the OS temp dir); each path's store is removed after it. */
  readonly dir?: string;
}

/** One generated test: its title (the path in words) and its run on the runtime. */
export interface GeneratedTest {
  readonly title: string;
  readonly path: ModelPath;
  run(): Promise<void>;
}

/** A step where the runtime disagreed with the model or broke an invariant. */
export class PathFailure extends Error {
  constructor(
    readonly path: string,
    readonly step: number,
    reason: string,
  ) {
    super(`${path}\n  step ${step}: ${reason}`);
    this.name = 'PathFailure';
  }
}

/** Records what the actor sends; peers are played by the path, so nothing is delivered back. */
class SinkBus implements Bus {
  readonly published: string[] = [];
  async publish(subject: string): Promise<void> {
    this.published.push(subject);
  }
}

/** The suite of a machine under your configuration. */
export function generateSuite(options: SuiteOptions): GeneratedTest[] {
  const routing =
    options.routing instanceof RoutingConfigHolder
      ? options.routing
      : new RoutingConfigHolder({ initial: options.routing });
  const model = machineModel(options.machine, { routing, channel: options.channel })!;
  const paths = modelPaths(model, options.paths ?? 'transitions', {
    maxPaths: options.maxPaths ?? 400,
    maxDepth: options.maxDepth ?? 10,
  });
  return paths.map((path) => {
    const title = `${path.initial} ─ ${path.steps.map((s) => `${s.label} → ${s.state}`).join(' ─ ')}`;
    return { title, path, run: () => runPath(model, path, title, options) };
  });
}

function keyOf(model: MachineModel): string {
  const input = model.input as { interactionId?: string; agentId?: string; conversationKey?: string };
  return input.interactionId ?? input.agentId ?? input.conversationKey ?? 'k1';
}

/** Runs one path on an ActorHost over LMDB with a manual clock, checking after every step. */
export async function runPath(model: MachineModel, path: ModelPath, title: string, options: SuiteOptions) {
  const dir = mkdtempSync(join(options.dir ?? tmpdir(), 'sb-testkit-'));
  const clock = new ManualClock(MODEL_START_MS);
  const store = LmdbStore.open(join(dir, 'lmdb'), { noSync: true });
  const bus = new SinkBus();
  const host = new ActorHost({ store, clock, bus });
  const machine = options.implementation ? options.implementation(model.logic) : model.logic;
  host.register({ name: model.name, machine, input: () => model.input as never });
  host.start();
  const ref = { type: model.name, key: keyOf(model) };
  const check = invariantsOf(model, options);
  try {
    let n = 0;
    for (const step of path.steps) {
      n += 1;
      const fail = (reason: string): never => {
        throw new PathFailure(title, n, `${step.label}: ${reason}`);
      };
      let responses: readonly { ok: boolean }[] = [];
      if (step.dueAt !== undefined) {
        // Time passes to the timer's due moment: the host's durable timer fires from the clock.
        await clock.set(step.dueAt);
        // A timer a peer runs (the agent's wrap-up time box) arrives as that peer's event.
        if (step.timerId?.startsWith('peer:'))
          await host.send(ref, { ...step.event, at: clock.now() } as ActorEvent, `kit-${n}`);
      } else {
        const r = await host.send(ref, { ...step.event, at: clock.now() } as ActorEvent, `kit-${n}`);
        if (r.status === 'rejected') fail(`the actor rejected the event (${r.code}: ${r.message})`);
        if (r.status === 'applied') responses = r.responses as { ok: boolean }[];
      }
      await host.drain();
      const after = host.read(ref);
      if (!after) fail('the actor has no state');
      const want = model.serialize(step.snapshot.machine);
      const got = model.serialize(after!);
      if (got !== want)
        fail(`the model expects ${step.state}, the runtime is in ${model.stateOf(after!)} (${got} ≠ ${want})`);
      const broken = check(step.event, after!, responses, clock.now());
      if (broken) fail(broken);
    }
  } finally {
    await host.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The invariants of a machine: a sentence when one is broken after a step. */
function invariantsOf(model: MachineModel, options: SuiteOptions) {
  let lastInbound: number | undefined;
  const holder =
    options.routing instanceof RoutingConfigHolder
      ? options.routing
      : new RoutingConfigHolder({ initial: options.routing });
  return (event: EventObject, s: AnyMachineSnapshot, responses: readonly { ok: boolean }[], now: number) => {
    if (model.name === 'agent') {
      const c = s.context as AgentContext;
      const util = holder.config().agents[c.agentId]?.utilization;
      if (util) {
        const held = heldCounts(c);
        for (const [m, count] of Object.entries(held))
          if ((count ?? 0) > (util.media[m as 'message']?.max ?? 0))
            return `agent over capacity: ${count} ${m} held, at most ${util.media[m as 'message']?.max ?? 0}`;
        const total = Object.values(held).reduce((a, b) => a + (b ?? 0), 0);
        if (total > util.totalMax) return `agent over capacity: ${total} held, at most ${util.totalMax} in total`;
      }
      for (const o of Object.values(c.offers))
        if (o.expiresAt < now) return `offer ${o.offerId} still alerting after its alerting timeout (no RONA)`;
      if (event.type === 'agent.offer_expired' && s.value === 'available' && c.reason === undefined)
        return 'an offer timed out and the agent is still available (RONA must make them not ready)';
    }
    if (model.name === 'interaction') {
      const c = s.context as InteractionContext;
      const top = typeof s.value === 'string' ? s.value : Object.keys(s.value as object)[0];
      if (top === 'connected' && !c.agentId) return 'connected without an owning agent';
      if (top !== 'connected' && top !== 'wrapup' && c.agentId && top !== 'waiting')
        return `${top} while still owned by ${c.agentId}`;
    }
    if (model.name === 'conversation') {
      const e = event as { type: string; kind?: string; tag?: string };
      if (e.type === 'message.received') lastInbound = now;
      if (e.type === 'reply.requested' && e.kind === 'text' && !e.tag && responses.some((r) => r.ok)) {
        const policy = policyFor(options.channel ?? 'whatsapp');
        if (
          policy.freeFormWindowMs !== null &&
          (lastInbound === undefined || now - lastInbound >= policy.freeFormWindowMs)
        )
          return 'a free-form reply was accepted after the reply window closed (a template is required)';
      }
    }
    return undefined;
  };
}
