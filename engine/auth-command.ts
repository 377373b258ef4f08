/**
 * `switchboard auth <action>`: edits the secrets file an engine reads (a running engine picks the
 * change up within a second). API keys are printed once and stored hashed; passwords are read
 * from standard input and stored as scrypt hashes.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { COMMAND_USAGE, usageProblem } from './cli-usage.js';
import { hashPassword } from './auth/passwords.js';
import { gatewayNatsPermissions } from '../protocol/subjects.js';
import { embeddedNatsCredentials } from './nats-auth.js';
import {
  API_KEY_ROLES,
  newApiKey,
  newSigningKey,
  readSecretsFile,
  updateSecretsFile,
  type ApiKeyRole,
  type SecretsFile,
} from './auth/secrets.js';

/** The auth command's usage (kept with every command's in cli-usage.ts, so help loads nothing else). */
export const AUTH_USAGE: string = COMMAND_USAGE.auth;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

function summary(s: SecretsFile): string {
  const lines = [
    ...s.apiKeys.map((k) => `api key   ${k.id.padEnd(24)} ${k.role}`),
    ...s.passwords.map((p) => `password  ${p.id}`),
    ...s.signingKeys.map(
      (k) =>
        `signing   ${k.kid.padEnd(24)} ${k.activatesAt ? `signs from ${new Date(k.activatesAt).toISOString()}` : ''}`,
    ),
    ...(s.oidc ? [`oidc      ${s.oidc.issuer} (audience ${s.oidc.audience}, id claim ${s.oidc.idClaim})`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs one `auth` action; returns what to print. */
export async function runAuthCommand(argv: string[], readPassword = readStdinLine): Promise<string> {
  const [action, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      secrets: { type: 'string' },
      data: { type: 'string' },
      id: { type: 'string' },
      role: { type: 'string' },
      replace: { type: 'boolean', default: false },
      'activate-in': { type: 'string', default: '0' },
      keep: { type: 'string', default: '3' },
      issuer: { type: 'string' },
      audience: { type: 'string' },
      'jwks-url': { type: 'string' },
      'id-claim': { type: 'string', default: 'sub' },
    },
  });
  if (action === 'nats-permissions') {
    // For a NATS the operator runs: the gateway user's permissions, as nats-server.conf takes them.
    const p = gatewayNatsPermissions();
    return `${JSON.stringify({ publish: { allow: p.publish }, subscribe: { allow: p.subscribe } }, null, 2)}\n`;
  }
  if (action === 'nats-creds') {
    // The embedded nats-server's seed files live in the data dir, not in the secrets file.
    if (!values.data) throw new UsageError('nats-creds needs --data <engine data dir>');
    const role = values.role ?? 'gateway';
    if (role !== 'gateway' && role !== 'engine') throw new UsageError('nats-creds --role must be gateway or engine');
    const creds = embeddedNatsCredentials(join(values.data, 'nats'));
    return `${role === 'gateway' ? creds.gatewayFile : creds.engineFile}\n`;
  }
  const file = values.secrets ?? (values.data ? join(values.data, 'secrets.json') : undefined);
  if (!file) throw new UsageError('give --secrets <file> or --data <engine data dir>');
  const id = (): string => {
    if (!values.id) throw new UsageError(`${action} needs --id <id>`);
    return values.id;
  };
  switch (action) {
    case 'init': {
      const s = updateSecretsFile(file, (s) => (s.signingKeys.length ? s : { ...s, signingKeys: [newSigningKey()] }));
      return `secrets file ${file}\n${summary(s)}`;
    }
    case 'add-key': {
      const role = values.role as ApiKeyRole;
      if (!API_KEY_ROLES.includes(role)) throw new UsageError(`--role must be one of ${API_KEY_ROLES.join(', ')}`);
      const keyId = id();
      const { key, hash } = newApiKey(keyId);
      updateSecretsFile(file, (s) => {
        if (s.apiKeys.some((k) => k.id === keyId) && !values.replace)
          throw new UsageError(`an API key "${keyId}" exists; give --replace to rotate it, or choose another id`);
        const entry = { id: keyId, role, hash, createdAt: new Date().toISOString() };
        return { ...s, apiKeys: [...s.apiKeys.filter((k) => k.id !== keyId), entry] };
      });
      return `${key}\n`;
    }
    case 'revoke-key': {
      const keyId = id();
      updateSecretsFile(file, (s) => {
        if (!s.apiKeys.some((k) => k.id === keyId)) throw new UsageError(`no API key "${keyId}"`);
        return { ...s, apiKeys: s.apiKeys.filter((k) => k.id !== keyId) };
      });
      return `revoked ${keyId}\n`;
    }
    case 'set-password': {
      const person = id();
      const password = await readPassword();
      if (password.length < 8) throw new UsageError('the password (one line on standard input) needs 8+ characters');
      const hash = await hashPassword(password);
      updateSecretsFile(file, (s) => ({
        ...s,
        passwords: [
          ...s.passwords.filter((p) => p.id !== person),
          { id: person, hash, changedAt: new Date().toISOString() },
        ],
      }));
      return `password set for ${person}\n`;
    }
    case 'remove-password': {
      const person = id();
      updateSecretsFile(file, (s) => ({ ...s, passwords: s.passwords.filter((p) => p.id !== person) }));
      return `password removed for ${person}\n`;
    }
    case 'rotate-signing-key': {
      const delay = Number(values['activate-in']);
      const keep = Number(values.keep);
      if (!Number.isInteger(delay) || delay < 0) throw new UsageError('--activate-in must be whole seconds ≥ 0');
      if (!Number.isInteger(keep) || keep < 2) throw new UsageError('--keep must be 2 or more');
      const now = new Date();
      const key = newSigningKey(delay ? now.getTime() + delay * 1000 : 0, now);
      const s = updateSecretsFile(file, (s) => ({ ...s, signingKeys: [...s.signingKeys, key].slice(-keep) }));
      return `signing key ${key.kid} added\n${summary(s)}`;
    }
    case 'set-oidc': {
      if (!values.issuer || !values.audience || !values['jwks-url'])
        throw new UsageError('set-oidc needs --issuer, --audience and --jwks-url');
      const oidc = {
        issuer: values.issuer,
        audience: values.audience,
        jwksUrl: values['jwks-url'],
        idClaim: values['id-claim']!,
      };
      updateSecretsFile(file, (s) => ({ ...s, oidc }));
      return `identity provider ${oidc.issuer} accepted\n`;
    }
    case 'list': {
      const s = readSecretsFile(file);
      if (!s) throw new UsageError(`no secrets file at ${file}`);
      return summary(s);
    }
    default:
      throw new UsageError(`unknown auth action "${action ?? ''}"`);
  }
}

/** The CLI entry: prints the result, or the error and the usage. */
export async function authCommand(argv: string[]): Promise<void> {
  try {
    process.stdout.write(await runAuthCommand(argv));
  } catch (err) {
    const problem = usageProblem(err);
    process.stderr.write(`switchboard auth: ${problem ?? (err as Error).message}\n${problem ? `\n${AUTH_USAGE}` : ''}`);
    process.exit(2);
  }
}
