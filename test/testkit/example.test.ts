/**
 * The example of docs/testing.md: a test author's routing configuration, a generated suite per
 * machine, each path run on the real actor runtime with invariants at every step.
 */
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { generateSuite } from 'switchboard/testkit';

const routing = JSON.parse(readFileSync(new URL('../../examples/routing.json', import.meta.url), 'utf8'));

for (const machine of ['interaction', 'agent', 'conversation'] as const) {
  describe(`generated ${machine} suite for examples/routing.json`, () => {
    for (const test of generateSuite({ routing, machine })) it(test.title, () => test.run());
  });
}
