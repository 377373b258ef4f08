/**
 * Per-channel reply-window policy DATA. One generic machine (reply-window.machine.ts) reads
 * these records, so a platform's rule change is a data change here (or an override in the
 * engine's conversation config). Figures follow the platforms' documentation; see the
 * "Channel policies" table in the design.
 */
import type { Channel } from '../protocol/channels.js';
import { smsSegments } from '../protocol/sms.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** How a channel measures message length. */
export type LengthRule =
  | { readonly unit: 'chars'; readonly max: number }
  | { readonly unit: 'utf8_bytes'; readonly max: number }
  | { readonly unit: 'sms_segments'; readonly max: number };

/** The rules of one channel, as data. */
export interface ChannelPolicy {
  readonly channel: Channel;
  /** Free-form replies are allowed this long after the customer's last message; null = no limit. */
  readonly freeFormWindowMs: number | null;
  /** What opened a window: an ad referral may open a longer one (Messenger ads: 7 days). */
  readonly referralWindowMs?: number;
  /** After the free-form window: this many more free-form messages ("24 + 1"). */
  readonly extraMessagesAfterWindow: number;
  /** Message tags that extend the window for human agents, with how long after the last customer message. */
  readonly tags: Readonly<Record<string, number>>;
  /** Template messages are allowed outside the window (WhatsApp). */
  readonly templatesOutsideWindow: boolean;
  /** At most this many business replies per customer message (X DM: 5); null = no limit. */
  readonly repliesPerInbound: number | null;
  /** Who may start: 'template_with_opt_in' (WhatsApp), 'never' (Apple: only the customer starts), 'allowed'. */
  readonly businessInitiated: 'allowed' | 'template_with_opt_in' | 'never';
  /** The customer's close ends the conversation: nothing may be sent until the customer writes again. */
  readonly customerCloseIsTerminal: boolean;
  /** Keywords (whole message, case-insensitive) that opt out, back in, and ask for help (SMS). */
  readonly keywords?: {
    readonly optOut: readonly string[];
    readonly optIn: readonly string[];
    readonly help: readonly string[];
    /** Automatic answers to those keywords (sent even while opted out: the confirmation is required). */
    readonly replies: { readonly optOut: string; readonly optIn: string; readonly help: string };
  };
  /** Short-lived reply token (LINE): replies within it reuse the inbound message's token, later ones are pushed. */
  readonly replyTokenMs?: number;
  /** Public posts: replies go publicly on the post; at most this many private replies per comment, within this long. */
  readonly privateReply?: { readonly max: number; readonly windowMs: number };
  /** The customer's unsend removes the message from history (Instagram). */
  readonly unsendDeletes: boolean;
  readonly length: LengthRule;
  /** Admin-defined outbound content filters (word lists, regular expressions): refuse or mask. */
  readonly contentFilters?: readonly ContentFilter[];
}

/** One outbound content filter. */
export interface ContentFilter {
  readonly name: string;
  readonly words?: readonly string[];
  readonly pattern?: string;
  readonly action: 'refuse' | 'mask';
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Applies content filters to a text: the masked text, or the name of the filter that refuses it. */
export function applyFilters(
  filters: readonly ContentFilter[] | undefined,
  text: string,
): { text: string } | { refusedBy: string } {
  let out = text;
  for (const f of filters ?? []) {
    const sources = [
      ...(f.words ?? []).map((w) => `(?<![\\p{L}\\p{N}])${escapeRegExp(w)}(?![\\p{L}\\p{N}])`),
      ...(f.pattern ? [f.pattern] : []),
    ];
    for (const src of sources) {
      const re = new RegExp(src, 'giu');
      if (!re.test(out)) continue;
      if (f.action === 'refuse') return { refusedBy: f.name };
      out = out.replace(new RegExp(src, 'giu'), (m) => '*'.repeat([...m].length));
    }
  }
  return { text: out };
}

const base = {
  freeFormWindowMs: null,
  extraMessagesAfterWindow: 0,
  tags: {},
  templatesOutsideWindow: false,
  repliesPerInbound: null,
  businessInitiated: 'allowed',
  customerCloseIsTerminal: false,
  unsendDeletes: false,
} as const satisfies Partial<ChannelPolicy>;

/** Twilio's default keyword lists (its Advanced Opt-Out defaults). */
export const SMS_KEYWORDS = {
  optOut: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'],
  optIn: ['START', 'YES', 'UNSTOP', 'OPTIN'],
  help: ['HELP', 'INFO'],
  replies: {
    optOut: 'You have been unsubscribed and will receive no further messages. Reply START to resubscribe.',
    optIn: 'You have been resubscribed. Reply STOP to unsubscribe.',
    help: 'Reply STOP to unsubscribe, START to resubscribe.',
  },
} as const;

/** The built-in policy of every channel. */
export const CHANNEL_POLICIES: Readonly<Record<Channel, ChannelPolicy>> = {
  whatsapp: {
    ...base,
    channel: 'whatsapp',
    freeFormWindowMs: 24 * HOUR_MS,
    templatesOutsideWindow: true,
    businessInitiated: 'template_with_opt_in',
    length: { unit: 'chars', max: 4_096 },
  },
  messenger: {
    ...base,
    channel: 'messenger',
    freeFormWindowMs: 24 * HOUR_MS,
    referralWindowMs: 7 * DAY_MS,
    businessInitiated: 'never',
    extraMessagesAfterWindow: 1,
    tags: { HUMAN_AGENT: 7 * DAY_MS },
    length: { unit: 'chars', max: 2_000 },
  },
  instagram: {
    ...base,
    channel: 'instagram',
    freeFormWindowMs: 24 * HOUR_MS,
    tags: { HUMAN_AGENT: 7 * DAY_MS },
    businessInitiated: 'never',
    unsendDeletes: true,
    length: { unit: 'utf8_bytes', max: 1_000 },
  },
  x: {
    ...base,
    channel: 'x',
    repliesPerInbound: 5,
    businessInitiated: 'never',
    length: { unit: 'chars', max: 10_000 },
  },
  apple: {
    ...base,
    channel: 'apple',
    businessInitiated: 'never',
    customerCloseIsTerminal: true,
    length: { unit: 'chars', max: 2_000 },
  },
  sms: { ...base, channel: 'sms', keywords: SMS_KEYWORDS, length: { unit: 'sms_segments', max: 10 } },
  line: { ...base, channel: 'line', replyTokenMs: 60_000, length: { unit: 'chars', max: 5_000 } },
  telegram: { ...base, channel: 'telegram', businessInitiated: 'never', length: { unit: 'chars', max: 4_096 } },
  web: { ...base, channel: 'web', length: { unit: 'chars', max: 4_000 } },
  open: { ...base, channel: 'open', length: { unit: 'chars', max: 10_000 } },
  social: {
    ...base,
    channel: 'social',
    businessInitiated: 'never',
    privateReply: { max: 1, windowMs: 7 * DAY_MS },
    length: { unit: 'chars', max: 8_000 },
  },
};

/** A channel's policy with overrides applied (overrides come from the conversation config). */
export function policyFor(channel: Channel, override?: Partial<ChannelPolicy>): ChannelPolicy {
  return { ...CHANNEL_POLICIES[channel], ...(override ?? {}), channel };
}

// ——— length ———

export { smsSegments };

/** Measures a text by a channel's rule; `ok` is false when it is over the limit. */
export function measure(rule: LengthRule, text: string): { ok: boolean; size: number; unit: string; max: number } {
  let size: number;
  if (rule.unit === 'chars') size = [...text].length;
  else if (rule.unit === 'utf8_bytes') size = new TextEncoder().encode(text).length;
  else size = smsSegments(text).segments;
  return { ok: size <= rule.max, size, unit: rule.unit, max: rule.max };
}
