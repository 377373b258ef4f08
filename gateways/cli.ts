/** `switchboard gateway --channels <list> --config <file> --nats <url> [--http <port>]`: a channel gateway process. */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { isChannel, type Channel } from '../protocol/channels.js';
import { loadGatewayConfig } from './config.js';
import { startGateway } from './gateway.js';

/** Runs the gateway until SIGTERM/SIGINT. */
export async function gatewayCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      channels: { type: 'string' },
      config: { type: 'string' },
      nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
      http: { type: 'string', default: '8090' },
      host: { type: 'string', default: '127.0.0.1' },
      'no-delivery': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
    },
  });
  if (!values.config) throw new Error('--config <file> is required (JSON: { "integrations": [ … ] })');
  const channels = values.channels
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const bad = channels?.filter((c) => !isChannel(c));
  if (bad?.length) throw new Error(`unknown channel(s) ${bad.join(', ')}; use a comma list of channel names`);
  const port = Number(values.http);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--http must be a port number, got "${values.http}"`);
  const logger = pino({ name: 'switchboard-gateway', level: values['log-level'] });
  const gateway = await startGateway({
    config: loadGatewayConfig(values.config),
    channels: channels as Channel[] | undefined,
    natsUrl: values.nats!,
    httpPort: port,
    hostname: values.host,
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
