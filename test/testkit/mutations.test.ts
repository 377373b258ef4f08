/**
 * The kit bites: a bug planted in each policy (a machine swapped through `implementation`)
 * makes the generated suite for the example configuration fail, while the unmutated one passes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { generateSuite, PathFailure, type KitMachine } from 'switchboard/testkit';
import { RoutingConfigHolder } from '../../engine/config/routing.js';
import { createAgentMachine } from '../../machines/agent.machine.js';

const routing = JSON.parse(readFileSync(new URL('../../examples/routing.json', import.meta.url), 'utf8'));
const DAY = 86_400_000;

/** Runs a suite; the failures it reports. */
async function failures(
  machine: KitMachine,
  implementation?: (m: AnyStateMachine) => AnyStateMachine,
  config: unknown = routing,
) {
  const out: PathFailure[] = [];
  for (const t of generateSuite({ routing: config, machine, implementation })) {
    try {
      await t.run();
    } catch (err) {
      if (!(err instanceof PathFailure)) throw err;
      out.push(err);
    }
  }
  return out;
}

// One agent holding one message at a time; the broken machine counts against a capacity of five.
const single = structuredClone(routing);
single.agents = [
  { ...single.agents[0], utilization: { media: { message: { max: 1, interruptibleBy: [] } }, totalMax: 1 } },
];
const inflated = structuredClone(single);
inflated.agents[0].utilization = { media: { message: { max: 5, interruptibleBy: [] } }, totalMax: 5 };

const mutants: [string, KitMachine, (m: AnyStateMachine) => AnyStateMachine, unknown?][] = [
  // The free-form window never closes in time.
  ['reply window', 'conversation', (m) => m.provide({ delays: { freeFormWindow: () => 30 * DAY } })],
  // A waiting conversation is never unthreaded.
  [
    'threading',
    'conversation',
    (m) => m.provide({ delays: { threadingWindow: () => 30 * DAY, pendingWindow: () => 30 * DAY } }),
  ],
  // The returning customer skips the last agent.
  ['affinity', 'interaction', (m) => m.provide({ guards: { lastAgentTakesFirst: () => false } })],
  // An unanswered offer leaves the agent available.
  ['RONA', 'agent', (m) => m.provide({ guards: { alertingTimedOut: () => false } })],
  // Capacity counted against the wrong limit.
  ['capacity', 'agent', () => createAgentMachine(new RoutingConfigHolder({ initial: inflated })), single],
  // Time-boxed wrap-up treated as optional.
  ['wrap-up', 'interaction', (m) => m.provide({ guards: { acwTimeboxed: () => false, acwMandatory: () => false } })],
];

describe('mutation check: the generated suites fail on a planted bug in each policy', () => {
  for (const [policy, machine, mutate, config] of mutants)
    it(`${policy} (${machine})`, { timeout: 300_000 }, async () => {
      const broken = await failures(machine, mutate, config);
      expect(broken.length, `${policy}: no generated path failed`).toBeGreaterThan(0);
      expect(broken[0]!.message).toMatch(/step \d+: /);
    });

  it('and the reference machines pass the same suites', { timeout: 300_000 }, async () => {
    for (const machine of ['conversation', 'interaction', 'agent'] as const)
      expect(await failures(machine)).toEqual([]);
  });
});
