/** The `switchboard` command line. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from './logger.js';
import { startEngineNode, stopOnSignals } from './node.js';

const USAGE = `usage: switchboard <command> [options]

commands:
  engine   --data <dir> --http <port> [--host <addr>] [--nats <url>] [--nats-port <port>] [--partitions <n>]
           [--virtual-clock] [--routing <file>] [--secrets <file>] [--config-dir <dir>] [--token-ttl <s>] [--trust-proxy]
           start an engine node (an embedded nats-server unless --nats is given)
  auth     <init|add-key|revoke-key|set-password|remove-password|rotate-signing-key|set-oidc|list> --secrets <file> …
           manage API keys, passwords and token signing keys (switchboard auth --help)
  gateway  --channels <list> --config <file> [--http <port>] --nats <url>
           start a channel gateway
  demo     [--data <dir>] [--http <port>]
           a single-node engine, a gateway and a scripted customer you can watch
  paths    --machine reply-window --channel <channel> | --machine threading [--window-hours <h>] [--json]
           model-based test paths generated from the conversation machines
  simulate <scenario.json> [--seed <n>] [--json] [--csv <file>] | simulate compare <a.json> <b.json>
           a contact-center day in virtual time on the real machines (what-if)
`;

function fail(message: string): never {
  process.stderr.write(`switchboard: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function int(value: string | undefined, name: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) fail(`--${name} is required`);
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a non-negative integer, got "${value}"`);
  return n;
}

async function engineCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      http: { type: 'string' },
      nats: { type: 'string' },
      'nats-port': { type: 'string' },
      partitions: { type: 'string' },
      'virtual-clock': { type: 'boolean', default: false },
      routing: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      secrets: { type: 'string' },
      'config-dir': { type: 'string' },
      'token-ttl': { type: 'string' },
      'trust-proxy': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: process.env.SWITCHBOARD_LOG_LEVEL ?? 'info' },
      pretty: { type: 'boolean', default: false },
    },
  });
  if (!values.data) fail('--data <dir> is required');
  const logger = createLogger({ level: values['log-level'], pretty: values.pretty });
  const node = await startEngineNode({
    dataDir: values.data,
    httpPort: int(values.http, 'http', 8080),
    host: values.host,
    auth: {
      ...(values.secrets ? { secrets: resolve(values.secrets) } : {}),
      ...(values['token-ttl'] ? { tokenTtlSeconds: int(values['token-ttl'], 'token-ttl') } : {}),
      logger,
    },
    trustProxy: values['trust-proxy'],
    configDir: values['config-dir'] ? resolve(values['config-dir']) : undefined,
    natsUrl: values.nats,
    natsPort: values['nats-port'] ? int(values['nats-port'], 'nats-port') : undefined,
    partitions: values.partitions ? int(values.partitions, 'partitions') : undefined,
    virtualClock: values['virtual-clock'],
    logger,
  });
  stopOnSignals(logger, node.stop);
  if (values.routing) {
    // Applied through the node's own admin API (with the in-memory engine key), so validation and
    // hot reload are the same path; the operator's file is read here, by the operator's process.
    let text: string;
    try {
      text = readFileSync(resolve(values.routing), 'utf8');
    } catch (err) {
      await node.stop();
      fail(`--routing ${values.routing}: ${(err as Error).message}`);
    }
    const bound = values.host === '0.0.0.0' || values.host === '::' ? '127.0.0.1' : values.host!;
    const target = bound.includes(':') ? `[${bound}]` : bound;
    const res = await fetch(`http://${target}:${node.httpPort}/admin/routing/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${node.engine.auth.internalKey}` },
      body: text,
    });
    const body = (await res.json()) as { error?: { code: string; message: string } };
    if (!res.ok) {
      await node.stop();
      fail(`--routing ${values.routing}: ${body.error?.code}: ${body.error?.message}`);
    }
    logger.info({ file: values.routing }, 'routing configuration applied');
  }
}

const commands: Record<string, (argv: string[]) => Promise<void>> = {
  engine: engineCommand,
  auth: async (argv) => (await import('./auth-command.js')).authCommand(argv),
  gateway: async (argv) => (await import('../gateways/cli.js')).gatewayCommand(argv),
  demo: async (argv) => (await import('./demo.js')).demoCommand(argv),
  paths: async (argv) => (await import('./paths-command.js')).pathsCommand(argv),
  simulate: async (argv) => (await import('./simulate/command.js')).simulateCommand(argv),
};

const [command, ...rest] = process.argv.slice(2);
if (!command || command === '--help' || command === '-h') {
  process.stdout.write(USAGE);
  process.exit(command ? 0 : 2);
}
const run = commands[command];
if (!run) fail(`unknown command "${command}"`);
run(rest).catch((err) => {
  process.stderr.write(`switchboard ${command}: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
