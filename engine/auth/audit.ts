/**
 * The audit trail: every admin and supervisor action, every sign-in and every refused
 * authorization, as one JSON log line and one durable record an admin reads back
 * (`GET /admin/audit`). Records go to the SB_AUDIT stream (kept AUDIT_MAX_AGE_MS, readable from any
 * node); engines without NATS (in-process tests) keep the last records in memory.
 */
import type { JetStreamClient, JetStreamManager } from 'nats';
import type { Logger } from 'pino';
import { STREAMS, subjects } from '../../protocol/subjects.js';
import type { Principal } from './principal.js';

/** How long the audit stream keeps records. */
export const AUDIT_MAX_AGE_MS = 90 * 86_400_000;
/** Records an in-memory audit sink keeps. */
export const MEMORY_AUDIT_RECORDS = 10_000;
/** Largest page of `GET /admin/audit`. */
export const MAX_AUDIT_PAGE = 500;

/** What happened: refused (401/403/429), done (the action succeeded) or failed (it was allowed but failed). */
export type AuditOutcome = 'refused' | 'done' | 'failed';

/** One audit record. */
export interface AuditRecord {
  readonly at: number;
  /** Who, or null when no credential was given or it did not verify. */
  readonly principal: Pick<Principal, 'id' | 'role' | 'via'> | null;
  /** `<METHOD> <route pattern>` for HTTP, or a named action (`auth.login`). */
  readonly action: string;
  /** The ids the action was about (route parameters, the account signing in). */
  readonly target?: Readonly<Record<string, string>>;
  readonly outcome: AuditOutcome;
  readonly status?: number;
  /** The refusal's reason code. */
  readonly reason?: string;
  /** The caller's address. */
  readonly source?: string;
}

/** A stored record with its position (page with `before=<seq>`). */
export type StoredAuditRecord = AuditRecord & { readonly seq: number };

/** Where audit records are kept. */
export interface AuditSink {
  write(record: AuditRecord): void;
  /** The newest records before `before` (a seq), newest first. */
  read(options: { limit: number; before?: number }): Promise<StoredAuditRecord[]>;
}

/** A bounded in-memory sink (single process, tests). */
export class MemoryAuditSink implements AuditSink {
  readonly #records: StoredAuditRecord[] = [];
  #seq = 0;
  constructor(readonly max = MEMORY_AUDIT_RECORDS) {}

  write(record: AuditRecord): void {
    this.#records.push({ ...record, seq: ++this.#seq });
    if (this.#records.length > this.max) this.#records.shift();
  }

  async read({ limit, before }: { limit: number; before?: number }): Promise<StoredAuditRecord[]> {
    const out: StoredAuditRecord[] = [];
    for (let i = this.#records.length - 1; i >= 0 && out.length < limit; i--) {
      const r = this.#records[i]!;
      if (before === undefined || r.seq < before) out.push(r);
    }
    return out;
  }
}

/** Records on the SB_AUDIT stream; reads page backwards with direct gets by sequence. */
export class JetStreamAuditSink implements AuditSink {
  constructor(
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly log?: Logger,
  ) {}

  write(record: AuditRecord): void {
    this.js.publish(subjects.audit(record.outcome), JSON.stringify(record)).catch((err: unknown) => {
      this.log?.error({ err, audit: record }, 'audit record not stored on the stream (it is in this log line)');
    });
  }

  async read({ limit, before }: { limit: number; before?: number }): Promise<StoredAuditRecord[]> {
    const { state } = await this.jsm.streams.info(STREAMS.audit.name);
    const out: StoredAuditRecord[] = [];
    let seq = Math.min(before ?? state.last_seq + 1, state.last_seq + 1) - 1;
    for (; seq >= state.first_seq && seq > 0 && out.length < limit; seq--) {
      try {
        const m = await this.jsm.streams.getMessage(STREAMS.audit.name, { seq });
        out.push({ ...(m.json() as AuditRecord), seq });
      } catch {
        // A gap (an expired or deleted record): keep going.
      }
    }
    return out;
  }
}

/** Writes audit records to the log (one JSON line each, `audit: true`) and to a sink. */
export class AuditLog {
  constructor(
    public sink: AuditSink,
    readonly log?: Logger,
  ) {}

  record(record: AuditRecord): void {
    this.log?.info({ audit: true, ...record }, 'audit');
    this.sink.write(record);
  }
}
