/**
 * Temporary directories for tests. Each test file removes its own after its last hook
 * (`removeTempDirs`, registered for every file by `test/support/teardown.ts`): vitest's
 * workers never run `process.on('exit')` handlers, so an exit hook alone left them all behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs = new Set<string>();

/** A fresh directory under the system temp dir, removed when the test file finishes. */
export function tempDir(prefix = 'sb-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/** Removes every directory `tempDir` made in this process so far; returns how many. */
export function removeTempDirs(): number {
  const n = dirs.size;
  for (const d of dirs) rmSync(d, { recursive: true, force: true, maxRetries: 3 });
  dirs.clear();
  return n;
}

// Outside vitest (a script importing the helpers) the exit hook still cleans up.
process.once('exit', removeTempDirs);
