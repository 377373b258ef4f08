/**
 * The inbound flow's pure parts: schedule evaluation (Emergency → special day → closed → open,
 * in the flow's time zone) and keyword rules (→ queue, skills, priority).
 */
import { own, type FlowConfig, type RoutingConfig, type ScheduleOutcome } from './routing-config.js';

export type ScheduleName = 'emergency' | 'special_day' | 'closed' | 'open';

/** Local calendar parts of an instant in a time zone. */
export interface LocalTime {
  /** "YYYY-MM-DD" */
  readonly date: string;
  /** "HH:MM" */
  readonly time: string;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** The local date, time and weekday of `at` (ms) in `timeZone` (an IANA name). */
export function localTime(at: number, timeZone: string): LocalTime {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(at)) p[part.type] = part.value;
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}`, weekday: WEEKDAYS[p.weekday] ?? 0 };
}

/** Which schedule applies at `at`, and its outcome. Default is closed, as in Genesys. */
export function evaluateSchedules(
  flow: FlowConfig,
  at: number,
): { schedule: ScheduleName; outcome: ScheduleOutcome; name?: string } {
  if (flow.emergency.active) return { schedule: 'emergency', outcome: flow.emergency };
  const local = localTime(at, flow.timeZone);
  const special = flow.specialDays.find((d) => d.date === local.date);
  if (special) return { schedule: 'special_day', outcome: special, name: special.name };
  const stamp = `${local.date}T${local.time}`;
  if (flow.closedPeriods.some((p) => p.from <= stamp && stamp < p.to))
    return { schedule: 'closed', outcome: flow.closed };
  const open = flow.openHours.some((h) => h.days.includes(local.weekday) && h.from <= local.time && local.time < h.to);
  return open ? { schedule: 'open', outcome: flow.open } : { schedule: 'closed', outcome: flow.closed };
}

/** Where keyword rules send a message: queue, required skills, priority, and the matching rule. */
export interface RoutingTarget {
  readonly queueId: string;
  readonly skills: readonly string[];
  readonly priority: number;
  readonly rule?: number;
}

/** Applies the first matching keyword rule, else the flow's defaults. */
export function matchKeywords(flow: FlowConfig, text: string | undefined, intent: string | undefined): RoutingTarget {
  const words = (text ?? '').toLowerCase();
  for (let i = 0; i < flow.keywordRules.length; i++) {
    const r = flow.keywordRules[i];
    const hit =
      r.keywords.some((k) => words.includes(k.toLowerCase())) || (intent !== undefined && r.intents.includes(intent));
    if (hit) {
      return {
        queueId: r.queueId ?? flow.defaultQueueId,
        skills: r.skills.length ? r.skills : flow.defaultSkills,
        priority: r.priority ?? flow.defaultPriority,
        rule: i,
      };
    }
  }
  return { queueId: flow.defaultQueueId, skills: flow.defaultSkills, priority: flow.defaultPriority };
}

/** The flow of an integration: its own, else the '*' flow, else undefined. */
export function flowFor(config: RoutingConfig, integrationId: string): FlowConfig | undefined {
  return own(config.flows, integrationId) ?? own(config.flows, '*');
}
