/** `switchboard paths`: model-based test paths of the conversation machines, for test authors. */
import { parseArgs } from 'node:util';
import type { EventObject } from 'xstate';
import { CHANNELS, isChannel } from '../protocol/channels.js';
import { UsageError } from './cli-usage.js';
import type { ModelEvent, replyWindowModel, threadingModel } from '../machines/conversation-testkit.js';

/** Prints the paths of a machine; a UsageError on bad arguments. */
export async function pathsCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      machine: { type: 'string' },
      channel: { type: 'string' },
      'window-hours': { type: 'string', default: '72' },
      json: { type: 'boolean', default: false },
    },
  });
  const fail = (message: string): never => {
    throw new UsageError(message);
  };
  // The machines load once the flags are known good, so a bad flag is answered at once.
  const testkit = () => import('../machines/conversation-testkit.js');
  let model: ReturnType<typeof replyWindowModel> | ReturnType<typeof threadingModel> | undefined;
  if (values.machine === 'reply-window') {
    if (!values.channel || !isChannel(values.channel)) fail(`--channel must be one of ${CHANNELS.join(', ')}`);
    model = (await testkit()).replyWindowModel(values.channel as (typeof CHANNELS)[number]);
  } else if (values.machine === 'threading') {
    const h = Number(values['window-hours']);
    if (!(h >= 0 && h <= 72)) fail(`--window-hours must be 0–72, got "${values['window-hours']}"`);
    model = (await testkit()).threadingModel(h * 3_600_000);
  } else {
    fail('--machine must be reply-window or threading');
  }
  const paths = model!
    .getSimplePaths()
    .map((p) => p.steps.map((s) => s.event as EventObject as ModelEvent).filter((e) => e.type !== 'xstate.init'));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(paths, null, 2)}\n`);
    return;
  }
  for (const p of paths) process.stdout.write(`${p.map((e) => e.label).join(' > ')}\n`);
}
