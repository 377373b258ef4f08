/**
 * How a gateway or an engine proves who it is to NATS: an nkey seed file (what the engine
 * generates for its embedded nats-server), a NATS `.creds` file (user JWT + seed, as `nsc`
 * writes for an operator-mode cluster), or a user and password.
 */
import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, type ConnectionOptions } from 'nats';

/** A NATS credential: a seed or creds file, or a user and password. */
export type NatsCredentials = { readonly credsFile: string } | { readonly user: string; readonly password: string };

/** The credential file cannot be used (missing, unreadable, or neither kind of file). */
export class NatsCredentialsError extends Error {
  override readonly name = 'NatsCredentialsError';
}

/** An nkey user seed: `SU` and base32. */
const USER_SEED = /^SU[A-Z2-7]{56}$/;

/** The connection options that present `credentials` (none when undefined). */
export function natsAuthOptions(credentials: NatsCredentials | undefined): Partial<ConnectionOptions> {
  if (!credentials) return {};
  if ('user' in credentials) return { user: credentials.user, pass: credentials.password };
  const file = credentials.credsFile;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new NatsCredentialsError(`NATS credentials ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (text.includes('BEGIN NATS USER JWT'))
    return { authenticator: credsAuthenticator(new TextEncoder().encode(text)) };
  const seed = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => USER_SEED.test(l));
  if (!seed)
    throw new NatsCredentialsError(
      `NATS credentials ${file} hold neither a user JWT (a .creds file) nor an nkey user seed (a line "SU…"); ` +
        'for the embedded nats-server use the file "switchboard auth nats-creds" names',
    );
  return { authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) };
}

/** Where a command line's NATS password may come from instead of `--nats-password` (not on the process list). */
export const NATS_PASSWORD_ENV = 'SWITCHBOARD_NATS_PASSWORD';

/**
 * The credential a command line names: `--nats-creds <file>`, or `--nats-user <name>` with
 * `--nats-password` or $SWITCHBOARD_NATS_PASSWORD; undefined when none is given. Throws
 * NatsCredentialsError naming the flags when they do not fit together.
 */
export function natsCredentialsFromArgs(
  values: { readonly 'nats-creds'?: string; readonly 'nats-user'?: string; readonly 'nats-password'?: string },
  env: Readonly<Record<string, string | undefined>>,
): NatsCredentials | undefined {
  const file = values['nats-creds'];
  const user = values['nats-user'];
  const password = values['nats-password'] ?? env[NATS_PASSWORD_ENV];
  if (file && (user || values['nats-password']))
    throw new NatsCredentialsError('--nats-creds and --nats-user/--nats-password are two ways to sign in; give one');
  if (file) return { credsFile: file };
  if (values['nats-password'] && !user) throw new NatsCredentialsError('--nats-password needs --nats-user');
  if (!user) return undefined;
  if (!password)
    throw new NatsCredentialsError(
      `--nats-user ${user} needs a password: set $${NATS_PASSWORD_ENV} (or --nats-password)`,
    );
  return { user, password };
}

/**
 * A connection error, explained when NATS refused the credential (or its absence): a
 * NatsCredentialsError saying what to give; any other error as it is.
 */
export function explainNatsRefusal(err: unknown, url: string, credentials: NatsCredentials | undefined): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== 'AUTHORIZATION_VIOLATION' && code !== 'AUTHENTICATION_EXPIRED') return err;
  const given = !credentials
    ? 'no credential was given'
    : 'user' in credentials
      ? `user ${credentials.user} and its password were refused`
      : `the credential in ${credentials.credsFile} was refused`;
  return new NatsCredentialsError(
    `NATS at ${url} refused the connection (${(err as Error).message}): ${given}. An engine's embedded ` +
      'nats-server admits gateways with --nats-creds <data>/nats/gateway.nk (switchboard auth nats-creds ' +
      '--data <dir> prints it); another NATS with its own user: --nats-creds <file> or --nats-user',
    { cause: err },
  );
}
