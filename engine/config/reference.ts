/**
 * The operators' configuration reference, generated from the zod schemas themselves: the JSON Schemas editors use
 * for completion (docs/schema/*.schema.json) and docs/configuration.md. Types, defaults, ranges and enums come from
 * the schemas; the sentences for the routing file come from ROUTING_FIELDS below, keyed by field path, and a test
 * fails when a schema field has no sentence or a sentence names no field — so neither can drift.
 */
import { z } from 'zod';
import { CHANNEL_SETTINGS, GatewayConfigSchema } from '../../gateways/config.js';
import { CHANNEL_POLICIES } from '../../machines/channel-policies.js';
import { CHANNELS } from '../../protocol/channels.js';
import { RoutingFileSchema } from './routing.js';

/** What the reference says of one field: a sentence, and optionally its unit and an example value. */
export interface FieldDoc {
  readonly text: string;
  readonly unit?: string;
  readonly example?: unknown;
}

const d = (text: string, example?: unknown, unit?: string): FieldDoc => ({ text, example, unit });
const outcome = (when: string): Record<string, FieldDoc> => ({
  autoResponse: d(`Text sent to the customer ${when} (through the channel's reply policy).`, 'We are closed today.'),
  action: d('`route` the interaction to its queue after the auto-response, or `end` it (no agent).', 'end'),
});
const prefixed = (prefix: string, docs: Record<string, FieldDoc>) =>
  Object.fromEntries(Object.entries(docs).map(([k, v]) => [`${prefix}.${k}`, v]));
const utilization = (p: string, who: string): Record<string, FieldDoc> => ({
  [p]: d(`Capacity and blending ${who}; the built-in default is 4 messages, 1 voice, 1 email, 1 callback, 5 in all.`),
  [`${p}.media`]: d(
    'Per media type (`message`, `voice`, `email`, `callback`): its capacity and what may interrupt it.',
  ),
  [`${p}.media.<key>.max`]: d('Interactions of this media type held at once.', 4, 'interactions'),
  [`${p}.media.<key>.interruptibleBy`]: d(
    'While one of this type is held, new offers of these media types may still arrive (blending).',
    ['voice'],
  ),
  [`${p}.totalMax`]: d('Cap on interactions of all media at once.', 5, 'interactions'),
});

/** One sentence (and unit, example) per routing-file field, keyed by path (`[]` = each item, `<key>` = any key). */
export const ROUTING_FIELDS: Readonly<Record<string, FieldDoc>> = {
  $schema: d(
    'The JSON Schema an editor validates the file with; ignored by the engine.',
    '../docs/schema/routing.schema.json',
  ),
  skills: d(
    'Every skill name agents, keyword rules and rings may use; a name not declared here is an error; names every JavaScript object has (`constructor`, `__proto__`, `toString` …) are refused.',
    ['billing', 'spanish'],
  ),
  queues: d('The ACD queues.'),
  'queues[].id': d(
    'Queue id (1–64 letters, digits, `_`, `-`; names every JavaScript object has (`constructor`, `__proto__`, `toString` …) are refused); used by flows, agents, transfers and reports.',
    'support',
  ),
  'queues[].name': d('Display name.', 'Customer support'),
  'queues[].mediaType': d('Media type the queue routes; an agent must have capacity for it.', 'message'),
  'queues[].strategy': d(
    'How an agent is chosen among those who qualify: longest idle (since their last interaction), best skill proficiency, or round robin.',
    'longest_idle',
  ),
  'queues[].alertingTimeoutSeconds': d(
    'How long an offer alerts; then the agent goes Not Ready with reason RONA and the interaction is offered again at its original position.',
    30,
    's',
  ),
  'queues[].serviceLevelSeconds': d('Service-level threshold: answered within this wait counts as in SL.', 60, 's'),
  'queues[].shortAbandonSeconds': d(
    'Abandons after a shorter wait count as short abandons in reports, apart from the abandons (see docs/metrics.md).',
    10,
    's',
  ),
  'queues[].rings': d(
    'Bullseye rings: after each ring’s timeout the waiting interaction moves out one ring and drops skill requirements.',
  ),
  'queues[].rings[].timeoutSeconds': d('Time spent in this ring before moving out.', 120, 's'),
  'queues[].rings[].skillsToRemove': d('Skills no longer required after this ring; `*` removes all.', ['spanish']),
  'queues[].acw': d('After-call work (wrap-up) after the agent ends the interaction.'),
  'queues[].acw.mode': d(
    '`optional` (the agent may skip the code), `mandatory` (a wrap-up code is required: refused with wrapup_code_required), `timeboxed` (defaultCode applied after timeoutSeconds).',
    'mandatory',
  ),
  'queues[].acw.timeoutSeconds': d('Length of the time box in `timeboxed` mode.', 60, 's'),
  'queues[].acw.defaultCode': d('Code applied when a time box expires; must be in wrapupCodes.', 'Processed'),
  'queues[].affinity': d('Last-agent affinity for a returning customer.'),
  'queues[].affinity.mode': d(
    '`any_queue`: offer to the customer’s last agent whichever queue handled them; `this_queue`: only if that agent is on this queue; `disabled`.',
    'any_queue',
  ),
  'queues[].affinity.timeoutSeconds': d(
    'How long the last agent is waited for before the queue takes over (at once when the agent is offline, not ready or full).',
    60,
    's',
  ),
  'queues[].inactivity': d(
    'Optional: an idle connected interaction (no message either way) frees the agent’s capacity after a while.',
  ),
  'queues[].inactivity.timeoutSeconds': d('Idle time before the action.', 3600, 's'),
  'queues[].inactivity.action': d('`disconnect` the interaction, or `requeue` it to the queue.', 'requeue'),
  'queues[].alertSound': d('The agent workspace plays a sound when an offer from this queue alerts.', true),
  agents: d('The agents who may sign in and be routed to.'),
  'agents[].id': d(
    'Agent id (1–64 letters, digits, `_`, `-`; names every JavaScript object has (`constructor`, `__proto__`, `toString` …) are refused).',
    'ana',
  ),
  'agents[].name': d('Display name.', 'Ana'),
  'agents[].skills': d('Skill → proficiency from 1 to 5; skills must be declared in `skills`.', { billing: 4 }),
  'agents[].queues': d('Queues the agent is a member of.', ['support']),
  'agents[].role': d(
    'What the agent may do besides acting as itself: `supervisor` or `admin` for one who also takes interactions. Credentials live in the secrets file, never here.',
    'agent',
  ),
  ...utilization('agents[].utilization', 'of this agent (overrides defaultUtilization)'),
  ...utilization('defaultUtilization', 'of every agent without its own'),
  flows: d(
    'Inbound flows, one per integration (or `*`): schedules evaluated Emergency → special day → closed period / outside open hours → open, each with its auto-response; then keyword rules choose the queue and skills.',
  ),
  'flows[].integrationId': d(
    'The gateway integration id this flow serves, or `*` for every integration without its own; names every JavaScript object has (`constructor`, `__proto__`, `toString` …) are refused.',
    'wa-main',
  ),
  'flows[].timeZone': d('IANA time zone the schedule is read in (daylight saving included).', 'Europe/Paris'),
  'flows[].emergency': d('Emergency switch: when active, it wins over every schedule.'),
  ...prefixed('flows[].emergency', outcome('while the emergency is active')),
  'flows[].emergency.active': d('Turns the emergency outcome on.', false),
  'flows[].specialDays': d('Holidays and other special days, by local date.'),
  ...prefixed('flows[].specialDays[]', outcome('on that day')),
  'flows[].specialDays[].date': d('Local date `YYYY-MM-DD`.', '2026-12-25'),
  'flows[].specialDays[].name': d('Name shown in reports and logs.', 'Christmas'),
  'flows[].closedPeriods': d('Closed periods in local time (from inclusive, to exclusive); use the `closed` outcome.'),
  'flows[].closedPeriods[].from': d('Start, local `YYYY-MM-DDTHH:MM`.', '2026-12-31T18:00'),
  'flows[].closedPeriods[].to': d('End (exclusive), local `YYYY-MM-DDTHH:MM`.', '2027-01-01T09:00'),
  'flows[].openHours': d('Weekly open hours; outside them the `closed` outcome applies. Default: always open.'),
  'flows[].openHours[].days': d('ISO weekdays, 1 = Monday … 7 = Sunday.', [1, 2, 3, 4, 5]),
  'flows[].openHours[].from': d('Opening time, local `HH:MM`.', '09:00'),
  'flows[].openHours[].to': d('Closing time (exclusive), local `HH:MM`; `24:00` for midnight.', '18:00'),
  'flows[].closed': d('Outcome outside open hours and in closed periods.'),
  ...prefixed('flows[].closed', outcome('outside open hours')),
  'flows[].open': d('Outcome during open hours.'),
  ...prefixed('flows[].open', outcome('during open hours (e.g. a greeting)')),
  'flows[].keywordRules': d('Keyword and intent rules, first match wins; none matching uses the defaults below.'),
  'flows[].keywordRules[].keywords': d(
    'Matches when the first message contains any of these words (case-insensitive).',
    ['refund', 'invoice'],
  ),
  'flows[].keywordRules[].intents': d(
    'Matches when the channel reports one of these routing intents (Apple intent id, open-messaging metadata).',
    ['billing'],
  ),
  'flows[].keywordRules[].queueId': d('Queue to route to (default: the flow’s defaultQueueId).', 'billing'),
  'flows[].keywordRules[].skills': d('Skills required of the agent.', ['billing']),
  'flows[].keywordRules[].priority': d('Priority: each point moves the interaction 60 s ahead in its queue.', 10),
  'flows[].defaultQueueId': d('Queue used when no keyword rule matches.', 'support'),
  'flows[].defaultSkills': d('Skills required when no keyword rule matches.', []),
  'flows[].defaultPriority': d('Priority when no keyword rule matches.', 0),
  wrapupCodes: d('Disposition codes agents choose from at wrap-up.', ['Processed', 'Need Follow Up']),
  notReadyReasons: d('Reasons an agent may give for Not Ready; `RONA` is set by the engine on an alerting timeout.', [
    'Lunch',
    'Training',
  ]),
  cannedResponses: d('The library of standard responses agents pick from.'),
  'cannedResponses[].id': d(
    'Id agents send as `cannedResponseId`; names every JavaScript object has (`constructor`, `__proto__`, `toString` …) are refused.',
    'thanks',
  ),
  'cannedResponses[].name': d('Name shown in the picker.', 'Thanks'),
  'cannedResponses[].text': d(
    'Text; `{{name}}`-style placeholders are filled from the request’s `params`. Needed unless `rich` is given.',
    'Hi {{name}}!',
  ),
  'cannedResponses[].rich': d(
    'A canned rich message instead of (or with) the text: see docs/rich-messages.md; labels take `{{name}}` placeholders too.',
  ),
  'cannedResponses[].rich.type': d(
    'quick_replies, buttons, list, carousel, datetime_picker or location_request.',
    'quick_replies',
  ),
  'cannedResponses[].rich.text': d('The message text shown with the element.', 'How can we help?'),
  'cannedResponses[].rich.replies': d('quick_replies: the chips offered.'),
  'cannedResponses[].rich.replies[].title': d("The chip's label.", 'Billing'),
  'cannedResponses[].rich.replies[].payload': d('What comes back as the postback payload.', 'BILLING'),
  'cannedResponses[].rich.replies[].imageUrl': d('An icon for the chip, where the channel shows one.'),
  'cannedResponses[].rich.buttons': d('buttons: postback or URL buttons.'),
  'cannedResponses[].rich.buttons[].type': d('postback (answers with payload) or url (opens url).', 'postback'),
  'cannedResponses[].rich.buttons[].title': d("The button's label.", 'Talk to us'),
  'cannedResponses[].rich.buttons[].payload': d('postback buttons: what comes back as the postback payload.', 'AGENT'),
  'cannedResponses[].rich.buttons[].url': d('url buttons: the http(s) page opened.'),
  'cannedResponses[].rich.button': d('list: the label of the button that opens the list.', 'See plans'),
  'cannedResponses[].rich.title': d('list: a header above the text.'),
  'cannedResponses[].rich.sections': d('list: groups of rows.'),
  'cannedResponses[].rich.sections[].title': d("The section's heading.", 'Plans'),
  'cannedResponses[].rich.sections[].rows': d('The rows of the section.'),
  'cannedResponses[].rich.sections[].rows[].title': d("The row's label.", 'Monthly'),
  'cannedResponses[].rich.sections[].rows[].payload': d('What comes back as the postback payload.', 'PLAN_MONTHLY'),
  'cannedResponses[].rich.sections[].rows[].description': d('A second line under the row.'),
  'cannedResponses[].rich.cards': d('carousel: the cards.'),
  'cannedResponses[].rich.cards[].title': d("The card's title.", 'Red shoes'),
  'cannedResponses[].rich.cards[].subtitle': d("The card's second line."),
  'cannedResponses[].rich.cards[].imageUrl': d("The card's image (http(s) URL)."),
  'cannedResponses[].rich.cards[].buttons': d("The card's buttons (postback or url)."),
  'cannedResponses[].rich.cards[].buttons[].type': d('postback or url.', 'postback'),
  'cannedResponses[].rich.cards[].buttons[].title': d("The button's label.", 'Buy'),
  'cannedResponses[].rich.cards[].buttons[].payload': d('postback buttons: the postback payload.', 'BUY_RED'),
  'cannedResponses[].rich.cards[].buttons[].url': d('url buttons: the page opened.'),
  'cannedResponses[].rich.payload': d(
    'datetime_picker: what comes back as the postback payload, with the picked value in `picked`.',
    'CALLBACK',
  ),
  'cannedResponses[].rich.mode': d('datetime_picker: date, time or datetime.', 'datetime'),
  'cannedResponses[].rich.timeslots': d("datetime_picker: offered slots (Apple's time picker needs them)."),
  'cannedResponses[].rich.timeslots[].startAt': d('Start, ISO 8601 with an offset.', '2026-12-03T09:00:00Z'),
  'cannedResponses[].rich.timeslots[].durationMinutes': d('Length of the slot.', 30, 'minutes'),
  templates: d('Approved message templates (WhatsApp) the workspace offers, with their parameters.'),
  'templates[].name': d('The template’s name as the platform approved it.', 'order_update'),
  'templates[].language': d('Its language code.', 'en'),
  'templates[].text': d(
    'The approved body with `{{1}}`, `{{2}}`… for the agent to preview (the platform renders the real one).',
    'Your order {{1}} ships on {{2}}.',
  ),
  'templates[].params': d('Labels of the parameters, in order, shown as the agent’s form fields.', ['Order number']),
  'templates[].channels': d('Channels it may be sent on.', ['whatsapp']),
  people: d(
    'Supervisors and admins who sign in but take no interactions (agents are people already); their passwords are in the secrets file.',
  ),
  'people[].id': d('Person id, unique across agents and people (1–64 letters, digits, `_`, `-`).', 'sup1'),
  'people[].name': d('Display name.', 'Sam Supervisor'),
  'people[].role': d('`supervisor` (reads everything, steers agents) or `admin` (configuration too).', 'supervisor'),
  conversations: d(
    'Conversation settings: threading windows, reply-window policy overrides, content filters, phone regions.',
  ),
  'conversations.threading': d(
    'The threading window: how long after the last message (or wrap-up) a new message still joins the same interaction.',
  ),
  'conversations.threading.defaultWindowHours': d('Window for every channel without its own.', 72, 'h (0–72)'),
  'conversations.threading.channels': d('Per channel, e.g. `{ "web": 1 }`.', { web: 1 }, 'h (0–72)'),
  'conversations.threading.integrations': d(
    'Per integration, keyed `<channel>:<integrationId>`; wins over the channel’s value.',
    { 'whatsapp:wa-main': 24 },
    'h (0–72)',
  ),
  'conversations.policies': d(
    'Reply-window policy overrides per channel, for when a platform changes its rules (the built-in values are in the table after this one).',
  ),
  'conversations.policies.<key>.freeFormWindowHours': d(
    'Free-form reply window after the customer’s last message; `null` for none.',
    24,
    'h',
  ),
  'conversations.policies.<key>.referralWindowHours': d('Window opened by an ad referral (Messenger).', 168, 'h'),
  'conversations.policies.<key>.extraMessagesAfterWindow': d(
    'Messages still allowed once the window has closed (Messenger’s “24 + 1”).',
    1,
    'messages',
  ),
  'conversations.policies.<key>.tagWindowHours': d(
    'Message tags that extend the window for human agents, tag → hours.',
    {
      HUMAN_AGENT: 168,
    },
  ),
  'conversations.policies.<key>.templatesOutsideWindow': d(
    'Whether approved templates may be sent outside the window.',
    true,
  ),
  'conversations.policies.<key>.repliesPerInbound': d(
    'Replies allowed per customer message (X: 5); `null` for no limit.',
    5,
  ),
  'conversations.policies.<key>.maxLength': d('Longest outbound text.', 2000, 'characters'),
  'conversations.phone': d(
    'How phone numbers become identities (WhatsApp and SMS user ids, numbers verified through the API): all in E.164, so one person is one contact on every channel.',
  ),
  'conversations.phone.defaultRegion': d(
    'Country (ISO 3166-1 alpha-2) of numbers written without a country code, such as `(555) 123-4567`; without it such digits are read as an international number.',
    'US',
  ),
  'conversations.phone.integrations': d(
    'Per integration, keyed `<channel>:<integrationId>` (an SMS number in another country); wins over `defaultRegion`.',
    { 'sms:twilio-uk': 'GB' },
  ),
  'conversations.contentFilters': d('Filters every outbound text passes before it is sent.'),
  'conversations.contentFilters[].name': d('Name given in the refusal (`content_filtered`).', 'card-numbers'),
  'conversations.contentFilters[].words': d('Words that trigger the filter (case-insensitive, whole words).', [
    'password',
  ]),
  'conversations.contentFilters[].pattern': d('A regular expression that triggers the filter.', '\\b\\d{16}\\b'),
  'conversations.contentFilters[].action': d('`refuse` the message, or `mask` the matches with `*`.', 'mask'),
};

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  required?: string[];
  description?: string;
};

/** One field of a schema, flattened. */
export interface SchemaField {
  readonly path: string;
  readonly schema: JsonSchema;
  readonly required: boolean;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Every field of a JSON Schema, depth first (`[]` = each item, `<key>` = any key of a map). */
export function schemaFields(root: JsonSchema): SchemaField[] {
  const out: SchemaField[] = [];
  const walk = (s: JsonSchema, path: string): void => {
    for (const alt of s.anyOf ?? s.oneOf ?? []) walk(alt, path);
    if (s.properties) {
      for (const [k, v] of Object.entries(s.properties)) {
        const p = path ? `${path}.${k}` : k;
        out.push({ path: p, schema: v, required: s.required?.includes(k) ?? false });
        walk(v, p);
      }
    }
    if (s.additionalProperties && typeof s.additionalProperties === 'object')
      walk(s.additionalProperties, `${path}.<key>`);
    if (s.items) walk(s.items, `${path}[]`);
  };
  walk(root, '');
  return out;
}

/** The JSON Schema of the routing file as an operator writes it (defaults optional). */
export function routingJsonSchema(): JsonSchema {
  const s = z.toJSONSchema(RoutingFileSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  const byPath = new Map(schemaFields(s as JsonSchema).map((f) => [f.path, f.schema]));
  for (const [path, doc] of Object.entries(ROUTING_FIELDS)) {
    const f = byPath.get(path);
    if (f) f.description = doc.unit ? `${doc.text} (${doc.unit})` : doc.text;
  }
  return { ...(s as object), title: 'Switchboard routing file' } as JsonSchema;
}

/** The JSON Schema of the gateway config file. */
export function gatewayJsonSchema(): JsonSchema {
  const s = z.toJSONSchema(GatewayConfigSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return { ...(s as object), title: 'Switchboard gateway config' } as JsonSchema;
}

const code = (v: unknown) => `\`${JSON.stringify(v)}\``;

function typeOf(s: JsonSchema): string {
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return [...new Set(alts.map(typeOf))].join(' \\| ');
  if (s.enum) return s.enum.map((e) => code(e)).join(' \\| ');
  if (s.const !== undefined) return code(s.const);
  if (s.type === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]`;
  if (s.type === 'object') return s.properties ? 'object' : 'map';
  return Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
}

function rangeOf(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.minimum !== undefined && s.maximum !== undefined && s.maximum < MAX_SAFE)
    parts.push(`${s.minimum}–${s.maximum}`);
  else if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  else if (s.maximum !== undefined && s.maximum < MAX_SAFE) parts.push(`≤ ${s.maximum}`);
  if (s.maxLength !== undefined) parts.push(`≤ ${s.maxLength} chars`);
  if (s.format) parts.push(s.format);
  return parts.join(', ');
}

/** Routes a channel serves besides its webhook, for the reference. */
const CHANNEL_ROUTES: Partial<Record<(typeof CHANNELS)[number], string>> = {
  web: 'Widget routes: `POST /web/<id>/sessions` → `{sessionId, token, messagesUrl, streamUrl}`; `GET /web/<id>/sessions/<sessionId>/stream` (server-sent events, `?token=`); `GET /web/<id>/sessions/<sessionId>/history`; customer messages go to `/webhooks/web/<id>`.',
  open: 'Genesys-compatible routes, so middleware changes only its base URL: `POST /api/v2/conversations/messages/<id>/inbound/open/message|receipt|event`, the legacy `POST /api/v2/conversations/messages/inbound/open` (integration in `channel.to.id`), and `POST /oauth/token` (client credentials → the inbound token).',
  sms: 'Point the Twilio number’s “A message comes in” webhook (and status callback) at `/webhooks/sms/<id>`; set `webhookUrl` when a proxy changes the URL Twilio signs.',
};

const cell = (t: string) => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function routingTable(): string {
  const rows = schemaFields(routingJsonSchema()).map((f) => {
    const doc = ROUTING_FIELDS[f.path];
    const unit = [doc?.unit, rangeOf(f.schema)].filter(Boolean).join('; ');
    return `| \`${f.path}\` | ${typeOf(f.schema)} | ${f.schema.default === undefined ? (f.required ? 'required' : '—') : code(f.schema.default)} | ${cell(unit)} | ${cell(doc?.text ?? '')} | ${doc?.example === undefined ? '' : code(doc.example)} |`;
  });
  return [
    '| field | type | default | unit / range | meaning | example |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function gatewaySections(): string {
  const common = schemaFields(gatewayJsonSchema())
    .filter((f) => !f.path.startsWith('integrations[]'))
    .map(
      (f) =>
        `| \`${f.path}\` | ${typeOf(f.schema)} | ${f.schema.default === undefined ? 'required' : code(f.schema.default)} | ${cell(f.schema.description ?? '')} |`,
    );
  const integration = [
    ['id', 'string', 'required', 'Integration id: the last segment of the webhook URL `/webhooks/<channel>/<id>`.'],
    ['channel', 'string', 'required', `One of ${CHANNELS.map((c) => `\`${c}\``).join(', ')}.`],
    ['secret', 'string', 'required', 'What the platform signs with; its name per channel is below.'],
    ['credentials', 'object', '`{}`', 'Per channel, below; an unknown name is refused at start.'],
    ['sendBaseUrl', 'url', '—', "Base URL of the platform's send API (tests point it at a fake provider)."],
    ['webhookUrl', 'url', '—', 'The public URL the platform calls, when a proxy rewrites it (Twilio signs the URL).'],
    ['ratePerSecond', 'number', '—', 'Outbound messages per second to the provider (token bucket).'],
    ['options', 'object', '—', 'Per channel, below; an unknown name is refused at start.'],
  ].map((r) => `| \`integrations[].${r[0]}\` | ${r[1]} | ${r[2]} | ${r[3]} |`);
  const perChannel = CHANNELS.map((ch) => {
    const s = CHANNEL_SETTINGS[ch];
    const creds = Object.entries(s.credentials).map(
      ([k, v]) => `| \`credentials.${k}\` | ${cell(v.description ?? '')} |`,
    );
    const opts = Object.entries(s.options as Record<string, z.ZodType>).map(
      ([k, v]) =>
        `| \`options.${k}\` | ${cell(v.description ?? '')}${v.safeParse(undefined).success ? '' : ' (required)'} |`,
    );
    return [
      `### \`${ch}\``,
      '',
      `Webhook URL: \`/webhooks/${ch}/<id>\`. \`secret\`: ${s.secret}`,
      '',
      ...(CHANNEL_ROUTES[ch] ? [CHANNEL_ROUTES[ch], ''] : []),
      ...(creds.length + opts.length > 0
        ? ['| field | what it is |', '| --- | --- |', ...creds, ...opts]
        : ['No credentials or options.']),
    ].join('\n');
  });
  return [
    '| field | type | default | meaning |',
    '| --- | --- | --- | --- |',
    ...common,
    ...integration,
    '',
    ...perChannel.flatMap((p) => [p, '']),
  ].join('\n');
}

const hours = (ms: number | null | undefined) => (ms == null ? '—' : `${ms / 3_600_000} h`);

function policyTable(): string {
  const rows = CHANNELS.map((ch) => {
    const p = CHANNEL_POLICIES[ch];
    const tags = Object.entries(p.tags).map(([t, ms]) => `${t} ${hours(ms)}`);
    return `| \`${ch}\` | ${p.freeFormWindowMs === null ? 'none' : hours(p.freeFormWindowMs)} | ${hours(p.referralWindowMs)} | ${p.extraMessagesAfterWindow} | ${tags.join(', ') || '—'} | ${p.templatesOutsideWindow ? 'yes' : 'no'} | ${p.repliesPerInbound ?? '—'} | ${p.length.max} ${p.length.unit.replace('_', ' ')} |`;
  });
  return [
    '| channel | freeFormWindowHours | referralWindowHours | extraMessagesAfterWindow | tagWindowHours | templatesOutsideWindow | repliesPerInbound | maxLength |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** docs/configuration.md, generated (`npm run docs`). */
export function renderConfigurationReference(): string {
  return `<!-- Generated by \`npm run docs\` from engine/config/routing.ts, engine/config/conversation.ts,
gateways/config.ts and engine/config/reference.ts. Do not edit by hand: a test compares this file with the schemas. -->
# Configuration reference

Two files configure Switchboard:

- **The routing file** (queues, skills, agents, utilization, flows with schedules and keyword rules, wrap-up codes,
  not-ready reasons, canned responses, and the \`conversations\` section with threading windows, reply-window policy
  overrides and content filters). It is applied to the whole cluster at start (\`switchboard engine --routing FILE\`) or at
  any time (\`PUT /admin/routing/config\`), validated first (a refusal names the path of each bad field, e.g.
  \`queues[0].acw.defaultCode\`), and hot-reloaded by every node: routing actors read it at use, new conversations read
  the \`conversations\` section when they start. JSON Schema: [\`schema/routing.schema.json\`](schema/routing.schema.json)
  (add \`"$schema": "./docs/schema/routing.schema.json"\` or map it in your editor for completion).
- **The gateway config** (\`switchboard gateway --config FILE\`): one entry per integration with its secret,
  credentials and options. JSON Schema: [\`schema/gateway.schema.json\`](schema/gateway.schema.json).

A complete, tested example of each is in [\`examples/\`](../examples/): \`routing.json\` and \`gateway.json\`.

In the tables, \`[]\` means each item of a list and \`<key>\` any key of a map (a media type, a channel, a tag).
Times are in seconds unless the unit says otherwise.

## Routing file

${routingTable()}

### Built-in reply-window policies

What \`conversations.policies.<channel>\` overrides (from \`machines/channel-policies.ts\`):

${policyTable()}

## Gateway config

${gatewaySections()}`;
}

/** Every generated file, by its path in the repository. */
export function generatedDocs(): Record<string, string> {
  return {
    'docs/configuration.md': renderConfigurationReference(),
    'docs/schema/routing.schema.json': `${JSON.stringify(routingJsonSchema(), null, 2)}\n`,
    'docs/schema/gateway.schema.json': `${JSON.stringify(gatewayJsonSchema(), null, 2)}\n`,
  };
}
