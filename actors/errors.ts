/** Failures of the actor runtime: terminal ones carry a reason code and are never retried. */

/** Bad input or a forbidden action: reject with a code, never retry. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An actor type was used before it was registered. */
export class UnknownActorTypeError extends TerminalError {
  constructor(type: string) {
    super(
      'unknown_actor_type',
      `no actor type "${type}" is registered; register it with host.register() before delivering`,
    );
  }
}

/** I/O failed in a way that may pass: retry with backoff. */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
}
