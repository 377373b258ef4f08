/** The `switchboard` command line: dispatch, help and usage errors; each command's code loads only when it runs. */
import { COMMAND_USAGE, type CommandName, USAGE, usageProblem, wantsHelp } from './cli-usage.js';

const commands: Record<CommandName, (argv: string[]) => Promise<void>> = {
  engine: async (argv) => (await import('./engine-command.js')).engineCommand(argv),
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
if (!Object.hasOwn(commands, command)) {
  process.stderr.write(`switchboard: unknown command "${command}"\n\n${USAGE}`);
  process.exit(2);
}
const name = command as CommandName;
if (wantsHelp(rest)) {
  process.stdout.write(COMMAND_USAGE[name]);
  process.exit(0);
}
commands[name](rest).catch((err: unknown) => {
  const problem = usageProblem(err);
  if (problem !== undefined) {
    process.stderr.write(`switchboard ${name}: ${problem}\n\n${COMMAND_USAGE[name]}`);
    process.exit(2);
  }
  // A refused or unreadable NATS credential is the operator's to fix: the sentence says how; no stack.
  const refused = (err as Error | null)?.name === 'NatsCredentialsError';
  process.stderr.write(`switchboard ${name}: ${refused ? (err as Error).message : ((err as Error).stack ?? err)}\n`);
  process.exit(1);
});
