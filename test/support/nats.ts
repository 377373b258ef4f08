/**
 * A real nats-server for tests: free loopback port, temporary JetStream dir, stopped by PID.
 * `natsServerForTests()` may be called anywhere (the server is killed when the test process
 * exits); `useNatsServer()` at file or describe level also stops it in afterAll.
 */
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../../engine/nats-server.js';
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
