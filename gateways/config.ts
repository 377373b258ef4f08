/**
 * The gateway's config file: integrations (secrets, credentials, send base URLs, rates, options), validated once.
 * Each channel declares its own credential names and options (what the platform's console calls them), so a typo
 * in a credential name fails at start with the field's path, and the reference in docs/configuration.md and the
 * JSON Schema in docs/schema/ are generated from the same schemas.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CHANNELS, type Channel } from '../protocol/channels.js';
import { DEFAULT_PARTITIONS } from '../protocol/partition.js';
import type { Integration } from './channel.js';
import { DEFAULT_WEBHOOK_BODY_LIMIT_BYTES } from './server.js';
import { DEFAULT_WEB_SESSIONS_PER_ADDRESS_PER_MINUTE } from './web/routes.js';

const secretText = (description: string) => z.string().min(1).describe(description);

const META_VERIFY =
  'Verify token: the string you type in the Meta app dashboard (Webhooks → Verify token); answers the hub.challenge handshake.';
const META_SECRET = 'App secret (Meta app dashboard → App settings → Basic); signs X-Hub-Signature-256.';

/** Consent keywords (whole message, case-insensitive) on channels whose platform has none of its own. */
const CONSENT_KEYWORDS = {
  optOutKeywords: z
    .array(z.string().min(1).max(32))
    .describe(
      'Messages that opt the customer out of business-initiated messages (e.g. ["STOP"]); they arrive as contact.opted_out, not as a message.',
    )
    .optional(),
  optInKeywords: z
    .array(z.string().min(1).max(32))
    .describe('Messages that opt the customer back in (e.g. ["START"]); they arrive as contact.opted_in.')
    .optional(),
};

/** What each channel's integration takes: the meaning of `secret`, its credentials and its options. */
export const CHANNEL_SETTINGS = {
  whatsapp: {
    secret: META_SECRET,
    credentials: {
      verifyToken: secretText(META_VERIFY),
      phoneNumberId: secretText('Phone number ID (WhatsApp Manager → API setup); outbound messages are sent from it.'),
      accessToken: secretText('System user access token with whatsapp_business_messaging (Business settings).'),
    },
    options: { ...CONSENT_KEYWORDS },
  },
  messenger: {
    secret: META_SECRET,
    credentials: {
      verifyToken: secretText(META_VERIFY),
      pageId: secretText('Facebook Page ID (Page → About → Page transparency).'),
      accessToken: secretText('Page access token with pages_messaging (Messenger settings → Access tokens).'),
    },
    options: { ...CONSENT_KEYWORDS },
  },
  instagram: {
    secret: META_SECRET,
    credentials: {
      verifyToken: secretText(META_VERIFY),
      accountId: secretText('Instagram professional account ID (Instagram settings of the Meta app).'),
      accessToken: secretText('Page access token of the linked Page with instagram_manage_messages.'),
    },
    options: { ...CONSENT_KEYWORDS },
  },
  x: {
    secret:
      'Consumer secret (API key secret) of the X app; answers the CRC check and verifies x-twitter-webhooks-signature.',
    credentials: {
      accessToken: secretText('OAuth 2.0 user access token of the support account with dm.write (developer portal).'),
    },
    options: { ...CONSENT_KEYWORDS },
  },
  line: {
    secret: 'Channel secret (LINE Developers console → Basic settings); verifies x-line-signature.',
    credentials: {
      accessToken: secretText('Channel access token (Messaging API tab); used for the reply and push APIs.'),
    },
    options: {},
  },
  sms: {
    secret: 'Twilio auth token (Console → Account info); verifies X-Twilio-Signature.',
    credentials: {
      accountSid: secretText('Account SID (Console → Account info, starts with AC).'),
      authToken: secretText('Auth token used for the REST API when no API key is given (usually the same as secret).'),
      from: secretText('The sending phone number in E.164 (e.g. +15550001111); or use messagingServiceSid.'),
      messagingServiceSid: secretText('Messaging Service SID (starts with MG); used instead of from when set.'),
      apiKeySid: secretText('API key SID (starts with SK); with apiKeySecret, used for the REST API instead.'),
      apiKeySecret: secretText('API key secret belonging to apiKeySid.'),
    },
    options: {
      statusCallbackUrl: z
        .url()
        .describe('Public URL Twilio posts delivery statuses to (this gateway /webhooks/sms/<id>).')
        .optional(),
    },
  },
  telegram: {
    secret: 'The secret_token given to setWebhook; Telegram sends it in X-Telegram-Bot-Api-Secret-Token.',
    credentials: {
      botToken: secretText('Bot token from @BotFather (123456:ABC-…).'),
    },
    options: {},
  },
  apple: {
    secret: 'Messaging service provider API secret (Apple Business Register); signs the JWT Apple sends.',
    credentials: {
      mspId: secretText('Messaging service provider ID (MSP ID) from Apple Business Register.'),
      businessId: secretText('Business ID of the registered Messages for Business account.'),
    },
    options: {},
  },
  web: {
    secret: 'Any long random string; signs web-messaging session tokens and outbound posts.',
    credentials: {
      historyApiKey: secretText(
        'An engine API key of role gateway (switchboard auth add-key --role gateway), sent when reading history from historyUrl.',
      ).optional(),
    },
    options: {
      allowedOrigins: z
        .array(z.string().min(1))
        .describe('Origins allowed to embed the widget (CORS); any origin when absent.')
        .optional(),
      historyUrl: z
        .url()
        .describe("The engine's base URL, from which a returning visitor's own history is read.")
        .optional(),
    },
  },
  open: {
    secret: 'Shared secret of the open messaging integration; verifies X-Hub-Signature-256 (base64 HMAC-SHA256).',
    credentials: {
      inboundToken: secretText('Bearer token the middleware may send instead of a signature.'),
      oauthClientId: secretText('Client id accepted by the client-credentials token endpoint.'),
      oauthClientSecret: secretText('Client secret accepted by the client-credentials token endpoint.'),
    },
    options: {
      name: z.string().min(1).describe('Display name of the integration in outbound payloads.').optional(),
      webhookHeaders: z
        .record(z.string(), z.string())
        .describe('Extra HTTP headers sent with each outbound webhook to the middleware.')
        .optional(),
    },
  },
  social: {
    secret: 'Facebook: the Meta app secret; X: the consumer secret of the X app.',
    credentials: {
      verifyToken: secretText(`Facebook only. ${META_VERIFY}`),
      pageId: secretText('Facebook only: the Page whose posts and comments are followed.'),
      accessToken: secretText('Facebook: a Page access token; X: the OAuth 2.0 user token of the account.'),
    },
    options: {
      platform: z
        .enum(['x', 'facebook'], { error: 'a social integration needs options.platform "x" or "facebook"' })
        .describe('Which network the public posts come from.'),
      keywords: z
        .array(z.string(), { error: 'keywords must be a list of strings' })
        .describe('Only posts containing one of these words (case-insensitive) become interactions.')
        .optional(),
    },
  },
} satisfies Record<
  Channel,
  { secret: string; credentials: Record<string, z.ZodType>; options: Record<string, z.ZodType> }
>;

function integrationSchema<C extends Channel>(channel: C) {
  const s = CHANNEL_SETTINGS[channel];
  const options = z.object(s.options).strict();
  return z
    .object({
      id: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only (it is a URL segment and a subject token)')
        .describe('Integration id: the last segment of the webhook URL /webhooks/<channel>/<id>.'),
      channel: z.literal(channel),
      secret: z.string().min(1).describe(s.secret),
      credentials: z.object(s.credentials).strict().partial().default({}),
      sendBaseUrl: z
        .url()
        .describe("Base URL of the platform's send API; defaults to the platform's own (tests use a fake).")
        .optional(),
      webhookUrl: z
        .url()
        .describe('The public URL the platform calls, when a proxy rewrites it (Twilio signs the URL).')
        .optional(),
      ratePerSecond: z.number().positive().describe('Outbound messages per second to the provider.').optional(),
      richFallback: z
        .enum(['refuse', 'numbered_text'])
        .describe(
          "A rich message this channel cannot carry (an element it lacks, or over the platform's limits): refuse it with unsupported_on_channel (default), or send it as numbered text, marked degraded in the delivery status and history.",
        )
        .optional(),
      // Channels whose options are all optional may omit them; `prefault` parses {} so required ones name their path.
      options: Object.keys(s.options).length > 0 ? options.prefault({}) : options.optional(),
    })
    .strict();
}

const integration = z.discriminatedUnion(
  'channel',
  CHANNELS.map((c) => integrationSchema(c)) as unknown as [
    ReturnType<typeof integrationSchema>,
    ...ReturnType<typeof integrationSchema>[],
  ],
);

/** The gateway config file's schema (the JSON Schema in docs/schema/gateway.schema.json is generated from it). */
export const GatewayConfigSchema = z
  .object({
    $schema: z.string().describe('The JSON Schema an editor validates the file with (ignored).').optional(),
    partitions: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_PARTITIONS)
      .describe("Number of engine partitions; must equal the engines' count."),
    bodyLimitBytes: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_WEBHOOK_BODY_LIMIT_BYTES)
      .describe('Largest webhook body accepted (413 above it).'),
    webSessionsPerAddressPerMinute: z
      .number()
      .int()
      .min(0)
      .default(DEFAULT_WEB_SESSIONS_PER_ADDRESS_PER_MINUTE)
      .describe(
        'Web-messaging sessions (POST /web/<id>/sessions) one source address may start per minute, across all web integrations; above it 429 rate_limited with Retry-After. An IPv6 address counts by its /64. 0 turns the limit off. Behind a reverse proxy set trustProxy, or every visitor shares the proxy address.',
      ),
    trustProxy: z
      .boolean()
      .default(false)
      .describe(
        "Take a caller's address from the last X-Forwarded-For hop (set only when your reverse proxy adds it; otherwise anyone could name any address).",
      ),
    integrations: z.array(integration).describe('One entry per connected number, page, account or bot.'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.integrations.forEach((i, n) => {
      const key = `${i.channel}/${i.id}`;
      if (seen.has(key))
        ctx.addIssue({ code: 'custom', path: ['integrations', n, 'id'], message: `duplicate integration ${key}` });
      seen.add(key);
    });
  });

/** A validated gateway configuration. */
export interface GatewayConfig {
  readonly partitions: number;
  readonly bodyLimitBytes: number;
  /** Left out (a hand-built config): DEFAULT_WEB_SESSIONS_PER_ADDRESS_PER_MINUTE. */
  readonly webSessionsPerAddressPerMinute?: number;
  readonly trustProxy?: boolean;
  readonly integrations: readonly Integration[];
}

/** A config file that cannot be used; the message names the file, the field and the problem. */
export class GatewayConfigError extends Error {
  override readonly name = 'GatewayConfigError';
}

/** Validates a parsed config object. */
export function parseGatewayConfig(value: unknown, source = 'gateway config'): GatewayConfig {
  const r = GatewayConfigSchema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new GatewayConfigError(`${source}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data as GatewayConfig;
}

/** Reads and validates a JSON config file. */
export function loadGatewayConfig(file: string): GatewayConfig {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new GatewayConfigError(`${file}: cannot read JSON: ${(err as Error).message}`);
  }
  return parseGatewayConfig(value, file);
}
