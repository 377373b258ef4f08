/**
 * The routing configuration file: zod schema, cross-reference checks (errors name the path of
 * the bad field), resolution into the machines' `RoutingConfig`, and the holder the engine's
 * routing actors read at use — applying a new file reaches live actors (hot reload).
 */
import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { ActorType } from '../../actors/types.js';
import { ConversationConfigSchema, DEFAULT_CONVERSATION_CONFIG, type ConversationConfig } from './conversation.js';
import { RichMessageSchema } from '../api/rich-schema.js';
import { createAgentMachine } from '../../machines/agent.machine.js';
import { createInteractionMachine, upgradeInteractionSnapshot } from '../../machines/interaction.machine.js';
import { createQueueMachine, upgradeQueueSnapshot } from '../../machines/queue.machine.js';
import {
  DEFAULT_AFFINITY_TIMEOUT_SECONDS,
  DEFAULT_ALERTING_TIMEOUT_SECONDS,
  DEFAULT_NOT_READY_REASONS,
  DEFAULT_UTILIZATION,
  DEFAULT_WRAPUP_CODES,
  EMPTY_ROUTING_CONFIG,
  idRecord,
  type RoutingConfig,
  type RoutingDeps,
} from '../../machines/routing-config.js';

/**
 * Names every plain JavaScript object already answers to (`constructor`, `__proto__`,
 * `toString`, `hasOwnProperty` …). Ids become keys of records in actor snapshots, on the wire
 * (MessagePack refuses a `__proto__` key outright) and in the JSON operators' own tools read, so
 * a file defining one is refused rather than relying on every reader to look it up safely.
 */
const RESERVED_IDS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));
const reserved = (id: string) =>
  `"${id}" is reserved (a property every JavaScript object has: ${[...RESERVED_IDS].join(', ')}); choose another name`;
const NotReserved = (s: z.ZodString) =>
  s.refine((v) => !RESERVED_IDS.has(v), { error: (issue) => reserved(String(issue.input)) });

const Id = NotReserved(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1–64 letters, digits, _ or -'));
const Media = z.enum(['message', 'voice', 'email', 'callback']);
const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'use "HH:MM"');
const LocalStamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'use local "YYYY-MM-DDTHH:MM"');
const Outcome = z
  .object({ autoResponse: z.string().min(1).max(4_000).optional(), action: z.enum(['route', 'end']).default('route') })
  .strict();

const UtilizationSchema = z
  .object({
    media: z.partialRecord(
      Media,
      z.object({ max: z.number().int().min(0).max(25), interruptibleBy: z.array(Media).default([]) }).strict(),
    ),
    totalMax: z.number().int().min(1).max(100),
  })
  .strict();

const QueueSchema = z
  .object({
    id: Id,
    name: z.string().optional(),
    mediaType: Media.default('message'),
    strategy: z.enum(['longest_idle', 'best_skill', 'round_robin']).default('longest_idle'),
    alertingTimeoutSeconds: z.number().int().min(1).max(900).default(DEFAULT_ALERTING_TIMEOUT_SECONDS),
    serviceLevelSeconds: z.number().int().min(1).default(60),
    shortAbandonSeconds: z.number().int().min(0).max(3_600).default(10),
    rings: z
      .array(
        z.object({ timeoutSeconds: z.number().int().min(1), skillsToRemove: z.array(z.string()).default([]) }).strict(),
      )
      .max(6)
      .default([]),
    acw: z
      .object({
        mode: z.enum(['optional', 'mandatory', 'timeboxed']).default('optional'),
        timeoutSeconds: z.number().int().min(1).max(86_400).default(60),
        defaultCode: z.string().default('Processed'),
      })
      .strict()
      .default({ mode: 'optional', timeoutSeconds: 60, defaultCode: 'Processed' }),
    affinity: z
      .object({
        mode: z.enum(['any_queue', 'this_queue', 'disabled']).default('any_queue'),
        timeoutSeconds: z.number().int().min(1).max(86_400).default(DEFAULT_AFFINITY_TIMEOUT_SECONDS),
      })
      .strict()
      .default({ mode: 'any_queue', timeoutSeconds: DEFAULT_AFFINITY_TIMEOUT_SECONDS }),
    inactivity: z
      .object({ timeoutSeconds: z.number().int().min(60), action: z.enum(['disconnect', 'requeue']) })
      .strict()
      .optional(),
    alertSound: z.boolean().optional(),
  })
  .strict();

const AgentSchema = z
  .object({
    id: Id,
    name: z.string().optional(),
    skills: z.record(z.string(), z.number().int().min(1).max(5)).default({}),
    queues: z.array(Id).default([]),
    utilization: UtilizationSchema.optional(),
    /** A supervisor or admin who also takes interactions. */
    role: z.enum(['agent', 'supervisor', 'admin']).default('agent'),
  })
  .strict();

/** People who sign in but take no interactions. */
const PersonSchema = z.object({ id: Id, name: z.string().optional(), role: z.enum(['supervisor', 'admin']) }).strict();

const FlowSchema = z
  .object({
    integrationId: NotReserved(z.string().min(1)),
    timeZone: z
      .string()
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'not an IANA time zone (e.g. "Europe/Paris")')
      .default('UTC'),
    emergency: Outcome.extend({ active: z.boolean().default(false) })
      .strict()
      .default({ active: false, action: 'route' }),
    specialDays: z
      .array(
        Outcome.extend({
          date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use "YYYY-MM-DD"'),
          name: z.string().optional(),
        }).strict(),
      )
      .default([]),
    closedPeriods: z.array(z.object({ from: LocalStamp, to: LocalStamp }).strict()).default([]),
    openHours: z
      .array(z.object({ days: z.array(z.number().int().min(1).max(7)).min(1), from: Time, to: Time }).strict())
      .default([{ days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00' }]),
    closed: Outcome.default({ action: 'route' }),
    open: Outcome.default({ action: 'route' }),
    keywordRules: z
      .array(
        z
          .object({
            keywords: z.array(z.string().min(1)).default([]),
            intents: z.array(z.string().min(1)).default([]),
            queueId: Id.optional(),
            skills: z.array(z.string()).default([]),
            priority: z.number().int().min(-1_000).max(1_000).optional(),
          })
          .strict(),
      )
      .default([]),
    defaultQueueId: Id,
    defaultSkills: z.array(z.string()).default([]),
    defaultPriority: z.number().int().min(-1_000).max(1_000).default(0),
  })
  .strict();

/** The file an operator applies. */
export const RoutingFileSchema = z
  .object({
    /** The JSON Schema an editor validates the file with (ignored by the engine). */
    $schema: z.string().optional(),
    skills: z.array(NotReserved(z.string().min(1))).default([]),
    queues: z.array(QueueSchema).default([]),
    agents: z.array(AgentSchema).default([]),
    defaultUtilization: UtilizationSchema.optional(),
    flows: z.array(FlowSchema).default([]),
    wrapupCodes: z.array(z.string().min(1)).default([...DEFAULT_WRAPUP_CODES]),
    notReadyReasons: z.array(z.string().min(1)).default([...DEFAULT_NOT_READY_REASONS]),
    cannedResponses: z
      .array(
        z
          .object({
            id: Id,
            name: z.string().min(1),
            text: z.string().min(1).max(4_000).optional(),
            rich: RichMessageSchema.optional(),
          })
          .strict()
          .refine((r) => r.text !== undefined || r.rich !== undefined, 'a canned response needs text or rich'),
      )
      .default([]),
    templates: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'lowercase letters, digits and _ (as WhatsApp names them)'),
            language: z.string().min(2).max(15),
            text: z.string().max(1_024).optional(),
            params: z.array(z.string().min(1)).max(20).default([]),
            channels: z.array(z.string().min(1)).default(['whatsapp']),
          })
          .strict(),
      )
      .default([]),
    people: z.array(PersonSchema).default([]),
    /** Threading windows, reply-window policy overrides and content filters (new conversations read them). */
    conversations: ConversationConfigSchema.optional(),
  })
  .strict();

export type RoutingFile = z.input<typeof RoutingFileSchema>;

/** One problem in a routing file: the path of the bad field and what is wrong. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** A routing file that does not validate. */
export class RoutingConfigError extends Error {
  override readonly name = 'RoutingConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`routing configuration is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

const pathOf = (p: readonly PropertyKey[]): string =>
  p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '');

/** Own `__proto__` keys anywhere in parsed JSON (JSON.parse makes them; schema parsing would drop them silently). */
function protoKeys(value: unknown, path: readonly PropertyKey[] = [], out: ConfigIssue[] = []): ConfigIssue[] {
  if (Array.isArray(value)) value.forEach((v, i) => protoKeys(v, [...path, i], out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === '__proto__') out.push({ path: pathOf([...path, k]), message: reserved(k) });
      protoKeys(v, [...path, k], out);
    }
  return out;
}

/** Validates a routing file and resolves it; throws RoutingConfigError listing every bad field. */
export function parseRoutingConfig(input: unknown, version = 1): RoutingConfig {
  const proto = protoKeys(input);
  if (proto.length) throw new RoutingConfigError(proto);
  const parsed = RoutingFileSchema.safeParse(input);
  if (!parsed.success)
    throw new RoutingConfigError(
      parsed.error.issues.map((i) => ({ path: pathOf(i.path) || '(root)', message: i.message })),
    );
  const f = parsed.data;
  const issues: ConfigIssue[] = [];
  const skills = new Set(f.skills);
  const queueIds = new Set<string>();
  const dup = (set: Set<string>, id: string, path: string) =>
    set.has(id) ? issues.push({ path, message: `duplicate id "${id}"` }) : set.add(id);
  const checkSkill = (s: string, path: string) =>
    !skills.has(s) && issues.push({ path, message: `skill "${s}" is not declared in skills` });
  f.queues.forEach((q, i) => {
    dup(queueIds, q.id, `queues[${i}].id`);
    if (!f.wrapupCodes.includes(q.acw.defaultCode))
      issues.push({ path: `queues[${i}].acw.defaultCode`, message: `"${q.acw.defaultCode}" is not in wrapupCodes` });
    q.rings.forEach((r, j) =>
      r.skillsToRemove.forEach((s, k) => s !== '*' && checkSkill(s, `queues[${i}].rings[${j}].skillsToRemove[${k}]`)),
    );
  });
  const agentIds = new Set<string>();
  f.agents.forEach((a, i) => {
    dup(agentIds, a.id, `agents[${i}].id`);
    Object.keys(a.skills).forEach((s) => checkSkill(s, `agents[${i}].skills.${s}`));
    a.queues.forEach(
      (q, j) =>
        !queueIds.has(q) &&
        issues.push({ path: `agents[${i}].queues[${j}]`, message: `queue "${q}" is not configured` }),
    );
  });
  f.people.forEach((p, i) => dup(agentIds, p.id, `people[${i}].id`));
  const flowIds = new Set<string>();
  f.flows.forEach((fl, i) => {
    dup(flowIds, fl.integrationId, `flows[${i}].integrationId`);
    if (!queueIds.has(fl.defaultQueueId))
      issues.push({ path: `flows[${i}].defaultQueueId`, message: `queue "${fl.defaultQueueId}" is not configured` });
    fl.defaultSkills.forEach((s, j) => checkSkill(s, `flows[${i}].defaultSkills[${j}]`));
    fl.keywordRules.forEach((r, j) => {
      if (r.queueId && !queueIds.has(r.queueId))
        issues.push({
          path: `flows[${i}].keywordRules[${j}].queueId`,
          message: `queue "${r.queueId}" is not configured`,
        });
      if (r.keywords.length === 0 && r.intents.length === 0)
        issues.push({ path: `flows[${i}].keywordRules[${j}]`, message: 'give at least one keyword or intent' });
      r.skills.forEach((s, k) => checkSkill(s, `flows[${i}].keywordRules[${j}].skills[${k}]`));
    });
    fl.openHours.forEach(
      (h, j) =>
        h.from >= h.to && issues.push({ path: `flows[${i}].openHours[${j}].to`, message: 'must be after from' }),
    );
  });
  const templateIds = new Set<string>();
  f.templates.forEach((t, i) => dup(templateIds, `${t.name}/${t.language}`, `templates[${i}].name`));
  if (!f.notReadyReasons.includes('RONA'))
    issues.push({ path: 'notReadyReasons', message: 'must include "RONA" (set on an alerting timeout)' });
  if (issues.length) throw new RoutingConfigError(issues);
  const util = f.defaultUtilization ?? DEFAULT_UTILIZATION;
  return {
    version,
    skills: f.skills,
    queues: idRecord(f.queues.map((q) => [q.id, { ...q, name: q.name ?? q.id }])),
    agents: idRecord(f.agents.map((a) => [a.id, { ...a, name: a.name ?? a.id, utilization: a.utilization ?? util }])),
    flows: idRecord(f.flows.map((fl) => [fl.integrationId, fl])),
    wrapupCodes: f.wrapupCodes,
    notReadyReasons: f.notReadyReasons,
    cannedResponses: idRecord(f.cannedResponses.map((r) => [r.id, r])),
    templates: f.templates,
    people: idRecord([...f.agents, ...f.people].map((p) => [p.id, { id: p.id, name: p.name ?? p.id, role: p.role }])),
  };
}

/**
 * Holds the current routing configuration for one engine node; the routing actor types read it
 * at use. With a file path, the last applied file survives restarts (written atomically).
 */
export class RoutingConfigHolder implements RoutingDeps {
  #config: RoutingConfig = EMPTY_ROUTING_CONFIG;
  #conversation: ConversationConfig = DEFAULT_CONVERSATION_CONFIG;
  #source: unknown = undefined;
  #path?: string;

  constructor(options: { path?: string; initial?: unknown } = {}) {
    this.#path = options.path;
    if (options.initial !== undefined) this.apply(options.initial);
    else if (this.#path && existsSync(this.#path)) {
      const saved = JSON.parse(readFileSync(this.#path, 'utf8')) as { version: number; source: unknown };
      this.#config = parseRoutingConfig(saved.source, saved.version);
      this.#conversation = conversationSection(saved.source);
      this.#source = saved.source;
    }
  }

  /** Persists applied files at `path`; loads it when nothing was applied yet. */
  attachFile(path: string): void {
    this.#path = path;
    if (this.#config.version === 0 && existsSync(path)) {
      const saved = JSON.parse(readFileSync(path, 'utf8')) as { version: number; source: unknown };
      this.#config = parseRoutingConfig(saved.source, saved.version);
      this.#conversation = conversationSection(saved.source);
      this.#source = saved.source;
    }
  }

  /** The current resolved configuration. */
  readonly config = (): RoutingConfig => this.#config;

  /** The `conversations` section of the current file (defaults when absent); read at each conversation's creation. */
  readonly conversation = (): ConversationConfig => this.#conversation;

  /** The file as last applied (defaults not filled in). */
  get source(): unknown {
    return this.#source;
  }

  /** Validates and applies a file (as `version`, default the next one); returns it. Throws RoutingConfigError. */
  apply(input: unknown, version = this.#config.version + 1): RoutingConfig {
    const next = parseRoutingConfig(input, version);
    if (this.#path) {
      mkdirSync(dirname(this.#path), { recursive: true });
      writeFileSync(`${this.#path}.tmp`, JSON.stringify({ version: next.version, source: input }));
      renameSync(`${this.#path}.tmp`, this.#path);
    }
    this.#config = next;
    this.#conversation = conversationSection(input);
    this.#source = input;
    return next;
  }
}

/** The parsed `conversations` section of a file that already validated. */
function conversationSection(source: unknown): ConversationConfig {
  const section = (source as { conversations?: unknown } | null)?.conversations;
  return section === undefined ? DEFAULT_CONVERSATION_CONFIG : ConversationConfigSchema.parse(section);
}

/** A routing actor type carries its holder so the engine's routing API finds the same one. */
export type RoutingActorType = ActorType & { readonly routing: RoutingDeps };

/** The routing actor types (agent, queue, interaction) over a configuration holder. */
export function routingActorTypes(deps: RoutingDeps): RoutingActorType[] {
  return [
    { name: 'agent', machine: createAgentMachine(deps), input: (key: string) => ({ agentId: key }), routing: deps },
    {
      name: 'queue',
      machine: createQueueMachine(deps),
      input: (key: string) => ({ queueId: key }),
      upgrade: upgradeQueueSnapshot,
      routing: deps,
    },
    {
      name: 'interaction',
      machine: createInteractionMachine(deps),
      input: (key: string) => ({ interactionId: key }),
      upgrade: upgradeInteractionSnapshot,
      routing: deps,
    },
  ] as RoutingActorType[];
}

/** The routing configuration holder of an engine's actor types (undefined if routing is not hosted). */
export function routingHolderOf(actorTypes: readonly ActorType[]): RoutingConfigHolder | undefined {
  const t = actorTypes.find((x) => x.name === 'agent') as Partial<RoutingActorType> | undefined;
  return t?.routing instanceof RoutingConfigHolder ? t.routing : undefined;
}
