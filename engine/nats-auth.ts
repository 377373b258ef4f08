/**
 * The embedded nats-server's credentials: one nkey for engines (every permission) and one for
 * gateways (gatewayNatsPermissions), generated once into the server's directory as seed files
 * (mode 0600) and reused on every restart. nkeys rather than passwords: the server's config
 * holds only public keys, and a client proves it holds the seed by signing the server's nonce,
 * so no secret crosses the connection.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nkeys } from 'nats';
import { gatewayNatsPermissions } from '../protocol/subjects.js';
import type { NatsServerUser } from './nats-server.js';

/** The seed files and public keys of the embedded nats-server's two users. */
export interface EmbeddedNatsCredentials {
  /** The engine's seed file (every permission). */
  readonly engineFile: string;
  /** The gateways' seed file: give it to `switchboard gateway --nats-creds`. */
  readonly gatewayFile: string;
  /** The users for the server's config: public keys and the gateway's permissions. */
  readonly users: readonly NatsServerUser[];
}

/** The file names, inside the embedded nats-server's directory. */
export const ENGINE_SEED_FILE = 'engine.nk';
export const GATEWAY_SEED_FILE = 'gateway.nk';

/** Loads the credentials in `dir`, generating each seed file the first time. */
export function embeddedNatsCredentials(dir: string): EmbeddedNatsCredentials {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const engineFile = join(dir, ENGINE_SEED_FILE);
  const gatewayFile = join(dir, GATEWAY_SEED_FILE);
  return {
    engineFile,
    gatewayFile,
    users: [
      { nkey: publicKeyOf(engineFile) },
      { nkey: publicKeyOf(gatewayFile), permissions: gatewayNatsPermissions() },
    ],
  };
}

/** The public key of the seed in `file`, creating the file with a new user seed when missing. */
function publicKeyOf(file: string): string {
  try {
    // 'wx': never overwrite a seed another process (an engine starting at the same time) just wrote.
    writeFileSync(file, `${new TextDecoder().decode(nkeys.createUser().getSeed())}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  chmodSync(file, 0o600);
  const seed = readFileSync(file, 'utf8').trim();
  try {
    return nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey();
  } catch (err) {
    throw new Error(`${file} does not hold an nkey seed (${(err as Error).message}); delete it to generate a new one`, {
      cause: err,
    });
  }
}
