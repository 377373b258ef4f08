/**
 * Starts and stops a local nats-server process (Debian's package): the engine's embedded mode
 * and every test use it. Loopback only, JetStream on, data under the given directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface NatsServerOptions {
  /** Directory for JetStream data and the config file. */
  readonly dir: string;
  /** Client port; a free loopback port when left out. */
  readonly port?: number;
  /** Extra config lines (e.g. mappings). */
  readonly extraConfig?: string;
  /** Users allowed to connect (nkeys); without them anyone reaching the port may connect. */
  readonly users?: readonly NatsServerUser[];
}

/** One nkey user of the server, with allow lists (every permission when left out). */
export interface NatsServerUser {
  /** The user's public nkey (`U…`). */
  readonly nkey: string;
  readonly permissions?: { readonly publish: readonly string[]; readonly subscribe: readonly string[] };
}

/** The `authorization` block for `users` (the config format reads JSON values). */
function authorizationConfig(users: readonly NatsServerUser[]): string {
  const user = (u: NatsServerUser) =>
    JSON.stringify({
      nkey: u.nkey,
      ...(u.permissions
        ? { permissions: { publish: { allow: u.permissions.publish }, subscribe: { allow: u.permissions.subscribe } } }
        : {}),
    });
  return `authorization { users = [\n${users.map(user).join('\n')}\n] }`;
}

/** A running nats-server child process. */
export interface NatsServerHandle {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** Kills the server at once (failure tests). */
  kill(): Promise<void>;
}

// Children die with this process, so a crashed test or engine never leaves a stray server.
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

/** The nats-server binary, or a clear error saying how to install it. */
export function natsServerBinary(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  throw new Error('nats-server is not installed; run: apt-get install -y nats-server (or npm run setup as root)');
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Starts nats-server and resolves once it accepts clients. */
export async function startNatsServer(options: NatsServerOptions): Promise<NatsServerHandle> {
  const port = options.port ?? (await freePort());
  mkdirSync(options.dir, { recursive: true });
  const conf = join(options.dir, 'nats-server.conf');
  writeFileSync(
    conf,
    [
      `listen: "127.0.0.1:${port}"`,
      `jetstream { store_dir: ${JSON.stringify(join(options.dir, 'jetstream'))} }`,
      'max_payload: 8MB',
      options.users ? authorizationConfig(options.users) : '',
      options.extraConfig ?? '',
    ].join('\n'),
  );
  const child = spawn(natsServerBinary(), ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  // Exit handlers do not run when this process is SIGKILLed (or a wrapper such as npm/tsx
  // kills it hard): a detached watchdog stops the server within a second of our death.
  spawn(
    'sh',
    [
      '-c',
      `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 1; done; kill ${child.pid} 2>/dev/null`,
    ],
    {
      stdio: 'ignore',
      detached: true,
    },
  ).unref();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  await waitReady(child, port, () => stderr);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const grace = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(grace);
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    stop: () => stop('SIGTERM'),
    kill: () => stop('SIGKILL'),
  };
}

async function waitReady(child: ChildProcess, port: number, stderr: () => string): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('data', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`nats-server did not accept clients on port ${port} within 15 s: ${stderr()}`);
}
