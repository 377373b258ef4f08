/** The README's main job, run to completion: engine + embedded nats-server + gateway + scripted customer and agent. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('switchboard demo', () => {
  it('runs the whole scenario and shows it', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'engine', 'cli.ts'),
        'demo',
        '--exit',
        '--http',
        '0',
        '--gateway-http',
        '0',
        '--data',
        join(tempDir(), 'demo'),
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('last-agent affinity): true');
    expect(r.stdout).toMatch(/refused: template_required/);
    expect(r.stdout).toContain('sends an approved template → accepted');
    expect(r.stdout).toMatch(/offered a NEW interaction ix_\w+_2/);
    expect(r.stdout).toMatch(/inbound\s+text\s+Hello, my order #1234 is late/);
    // The pages a newcomer opens next: the workspace signed in as ana, the customer page, the dashboard.
    expect(r.stdout).toMatch(/agent workspace, signed in as ana\s+http:\/\/127\.0\.0\.1:\d+\/ui\/workspace#token=\S+/);
    expect(r.stdout).toMatch(/customer page \(web chat\)\s+http:\/\/127\.0\.0\.1:\d+\/ui\/customer/);
    expect(r.stdout).toMatch(/supervisor dashboard\s+http:\/\/127\.0\.0\.1:\d+\/ui\/dashboard/);
  }, 150_000);
});
