/**
 * The in-memory fan-out of agent messages to customers' SSE streams: a bounded backlog per session (so a browser
 * that reconnects with Last-Event-ID misses nothing still buffered) and listeners woken on every push.
 */
import { randomBytes } from 'node:crypto';

/** Messages kept per session for reconnects. */
export const DEFAULT_SESSION_BACKLOG = 200;
/** Sessions kept; the least recently used is dropped beyond this. */
export const DEFAULT_MAX_SESSIONS = 10_000;

/** One event for a browser: its SSE id is `<hub epoch>-<seq>`. */
export interface HubEvent {
  readonly seq: number;
  readonly event: string;
  readonly data: Readonly<Record<string, unknown>>;
}

interface Session {
  seq: number;
  events: HubEvent[];
  ids: Set<string>;
  listeners: Set<() => void>;
  signals: HubEvent[];
  signalSeq: number;
}

/** Options of a hub. */
export interface WebSessionHubOptions {
  readonly backlog?: number;
  readonly maxSessions?: number;
}

/** Per-session backlog and listeners, keyed by `<integrationId>/<sessionId>`. */
export class WebSessionHub {
  /** Changes on every process start: ids from an earlier process make the browser reset. */
  readonly epoch = randomBytes(4).toString('hex');
  readonly #sessions = new Map<string, Session>();
  readonly #backlog: number;
  readonly #max: number;

  constructor(options: WebSessionHubOptions = {}) {
    this.#backlog = options.backlog ?? DEFAULT_SESSION_BACKLOG;
    this.#max = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  }

  /** Adds an event unless one with the same `dedupeId` was pushed already; returns whether it was new. */
  push(key: string, event: string, data: Readonly<Record<string, unknown>>, dedupeId?: string): boolean {
    const s = this.#session(key);
    if (dedupeId !== undefined) {
      if (s.ids.has(dedupeId)) return false;
      s.ids.add(dedupeId);
      if (s.ids.size > this.#backlog * 2) s.ids.delete(s.ids.values().next().value!);
    }
    s.events.push({ seq: ++s.seq, event, data });
    if (s.events.length > this.#backlog) s.events.shift();
    for (const l of s.listeners) l();
    return true;
  }

  /** Wakes the session's listeners with an event that is not kept for reconnects (typing): only open streams see it. */
  signal(key: string, event: string, data: Readonly<Record<string, unknown>>): void {
    const s = this.#sessions.get(key);
    if (!s || s.listeners.size === 0) return;
    s.signals.push({ seq: ++s.signalSeq, event, data });
    if (s.signals.length > 10) s.signals.shift();
    for (const l of s.listeners) l();
  }

  /** Transient events after `lastSeq` (a stream starts from `signalSeq(key)`). */
  signalsSince(key: string, lastSeq: number): HubEvent[] {
    return this.#sessions.get(key)?.signals.filter((e) => e.seq > lastSeq) ?? [];
  }

  /** The newest transient event's number (0 when none). */
  signalSeq(key: string): number {
    return this.#sessions.get(key)?.signalSeq ?? 0;
  }

  /** Events after `lastSeq` and whether some were already dropped from the backlog (the browser must reset). */
  since(key: string, lastSeq: number): { events: HubEvent[]; gap: boolean } {
    const s = this.#sessions.get(key);
    if (!s) return { events: [], gap: false };
    const first = s.events[0]?.seq ?? s.seq + 1;
    return { events: s.events.filter((e) => e.seq > lastSeq), gap: lastSeq < first - 1 };
  }

  /** Calls `listener` on every push to the session; returns the unsubscribe function. */
  subscribe(key: string, listener: () => void): () => void {
    const s = this.#session(key);
    s.listeners.add(listener);
    return () => s.listeners.delete(listener);
  }

  /** Browsers currently listening on a session. */
  listeners(key: string): number {
    return this.#sessions.get(key)?.listeners.size ?? 0;
  }

  #session(key: string): Session {
    let s = this.#sessions.get(key);
    if (s) {
      // Refresh LRU position.
      this.#sessions.delete(key);
      this.#sessions.set(key, s);
      return s;
    }
    s = { seq: 0, events: [], ids: new Set(), listeners: new Set(), signals: [], signalSeq: 0 };
    this.#sessions.set(key, s);
    if (this.#sessions.size > this.#max) {
      for (const [k, v] of this.#sessions) {
        if (v.listeners.size === 0) {
          this.#sessions.delete(k);
          break;
        }
      }
    }
    return s;
  }
}
