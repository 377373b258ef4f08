/** The `switchboard` command line run as a child process, as an operator runs it. */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { API_KEY_ROLES } from '../../engine/auth/secrets.js';
import { COMMAND_USAGE } from '../../engine/cli-usage.js';
import { tempDir } from '../support/tmp.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = [join(ROOT, 'engine', 'bin.js')];

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A Node stack frame line, e.g. "    at parseArgs (node:internal/util/parse_args…)". */
const STACK = /^\s+at /m;

describe('switchboard CLI', () => {
  it('prints each command its usage on --help / -h, exit 0', () => {
    for (const [command, flag] of [
      ['engine', '--help'],
      ['auth', '--help'],
      ['gateway', '--help'],
      ['demo', '-h'],
      ['paths', '--help'],
      ['simulate', '--help'],
    ]) {
      const r = run(command!, flag!);
      expect(r.status, `${command} ${flag}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: switchboard ${command}`));
      expect(r.stdout).toContain('-h, --help');
      expect(r.stderr).toBe('');
    }
    // The auth usage is kept with the others (help loads no command): it names every API key role.
    for (const role of API_KEY_ROLES) expect(COMMAND_USAGE.auth).toContain(role);
    const top = run('--help');
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/^usage: switchboard <command>/);
  }, 120_000);

  it('answers a bad flag or value with one line naming it, then the usage; exit 2, no stack trace', () => {
    const config = join(tempDir(), 'gateway.json');
    writeFileSync(config, JSON.stringify({ integrations: [{ id: 'a', channel: 'pager', secret: 's' }] }));
    const good = join(tempDir(), 'gateway.json');
    writeFileSync(good, JSON.stringify({ integrations: [{ id: 'a', channel: 'whatsapp', secret: 's' }] }));
    const notASeed = join(tempDir(), 'gateway.nk');
    writeFileSync(notASeed, 'hello\n');
    for (const [args, line] of [
      [['engine', '--bogus'], 'switchboard engine: unknown option --bogus'],
      [['gateway', '--frob', 'x'], 'switchboard gateway: unknown option --frob'],
      [['auth', 'list', '--data', tempDir(), '--frob'], 'switchboard auth: unknown option --frob'],
      [['demo', '--nope'], 'switchboard demo: unknown option --nope'],
      [['simulate', '--nope'], 'switchboard simulate: unknown option --nope'],
      [['paths', '--machine', 'reply-window', '--color'], 'switchboard paths: unknown option --color'],
      [['engine', '--data'], "switchboard engine: Option '--data <value>' argument missing"],
      [['engine', '--data', tempDir(), '--http', 'eighty'], 'switchboard engine: --http must be a port number'],
      [['gateway', '--http', '8090'], 'switchboard gateway: --config <file> is required'],
      [['gateway', '--config', config], `switchboard gateway: --config ${config}: integrations.0.channel`],
      [['demo', '--log-level', 'loud'], 'switchboard demo: --log-level must be one of'],
      [['paths', '--machine', 'nope'], 'switchboard paths: --machine must be one of interaction, agent, queue'],
      [['engine', '--data', tempDir(), '--nats-creds', notASeed], 'switchboard engine: NATS credentials'],
      [
        ['engine', '--data', tempDir(), '--nats-user', 'e', '--nats-password', 'p'],
        'are for joining a NATS with --nats',
      ],
      [['gateway', '--config', good, '--nats-user', 'gw'], 'switchboard gateway: --nats-user gw needs a password'],
      [
        ['gateway', '--config', good, '--nats-password', 'pw'],
        'switchboard gateway: --nats-password needs --nats-user',
      ],
      [['gateway', '--config', good, '--nats-creds', join(tempDir(), 'missing.nk')], 'ENOENT'],
    ] as const) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      const [first, blank, usage] = r.stderr.split('\n');
      expect(first).toContain(line);
      expect(blank).toBe('');
      expect(usage).toMatch(new RegExp(`^usage: switchboard ${args[0]}`));
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stdout).toBe('');
    }
    const unknown = run('frob');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^switchboard: unknown command "frob"\n\nusage: switchboard <command>/);
  }, 180_000);

  it('logs the embedded nats-server start with one pid key (the engine process) and the server pid apart', async () => {
    const child = spawn(process.execPath, [...CLI, 'engine', '--data', tempDir(), '--http', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
    try {
      // The signal handlers are set once the HTTP server listens (the line after the nats one).
      const end = Date.now() + 30_000;
      while (!lines.some((l) => l.includes('http listening')) && Date.now() < end)
        await new Promise((r) => setTimeout(r, 50));
      const started = lines.find((l) => l.includes('embedded nats-server started'));
      expect(started).toBeDefined();
      expect(started!.match(/"pid":/g)).toHaveLength(1);
      const entry = JSON.parse(started!) as { pid: number; natsServerPid: number };
      expect(entry.pid).toBe(child.pid);
      expect(entry.natsServerPid).toBeGreaterThan(0);
      expect(entry.natsServerPid).not.toBe(child.pid);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 60_000);
});
