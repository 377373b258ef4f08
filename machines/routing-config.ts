/**
 * The routing configuration as the machines see it (resolved: lookups by id). The engine's
 * config module validates the operator's file into this shape; machines read it through
 * `RoutingDeps.config()` at the moment they use it, so an applied change reaches live actors.
 */
import type { RichMessage } from '../protocol/rich.js';

/** Media types an agent's capacity is counted in. */
export type MediaType = 'message' | 'voice' | 'email' | 'callback';

/** Capacity of one media type and the media types allowed to interrupt it. */
export interface MediaUtilization {
  readonly max: number;
  /** While an interaction of this type is held, new ones of these types may still be offered. */
  readonly interruptibleBy: readonly MediaType[];
}

/** Per-agent capacity and blending rules. */
export interface Utilization {
  readonly media: Readonly<Partial<Record<MediaType, MediaUtilization>>>;
  /** Cap on interactions of all media at once. */
  readonly totalMax: number;
}

export type SelectionStrategy = 'longest_idle' | 'best_skill' | 'round_robin';
export type AcwMode = 'optional' | 'mandatory' | 'timeboxed';
export type AffinityMode = 'any_queue' | 'this_queue' | 'disabled';

/** A bullseye ring: after `timeoutSeconds` in this ring the entry moves out, dropping `skillsToRemove` ('*' = all). */
export interface Ring {
  readonly timeoutSeconds: number;
  readonly skillsToRemove: readonly string[];
}

export interface QueueConfig {
  readonly id: string;
  readonly name: string;
  readonly mediaType: MediaType;
  readonly strategy: SelectionStrategy;
  readonly alertingTimeoutSeconds: number;
  readonly serviceLevelSeconds: number;
  /** Abandons after a shorter wait count as short abandons in reports (default 10 s). */
  readonly shortAbandonSeconds?: number;
  readonly rings: readonly Ring[];
  readonly acw: { readonly mode: AcwMode; readonly timeoutSeconds: number; readonly defaultCode: string };
  readonly affinity: { readonly mode: AffinityMode; readonly timeoutSeconds: number };
  /** Disconnect (or re-queue) an idle connected interaction to free the agent's capacity. */
  readonly inactivity?: { readonly timeoutSeconds: number; readonly action: 'disconnect' | 'requeue' };
  /** The workspace plays a sound when an offer from this queue alerts. */
  readonly alertSound?: boolean;
}

export interface AgentConfig {
  readonly id: string;
  readonly name: string;
  /** Skill → proficiency (1–5). */
  readonly skills: Readonly<Record<string, number>>;
  readonly queues: readonly string[];
  readonly utilization: Utilization;
}

/** What a schedule outcome does: an optional auto-response, then route or end. */
export interface ScheduleOutcome {
  readonly autoResponse?: string;
  readonly action: 'route' | 'end';
}

export interface OpenHours {
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  readonly days: readonly number[];
  /** Local times "HH:MM"; `to` exclusive. */
  readonly from: string;
  readonly to: string;
}

export interface KeywordRule {
  /** Matches when the text contains any of these words (case-insensitive), or the routing intent equals one of `intents`. */
  readonly keywords: readonly string[];
  readonly intents: readonly string[];
  readonly queueId?: string;
  readonly skills: readonly string[];
  readonly priority?: number;
}

/** The inbound flow of one integration. */
export interface FlowConfig {
  /** An integration id, or '*' for every integration without its own flow. */
  readonly integrationId: string;
  readonly timeZone: string;
  readonly emergency: ScheduleOutcome & { readonly active: boolean };
  readonly specialDays: readonly (ScheduleOutcome & { readonly date: string; readonly name?: string })[];
  /** Closed periods in local time "YYYY-MM-DDTHH:MM" (from inclusive, to exclusive). */
  readonly closedPeriods: readonly { readonly from: string; readonly to: string }[];
  readonly openHours: readonly OpenHours[];
  readonly closed: ScheduleOutcome;
  readonly open: ScheduleOutcome;
  readonly keywordRules: readonly KeywordRule[];
  readonly defaultQueueId: string;
  readonly defaultSkills: readonly string[];
  readonly defaultPriority: number;
}

export interface CannedResponse {
  readonly id: string;
  readonly name: string;
  /** The text (with `{{param}}` slots); a rich canned response may leave it out. */
  readonly text?: string;
  /** A canned rich message (quick replies, buttons, a list, …); its labels take the same `{{param}}` slots. */
  readonly rich?: RichMessage;
}

/** An approved message template (WhatsApp), as the workspace offers it: `{{1}}`… are its parameters. */
export interface MessageTemplate {
  readonly name: string;
  readonly language: string;
  /** The approved body, for the agent to read; the platform renders the real one. */
  readonly text?: string;
  /** Labels of the parameters, in order. */
  readonly params: readonly string[];
  /** Channels it may be sent on (default whatsapp). */
  readonly channels: readonly string[];
}

/** A person who may sign in: every agent, plus supervisors and admins who take no interactions. */
export interface PersonConfig {
  readonly id: string;
  readonly name: string;
  readonly role: 'agent' | 'supervisor' | 'admin';
}

/** The whole resolved routing configuration; its records by id have no prototype (`idRecord`). */
export interface RoutingConfig {
  readonly version: number;
  readonly queues: Readonly<Record<string, QueueConfig>>;
  readonly agents: Readonly<Record<string, AgentConfig>>;
  readonly flows: Readonly<Record<string, FlowConfig>>;
  readonly skills: readonly string[];
  readonly wrapupCodes: readonly string[];
  readonly notReadyReasons: readonly string[];
  readonly cannedResponses: Readonly<Record<string, CannedResponse>>;
  readonly templates: readonly MessageTemplate[];
  /** Who may sign in and with which role (agents included); credentials live in the secrets file, never here. */
  readonly people: Readonly<Record<string, PersonConfig>>;
}

/**
 * The value stored under an external id, or undefined: only the record's own entries count, so
 * ids such as `constructor` or `toString` never find JavaScript's built-ins. Use it for every
 * lookup by an id that came from outside (an API path, an event, a snapshot's record).
 */
export function own<T>(record: Readonly<Record<string, T>>, id: string): T | undefined {
  return Object.hasOwn(record, id) ? record[id] : undefined;
}

/** A record keyed by id with no prototype (a stray `c.agents[id]` finds nothing but configured ids). */
export function idRecord<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [id, value] of entries) out[id] = value;
  return out;
}

/** What routing machines are built with: the current configuration, read at use. */
export interface RoutingDeps {
  readonly config: () => RoutingConfig;
}

/** Disposition codes offered when a file names none. */
export const DEFAULT_WRAPUP_CODES = [
  'Cross Sell',
  'Need Follow Up',
  'Not Right Skill',
  'Processed',
  'Terminated',
  'Transferred',
  'Up Sell',
] as const;
/** Not-ready reason codes when a file names none (RONA is set on an alerting timeout). */
export const DEFAULT_NOT_READY_REASONS = ['Admin Work', 'Lunch', 'Meeting', 'Pause', 'RONA', 'Training'] as const;
/** How long an offer alerts before RONA. */
export const DEFAULT_ALERTING_TIMEOUT_SECONDS = 30;
/** How long a returning customer waits for the last agent before the queue. */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 60;
/** Genesys-style default: 4 messages, 1 call, voice blocks messages, messages may be interrupted by a call. */
export const DEFAULT_UTILIZATION: Utilization = {
  media: {
    message: { max: 4, interruptibleBy: ['voice'] },
    voice: { max: 1, interruptibleBy: [] },
    email: { max: 1, interruptibleBy: ['voice', 'message'] },
    callback: { max: 1, interruptibleBy: [] },
  },
  totalMax: 5,
};

/** An empty configuration (nothing routable until an operator applies one). */
export const EMPTY_ROUTING_CONFIG: RoutingConfig = {
  version: 0,
  queues: idRecord(),
  agents: idRecord(),
  flows: idRecord(),
  skills: [],
  wrapupCodes: [...DEFAULT_WRAPUP_CODES],
  notReadyReasons: [...DEFAULT_NOT_READY_REASONS],
  cannedResponses: idRecord(),
  templates: [],
  people: idRecord(),
};
