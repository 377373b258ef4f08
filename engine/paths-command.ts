/** `switchboard paths`: model-based test paths of every hosted machine, for test authors and tools. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CHANNELS, isChannel, type Channel } from '../protocol/channels.js';
import { UsageError } from './cli-usage.js';

/** Prints the paths of a machine (or the list of machines); a UsageError on bad arguments. */
export async function pathsCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      machine: { type: 'string' },
      list: { type: 'boolean', default: false },
      config: { type: 'string' },
      channel: { type: 'string' },
      'window-hours': { type: 'string' },
      paths: { type: 'string', default: 'shortest' },
      'max-depth': { type: 'string', default: '12' },
      'max-paths': { type: 'string', default: '200' },
      json: { type: 'boolean', default: false },
    },
  });
  // `paths … | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  const fail = (message: string): never => {
    throw new UsageError(message);
  };
  const { MACHINE_NAMES, machineModel } = await import('./paths-models.js');
  if (values.list) {
    const { RoutingConfigHolder } = await import('./config/routing.js');
    const routing = new RoutingConfigHolder({ initial: exampleConfig() });
    for (const name of MACHINE_NAMES)
      process.stdout.write(`${name.padEnd(14)}${machineModel(name, { routing })!.summary}\n`);
    return;
  }
  const names = [...MACHINE_NAMES, 'threading'];
  if (!values.machine || !names.includes(values.machine))
    fail(`--machine must be one of ${MACHINE_NAMES.join(', ')} (--list describes them)`);
  if (values.paths !== 'shortest' && values.paths !== 'simple' && values.paths !== 'transitions')
    fail('--paths must be shortest, simple or transitions');
  const int = (flag: 'max-depth' | 'max-paths') => {
    const n = Number(values[flag]);
    if (!Number.isInteger(n) || n < 1 || n > 10_000)
      fail(`--${flag} must be an integer 1–10000, got "${values[flag]}"`);
    return n;
  };
  const maxDepth = int('max-depth');
  const maxPaths = int('max-paths');
  let channel: Channel | undefined;
  if (values.channel !== undefined) {
    if (!isChannel(values.channel)) fail(`--channel must be one of ${CHANNELS.join(', ')}`);
    channel = values.channel as Channel;
  }
  let threadingWindowMs: number | undefined;
  if (values['window-hours'] !== undefined) {
    const h = Number(values['window-hours']);
    if (!(h >= 0 && h <= 72)) fail(`--window-hours must be 0–72, got "${values['window-hours']}"`);
    threadingWindowMs = h * 3_600_000;
  }
  const { RoutingConfigHolder, RoutingConfigError } = await import('./config/routing.js');
  let routing: InstanceType<typeof RoutingConfigHolder>;
  try {
    routing = new RoutingConfigHolder({ initial: values.config ? readJson(values.config) : exampleConfig() });
  } catch (err) {
    if (err instanceof RoutingConfigError) fail(`${values.config}: ${err.message}`);
    throw err;
  }
  const { modelPaths } = await import('./paths-traverse.js');
  const model = machineModel(values.machine!, { routing: routing!, channel, threadingWindowMs })!;
  const paths = modelPaths(model, values.paths as 'shortest' | 'simple' | 'transitions', { maxDepth, maxPaths });
  if (values.json) {
    const out = paths.map((p) => ({
      initial: p.initial,
      steps: p.steps.map((s) => ({
        label: s.label,
        event: s.event,
        ...(s.delayMs !== undefined ? { afterMs: s.delayMs } : {}),
        state: s.state,
      })),
    }));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  for (const p of paths)
    process.stdout.write(`${p.initial} ${p.steps.map((s) => `─ ${s.label} → ${s.state}`).join(' ')}\n`);
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`--config ${path}: cannot read the file`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--config ${path}: not JSON (${(err as Error).message})`);
  }
}

/** The routing configuration paths use without --config: the example shipped in examples/routing.json. */
function exampleConfig(): unknown {
  return JSON.parse(readFileSync(new URL('../examples/routing.json', import.meta.url), 'utf8'));
}
