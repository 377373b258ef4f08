/** Calling a provider's send API: JSON in/out, network failures and 429/5xx turned into retryable SendErrors. */
import { SendError } from './channel.js';

/** A provider's answer: status and parsed JSON body (undefined when not JSON). */
export interface ProviderResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

/** Joins a base URL and a path without doubling slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** Reads Retry-After (seconds or an HTTP date) as ms. */
export function retryAfterMs(headers: Headers): number | undefined {
  const v = headers.get('retry-after');
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return s * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : undefined;
}

/** POSTs JSON; throws retryable SendErrors for unreachable providers, 429 and 5xx; returns every other answer. */
export async function postJson(
  fetchImpl: typeof fetch,
  url: string,
  body: unknown,
  headers: Record<string, string>,
  timeoutMs = 15_000,
): Promise<ProviderResponse> {
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new SendError('provider_unreachable', `the provider did not answer: ${(err as Error).message}`, true);
  }
  const text = await res.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (res.status === 429) {
    throw new SendError(
      'rate_limited',
      'the provider refused the send for now: too many requests',
      true,
      '429',
      retryAfterMs(res.headers),
    );
  }
  if (res.status >= 500) {
    throw new SendError(
      'provider_error',
      `the provider failed with HTTP ${res.status}`,
      true,
      String(res.status),
      retryAfterMs(res.headers),
    );
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
