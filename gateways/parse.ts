/** Parsing untrusted webhook bodies: strict UTF-8, JSON, then a zod schema; failures are 400s naming the bad field. */
import type { z } from 'zod';
import { WebhookError } from './channel.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes raw bytes as UTF-8, refusing invalid sequences with 400 body_malformed. */
export function bodyText(raw: Uint8Array): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw new WebhookError(400, 'body_malformed', 'the request body is not valid UTF-8');
  }
}

/** Parses a JSON body and validates it against `schema`; 400 with the path of the first bad field. */
export function parseJsonBody<S extends z.ZodType>(raw: Uint8Array, schema: S): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(bodyText(raw));
  } catch (err) {
    if (err instanceof WebhookError) throw err;
    throw new WebhookError(400, 'body_malformed', `the request body is not valid JSON: ${(err as Error).message}`);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue.path.length ? issue.path.join('.') : '(root)';
    throw new WebhookError(400, 'body_invalid', `${path}: ${issue.message} (the request body is not a valid webhook)`);
  }
  return result.data;
}

/** Epoch seconds (number or numeric string) to ms; undefined when absent or not numeric. */
export function secondsToMs(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? Math.round(n * 1000) : undefined;
}

/** Epoch ms (number or numeric string); undefined when absent or not numeric. */
export function millis(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : undefined;
}
