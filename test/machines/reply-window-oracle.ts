/**
 * An independent, timestamp-based statement of each channel's reply rules (no states, no
 * timers): the model-based tests compare every decision of the state machine, run on the real
 * actor runtime, with this oracle.
 */
import type { ChannelPolicy } from '../../machines/channel-policies.js';

const DAY_MS = 86_400_000;

export interface OracleRequest {
  readonly kind: 'text' | 'template' | 'media';
  readonly media?: readonly unknown[];
  readonly text?: string;
  readonly tag?: string;
}

export type OracleDecision = { ok: true; usesExtra: boolean; parts: number } | { ok: false; code: string };

/** What a channel allows, from the timestamps of what happened. */
export class ReplyOracle {
  last?: number;
  openMs = 0;
  extraLeft = 0;
  repliesSince = 0;
  optedOut = false;
  optedIn = false;
  ended = false;

  constructor(readonly policy: ChannelPolicy) {}

  get graceEndMs(): number {
    return Math.max(0, ...Object.values(this.policy.tags), this.policy.extraMessagesAfterWindow > 0 ? 7 * DAY_MS : 0);
  }

  inbound(now: number, referral = false): void {
    this.last = now;
    this.openMs =
      referral && this.policy.referralWindowMs !== undefined
        ? this.policy.referralWindowMs
        : (this.policy.freeFormWindowMs ?? 0);
    this.extraLeft = this.policy.extraMessagesAfterWindow;
    this.repliesSince = 0;
    this.ended = false;
  }

  keyword(k: 'opt_out' | 'opt_in' | 'help'): void {
    if (k === 'opt_out') {
      this.optedOut = true;
      this.optedIn = false;
    } else if (k === 'opt_in') {
      this.optedOut = false;
      this.optedIn = true;
    }
  }

  close(): void {
    if (this.policy.customerCloseIsTerminal) this.ended = true;
  }

  /** Whether a free-form message is inside the customer-opened window right now. */
  insideWindow(now: number): boolean {
    return this.last !== undefined && (this.policy.freeFormWindowMs === null || now - this.last < this.openMs);
  }

  decide(req: OracleRequest, now: number): OracleDecision {
    const p = this.policy;
    const parts = req.kind === 'media' ? (req.media?.length ?? 0) + (req.text ? 1 : 0) : 1;
    if (this.ended) return { ok: false, code: 'conversation_closed_by_customer' };
    if (this.optedOut) return { ok: false, code: 'opted_out' };
    const template = req.kind === 'template';
    if (template && !p.templatesOutsideWindow) return { ok: false, code: 'template_not_supported' };
    let usesExtra = false;
    if (this.last === undefined) {
      if (p.businessInitiated === 'never') return { ok: false, code: 'customer_must_start' };
      if (p.businessInitiated === 'template_with_opt_in') {
        if (!template) return { ok: false, code: 'template_required' };
        if (!this.optedIn) return { ok: false, code: 'opt_in_required' };
      }
    } else if (!template && !this.insideWindow(now)) {
      const tagMs = req.tag !== undefined ? p.tags[req.tag] : undefined;
      const tagOk = tagMs !== undefined && now - this.last < tagMs;
      if (!tagOk) {
        const inGrace = this.graceEndMs > this.openMs && now - this.last < this.graceEndMs;
        if (inGrace && this.extraLeft >= parts) usesExtra = true;
        else return { ok: false, code: p.templatesOutsideWindow ? 'template_required' : 'reply_window_closed' };
      }
    }
    if (!template && p.repliesPerInbound !== null && this.repliesSince + parts > p.repliesPerInbound) {
      return { ok: false, code: 'reply_limit_reached' };
    }
    return { ok: true, usesExtra, parts };
  }

  /** Books an accepted reply. */
  sent(req: OracleRequest, d: Extract<OracleDecision, { ok: true }>): void {
    if (d.usesExtra) this.extraLeft -= d.parts;
    if (req.kind !== 'template') this.repliesSince += d.parts;
  }
}
