/**
 * The pure core of the reply-window policy: the shared context and event shapes, the decision
 * table (may this reply go out now, in which parts?), and inbound keyword classification.
 * The reply-window region (reply-window-region.ts) calls these from each of its states.
 */
import type { Channel, InboundEvent, MediaItem } from '../protocol/channels.js';
import { mapRichTexts, richTexts, type RichMessage } from '../protocol/rich.js';
import { applyFilters, measure, type ChannelPolicy } from './channel-policies.js';

/** Where a conversation's outbound messages go. */
export interface ReplyAddress {
  readonly channel: Channel;
  readonly integrationId: string;
  readonly channelUserId: string;
  readonly conversationKey: string;
  /** Short stable id of the conversation used in message ids (`<convId>.<seq>`). */
  readonly convId: string;
}

/** The reply-window's counters and flags (its phase is the region's state). */
export interface WindowState {
  /** Free-form messages left after the free-form window ("24 + 1"). */
  extraLeft: number;
  /** Replies left for the last customer message (X DM); null = unlimited. */
  repliesLeft: number | null;
  optedOut: boolean;
  /** Consent for business-initiated messages (WhatsApp). */
  optedIn: boolean;
  /** Length of the free-form window the last opener started (24 h, or 7 days for an ad referral). */
  openMs: number;
  lastInboundAt?: number;
  /** What a reply answers: the last reply token on LINE, the post or comment id on public posts, else the platform id of the last customer message. */
  lastInboundId?: string;
  replyTokenUsed: boolean;
  privateRepliesLeft: number;
}

/** What every machine that hosts the reply-window region keeps in its context. */
export interface ReplyContext {
  readonly address: ReplyAddress;
  readonly policy: ChannelPolicy;
  window: WindowState;
  /** Next history sequence number of the conversation. */
  seq: number;
  current?: { interactionId: string } | undefined;
}

/** Who asked for a reply. */
export type ReplySender =
  | { readonly kind: 'agent'; readonly agentId: string }
  | { readonly kind: 'system'; readonly reason: string };

/** A request to send a message to the customer. `dryRun` only asks whether it would be allowed. */
export interface ReplyRequested {
  readonly type: 'reply.requested';
  readonly requestId: string;
  readonly interactionId?: string;
  readonly sender: ReplySender;
  readonly kind: 'text' | 'template' | 'media' | 'rich';
  readonly text?: string;
  readonly template?: { readonly name: string; readonly language: string; readonly params?: readonly string[] };
  readonly media?: readonly MediaItem[];
  /** `kind: 'rich'`: quick replies, buttons, a list, a carousel, a picker (protocol/rich.ts). */
  readonly rich?: RichMessage;
  readonly tag?: string;
  /** Public posts: reply on the post (default) or move to a private message. */
  readonly visibility?: 'public' | 'private';
  /**
   * A business-initiated message (POST /outbound/messages), not an answer to the customer: outside the
   * free-form window it needs what the channel needs to start a conversation (WhatsApp: template + opt-in).
   */
  readonly proactive?: boolean;
  readonly dryRun?: boolean;
  readonly at?: number;
}

/** The phases of the reply window (the region's states). */
export type WindowPhase = 'none' | 'open' | 'unlimited' | 'grace' | 'closed' | 'ended';

/** One outbound message a reply becomes. */
export interface ReplyPart {
  readonly kind: 'text' | 'media' | 'template' | 'rich';
  readonly text?: string;
  readonly media?: MediaItem;
  readonly template?: ReplyRequested['template'];
  readonly rich?: RichMessage;
}

/** The outcome of a reply request. */
export type ReplyDecision =
  | {
      readonly ok: true;
      readonly parts: readonly ReplyPart[];
      readonly usesExtra: boolean;
      readonly replyTo?: string;
      readonly visibility?: 'public' | 'private';
      readonly usesToken: boolean;
    }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** A fresh window state for a policy. */
export function initialWindow(policy: ChannelPolicy): WindowState {
  return {
    extraLeft: 0,
    repliesLeft: policy.repliesPerInbound === null ? null : 0,
    optedOut: false,
    optedIn: false,
    openMs: policy.freeFormWindowMs ?? 0,
    replyTokenUsed: false,
    privateRepliesLeft: 0,
  };
}

/** Classifies a customer message by the channel's keywords (SMS STOP/START/HELP). */
export function keywordOf(
  policy: ChannelPolicy,
  event: { type: string; text?: string },
): 'opt_out' | 'opt_in' | 'help' | undefined {
  if (event.type === 'contact.opted_out') return 'opt_out';
  if (event.type === 'contact.opted_in') return 'opt_in';
  if (event.type === 'contact.help_requested') return 'help';
  if (event.type !== 'message.received' || !policy.keywords || typeof event.text !== 'string') return undefined;
  const word = event.text.trim().toUpperCase();
  if (policy.keywords.optOut.includes(word)) return 'opt_out';
  if (policy.keywords.optIn.includes(word)) return 'opt_in';
  if (policy.keywords.help.includes(word)) return 'help';
  return undefined;
}

/** The window state after a customer message (not a keyword). */
export function windowAfterInbound(
  policy: ChannelPolicy,
  w: WindowState,
  e: InboundEvent & { type: 'message.received' },
  at: number,
): WindowState {
  const referral = e.referral?.source === 'ad' && policy.referralWindowMs !== undefined;
  return {
    ...w,
    extraLeft: policy.extraMessagesAfterWindow,
    repliesLeft: policy.repliesPerInbound,
    openMs: referral ? policy.referralWindowMs! : (policy.freeFormWindowMs ?? 0),
    lastInboundAt: at,
    // Reply-token channels (LINE) answer with the event's token (none on a redelivery); public posts the post or comment.
    lastInboundId:
      policy.replyTokenMs !== undefined ? e.replyToken : (e.public?.parentId ?? e.public?.postId ?? e.messageId),
    replyTokenUsed: false,
    privateRepliesLeft: policy.privateReply?.max ?? 0,
  };
}

function refuse(code: string, message: string): ReplyDecision {
  return { ok: false, code, message };
}

/** Splits a request into outbound parts: multiple attachments become separate messages. */
export function partsOf(req: ReplyRequested): ReplyPart[] | string {
  if (req.kind === 'template') {
    if (!req.template?.name || !req.template.language)
      return 'a template reply needs template.name and template.language';
    return [{ kind: 'template', template: req.template }];
  }
  if (req.kind === 'rich') {
    if (!req.rich || typeof req.rich !== 'object') return 'a rich reply needs rich';
    return [{ kind: 'rich', rich: req.rich }];
  }
  if (req.kind === 'media') {
    if (!req.media || req.media.length === 0) return 'a media reply needs at least one item in media';
    const parts: ReplyPart[] = req.text ? [{ kind: 'text', text: req.text }] : [];
    return [...parts, ...req.media.map((m) => ({ kind: 'media' as const, media: m }))];
  }
  if (typeof req.text !== 'string' || req.text.length === 0) return 'a text reply needs a non-empty text';
  return [{ kind: 'text', text: req.text }];
}

/** Decides whether a reply may go out now, in which phase of the window; never throws. */
export function decideReply(phase: WindowPhase, ctx: ReplyContext, req: ReplyRequested, now: number): ReplyDecision {
  const { policy, window: w } = ctx;
  const raw = partsOf(req);
  if (typeof raw === 'string') return refuse('invalid_request', raw);
  const parts: ReplyPart[] = [];
  for (const p of raw) {
    if (p.rich) {
      // Every label the customer sees passes the filters: refused as a whole, or masked label by label.
      const refused = richTexts(p.rich)
        .map((t) => applyFilters(policy.contentFilters, t))
        .find((f) => 'refusedBy' in f);
      if (refused && 'refusedBy' in refused)
        return refuse('content_filtered', `the message matches the content filter "${refused.refusedBy}"; rephrase it`);
      const masked = mapRichTexts(p.rich, (t) => {
        const f = applyFilters(policy.contentFilters, t);
        return 'text' in f ? f.text : t;
      });
      parts.push({ ...p, rich: masked });
      continue;
    }
    if (p.text === undefined) {
      parts.push(p);
      continue;
    }
    const f = applyFilters(policy.contentFilters, p.text);
    if ('refusedBy' in f)
      return refuse('content_filtered', `the message matches the content filter "${f.refusedBy}"; rephrase it`);
    parts.push({ ...p, text: f.text });
  }
  if (phase === 'ended')
    return refuse(
      'conversation_closed_by_customer',
      'the customer closed this conversation; nothing more may be sent until they write again',
    );
  if (w.optedOut)
    return refuse('opted_out', 'the customer opted out (STOP); nothing is sent until they opt back in (START)');
  for (const p of parts) {
    const texts = [p.text, p.media?.caption, ...(p.rich ? richTexts(p.rich) : [])].filter(
      (t): t is string => typeof t === 'string',
    );
    for (const t of texts) {
      const m = measure(policy.length, t);
      if (!m.ok)
        return refuse(
          'message_too_long',
          `the message is ${m.size} ${m.unit.replace('_', ' ')} long; ${policy.channel} allows at most ${m.max}`,
        );
    }
  }
  const template = req.kind === 'template';
  if (template && !policy.templatesOutsideWindow)
    return refuse('template_not_supported', `${policy.channel} has no template messages; send text or media`);
  let usesExtra = false;
  // A proactive message after the window is business-initiated like a first one: no "+1", no tags.
  const businessInitiated =
    phase === 'none' ||
    (req.proactive === true && policy.businessInitiated !== 'allowed' && (phase === 'grace' || phase === 'closed'));
  if (businessInitiated) {
    if (policy.businessInitiated === 'never')
      return phase === 'none'
        ? refuse('customer_must_start', `on ${policy.channel} only the customer can start a conversation`)
        : refuse(
            'reply_window_closed',
            `${policy.channel} allows business-initiated messages only within ${hours(w.openMs)} of the customer's last message`,
          );
    if (policy.businessInitiated === 'template_with_opt_in') {
      if (!template)
        return refuse(
          'template_required',
          `a business-initiated ${policy.channel} message must be an approved template`,
        );
      if (!w.optedIn) return refuse('opt_in_required', 'the customer has not opted in to business-initiated messages');
    }
  } else if (phase === 'grace' || phase === 'closed') {
    if (!template) {
      const tagMs = req.tag !== undefined && Object.hasOwn(policy.tags, req.tag) ? policy.tags[req.tag] : undefined;
      const tagOk =
        tagMs !== undefined &&
        req.sender.kind === 'agent' &&
        w.lastInboundAt !== undefined &&
        now < w.lastInboundAt + tagMs;
      if (!tagOk) {
        if (phase === 'grace' && w.extraLeft >= parts.length) usesExtra = true;
        else if (policy.templatesOutsideWindow)
          return refuse(
            'template_required',
            `more than ${hours(w.openMs)} passed since the customer's last message; only template messages may be sent`,
          );
        else
          return refuse(
            'reply_window_closed',
            `the reply window closed ${hours(w.openMs)} after the customer's last message${req.tag ? ` and tag ${req.tag} does not apply now` : ''}; wait for the customer to write`,
          );
      }
    }
  }
  if (!template && w.repliesLeft !== null && w.repliesLeft < parts.length) {
    return refuse(
      'reply_limit_reached',
      `at most ${policy.repliesPerInbound} replies may follow each customer message; wait for the customer to write`,
    );
  }
  let replyTo: string | undefined;
  let visibility: 'public' | 'private' | undefined;
  if (policy.privateReply) {
    visibility = req.visibility ?? 'public';
    replyTo = w.lastInboundId;
    if (
      visibility === 'private' &&
      (w.privateRepliesLeft < 1 ||
        w.lastInboundAt === undefined ||
        now >= w.lastInboundAt + policy.privateReply.windowMs)
    ) {
      return refuse(
        'private_reply_unavailable',
        `a post may be answered privately at most ${policy.privateReply.max} time(s), within ${hours(policy.privateReply.windowMs)}; reply publicly`,
      );
    }
  }
  let usesToken = false;
  if (
    policy.replyTokenMs !== undefined &&
    !w.replyTokenUsed &&
    w.lastInboundId !== undefined &&
    w.lastInboundAt !== undefined &&
    now < w.lastInboundAt + policy.replyTokenMs
  ) {
    replyTo = w.lastInboundId;
    usesToken = true;
  }
  return { ok: true, parts, usesExtra, replyTo, visibility, usesToken };
}

/** The window state after a reply went out. */
export function windowAfterReply(w: WindowState, d: Extract<ReplyDecision, { ok: true }>): WindowState {
  const n = d.parts.length;
  return {
    ...w,
    extraLeft: d.usesExtra ? w.extraLeft - n : w.extraLeft,
    repliesLeft: w.repliesLeft === null || d.parts[0]?.kind === 'template' ? w.repliesLeft : w.repliesLeft - n,
    replyTokenUsed: w.replyTokenUsed || d.usesToken,
    privateRepliesLeft: d.visibility === 'private' ? w.privateRepliesLeft - 1 : w.privateRepliesLeft,
  };
}

function hours(ms: number): string {
  const h = ms / 3_600_000;
  return h % 24 === 0 && h >= 48 ? `${h / 24} days` : `${h} hours`;
}
