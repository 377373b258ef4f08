/** `switchboard engine`: one engine node until SIGTERM/SIGINT; a UsageError on a bad command line. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { logLevelArg, portArg, UsageError } from './cli-usage.js';
import { createLogger } from './logger.js';

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
      'nats-port': { type: 'string' },
      partitions: { type: 'string' },
      'virtual-clock': { type: 'boolean', default: false },
      routing: { type: 'string' },
      'log-level': { type: 'string', default: process.env.SWITCHBOARD_LOG_LEVEL ?? 'info' },
      pretty: { type: 'boolean', default: false },
    },
  });
  if (!values.data) fail('--data <dir> is required');
  const options = {
    dataDir: values.data,
    httpPort: portArg(values.http ?? '8080', '--http'),
    natsUrl: values.nats,
    natsPort: values['nats-port'] ? portArg(values['nats-port'], '--nats-port') : undefined,
    partitions: values.partitions ? int(values.partitions, 'partitions') : undefined,
    virtualClock: values['virtual-clock'],
  };
  // The engine's code loads once the flags are known good, so a bad flag is answered at once.
  const { startEngineNode, stopOnSignals } = await import('./node.js');
  const logger = createLogger({ level: logLevelArg(values['log-level']), pretty: values.pretty });
  const node = await startEngineNode({ ...options, logger });
  stopOnSignals(logger, node.stop);
  if (values.routing) {
    // Applied through the node's own admin API, so validation and hot reload are the same path.
    const res = await fetch(`http://127.0.0.1:${node.httpPort}/admin/routing/config/file`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: resolve(values.routing) }),
    });
    const body = (await res.json()) as { error?: { code: string; message: string } };
    if (!res.ok) {
      await node.stop();
      fail(`--routing ${values.routing}: ${body.error?.code}: ${body.error?.message}`);
    }
    logger.info({ file: values.routing }, 'routing configuration applied');
  }
}
