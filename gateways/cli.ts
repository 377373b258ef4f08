/**
 * `switchboard gateway --channels <list> --config <file> --nats <url> [--nats-creds <file>] [--http <port>]
 * [--metrics-port <port>]`: a channel gateway process.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { isChannel, type Channel } from '../protocol/channels.js';
import { GatewayConfigError, loadGatewayConfig, type GatewayConfig } from './config.js';
import {
  NatsCredentialsError,
  natsAuthOptions,
  natsCredentialsFromArgs,
  type NatsCredentials,
} from './nats-credentials.js';

/** A command line that cannot run; the CLI prints its message and the usage (matched by name). */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Runs the gateway until SIGTERM/SIGINT; a UsageError on a bad command line. */
export async function gatewayCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      channels: { type: 'string' },
      config: { type: 'string' },
      nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
      'nats-creds': { type: 'string' },
      'nats-user': { type: 'string' },
      'nats-password': { type: 'string' },
      http: { type: 'string', default: '8090' },
      host: { type: 'string', default: '127.0.0.1' },
      'metrics-port': { type: 'string' },
      'metrics-host': { type: 'string', default: '127.0.0.1' },
      'no-delivery': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
    },
  });
  if (!values.config) throw new UsageError('--config <file> is required (JSON: { "integrations": [ … ] })');
  const channels = values.channels
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const bad = channels?.filter((c) => !isChannel(c));
  if (bad?.length) throw new UsageError(`unknown channel(s) ${bad.join(', ')}; use a comma list of channel names`);
  const port = Number(values.http);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--http must be a port number 0–65535, got "${values.http}"`);
  const metricsPort = values['metrics-port'] === undefined ? undefined : Number(values['metrics-port']);
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65_535))
    throw new UsageError(`--metrics-port must be a port number 0–65535, got "${values['metrics-port']}"`);
  const level = values['log-level'];
  if (!LOG_LEVELS.includes(level))
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  const logger = pino({ name: 'switchboard-gateway', level });
  let config: GatewayConfig;
  try {
    config = loadGatewayConfig(values.config);
  } catch (err) {
    if (err instanceof GatewayConfigError) throw new UsageError(`--config ${err.message}`);
    throw err;
  }
  let natsCredentials: NatsCredentials | undefined;
  try {
    natsCredentials = natsCredentialsFromArgs(values, process.env);
    // Read now, so an unreadable or wrong file is answered as a bad flag.
    natsAuthOptions(natsCredentials);
  } catch (err) {
    if (err instanceof NatsCredentialsError) throw new UsageError(err.message);
    throw err;
  }
  // The gateway's code (HTTP, NATS, adapters) loads once the command line is known good.
  const { startGateway } = await import('./gateway.js');
  const gateway = await startGateway({
    config,
    channels: channels as Channel[] | undefined,
    natsUrl: values.nats!,
    natsCredentials,
    httpPort: port,
    hostname: values.host,
    metricsPort,
    metricsHostname: values['metrics-host'],
    deliver: !values['no-delivery'],
    logger,
  });
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'gateway shutting down');
    gateway.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'gateway shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
