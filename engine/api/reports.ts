/**
 * Reports (supervisors): historical intervals per queue, agent and wrap-up code as JSON or CSV,
 * real-time queue and agent boards, and a server-sent stream of board updates pushed as the
 * actors' records arrive. Definitions: docs/metrics.md.
 */
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { RoutingConfig } from '../../machines/routing-config.js';
import { own } from '../../machines/routing-config.js';
import { decode } from '../../protocol/wire.js';
import { routingHolderOf } from '../config/routing.js';
import type { Engine } from '../engine.js';
import { DAY_MS, intervalOf } from '../reports/facts.js';
import { agentBoard, agentBoards, queueBoard, queueBoards } from '../reports/realtime.js';
import {
  MAX_REPORT_INTERVALS,
  agentReport,
  queueReport,
  toCsv,
  tzOffsetMinutes,
  wrapupReport,
  type Grouping,
  type ReportQuery,
} from '../reports/read.js';
import { REPORT_INTERVAL_MS } from '../../machines/report.machine.js';
import { LIVE_HEARTBEAT_MS } from '../live.js';
import { ApiError } from './errors.js';

const validTz = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};
const Time = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) || !Number.isNaN(Date.parse(s)), {
  message: 'a date (YYYY-MM-DD, midnight in tz) or an ISO 8601 date-time',
});

/** The query of every historical report. */
export const ReportQuerySchema = z
  .object({
    from: Time.optional().describe('Start (inclusive); default: today’s midnight in tz.'),
    to: Time.optional().describe('End (exclusive); default: from + 1 day.'),
    interval: z.enum(['15', '30', '60', 'day']).default('30').describe('Row grouping: minutes or a day in tz.'),
    tz: z.string().default('UTC').refine(validTz, { message: 'an IANA time zone such as Europe/Madrid' }),
    channel: z.string().optional().describe('Only this channel (whatsapp, sms, …).'),
    media: z.enum(['message', 'voice', 'email', 'callback']).optional(),
    queue: z.string().optional().describe('Only this queue (queue and wrap-up reports).'),
    agent: z.string().optional().describe('Only this agent (agent report).'),
    businessHours: z.string().optional().describe('Only intervals inside this integration’s flow open hours.'),
    format: z.enum(['json', 'csv']).optional().describe('Also chosen by the Accept header (text/csv).'),
  })
  .strict();

/** The query of the real-time boards. */
export const BoardQuery = z
  .object({ tz: z.string().default('UTC').refine(validTz, { message: 'an IANA time zone' }) })
  .strict();

/** UTC ms of a date's midnight in tz, or of an ISO date-time. */
function parseTime(s: string, tz: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return Date.parse(s);
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const local = Date.UTC(y, m - 1, d);
  // The offset at midnight may differ from the one at the guess (a DST change that day): look twice.
  const guess = local - tzOffsetMinutes(local, tz) * 60_000;
  return local - tzOffsetMinutes(guess, tz) * 60_000;
}

function queryOf(c: Context, now: number): ReportQuery & { format: 'json' | 'csv'; queue?: string; agent?: string } {
  const parsed = ReportQuerySchema.safeParse(c.req.query());
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new ApiError(400, 'invalid_query', `${i.path.join('.') || 'query'}: ${i.message}`, parsed.error.issues);
  }
  const p = parsed.data;
  const today = new Date(now + tzOffsetMinutes(now, p.tz) * 60_000).toISOString().slice(0, 10);
  const from = intervalOf(parseTime(p.from ?? today, p.tz));
  const toRaw = p.to ? parseTime(p.to, p.tz) : from + DAY_MS;
  const to = Math.ceil(toRaw / REPORT_INTERVAL_MS) * REPORT_INTERVAL_MS;
  if (to <= from) throw new ApiError(400, 'invalid_range', '`to` must be after `from`');
  if ((to - from) / REPORT_INTERVAL_MS > MAX_REPORT_INTERVALS)
    throw new ApiError(400, 'range_too_long', `ask for at most ${MAX_REPORT_INTERVALS / 96} days at a time`);
  const accept = c.req.header('accept') ?? '';
  const format = p.format ?? (accept.includes('text/csv') ? 'csv' : 'json');
  return {
    from,
    to,
    interval: (p.interval === 'day' ? 'day' : Number(p.interval)) as Grouping,
    tz: p.tz,
    channel: p.channel,
    media: p.media,
    businessHours: p.businessHours,
    format,
    queue: p.queue,
    agent: p.agent,
  };
}

/** Mounts the reports API. */
export function reportRoutes(engine: Engine): Hono {
  const app = new Hono();
  const config = (): RoutingConfig => {
    const h = routingHolderOf(engine.options.actorTypes);
    if (!h) throw new ApiError(503, 'routing_not_hosted', 'this engine does not host the routing actors');
    return h.config();
  };
  const reply = (c: Context, name: string, q: ReturnType<typeof queryOf>, rows: Record<string, unknown>[]) => {
    if (q.format === 'csv') {
      c.header('content-type', 'text/csv; charset=utf-8');
      c.header('content-disposition', `attachment; filename="${name}.csv"`);
      return c.body(toCsv(rows));
    }
    return c.json({
      from: new Date(q.from).toISOString(),
      to: new Date(q.to).toISOString(),
      interval: q.interval,
      tz: q.tz,
      rows,
    });
  };
  const queuesOf = (q: { queue?: string }, cfg: RoutingConfig) => {
    if (q.queue === undefined) return undefined;
    if (!own(cfg.queues, q.queue)) throw new ApiError(404, 'unknown_queue', `no queue "${q.queue}" is configured`);
    return [q.queue];
  };
  const checkHours = (q: ReportQuery, cfg: RoutingConfig) => {
    if (q.businessHours !== undefined && !own(cfg.flows, q.businessHours) && !own(cfg.flows, '*'))
      throw new ApiError(404, 'unknown_flow', `no flow for integration "${q.businessHours}" holds business hours`);
  };

  app.get('/reports/queues', (c) => {
    const q = queryOf(c, engine.clock.now());
    const cfg = config();
    checkHours(q, cfg);
    return reply(c, 'queues', q, queueReport(engine.host, cfg, q, queuesOf(q, cfg)));
  });
  app.get('/reports/agents', (c) => {
    const q = queryOf(c, engine.clock.now());
    const cfg = config();
    checkHours(q, cfg);
    if (q.agent !== undefined && !own(cfg.agents, q.agent))
      throw new ApiError(404, 'unknown_agent', `no agent "${q.agent}" is configured`);
    return reply(c, 'agents', q, agentReport(engine.host, cfg, q, q.agent ? [q.agent] : undefined));
  });
  app.get('/reports/wrapup-codes', (c) => {
    const q = queryOf(c, engine.clock.now());
    const cfg = config();
    checkHours(q, cfg);
    return reply(c, 'wrapup-codes', q, wrapupReport(engine.host, cfg, q, queuesOf(q, cfg)));
  });

  const tzOf = (c: Context) => {
    const p = BoardQuery.safeParse(c.req.query());
    if (!p.success) throw new ApiError(400, 'invalid_query', 'tz: an IANA time zone such as Europe/Madrid');
    return p.data.tz;
  };
  app.get('/reports/realtime/queues', (c) => {
    const tz = tzOf(c);
    const now = engine.clock.now();
    return c.json({ at: now, queues: queueBoards(engine.host, config(), now, tz) });
  });
  app.get('/reports/realtime/agents', (c) => {
    tzOf(c);
    const now = engine.clock.now();
    return c.json({ at: now, agents: agentBoards(engine.host, config(), now) });
  });
  app.get('/reports/realtime/events', (c) => {
    const tz = tzOf(c);
    const cfg0 = config();
    return streamSSE(c, async (stream) => {
      const dirtyQueues = new Set<string>();
      const dirtyAgents = new Set<string>();
      let wake: (() => void) | undefined;
      let closed = false;
      // Every record names the queue and agent it changed; boards are recomputed for those only.
      const sub = engine.nc.subscribe('sb.record.>', {
        callback: (err, m) => {
          if (err) return;
          try {
            const r = decode<{ queueId?: unknown; agentId?: unknown; actor?: { type?: string; key?: string } }>(m.data);
            if (typeof r.queueId === 'string') dirtyQueues.add(r.queueId);
            if (typeof r.agentId === 'string') dirtyAgents.add(r.agentId);
            if (r.actor?.type === 'queue' && typeof r.actor.key === 'string') dirtyQueues.add(r.actor.key);
          } catch {
            return;
          }
          wake?.();
        },
      });
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      const beat = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => undefined), LIVE_HEARTBEAT_MS);
      let id = 0;
      try {
        const now = engine.clock.now();
        await stream.writeSSE({
          event: 'snapshot',
          id: String(++id),
          data: JSON.stringify({
            at: now,
            queues: queueBoards(engine.host, cfg0, now, tz),
            agents: agentBoards(engine.host, cfg0, now),
          }),
        });
        while (!closed) {
          if (dirtyQueues.size === 0 && dirtyAgents.size === 0) {
            await new Promise<void>((r) => {
              wake = r;
            });
            wake = undefined;
            continue;
          }
          const cfg = config();
          const at = engine.clock.now();
          // An agent's change moves the presence counts of its queues' boards too.
          for (const a of dirtyAgents) for (const q of own(cfg.agents, a)?.queues ?? []) dirtyQueues.add(q);
          const queues = [...dirtyQueues].filter((q) => own(cfg.queues, q));
          const agents = [...dirtyAgents].filter((a) => own(cfg.agents, a));
          dirtyQueues.clear();
          dirtyAgents.clear();
          for (const q of queues)
            await stream.writeSSE({
              event: 'queue',
              id: String(++id),
              data: JSON.stringify({ at, ...queueBoard(engine.host, cfg, q, at, tz) }),
            });
          for (const a of agents)
            await stream.writeSSE({
              event: 'agent',
              id: String(++id),
              data: JSON.stringify({ at, ...agentBoard(engine.host, cfg, a, at) }),
            });
        }
      } finally {
        clearInterval(beat);
        sub.unsubscribe();
      }
    });
  });
  return app;
}
