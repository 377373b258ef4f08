/**
 * A simulation scenario: a contact-center day described by arrivals, handle times, patience and staffing, in the
 * short form (`queues` + `agents`) or with a full routing file (`routing`). Validated once; errors name the path.
 */
import { z } from 'zod';
import { CHANNELS } from '../../protocol/channels.js';
import type { RoutingFile } from '../config/routing.js';

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1–64 letters, digits, _ or -');
const Dist = z.discriminatedUnion('distribution', [
  z.object({ distribution: z.literal('exponential'), meanSeconds: z.number().positive() }).strict(),
  z.object({ distribution: z.literal('fixed'), meanSeconds: z.number().min(0) }).strict(),
  z
    .object({
      distribution: z.literal('lognormal'),
      meanSeconds: z.number().positive(),
      sdSeconds: z.number().positive(),
    })
    .strict(),
]);

const ShortQueue = z
  .object({
    id: Id,
    serviceLevelSeconds: z.number().int().min(1).default(20),
    strategy: z.enum(['longest_idle', 'best_skill', 'round_robin']).optional(),
    alertingTimeoutSeconds: z.number().int().min(1).max(900).optional(),
  })
  .strict();

const AgentGroup = z
  .object({
    count: z.number().int().min(0).max(10_000),
    queues: z.array(Id).min(1),
    /** Interactions held at once per media type; only `message` is simulated. */
    capacity: z
      .object({ message: z.number().int().min(1).max(25).default(1) })
      .strict()
      .default({ message: 1 }),
    skills: z.record(z.string(), z.number().int().min(1).max(5)).default({}),
    /** Logged in from this hour of the run (inclusive) to that one (exclusive); the whole run when absent. */
    fromHour: z.number().min(0).optional(),
    toHour: z.number().positive().optional(),
  })
  .strict();

const Arrival = z
  .object({
    /** Short form: the queue the customers are routed to. */
    queue: Id.optional(),
    /** Full form: the integration whose flow routes them (its keyword rules see `text`). */
    integrationId: z.string().min(1).optional(),
    channel: z.enum(CHANNELS).default('whatsapp'),
    ratePerHour: z.number().min(0),
    profile: z.array(z.number().min(0)).default([]),
    text: z.string().default('Hello'),
  })
  .strict()
  .refine(
    (a) => (a.queue === undefined) !== (a.integrationId === undefined),
    'give exactly one of queue or integrationId',
  );

/** The scenario file. */
export const ScenarioSchema = z
  .object({
    seed: z.number().int().default(1),
    durationHours: z
      .number()
      .positive()
      .max(24 * 14),
    warmupHours: z.number().min(0).default(0),
    intervalMinutes: z.number().int().min(1).max(1_440).default(30),
    /** Wall-clock start of the run (for schedules in a full routing file); a Monday 08:00 UTC by default. */
    start: z.iso.datetime().default('2026-01-05T08:00:00Z'),
    queues: z.array(ShortQueue).default([]),
    agents: z.array(AgentGroup).default([]),
    routing: z.record(z.string(), z.unknown()).optional(),
    arrivals: z.array(Arrival).min(1),
    handleTime: Dist,
    wrapupTime: Dist.default({ distribution: 'fixed', meanSeconds: 0 }),
    patience: Dist.optional(),
    /** How long an agent takes to accept an offer. */
    answerTime: Dist.default({ distribution: 'fixed', meanSeconds: 0 }),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.routing && s.queues.length)
      ctx.addIssue({ code: 'custom', path: ['queues'], message: 'give queues/agents or routing, not both' });
    if (!s.routing && s.queues.length === 0)
      ctx.addIssue({ code: 'custom', path: ['queues'], message: 'name at least one queue (or give a routing file)' });
    if (s.warmupHours >= s.durationHours)
      ctx.addIssue({ code: 'custom', path: ['warmupHours'], message: 'the warm-up must be shorter than the run' });
  });

/** A validated scenario. */
export type Scenario = z.infer<typeof ScenarioSchema>;

/** A scenario file that does not validate. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/** Validates a scenario; throws ScenarioError naming the first bad field. */
export function parseScenario(raw: unknown): Scenario {
  const r = ScenarioSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ScenarioError(`${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

/** The integration id the short form gives each queue's flow. */
export const simIntegration = (queueId: string) => `sim-${queueId}`;

/** One simulated agent: id, the hours it is logged in, its capacity. */
export interface SimAgent {
  readonly id: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly capacity: number;
}

/** The routing file a scenario runs with, and its agents with their shifts. */
export function scenarioRouting(s: Scenario): { routing: RoutingFile; agents: SimAgent[] } {
  const runMs = s.durationHours * 3_600_000;
  const agents: SimAgent[] = [];
  if (s.routing) {
    const routing = s.routing as RoutingFile;
    for (const a of routing.agents ?? [])
      agents.push({ id: a.id, fromMs: 0, toMs: runMs, capacity: a.utilization?.media?.message?.max ?? 1 });
    return { routing, agents };
  }
  const routingAgents: NonNullable<RoutingFile['agents']> = [];
  s.agents.forEach((g, gi) => {
    for (let i = 0; i < g.count; i++) {
      const id = `g${gi}-a${i}`;
      routingAgents.push({
        id,
        queues: g.queues,
        skills: g.skills,
        utilization: {
          media: { message: { max: g.capacity.message, interruptibleBy: [] } },
          totalMax: g.capacity.message,
        },
      });
      agents.push({
        id,
        fromMs: (g.fromHour ?? 0) * 3_600_000,
        toMs: g.toHour === undefined ? runMs : g.toHour * 3_600_000,
        capacity: g.capacity.message,
      });
    }
  });
  const routing: RoutingFile = {
    skills: [...new Set(s.agents.flatMap((g) => Object.keys(g.skills)))],
    queues: s.queues.map((q) => ({
      id: q.id,
      serviceLevelSeconds: q.serviceLevelSeconds,
      ...(q.strategy ? { strategy: q.strategy } : {}),
      ...(q.alertingTimeoutSeconds ? { alertingTimeoutSeconds: q.alertingTimeoutSeconds } : {}),
      affinity: { mode: 'disabled' as const, timeoutSeconds: 60 },
    })),
    agents: routingAgents,
    flows: s.queues.map((q) => ({ integrationId: simIntegration(q.id), defaultQueueId: q.id })),
  };
  return { routing, agents };
}
