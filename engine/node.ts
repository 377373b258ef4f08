/** Starts a whole engine node (engine + HTTP) and wires SIGTERM/SIGINT to a graceful stop. */
import type { Logger } from 'pino';
import { ManualClock } from '../actors/clock.js';
import type { AuthOptions, Authority } from './auth/authority.js';
import { DEFAULT_PARTITIONS } from '../protocol/partition.js';
import { builtinActorTypes, builtinRouteModules } from './actor-types.js';
import type { ConversationConfig } from './config/conversation.js';
import type { NatsCredentials } from '../gateways/nats-credentials.js';
import { Engine } from './engine.js';
import { createApp, isLoopback, listen } from './http.js';
import { webAppRoutes, type WebAppOptions } from './web/serve.js';

export interface EngineNodeOptions {
  readonly dataDir: string;
  readonly httpPort: number;
  /** Bind address of the HTTP API (default 127.0.0.1). */
  readonly host?: string;
  /** Credentials (default: `<data>/secrets.json`); tests pass `testAuthority()`. */
  readonly auth?: Partial<AuthOptions> | Authority;
  /** Trust a reverse proxy's X-Forwarded-For/-Proto. */
  readonly trustProxy?: boolean;
  /** The only directory routing files are applied from by name. */
  readonly configDir?: string;
  readonly natsUrl?: string;
  /** The credential for `natsUrl`. */
  readonly natsCredentials?: NatsCredentials;
  readonly natsPort?: number;
  readonly partitions?: number;
  readonly virtualClock?: boolean;
  /** Start time of the virtual clock (ms since epoch). */
  readonly virtualStart?: number;
  /** How long a virtual-clock advance waits for quiescence after a timer (wall-clock ms; 30 s by default). */
  readonly settleTimeoutMs?: number;
  /** Conversation config (threading windows, policy overrides, content filters); defaults when absent. */
  readonly conversation?: ConversationConfig;
  /** What the web pages need (the customer page's gateway). */
  readonly web?: WebAppOptions;
  readonly logger: Logger;
}

export interface EngineNode {
  readonly engine: Engine;
  readonly httpPort: number;
  stop(): Promise<void>;
}

export async function startEngineNode(o: EngineNodeOptions): Promise<EngineNode> {
  const partitions = o.partitions ?? DEFAULT_PARTITIONS;
  const engine = new Engine({
    dataDir: o.dataDir,
    natsUrl: o.natsUrl,
    natsCredentials: o.natsCredentials,
    embeddedNatsPort: o.natsPort,
    partitions,
    clock: o.virtualClock ? new ManualClock(o.virtualStart) : undefined,
    logger: o.logger,
    settleTimeoutMs: o.settleTimeoutMs,
    actorTypes: builtinActorTypes({ partitions, conversation: o.conversation }),
    auth: o.auth,
    trustProxy: o.trustProxy,
    configDir: o.configDir,
  });
  await engine.start();
  const hostname = o.host ?? '127.0.0.1';
  const http = await listen(createApp(engine, [...builtinRouteModules, webAppRoutes(o.web)]), o.httpPort, hostname);
  o.logger.info({ port: http.port, host: hostname }, 'http listening');
  if (!isLoopback(hostname))
    o.logger.warn(
      { host: hostname },
      'the HTTP API is reachable beyond this machine without TLS: put a TLS-terminating reverse proxy in front (README, "TLS")',
    );
  if (!engine.auth.secrets.current().apiKeys.some((k) => k.role === 'admin'))
    o.logger.warn(
      { secrets: engine.auth.secrets.path },
      'no admin API key exists yet; create one: switchboard auth add-key --secrets <file> --id ops --role admin',
    );
  let stopping: Promise<void> | undefined;
  return {
    engine,
    httpPort: http.port,
    stop: () =>
      (stopping ??= (async () => {
        await http.close();
        await engine.stop();
      })()),
  };
}

/** Stops `stop` on SIGTERM/SIGINT, then exits. */
export function stopOnSignals(log: Logger, stop: () => Promise<void>): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('graceful shutdown took over 30 s; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
