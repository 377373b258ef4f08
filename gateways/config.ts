/** The gateway's config file: integrations (secrets, credentials, send base URLs, rates, options), validated once. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CHANNELS } from '../protocol/channels.js';
import { DEFAULT_PARTITIONS } from '../protocol/partition.js';
import type { Integration } from './channel.js';
import { DEFAULT_WEBHOOK_BODY_LIMIT_BYTES } from './server.js';

const integration = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only (it is a URL segment and a subject token)'),
  channel: z.enum(CHANNELS),
  secret: z.string().min(1),
  credentials: z.record(z.string(), z.string()).default({}),
  sendBaseUrl: z.url().optional(),
  webhookUrl: z.url().optional(),
  ratePerSecond: z.number().positive().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

const config = z
  .object({
    partitions: z.number().int().positive().default(DEFAULT_PARTITIONS),
    bodyLimitBytes: z.number().int().positive().default(DEFAULT_WEBHOOK_BODY_LIMIT_BYTES),
    integrations: z.array(integration),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.integrations.forEach((i, n) => {
      const key = `${i.channel}/${i.id}`;
      if (seen.has(key))
        ctx.addIssue({ code: 'custom', path: ['integrations', n, 'id'], message: `duplicate integration ${key}` });
      seen.add(key);
      const platform = i.options?.platform;
      if (i.channel === 'social' && platform !== 'x' && platform !== 'facebook') {
        ctx.addIssue({
          code: 'custom',
          path: ['integrations', n, 'options', 'platform'],
          message: 'a social integration needs options.platform "x" or "facebook"',
        });
      }
      const keywords = i.options?.keywords;
      if (keywords !== undefined && !(Array.isArray(keywords) && keywords.every((k) => typeof k === 'string'))) {
        ctx.addIssue({
          code: 'custom',
          path: ['integrations', n, 'options', 'keywords'],
          message: 'keywords must be a list of strings',
        });
      }
    });
  });

/** A validated gateway configuration. */
export interface GatewayConfig {
  readonly partitions: number;
  readonly bodyLimitBytes: number;
  readonly integrations: readonly Integration[];
}

/** A config file that cannot be used; the message names the file, the field and the problem. */
export class GatewayConfigError extends Error {
  override readonly name = 'GatewayConfigError';
}

/** Validates a parsed config object. */
export function parseGatewayConfig(value: unknown, source = 'gateway config'): GatewayConfig {
  const r = config.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new GatewayConfigError(`${source}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

/** Reads and validates a JSON config file. */
export function loadGatewayConfig(file: string): GatewayConfig {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new GatewayConfigError(`${file}: cannot read JSON: ${(err as Error).message}`);
  }
  return parseGatewayConfig(value, file);
}
