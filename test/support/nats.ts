/**
 * A real nats-server for tests: free loopback port, temporary JetStream dir, stopped by PID.
 * `natsServerForTests()` may be called anywhere (the server is killed when the test process
 * exits); `useNatsServer()` at file or describe level also stops it in afterAll.
 */
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Engine } from '../../engine/engine.js';
import { startNatsServer, type NatsServerHandle } from '../../engine/nats-server.js';
import type { NatsCredentials } from '../../gateways/nats-credentials.js';
import { tempDir } from './tmp.js';

export async function natsServerForTests(): Promise<NatsServerHandle> {
  return startNatsServer({ dir: join(tempDir('sb-nats-'), 'nats') });
}

/** Registers a nats-server for the enclosing file/describe; read `.server` inside tests. */
export function useNatsServer(): { server: NatsServerHandle } {
  const ref = {} as { server: NatsServerHandle };
  beforeAll(async () => {
    ref.server = await natsServerForTests();
  });
  afterAll(async () => {
    await ref.server?.stop();
  });
  return ref;
}

/** The gateway credential of an engine's embedded nats-server (undefined when the engine joined a NATS). */
export function embeddedGatewayCredentials(engine: Engine): NatsCredentials | undefined {
  const file = engine.embeddedNatsCredentials?.gatewayFile;
  return file ? { credsFile: file } : undefined;
}
