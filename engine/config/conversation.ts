/**
 * Conversation configuration: threading windows (0–72 h, per channel or per integration),
 * reply-window policy overrides per channel (a platform's rule change is a config change),
 * and outbound content filters. Validation errors name the path of the bad field.
 */
import { z } from 'zod';
import { CHANNELS, type Channel } from '../../protocol/channels.js';
import { CHANNEL_POLICIES, type ChannelPolicy } from '../../machines/channel-policies.js';
import { TerminalError } from '../../actors/errors.js';
import type { ActorType } from '../../actors/types.js';
import { contactMachine } from '../../machines/contact.machine.js';
import { identityMachine } from '../../machines/contact-identity.machine.js';
import { parseConversationKey } from '../../machines/conversation-ids.js';
import { conversationMachine, type ConversationInput } from '../../machines/conversation.machine.js';
import { historyMachine } from '../../machines/history.machine.js';
import { THREADING_MAX_MS } from '../../machines/conversation-threading.js';
import { isPhoneRegion, phoneIdentityOf } from '../phone.js';

const HOUR_MS = 3_600_000;
const hours = z.number().min(0).max(72);
const channel = z.enum(CHANNELS);

const PolicyOverride = z
  .object({
    freeFormWindowHours: z
      .number()
      .positive()
      .max(24 * 30)
      .nullable()
      .optional(),
    referralWindowHours: z
      .number()
      .positive()
      .max(24 * 30)
      .optional(),
    extraMessagesAfterWindow: z.number().int().min(0).max(10).optional(),
    tagWindowHours: z
      .record(
        z.string().regex(/^[A-Z_]+$/, 'tags are upper-case platform tags such as HUMAN_AGENT'),
        z
          .number()
          .positive()
          .max(24 * 30),
      )
      .optional(),
    templatesOutsideWindow: z.boolean().optional(),
    repliesPerInbound: z.number().int().positive().nullable().optional(),
    maxLength: z.number().int().positive().optional(),
  })
  .strict();

const ContentFilter = z
  .object({
    name: z.string().min(1),
    words: z.array(z.string().min(1)).optional(),
    pattern: z
      .string()
      .refine((p) => {
        try {
          new RegExp(p, 'iu');
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression')
      .optional(),
    action: z.enum(['refuse', 'mask']).default('refuse'),
  })
  .strict()
  .refine((f) => f.words || f.pattern, 'a content filter needs words or a pattern');

const Region = z
  .string()
  .transform((r) => r.toUpperCase())
  .refine(isPhoneRegion, 'an ISO 3166-1 alpha-2 country code such as "US" or "GB"');

/** The conversation config schema. */
export const ConversationConfigSchema = z
  .object({
    threading: z
      .object({
        defaultWindowHours: hours.default(72),
        /** Per channel, e.g. `{ web: 1 }`. */
        channels: z.partialRecord(channel, hours).default({}),
        /** Per integration, keyed `<channel>:<integrationId>`; wins over the channel's value. */
        integrations: z
          .record(z.string().regex(/^[a-z]+:.+$/, 'keys are <channel>:<integrationId>'), hours)
          .default({}),
      })
      .strict()
      .default({ defaultWindowHours: 72, channels: {}, integrations: {} }),
    policies: z.partialRecord(channel, PolicyOverride).default({}),
    contentFilters: z.array(ContentFilter).default([]),
    /** Phone identities: the region national numbers (without a country code) are read in. */
    phone: z
      .object({
        defaultRegion: Region.optional(),
        /** Per integration, keyed `<channel>:<integrationId>` (an SMS number in another country); wins over the default. */
        integrations: z
          .record(z.string().regex(/^[a-z]+:.+$/, 'keys are <channel>:<integrationId>'), Region)
          .default({}),
      })
      .strict()
      .default({ integrations: {} }),
  })
  .strict();

/** Validated conversation config. */
export type ConversationConfig = z.infer<typeof ConversationConfigSchema>;
/** One validated content filter. */
export type ContentFilterConfig = z.infer<typeof ContentFilter>;

/** The defaults (72 h threading everywhere, built-in policies, no filters). */
export const DEFAULT_CONVERSATION_CONFIG: ConversationConfig = ConversationConfigSchema.parse({});

/** A config error naming the bad field's path. */
export class ConversationConfigError extends Error {
  override readonly name = 'ConversationConfigError';
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`invalid conversation config: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

/** Parses untrusted config; throws ConversationConfigError listing each bad field's path. */
export function parseConversationConfig(raw: unknown): ConversationConfig {
  const r = ConversationConfigSchema.safeParse(raw ?? {});
  if (r.success) return r.data;
  throw new ConversationConfigError(
    r.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })),
  );
}

/** The threading window of one integration, in ms. */
export function threadingWindowMs(cfg: ConversationConfig, ch: Channel, integrationId: string): number {
  const h =
    cfg.threading.integrations[`${ch}:${integrationId}`] ??
    cfg.threading.channels[ch] ??
    cfg.threading.defaultWindowHours;
  return Math.min(h * HOUR_MS, THREADING_MAX_MS);
}

/** The policy overrides of a channel, in the machine's units. */
export function policyOverride(cfg: ConversationConfig, ch: Channel): Partial<ChannelPolicy> {
  const o = cfg.policies[ch];
  const out: { -readonly [K in keyof ChannelPolicy]?: ChannelPolicy[K] } = {};
  if (cfg.contentFilters.length > 0) out.contentFilters = cfg.contentFilters;
  if (!o) return out;
  if (o.freeFormWindowHours !== undefined)
    out.freeFormWindowMs = o.freeFormWindowHours === null ? null : o.freeFormWindowHours * HOUR_MS;
  if (o.referralWindowHours !== undefined) out.referralWindowMs = o.referralWindowHours * HOUR_MS;
  if (o.extraMessagesAfterWindow !== undefined) out.extraMessagesAfterWindow = o.extraMessagesAfterWindow;
  if (o.tagWindowHours)
    out.tags = Object.fromEntries(Object.entries(o.tagWindowHours).map(([t, h]) => [t, h * HOUR_MS]));
  if (o.templatesOutsideWindow !== undefined) out.templatesOutsideWindow = o.templatesOutsideWindow;
  if (o.repliesPerInbound !== undefined) out.repliesPerInbound = o.repliesPerInbound;
  if (o.maxLength !== undefined) out.length = { ...CHANNEL_POLICIES[ch].length, max: o.maxLength };
  return out;
}

/** The region national phone numbers of an integration are read in (undefined: none configured). */
export function phoneRegion(cfg: ConversationConfig, ch?: Channel, integrationId?: string): string | undefined {
  const key = `${ch}:${integrationId}`;
  return ch && Object.hasOwn(cfg.phone.integrations, key) ? cfg.phone.integrations[key] : cfg.phone.defaultRegion;
}

/** The input of a fresh conversation actor for a key under this config. */
export function conversationInput(
  cfg: ConversationConfig,
  conversationKey: string,
  ch: Channel,
  integrationId: string,
  channelUserId: string,
): ConversationInput {
  const phone = phoneIdentityOf(ch, channelUserId, phoneRegion(cfg, ch, integrationId));
  return {
    conversationKey,
    threadingWindowMs: threadingWindowMs(cfg, ch, integrationId),
    policy: policyOverride(cfg, ch),
    ...(phone ? { phone } : {}),
  };
}

/** The conversation actor type carries its config reader so the engine's API reads the same one. */
export type ConversationActorType = ActorType & { readonly config: () => ConversationConfig };

/** The conversation config of an engine's actor types (the defaults if conversations are not hosted). */
export function conversationConfigOf(actorTypes: readonly ActorType[]): ConversationConfig {
  const t = actorTypes.find((x) => x.name === 'conversation') as Partial<ConversationActorType> | undefined;
  return t?.config?.() ?? DEFAULT_CONVERSATION_CONFIG;
}

/**
 * The conversation feature's actor types: conversation, its history pages, contacts and the
 * identity index. Pass a function to read the config at each conversation's creation (a new
 * config reaches new conversations; existing ones keep the window and policy they started with).
 */
export function conversationActorTypes(
  config: ConversationConfig | (() => ConversationConfig) = DEFAULT_CONVERSATION_CONFIG,
): ActorType[] {
  const current = typeof config === 'function' ? config : () => config;
  const conversation: ConversationActorType = {
    name: 'conversation',
    machine: conversationMachine,
    config: current,
    input: (key: string) => {
      const parsed = parseConversationKey(key);
      if (!parsed)
        throw new TerminalError(
          'invalid_conversation_key',
          `conversation key "${key}" is not <channel>:<integrationId>:<channelUserId> with a known channel`,
        );
      return conversationInput(current(), key, parsed.channel, parsed.integrationId, parsed.channelUserId);
    },
  };
  return [
    conversation,
    { name: 'history', machine: historyMachine },
    { name: 'contact', machine: contactMachine },
    { name: 'identity', machine: identityMachine },
  ];
}
