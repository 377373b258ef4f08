/**
 * The gateway's readiness: a webhook can only be accepted when NATS is reachable and Switchboard's streams
 * exist (an engine creates them). Watches the connection's status, checks the streams now and then, and says
 * what is missing and how to fix it (for `/readyz`, the start log line and 503 answers).
 */
import type { NatsConnection } from 'nats';
import { STREAMS } from '../protocol/subjects.js';

/** How often readiness is re-checked while ready, and while not (ms). */
export const READY_CHECK_INTERVAL_MS = 10_000;
export const NOT_READY_CHECK_INTERVAL_MS = 1_000;
/** How long one stream check may take before it counts as NATS not answering (ms). */
export const READY_CHECK_TIMEOUT_MS = 1_000;

/** What the gateway needs from NATS, and whether it has it. */
export interface GatewayReadiness {
  readonly ready: boolean;
  readonly nats: 'connecting' | 'connected' | 'disconnected' | 'closed';
  /** Switchboard's streams this gateway uses, and whether each exists (absent until checked). */
  readonly streams: Readonly<Record<string, boolean>>;
  /** Why not ready, with how to fix it. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** Options of the readiness watcher. */
export interface GatewayHealthOptions {
  readonly natsUrl: string;
  /** Whether delivery workers run (they need SB_EFFECTS besides SB_ACTORS). */
  readonly deliver: boolean;
  /** Called when readiness changes after the first check (logging). */
  readonly onChange?: (r: GatewayReadiness) => void;
}

/** Watches one NATS connection for the gateway. */
export class GatewayHealth {
  readonly #o: GatewayHealthOptions;
  readonly #needed: readonly string[];
  #nc?: NatsConnection;
  #state: GatewayReadiness;
  #timer?: ReturnType<typeof setTimeout>;
  #checking?: Promise<GatewayReadiness>;
  #stopped = false;

  constructor(options: GatewayHealthOptions) {
    this.#o = options;
    this.#needed = options.deliver ? [STREAMS.actors.name, STREAMS.effects.name] : [STREAMS.actors.name];
    this.#state = this.#unreachable('connecting');
  }

  /** The last known readiness (no I/O). */
  get current(): GatewayReadiness {
    return this.#state;
  }

  /** Starts watching a connected connection; resolves with the first check. */
  async attach(nc: NatsConnection): Promise<GatewayReadiness> {
    this.#nc = nc;
    void this.#watch(nc);
    const first = await this.check();
    this.#schedule();
    return first;
  }

  /** Checks now (one check at a time) and returns the result. */
  check(): Promise<GatewayReadiness> {
    this.#checking ??= this.#check().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async #check(): Promise<GatewayReadiness> {
    const nc = this.#nc;
    let next: GatewayReadiness;
    if (!nc) next = this.#unreachable('connecting');
    else if (nc.isClosed()) next = this.#unreachable('closed');
    else if (this.#state.nats === 'disconnected') next = this.#unreachable('disconnected');
    else next = await this.#streams(nc);
    const changed = next.ready !== this.#state.ready || next.error?.code !== this.#state.error?.code;
    const before = this.#state;
    this.#state = next;
    if (changed && before.nats !== 'connecting') this.#o.onChange?.(next);
    return next;
  }

  async #streams(nc: NatsConnection): Promise<GatewayReadiness> {
    const streams: Record<string, boolean> = {};
    try {
      const jsm = await nc.jetstreamManager({ timeout: READY_CHECK_TIMEOUT_MS });
      for (const name of this.#needed) {
        streams[name] = await jsm.streams.info(name).then(
          () => true,
          (err: unknown) => {
            if (/not found/i.test(String((err as Error)?.message))) return false;
            throw err;
          },
        );
      }
    } catch (err) {
      const msg = String((err as Error)?.message ?? err);
      const code = /jetstream not enabled|503/i.test(msg) ? 'jetstream_unavailable' : 'nats_unavailable';
      return {
        ready: false,
        nats: 'connected',
        streams,
        error: {
          code,
          message:
            code === 'jetstream_unavailable'
              ? `NATS at ${this.#o.natsUrl} has no JetStream (${msg}): run nats-server with JetStream enabled (-js)`
              : `NATS at ${this.#o.natsUrl} did not answer a stream check (${msg}); webhooks are answered 503 until it does`,
        },
      };
    }
    const missing = this.#needed.filter((n) => !streams[n]);
    if (missing.length === 0) return { ready: true, nats: 'connected', streams };
    return {
      ready: false,
      nats: 'connected',
      streams,
      error: {
        code: 'streams_missing',
        message:
          `NATS at ${this.#o.natsUrl} has no ${missing.join(', ')} stream (Switchboard's streams): start an engine ` +
          `on this NATS (switchboard engine --nats ${this.#o.natsUrl}), which creates them; ` +
          'webhooks are answered 503 until then',
      },
    };
  }

  #unreachable(nats: 'connecting' | 'disconnected' | 'closed'): GatewayReadiness {
    return {
      ready: false,
      nats,
      streams: {},
      error: {
        code: 'nats_unreachable',
        message:
          nats === 'closed'
            ? `the connection to NATS at ${this.#o.natsUrl} is closed; restart the gateway`
            : `cannot reach NATS at ${this.#o.natsUrl}: start nats-server there or pass --nats <url>; ` +
              'webhooks are answered 503 until it is reachable',
      },
    };
  }

  async #watch(nc: NatsConnection): Promise<void> {
    try {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') {
          this.#state = { ...this.#unreachable('disconnected'), streams: this.#state.streams };
          this.#o.onChange?.(this.#state);
        } else if (s.type === 'reconnect') {
          this.#state = { ...this.#state, nats: 'connected' };
          void this.check();
        }
      }
    } catch {
      // the status iterator ends with the connection
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    const wait = this.#state.ready ? READY_CHECK_INTERVAL_MS : NOT_READY_CHECK_INTERVAL_MS;
    this.#timer = setTimeout(() => {
      void this.check().finally(() => this.#schedule());
    }, wait);
    this.#timer.unref?.();
  }
}
