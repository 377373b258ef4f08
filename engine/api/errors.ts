/** JSON errors for every HTTP refusal: a reason code and a sentence. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';

/** An HTTP refusal with a reason code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Renders any error as `{ error: { code, message } }`; unexpected ones as 500 internal_error. */
export function renderError(err: unknown, c: Context): Response {
  if (err instanceof ApiError) {
    return c.json(
      { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } },
      err.status,
    );
  }
  const status = (err as { status?: number })?.status;
  if (status === 413)
    return c.json({ error: { code: 'body_too_large', message: 'the request body is over the size limit' } }, 413);
  return c.json(
    { error: { code: 'internal_error', message: 'the engine failed to handle this request; see its log' } },
    500,
  );
}

/**
 * The request's JSON body checked against `schema`: 400 invalid_json or invalid_body (naming the first issue's path).
 * With `emptyIsObject`, an empty body reads as `{}` (routes whose every field is optional).
 */
export async function parseBody<T>(
  c: Context,
  schema: z.ZodType<T>,
  opts: { emptyIsObject?: boolean } = {},
): Promise<T> {
  const text = opts.emptyIsObject ? await c.req.text() : undefined;
  const raw =
    text !== undefined && text.trim() === ''
      ? {}
      : await c.req.json().catch(() => {
          throw new ApiError(400, 'invalid_json', 'the request body is not valid JSON');
        });
  const r = schema.safeParse(opts.emptyIsObject ? (raw ?? {}) : raw);
  if (!r.success) {
    const first = r.error.issues[0]!;
    throw new ApiError(400, 'invalid_body', `${first.path.join('.') || 'body'}: ${first.message}`, r.error.issues);
  }
  return r.data;
}
