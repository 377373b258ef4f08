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

/** A machine named an effect for an actor it cannot address (e.g. an empty key): a bug in the machine, never retried. */
export class InvalidEffectAddressError extends TerminalError {
  constructor(machine: string, event: string, to: unknown, problem: string) {
    super(
      'effect_address_invalid',
      `the ${machine} machine, on ${event}, sent an event to ${JSON.stringify(to)} with ${problem}; ` +
        'nothing was committed: fix the machine so the address is known before the effect is named',
    );
  }
}

/** I/O failed in a way that may pass: retry with backoff. */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
}
