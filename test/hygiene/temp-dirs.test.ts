import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('test hygiene', () => {
  it('a vitest run leaves no temporary directories behind', () => {
    // A child vitest with its own TMPDIR runs suites that make stores and nats-servers in temp dirs.
    const tmp = mkdtempSync(join(tmpdir(), 'sb-hygiene-'));
    try {
      const run = spawnSync(
        process.execPath,
        ['node_modules/vitest/vitest.mjs', 'run', 'test/actors/host.test.ts', 'test/routing/config-reload.test.ts'],
        { env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8' },
      );
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
