/**
 * Pipelined JetStream publishes. `js.publish` is a request per message: a subscription
 * multiplexer entry, a timer, and an Error object built on every successful answer (nats.js's
 * request cancels itself with one) — ~10 % of the engine's CPU in the flood bench, where the
 * outbox relays ~50 rows per handled interaction. Here every publish carries a reply subject under
 * one inbox this publisher listens on, the publish acknowledgements are matched by token, and one
 * timer sweeps the late ones. What JetStream answers is checked the way js.publish checks it.
 */
import { createInbox, headers as natsHeaders, type Msg, type NatsConnection, type NatsError } from 'nats';

/** How often unanswered publishes are checked against their deadline (ms). */
const SWEEP_MS = 250;

/** JetStream refused a publish, or no stream takes its subject, or no acknowledgement came in time. */
export class PublishRefusedError extends Error {
  override readonly name = 'PublishRefusedError';
  constructor(
    /** `no_responders`, `timeout`, `closed`, or JetStream's own error code. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Waiting {
  readonly subject: string;
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/** Publishes to JetStream with a Nats-Msg-Id and resolves on the stream's acknowledgement. */
export class JetStreamPublisher {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #waiting = new Map<number, Waiting>();
  #token = 0;
  #sweep?: NodeJS.Timeout;

  constructor(nc: NatsConnection) {
    this.#nc = nc;
    this.#prefix = createInbox();
    nc.subscribe(`${this.#prefix}.*`, { callback: (err, m) => this.#answered(err, m) });
  }

  /** Unanswered publishes. */
  get inFlight(): number {
    return this.#waiting.size;
  }

  /** Publishes `data` with dedupe id `msgId`; resolves once a stream stored it (or knew the id). */
  publish(subject: string, data: Uint8Array, msgId: string, timeoutMs: number): Promise<void> {
    const token = ++this.#token;
    const headers = natsHeaders();
    headers.set('Nats-Msg-Id', msgId);
    return new Promise<void>((resolve, reject) => {
      if (this.#nc.isClosed()) {
        reject(new PublishRefusedError('closed', `the NATS connection is closed; ${subject} not published`));
        return;
      }
      this.#waiting.set(token, { subject, deadline: Date.now() + timeoutMs, resolve, reject });
      try {
        this.#nc.publish(subject, data, { reply: `${this.#prefix}.${token}`, headers });
      } catch (err) {
        this.#waiting.delete(token);
        reject(err as Error);
        return;
      }
      this.#sweep ??= setInterval(() => this.#expire(), SWEEP_MS).unref();
    });
  }

  #answered(err: NatsError | null, m: Msg): void {
    if (err) return; // the subscription closed with the connection: what waits times out
    const token = Number(m.subject.slice(this.#prefix.length + 1));
    const w = this.#waiting.get(token);
    if (!w) return; // answered after its deadline
    this.#waiting.delete(token);
    if (m.headers?.code === 503 || m.data.length === 0) {
      w.reject(new PublishRefusedError('no_responders', `no JetStream stream takes ${w.subject}`));
      return;
    }
    let ack: { stream?: string; error?: { code?: number; err_code?: number; description?: string } };
    try {
      ack = m.json();
    } catch {
      w.reject(new PublishRefusedError('invalid_ack', `JetStream's answer to a publish on ${w.subject} is not JSON`));
      return;
    }
    if (ack.error) {
      const code = String(ack.error.err_code ?? ack.error.code ?? 'refused');
      w.reject(new PublishRefusedError(code, `JetStream refused ${w.subject}: ${ack.error.description ?? code}`));
    } else if (!ack.stream) {
      w.reject(
        new PublishRefusedError('invalid_ack', `JetStream's answer to a publish on ${w.subject} names no stream`),
      );
    } else w.resolve();
  }

  #expire(): void {
    const now = Date.now();
    for (const [token, w] of this.#waiting) {
      if (w.deadline > now) continue;
      this.#waiting.delete(token);
      w.reject(new PublishRefusedError('timeout', `no acknowledgement of a publish on ${w.subject} in time`));
    }
    if (this.#waiting.size === 0 && this.#sweep) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }
}
