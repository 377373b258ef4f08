/**
 * Usage of every `switchboard` command, and how a command line that cannot run is answered:
 * `--help` prints the command's usage (exit 0); a bad flag or value prints one line naming it,
 * then the usage (exit 2). Kept apart from the commands so help never loads their code.
 */

/** Usage of each subcommand. */
export const COMMAND_USAGE = {
  engine: `usage: switchboard engine --data <dir> [options]
start an engine node; it starts and stops its own nats-server unless --nats is given

options:
  --data <dir>             data directory: LMDB, the applied routing file (required)
  --http <port>            HTTP port of the API (default 8080; 0 = a free port)
  --nats <url>             join this NATS instead of starting an embedded nats-server
  --nats-creds <file>      credential for --nats: an nkey seed file or a NATS .creds file
  --nats-user <name>       user for --nats; the password from $SWITCHBOARD_NATS_PASSWORD (or --nats-password)
  --nats-password <pw>     the password (visible in the process list: prefer the environment variable)
  --nats-port <port>       client port of the embedded nats-server (default: a free port)
  --partitions <n>         number of partitions (default 16)
  --virtual-clock          run in virtual time; POST /admin/clock/advance moves it
  --routing <file>         read this routing file and apply (and validate) it through the API at start
  --host <addr>            bind address (default 127.0.0.1); anything else warns unless TLS is terminated in front
  --secrets <file>         the secrets file (default <data>/secrets.json, created with a signing key when missing)
  --config-dir <dir>       the only directory POST /admin/routing/config/file reads from
  --token-ttl <s>          life of session tokens (default 3600)
  --trust-proxy            take the caller's address and scheme from X-Forwarded-For / X-Forwarded-Proto
  --log-level <level>      fatal, error, warn, info, debug, trace or silent (default info, or $SWITCHBOARD_LOG_LEVEL)
  --pretty                 human-readable logs (development)
  -h, --help               this text
`,
  auth: `usage: switchboard auth <action> (--secrets <file> | --data <dir>) [options]

actions:
  init                                   create the file with a token signing key (if missing)
  add-key --id <id> --role <role>        create an API key (roles: admin, supervisor, gateway, monitor); prints it once
          [--replace]                    give an existing id a new key (the old one stops working)
  revoke-key --id <id>                   delete an API key
  set-password --id <person id>          read a password from standard input (one line) and store its hash
  remove-password --id <person id>       delete a person's password
  rotate-signing-key [--activate-in <s>] [--keep <n>]
                                         add a token signing key that signs from <s> seconds on (default 0;
                                         give every node the file first in a cluster); keeps the newest <n> (3)
  set-oidc --issuer <url> --audience <aud> --jwks-url <url> [--id-claim <claim>]
                                         also accept an identity provider's tokens
  list                                   ids, roles and key ids (no secrets)
  nats-creds --data <dir> [--role <r>]   print the path of the embedded nats-server's seed file for a gateway
                                         (default) or an engine, generating it if missing (--nats-creds <file>)
  nats-permissions                       print a gateway user's permissions for your own nats-server.conf
  -h, --help                             this text
`,
  gateway: `usage: switchboard gateway --config <file> [options]
start a channel gateway: platform webhooks in, NATS out; outbound delivery to the platforms

options:
  --config <file>          gateway config (JSON: { "integrations": [ … ] }) (required)
  --channels <list>        comma list of channels to serve (default: every configured one)
  --nats <url>             NATS to publish to (default nats://127.0.0.1:4222)
  --nats-creds <file>      credential: the engine's gateway seed file (switchboard auth nats-creds), or a .creds file
  --nats-user <name>       user; the password from $SWITCHBOARD_NATS_PASSWORD (or --nats-password)
  --nats-password <pw>     the password (visible in the process list: prefer the environment variable)
  --http <port>            webhook HTTP port (default 8090; 0 = a free port)
  --host <address>         address to listen on (default 127.0.0.1)
  --metrics-port <port>    serve Prometheus GET /metrics on this separate port (none by default; 0 = a free port)
  --metrics-host <address> the metrics port's address (default 127.0.0.1: keep it off the public webhook address)
  --no-delivery            do not run the outbound delivery workers
  --log-level <level>      fatal, error, warn, info, debug, trace or silent (default info)
  -h, --help               this text
`,
  demo: `usage: switchboard demo [options]
a single-node engine, a WhatsApp gateway and a scripted customer you can watch (virtual time)

options:
  --data <dir>             data directory, emptied at start (default .data/demo)
  --http <port>            engine HTTP port (default 8080; 0 = a free port)
  --gateway-http <port>    gateway HTTP port (default 8090; 0 = a free port)
  --exit                   exit when the scenario ends instead of staying up
  --log-level <level>      engine log level (default warn)
  -h, --help               this text
`,
  paths: `usage: switchboard paths --list
       switchboard paths --machine <name> [--config <routing.json>] [--paths shortest|simple] [--json]
print test paths generated from a machine under a routing configuration (default examples/routing.json), one per
line as "state ─ event → state …"; delayed events are named with their configured values ("after affinity timeout
(60 s)"). --json prints [{ initial, steps: [{ label, event, state, afterMs? }] }] for tools.

options:
  --list                   the machines and what each is
  --machine <name>         interaction, agent, queue, conversation, reply-window, history, contact, identity,
                           access, report or counter (threading: the conversation)
  --config <file>          your routing configuration (its queues, agents, flows, timeouts and conversations section)
  --paths <kind>           shortest: one path to each state (default); simple: maximal paths visiting no state twice;
                           transitions: the shortest path to each state, then each event tried there
  --max-depth <n>          longest simple path in steps (default 12)
  --max-paths <n>          most paths printed (default 200)
  --channel <channel>      the channel of conversation and reply-window paths (default whatsapp)
  --window-hours <h>       the conversation's threading window, 0–72 (default from --config, else 72)
  --json                   JSON with each step's label, event, resulting state and delay
  -h, --help               this text
`,
  simulate: `usage: switchboard simulate <scenario.json> [--seed <n>] [--json] [--csv <out.csv>]
       switchboard simulate compare <a.json> <b.json> [--seed <n>] [--json]
runs the real routing machines on the actor host in virtual time (deterministic for a seed) and prints offered,
answered, abandoned, service level, ASA, AHT and occupancy per queue, in total and per interval; compare runs two
scenarios on the same seeded arrivals and prints b − a. The scenario format is in docs/simulate.md.

options:
  --seed <n>               seed of the arrivals and handle times (integer)
  --json                   the whole result as JSON
  --csv <out.csv>          also write the per-interval figures as CSV
  -h, --help               this text
`,
} as const;

/** A subcommand's name. */
export type CommandName = keyof typeof COMMAND_USAGE;

/** The top-level usage: every command, one line each. */
export const USAGE = `usage: switchboard <command> [options]

commands:
  engine    start an engine node (an embedded nats-server unless --nats is given)
  auth      manage API keys, passwords and token signing keys in the secrets file
  gateway   start a channel gateway
  demo      a single-node engine, a gateway and a scripted customer you can watch
  paths     model-based test paths of every machine, for your routing configuration
  simulate  a contact-center day in virtual time on the real machines (what-if)

switchboard <command> --help shows a command's options.
`;

/**
 * A command line that cannot run (unknown flag, missing or bad value). Matched by `name`, so a
 * command outside `engine/` (the gateway's) can throw its own class of the same name.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A `--log-level` value, or a UsageError naming the flag. */
export function logLevelArg(value: string, flag = '--log-level'): string {
  if (!LOG_LEVELS.includes(value))
    throw new UsageError(`${flag} must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  return value;
}

/** A TCP port value (0 = a free one), or a UsageError naming the flag. */
export function portArg(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535) throw new UsageError(`${flag} must be a port number 0–65535, got "${value}"`);
  return n;
}

/** True when `--help` or `-h` comes before any `--`. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * The one-line reason of a command line that cannot run, or undefined for any other error:
 * `node:util` parseArgs errors (an unknown flag, a missing value, a stray argument) and UsageError.
 */
export function usageProblem(err: unknown): string | undefined {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  if (!e || typeof e.message !== 'string') return undefined;
  if (e.name === 'UsageError') return e.message;
  if (typeof e.code !== 'string' || !e.code.startsWith('ERR_PARSE_ARGS_')) return undefined;
  // parseArgs' messages go on to explain `--` for positionals: the first sentence names the flag.
  const unknown = /^Unknown option '([^']+)'/.exec(e.message);
  if (unknown) return `unknown option ${unknown[1]}`;
  return e.message.split(/\.\s/)[0]!.replace(/\.$/, '');
}
