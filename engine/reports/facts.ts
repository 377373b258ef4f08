/**
 * From records to counted facts: the host calls `reportSink` for every record an actor emits
 * (in the same commit), and each record becomes `report.counted` events for the aggregates of
 * the queue and agent it concerns, one actor per entity and UTC day (`queue|<id>|<dayMs>`).
 * Definitions of every measure are in docs/metrics.md.
 */
import type { RecordSink } from '../../actors/host.js';
import type { ActorEvent, ActorRef } from '../../protocol/actor.js';
import { parseConversationKey } from '../../machines/conversation-ids.js';
import { REPORT_INTERVAL_MS, type Measures, type ReportRow } from '../../machines/report.machine.js';
import { own, type RoutingConfig } from '../../machines/routing-config.js';

/** The actor type of reporting aggregates. */
export const REPORT_TYPE = 'report';
export const DAY_MS = 86_400_000;
/** Short abandons when a queue names no threshold. */
export const DEFAULT_SHORT_ABANDON_SECONDS = 10;

/** Which entity an aggregate sums. */
export type ReportEntity = 'queue' | 'agent';

/** The start of the stored interval holding `at`. */
export const intervalOf = (at: number): number => Math.floor(at / REPORT_INTERVAL_MS) * REPORT_INTERVAL_MS;
/** The UTC day (start, ms) holding `at`. */
export const dayOf = (at: number): number => Math.floor(at / DAY_MS) * DAY_MS;
/** The key of one entity's aggregate for one UTC day. */
export const reportKey = (entity: ReportEntity, id: string, day: number): string => `${entity}|${id}|${day}`;

/** The dimension of a cell: channel and media type, and a wrap-up code for code cells. */
export const dimOf = (channel: string | undefined, media: string | undefined, code?: string): string =>
  code === undefined
    ? `${channel ?? 'unknown'}|${media ?? 'message'}`
    : `${channel ?? 'unknown'}|${media ?? 'message'}|${code}`;
/** The dimension of an agent's presence cells (no channel or media). */
export const PRESENCE_DIM = 'presence';

type Out = { to: ActorRef; event: ActorEvent }[];

/** Groups rows by the day aggregate they belong to, as `report.counted` events. */
function emit(out: Out, entity: ReportEntity, id: unknown, rows: readonly ReportRow[]): void {
  if (typeof id !== 'string' || id === '' || rows.length === 0) return;
  const byDay = new Map<number, ReportRow[]>();
  for (const r of rows) {
    const d = dayOf(r.interval);
    const list = byDay.get(d) ?? [];
    list.push(r);
    byDay.set(d, list);
  }
  for (const [day, list] of byDay)
    out.push({
      to: { type: REPORT_TYPE, key: reportKey(entity, id, day) },
      event: { type: 'report.counted', rows: list },
    });
}

/** Splits the span [from, to) over stored intervals: interval → ms in it. */
export function splitSpan(from: number, to: number): { interval: number; ms: number }[] {
  const out: { interval: number; ms: number }[] = [];
  for (let t = from; t < to; ) {
    const start = intervalOf(t);
    const end = Math.min(to, start + REPORT_INTERVAL_MS);
    out.push({ interval: start, ms: end - t });
    t = end;
  }
  return out;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The facts of one record, given the routing configuration current when it is applied. */
export function factsOf(
  record: Parameters<RecordSink>[0],
  config: RoutingConfig,
): { to: ActorRef; event: ActorEvent }[] {
  const out: Out = [];
  const d = record.data;
  const at = num(d.at) ?? record.at;
  const iv = intervalOf(at);
  const queueId = str(d.queueId);
  const queue = queueId ? own(config.queues, queueId) : undefined;
  const media = str(d.mediaType) ?? queue?.mediaType ?? 'message';
  const channel = str(d.channel) ?? parseConversationKey(str(d.conversationKey) ?? '')?.channel;
  const dim = dimOf(channel, media);
  const row = (add: Measures, interval = iv, dm = dim): ReportRow => ({ interval, dim: dm, add });
  switch (record.kind) {
    case 'interaction.stage': {
      const waited = num(d.waitedMs);
      switch (d.stage) {
        case 'queued':
          emit(out, 'queue', queueId, [row({ offered: 1 })]);
          break;
        case 'connected': {
          // Answered counts queue segments only: a direct (affinity) connection never waited in queue.
          if (waited === undefined) break;
          const sl = (queue?.serviceLevelSeconds ?? 60) * 1_000;
          emit(out, 'queue', queueId, [row({ answered: 1, answerMs: waited, answeredInSl: waited <= sl ? 1 : 0 })]);
          emit(out, 'agent', d.agentId, [row({ answered: 1 })]);
          break;
        }
        case 'abandoned': {
          if (waited === undefined) break;
          const short = (queue?.shortAbandonSeconds ?? DEFAULT_SHORT_ABANDON_SECONDS) * 1_000;
          emit(out, 'queue', queueId, [
            row(waited < short ? { shortAbandoned: 1 } : { abandoned: 1, abandonMs: waited }),
          ]);
          break;
        }
        case 'transferred': {
          const target = (d.target ?? {}) as { queueId?: string; agentId?: string };
          if (target.queueId && target.queueId !== queueId) emit(out, 'queue', queueId, [row({ flowOut: 1 })]);
          emit(out, 'agent', d.agentId, [row({ transfers: 1 })]);
          emit(out, 'queue', queueId, [row({ transfers: 1 })]);
          break;
        }
        case 'wrapup': {
          const connectedAt = num(d.connectedAt);
          if (connectedAt === undefined) break;
          const talk = { handled: 1, talkMs: Math.max(0, at - connectedAt) };
          emit(out, 'queue', queueId, [row(talk)]);
          emit(out, 'agent', d.agentId, [row(talk)]);
          break;
        }
        case 'wrapped_up': {
          const since = num(d.wrapupAt);
          const acw = since !== undefined && since <= at ? at - since : 0;
          const code = str(d.code) ?? 'none';
          emit(out, 'queue', queueId, [
            row({ wrapups: 1, acwMs: acw }),
            row({ wrapups: 1, acwMs: acw }, iv, dimOf(channel, media, code)),
          ]);
          emit(out, 'agent', d.agentId, [row({ wrapups: 1, acwMs: acw })]);
          break;
        }
      }
      break;
    }
    case 'routing.offer': {
      const offeredAt = num(d.offeredAt);
      const outcome = str(d.outcome);
      const add: Record<string, number> = {
        alerts: 1,
        alertMs: offeredAt !== undefined ? Math.max(0, at - offeredAt) : 0,
      };
      if (outcome === 'accepted') add.accepted = 1;
      else if (outcome === 'declined') add.declined = 1;
      else if (outcome === 'timed_out') add.rona = 1;
      emit(out, 'queue', queueId, [row(add)]);
      emit(out, 'agent', d.agentId, [row(add)]);
      break;
    }
    case 'agent.presence': {
      // A closed span of the presence left; the open one is the realtime board's.
      const since = num(d.previousSince);
      const previous = str(d.previous);
      if (since === undefined || since <= 0 || !previous || previous === 'offline' || since >= at) break;
      const reason = previous === 'not_ready' ? (str(d.previousReason) ?? 'Pause') : undefined;
      emit(
        out,
        'agent',
        d.agentId,
        splitSpan(since, at).map((s) =>
          row(
            {
              loggedInMs: s.ms,
              [`presence.${previous}`]: s.ms,
              ...(reason ? { [`reason.${reason}`]: s.ms } : {}),
            },
            s.interval,
            PRESENCE_DIM,
          ),
        ),
      );
      break;
    }
  }
  return out;
}

/** The host's record sink over a routing configuration reader. */
export function reportSink(config: () => RoutingConfig): RecordSink {
  return (record) => factsOf(record, config());
}
