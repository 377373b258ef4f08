/**
 * `switchboard paths` for every hosted machine: bounded generation (shortest and simple), labels
 * people can read (delays by their configured names and values), and paths that replay: each
 * step's recorded state is what the pure machine reaches from the step's event.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RoutingConfigHolder } from '../../engine/config/routing.js';
import { MACHINE_NAMES, machineModel } from '../../engine/paths-models.js';
import { modelPaths, timedLogic } from '../../engine/paths-traverse.js';
import { tempDir } from '../support/tmp.js';

const ROOT = join(import.meta.dirname, '..', '..');
const example = JSON.parse(readFileSync(join(ROOT, 'examples', 'routing.json'), 'utf8'));
const routing = new RoutingConfigHolder({ initial: example });
const bounds = { maxPaths: 40, maxDepth: 8 };

describe('paths of every machine', () => {
  for (const name of MACHINE_NAMES) {
    it(`${name}: shortest and simple paths, bounded, in words, replaying on the pure machine`, () => {
      const model = machineModel(name, { routing })!;
      for (const kind of ['shortest', 'simple'] as const) {
        const paths = modelPaths(model, kind, bounds);
        expect(paths.length, `${name} ${kind}`).toBeGreaterThan(0);
        expect(paths.length).toBeLessThanOrEqual(bounds.maxPaths);
        const logic = timedLogic(model);
        for (const p of paths) {
          expect(kind === 'simple' ? p.steps.length : 1).toBeLessThanOrEqual(bounds.maxDepth);
          let s = logic.getInitialSnapshot();
          for (const step of p.steps) {
            expect(step.label).not.toMatch(/xstate\.|undefined/);
            // A delayed step fires the model's earliest timer; an immediate one is its event.
            s = logic.transition(s, step.dueAt !== undefined ? { type: 'model.time_passes' } : step.event);
            expect(model.stateOf(s.machine)).toBe(step.state);
          }
        }
        if (kind === 'shortest') {
          // Shortest paths reach distinct states.
          const ends = paths.map((p) => JSON.stringify(p.steps.at(-1)!.snapshot.machine.value) + p.steps.at(-1)!.state);
          expect(new Set(paths.map((p) => p.steps.map((s) => s.label).join('>'))).size).toBe(paths.length);
          expect(ends.length).toBe(paths.length);
        }
      }
    });
  }

  it('names delayed events by their configured values, and follows a changed configuration', () => {
    const labels = (r: RoutingConfigHolder, name: string) =>
      (name === 'interaction' ? (['simple'] as const) : (['shortest'] as const)).flatMap((kind) =>
        modelPaths(machineModel(name, { routing: r })!, kind, { maxPaths: 300, maxDepth: 10 }).flatMap((p) =>
          p.steps.map((s) => s.label),
        ),
      );
    const interaction = labels(routing, 'interaction');
    expect(interaction).toContain('after affinity timeout (60 s)');
    expect(interaction).toContain('after inactivity timeout (4 h)');
    expect(labels(routing, 'agent')).toContain('after alerting timeout (30 s)');
    expect(labels(routing, 'queue')).toContain('after ring timeout (300 s)');
    const conv = labels(routing, 'conversation');
    expect(conv).toContain('after free-form reply window (24 h)');
    // A test author's own file: a 30 s affinity timeout and a transfer timeout one second past alerting.
    const mine = structuredClone(example);
    mine.queues[0].affinity.timeoutSeconds = 30;
    mine.queues[0].alertingTimeoutSeconds = 20;
    const theirs = labels(new RoutingConfigHolder({ initial: mine }), 'interaction');
    expect(theirs).toContain('after affinity timeout (30 s)');
    expect(theirs).not.toContain('after affinity timeout (60 s)');
    const simple = modelPaths(
      machineModel('interaction', { routing: new RoutingConfigHolder({ initial: mine }) })!,
      'simple',
      {
        maxPaths: 500,
        maxDepth: 10,
      },
    ).flatMap((p) => p.steps.map((s) => s.label));
    expect(simple).toContain('after transfer timeout (21 s)');
  });

  it('prints from the CLI: --list, text, --json steps, --config, and bad flags answered plainly', () => {
    const CLI = ['--import', 'tsx', join(ROOT, 'engine', 'cli.ts'), 'paths'];
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    const list = run('--list');
    expect(list.status).toBe(0);
    expect(
      list.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]),
    ).toEqual([...MACHINE_NAMES]);
    const file = join(tempDir('sb-paths-'), 'routing.json');
    const mine = structuredClone(example);
    mine.queues[0].affinity.timeoutSeconds = 45;
    writeFileSync(file, JSON.stringify(mine));
    const json = run('--machine', 'interaction', '--config', file, '--paths', 'simple', '--json');
    expect(json.status, json.stderr).toBe(0);
    const paths = JSON.parse(json.stdout) as {
      initial: string;
      steps: { label: string; event: { type: string }; state: string; afterMs?: number }[];
    }[];
    const timeout = paths.flatMap((p) => p.steps).find((s) => s.label === 'after affinity timeout (45 s)');
    expect(timeout).toMatchObject({
      afterMs: 45_000,
      state: 'queued',
      event: { type: 'xstate.after.affinityTimeout.interaction.affinity' },
    });
    const text = run('--machine', 'reply-window', '--channel', 'messenger', '--paths', 'simple');
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain('none ─ customer writes → open');
    const bad = run('--machine', 'agent', '--paths', 'longest');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--paths must be shortest, simple or transitions');
    const missing = run('--machine', 'agent', '--config', join(tempDir('sb-paths-'), 'none.json'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('cannot read the file');
  });
});
