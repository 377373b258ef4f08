/**
 * The supervisor dashboard's live state: the queue and agent boards as the engine pushes them
 * (`GET /reports/realtime/events`: a snapshot, then one `queue` or `agent` event per board that
 * changed), and the supervisor's actions on an agent. Views only read it and call these.
 */
import { type ApiError, agentApi, type Feed, openFeed, request } from './api.js';
import { createStore, engineClock } from './ui.js';

/** One queue's board (engine/reports/realtime.ts). */
export interface QueueBoard {
  queueId: string;
  name: string;
  waiting: number;
  offering: number;
  longestWaitMs: number;
  oldestWaiting: { interactionId: string; conversationKey: string; enqueuedAt: number } | null;
  connected: number;
  wrapup: number;
  agents: Record<string, number>;
  today: { answered: number; abandoned: number; serviceLevelPct: number | null };
  last30Min: { answered: number; abandoned: number; serviceLevelPct: number | null };
  at: number;
}

/** One agent's board (engine/reports/realtime.ts). */
export interface AgentBoard {
  agentId: string;
  name: string;
  queues: string[];
  presence: 'available' | 'not_ready' | 'offline';
  reason: string | null;
  presenceSince: number | null;
  inPresenceMs: number | null;
  interactions: Record<string, { connected: number; wrapup: number }>;
  offers: number;
  pendingWrapups: number;
  at: number;
}

export interface BoardState {
  queues: QueueBoard[];
  agents: AgentBoard[];
  /** The engine's time of the latest board. */
  at: number;
  connected: boolean;
  /** The engine's clock is known (the interval report's "today" is the engine's, virtual or not). */
  ready: boolean;
  /** Not-ready reasons of the routing configuration (for changing an agent's presence). */
  reasons: string[];
  /** Which agent the drill-down shows, and which conversation's transcript. */
  agent?: string;
  transcript?: string;
  error?: ApiError | Error;
}

export const board = createStore<BoardState>({
  queues: [],
  agents: [],
  at: 0,
  connected: false,
  ready: false,
  reasons: [],
});

const patch = (p: Partial<BoardState>) => board.set((s) => ({ ...s, ...p }));

/** The page's time zone: boards' "today" and the interval rows are in it. */
export const TZ = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** Puts a board in its place (sorted by id, as the snapshot lists them). */
function upsert<T>(list: readonly T[], item: T, id: (x: T) => string): T[] {
  const i = list.findIndex((x) => id(x) === id(item));
  if (i >= 0) return list.map((x, j) => (j === i ? item : x));
  return [...list, item].sort((a, b) => id(a).localeCompare(id(b)));
}

let feed: Feed | undefined;

function onEvent(event: string, d: Record<string, unknown>): void {
  const at = typeof d.at === 'number' ? d.at : undefined;
  if (at !== undefined && at > engineClock.now()) engineClock.sync(at, engineClock.virtual);
  if (event === 'snapshot') {
    patch({ queues: d.queues as QueueBoard[], agents: d.agents as AgentBoard[], at: at ?? 0 });
    const first = (d.agents as AgentBoard[])[0];
    if (first && board.get().reasons.length === 0) void loadReasons(first.agentId);
    return;
  }
  const s = board.get();
  const latest = Math.max(s.at, at ?? 0);
  if (event === 'queue') {
    const q = { ...(d as unknown as QueueBoard), at: at ?? s.at };
    patch({ queues: upsert(s.queues, q, (x) => x.queueId), at: latest });
  } else if (event === 'agent') {
    const a = { ...(d as unknown as AgentBoard), at: at ?? s.at };
    patch({ agents: upsert(s.agents, a, (x) => x.agentId), at: latest });
  }
}

/** The not-ready reasons, from an agent's workspace description (supervisors may read it). */
async function loadReasons(agentId: string): Promise<void> {
  try {
    const w = await agentApi.workspace(agentId);
    patch({ reasons: w.notReadyReasons });
  } catch {
    // the presence menu then offers Available and Offline only
  }
}

export async function startBoard(): Promise<void> {
  const c = await agentApi.clock();
  engineClock.sync(c.now, c.virtual);
  patch({ ready: true });
  feed?.close();
  feed = openFeed(
    `/reports/realtime/events?tz=${encodeURIComponent(TZ)}`,
    onEvent,
    (connected) => patch({ connected }),
    ['snapshot', 'queue', 'agent'],
  );
}

export function stopBoard(): void {
  feed?.close();
  feed = undefined;
}

/** Sets an agent's presence as a supervisor: signs the agent in or out, or changes the presence. */
export async function setAgentPresence(agentId: string, value: string): Promise<void> {
  const [presence, reason] = value.split(':') as [string, string | undefined];
  const current = board.get().agents.find((a) => a.agentId === agentId)?.presence;
  try {
    if (presence === 'offline') await agentApi.logout(agentId);
    else if (current === 'offline') {
      await agentApi.login(agentId);
      if (presence === 'not_ready') await agentApi.presence(agentId, presence, reason);
    } else await agentApi.presence(agentId, presence, reason);
    patch({ error: undefined });
  } catch (err) {
    patch({ error: err as Error });
  }
}

export const showAgent = (agentId: string | undefined) => patch({ agent: agentId, transcript: undefined });
export const showTranscript = (conversationKey: string | undefined) => patch({ transcript: conversationKey });
export const dismissError = () => patch({ error: undefined });

/** What an agent holds now, for the drill-down (`GET /agents/:id`). */
export interface AgentNow {
  agentId: string;
  presence: string;
  reason?: string;
  offers: { offerId: string; conversationKey: string; queueId: string }[];
  interactions: { interactionId: string; conversationKey: string; queueId: string; stage: string; since: number }[];
}
export const agentNow = (agentId: string) => request<AgentNow>('GET', `/agents/${encodeURIComponent(agentId)}`);

/** One entry of a conversation's stored history (`GET /conversations/:key/history`). */
export interface HistoryEntry {
  seq: number;
  at: number;
  direction: 'inbound' | 'outbound' | 'event';
  kind: string;
  text?: string;
  interactionId?: string;
  sender?: Record<string, string>;
  status?: string;
  template?: { name: string; language: string; params?: string[] };
  media?: { url?: string; mimeType?: string; caption?: string }[];
}

/** A conversation's whole transcript, first entry first (pages of 200). */
export async function transcriptOf(conversationKey: string): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  let from: number | null = 0;
  for (let pages = 0; from !== null && pages < 20; pages++) {
    const r: { entries: HistoryEntry[]; next: number | null } = await request(
      'GET',
      `/conversations/${encodeURIComponent(conversationKey)}/history?from=${from}&limit=200`,
    );
    out.push(...r.entries);
    from = r.next;
  }
  return out;
}
