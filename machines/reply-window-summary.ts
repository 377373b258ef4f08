/**
 * What an agent may send right now, read off a conversation's reply-window phase and counters:
 * the state the workspace shows ("window closes in 3 h 12 min", "only templates now", "customer
 * closed the conversation"). Pure: the same rules `decideReply` applies, summarized without a request.
 */
import type { ChannelPolicy } from './channel-policies.js';
import { graceEndMs } from './reply-window-region.js';
import type { WindowPhase, WindowState } from './reply-policy.js';

/** The states an agent sees. */
export type WindowStateName =
  /** Free-form replies allowed until `closesAt` (and, on X, `repliesLeft` more). */
  | 'open'
  /** No time limit (Apple, SMS, web, open messaging). */
  | 'unlimited'
  /** Past the free-form window: `extraLeft` more messages, or tagged ones (`tags`) until `graceEndsAt`. */
  | 'grace'
  /** Only approved template messages (WhatsApp after 24 h, or before the customer wrote). */
  | 'templates_only'
  /** Nothing may be sent until the customer writes again. */
  | 'closed'
  /** The customer closed the conversation (Apple): nothing more may be sent. */
  | 'ended_by_customer'
  /** The customer opted out (SMS STOP). */
  | 'opted_out'
  /** The business may not start a conversation on this channel. */
  | 'customer_must_start';

export interface WindowSummary {
  readonly phase: WindowPhase;
  readonly state: WindowStateName;
  /** Free-form text and media may be sent now. */
  readonly freeForm: boolean;
  /** Template messages may be sent now. */
  readonly templates: boolean;
  readonly closesAt?: number;
  readonly graceEndsAt?: number;
  readonly extraLeft?: number;
  readonly repliesLeft?: number;
  /** Tags that still allow a human agent's reply, with when each stops applying. */
  readonly tags?: Readonly<Record<string, number>>;
  /** Public posts: replies go on the post; `privateRepliesLeft` private messages until `privateUntil`. */
  readonly publicPost?: { readonly privateRepliesLeft: number; readonly privateUntil?: number };
}

/** Summarizes the window at `now`. */
export function summarizeWindow(phase: WindowPhase, w: WindowState, policy: ChannelPolicy, now: number): WindowSummary {
  const templatesOk = policy.templatesOutsideWindow;
  const publicPost = policy.privateReply
    ? {
        privateRepliesLeft: w.privateRepliesLeft,
        ...(w.lastInboundAt !== undefined ? { privateUntil: w.lastInboundAt + policy.privateReply.windowMs } : {}),
      }
    : undefined;
  const base = { phase, ...(publicPost ? { publicPost } : {}) };
  if (phase === 'ended') return { ...base, state: 'ended_by_customer', freeForm: false, templates: false };
  if (w.optedOut) return { ...base, state: 'opted_out', freeForm: false, templates: false };
  if (phase === 'none') {
    if (policy.businessInitiated === 'never')
      return { ...base, state: 'customer_must_start', freeForm: false, templates: false };
    if (policy.businessInitiated === 'template_with_opt_in')
      return { ...base, state: 'templates_only', freeForm: false, templates: templatesOk && w.optedIn };
    return { ...base, state: 'unlimited', freeForm: true, templates: templatesOk };
  }
  if (phase === 'unlimited') return { ...base, state: 'unlimited', freeForm: true, templates: templatesOk };
  const repliesLeft = w.repliesLeft ?? undefined;
  if (phase === 'open') {
    const closesAt = w.lastInboundAt !== undefined ? w.lastInboundAt + w.openMs : undefined;
    return {
      ...base,
      state: 'open',
      freeForm: repliesLeft === undefined || repliesLeft > 0,
      templates: templatesOk,
      ...(closesAt !== undefined ? { closesAt } : {}),
      ...(repliesLeft !== undefined ? { repliesLeft } : {}),
    };
  }
  // grace or closed: tags may still apply for a human agent; then templates or nothing.
  const tags: Record<string, number> = {};
  if (w.lastInboundAt !== undefined)
    for (const [tag, ms] of Object.entries(policy.tags))
      if (now < w.lastInboundAt + ms) tags[tag] = w.lastInboundAt + ms;
  const anyTag = Object.keys(tags).length > 0;
  const graceEndsAt = w.lastInboundAt !== undefined ? w.lastInboundAt + graceEndMs(policy) : undefined;
  if (phase === 'grace' && (w.extraLeft > 0 || anyTag))
    return {
      ...base,
      state: 'grace',
      freeForm: w.extraLeft > 0,
      templates: templatesOk,
      extraLeft: w.extraLeft,
      ...(anyTag ? { tags } : {}),
      ...(graceEndsAt !== undefined ? { graceEndsAt } : {}),
    };
  if (anyTag) return { ...base, state: 'grace', freeForm: false, templates: templatesOk, extraLeft: 0, tags };
  if (templatesOk) return { ...base, state: 'templates_only', freeForm: false, templates: true };
  return { ...base, state: 'closed', freeForm: false, templates: false };
}
