/** A real nats-server per test file: free loopback port, temporary JetStream dir, stopped by PID. */
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../../engine/nats-server.js';
import { tempDir } from './tmp.js';

export async function natsServerForTests(): Promise<NatsServerHandle> {
  const dir = tempDir('sb-nats-');
  const server = await startNatsServer({ dir: join(dir, 'nats') });
  afterAll(() => server.stop());
  return server;
}
