/** Exponential backoff with jitter for transient provider failures. */

/** How a delivery worker retries a transient failure. */
export interface RetryPolicy {
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 10_000 };

/** The wait before attempt `attempt + 1` (attempt counts from 1); the provider's Retry-After wins when longer. */
export function backoffMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = exp / 2 + Math.random() * (exp / 2);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, policy.maxDelayMs * 6));
}
