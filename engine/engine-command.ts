/** `switchboard engine`: one engine node until SIGTERM/SIGINT; a UsageError on a bad command line. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { logLevelArg, portArg, UsageError } from './cli-usage.js';
import { createLogger } from './logger.js';
import {
  NatsCredentialsError,
  natsAuthOptions,
  natsCredentialsFromArgs,
  type NatsCredentials,
} from '../gateways/nats-credentials.js';

function fail(message: string): never {
  throw new UsageError(message);
}

function int(value: string, name: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) fail(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

/** Parses the engine's flags, starts the node and applies `--routing`. */
export async function engineCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      http: { type: 'string' },
      nats: { type: 'string' },
      'nats-creds': { type: 'string' },
      'nats-user': { type: 'string' },
      'nats-password': { type: 'string' },
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
  let natsCredentials: NatsCredentials | undefined;
  try {
    natsCredentials = natsCredentialsFromArgs(values, process.env);
    natsAuthOptions(natsCredentials);
  } catch (err) {
    if (err instanceof NatsCredentialsError) fail(err.message);
    throw err;
  }
  if (natsCredentials && !values.nats)
    fail('--nats-creds and --nats-user are for joining a NATS with --nats; the embedded nats-server makes its own');
  const tokenTtlSeconds = values['token-ttl'] ? int(values['token-ttl'], 'token-ttl') : undefined;
  const options = {
    dataDir: values.data,
    httpPort: portArg(values.http ?? '8080', '--http'),
    host: values.host,
    trustProxy: values['trust-proxy'],
    configDir: values['config-dir'] ? resolve(values['config-dir']) : undefined,
    natsUrl: values.nats,
    natsCredentials,
    natsPort: values['nats-port'] ? portArg(values['nats-port'], '--nats-port') : undefined,
    partitions: values.partitions ? int(values.partitions, 'partitions') : undefined,
    virtualClock: values['virtual-clock'],
  };
  const logger = createLogger({ level: logLevelArg(values['log-level']), pretty: values.pretty });
  // The engine's code loads once the flags are known good, so a bad flag is answered at once.
  const { startEngineNode, stopOnSignals } = await import('./node.js');
  const node = await startEngineNode({
    ...options,
    auth: {
      ...(values.secrets ? { secrets: resolve(values.secrets) } : {}),
      ...(tokenTtlSeconds ? { tokenTtlSeconds } : {}),
      logger,
    },
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
