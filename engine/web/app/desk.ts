/**
 * The agent workspace's state and what changes it: the live feed (offers, presence, the held
 * conversations' entries, statuses and typing), accepting offers, tabs of interactions, their
 * transcripts read backwards, and every action an agent takes. Views only read it and call these.
 */
import {
  type ApiError,
  agentApi,
  type Entry,
  type Feed,
  type InteractionDetail,
  openFeed,
  type SendBody,
  type WorkspaceBoot,
} from './api.js';
import { createStore, engineClock } from './ui.js';

export interface Offer {
  offerId: string;
  interactionId: string;
  conversationKey: string;
  queueId: string;
  direct: boolean;
  at: number;
  expiresAt: number;
  info?: { preview?: string; enqueuedAt?: number; channel?: string; reason?: string; contactId?: string };
  /** Filled from the interaction's details: the customer's name and the earlier interactions. */
  customer?: string;
}

export interface Tab {
  interactionId: string;
  conversationKey: string;
  stage: InteractionDetail['stage'];
  detail?: InteractionDetail;
  entries: Entry[];
  /** Cursor for older entries; null when the first interaction is reached; undefined before the first page. */
  older?: string | null;
  loadingOlder: boolean;
  typingUntil: number;
  unread: number;
  error?: ApiError | Error;
  notice?: string;
  sending: boolean;
  wrapup?: { mode: string; deadlineAt?: number; defaultCode?: string };
}

export interface DeskState {
  me?: string;
  boot?: WorkspaceBoot;
  presence: string;
  reason?: string | null;
  offers: Offer[];
  tabs: Tab[];
  active?: string;
  connected: boolean;
  error?: ApiError | Error;
}

export const desk = createStore<DeskState>({ presence: 'offline', offers: [], tabs: [], connected: false });

const patch = (p: Partial<DeskState>) => desk.set((s) => ({ ...s, ...p }));
const me = () => desk.get().me!;
const tabOf = (iid: string) => desk.get().tabs.find((t) => t.interactionId === iid);
function patchTab(iid: string, p: Partial<Tab> | ((t: Tab) => Partial<Tab>)): void {
  desk.set((s) => ({
    ...s,
    tabs: s.tabs.map((t) => (t.interactionId === iid ? { ...t, ...(typeof p === 'function' ? p(t) : p) } : t)),
  }));
}

/**
 * Merges entries into a transcript, keeping the engine's listing order: a page read further back
 * goes before what is shown, a live entry after it; an entry already shown is updated in place
 * (a status that already moved forward is kept).
 */
function merge(shown: readonly Entry[], more: readonly Entry[], where: 'before' | 'after'): Entry[] {
  const key = (e: Entry) => `${e.conversationKey}#${e.seq}`;
  const fresh = new Map(more.map((e) => [key(e), e]));
  const out = shown.map((old) => {
    const e = fresh.get(key(old));
    if (!e) return old;
    fresh.delete(key(old));
    return { ...old, ...e, ...(rank(old.status) > rank(e.status) ? { status: old.status } : {}) };
  });
  const added = more.filter((e) => fresh.has(key(e)));
  return where === 'before' ? [...added, ...out] : [...out, ...added];
}
const RANK: Record<string, number> = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 };
const rank = (s?: string) => (s ? (RANK[s] ?? -1) : -1);

let feed: Feed | undefined;
let clockTimer: ReturnType<typeof setInterval> | undefined;

/** Starts the workspace for a signed-in agent. */
export async function startDesk(agentId: string): Promise<void> {
  patch({ me: agentId });
  const boot = await agentApi.workspace(agentId);
  engineClock.sync(boot.now, boot.virtual);
  patch({ boot, presence: boot.presence, reason: boot.reason });
  feed?.close();
  feed = openFeed(agentApi.feedPath(agentId), onEvent, (connected) => patch({ connected }), [
    'snapshot',
    'offer',
    'offer_closed',
    'presence',
    'entry',
    'status',
    'typing',
    'wrapup_required',
    'wrapped_up',
    'interaction_removed',
    'customer_left',
    'reset',
  ]);
  // Virtual time moves only when an operator advances it: look often; the system clock only drifts.
  if (clockTimer) clearInterval(clockTimer);
  clockTimer = setInterval(() => void syncClock(), boot.virtual ? 2_000 : 30_000);
}

export function stopDesk(): void {
  feed?.close();
  feed = undefined;
  if (clockTimer) clearInterval(clockTimer);
  clockTimer = undefined;
}

/** Keeps the page's estimate of the engine's clock; a jump (virtual time advanced) refreshes the details. */
async function syncClock(): Promise<void> {
  try {
    const before = engineClock.now();
    const c = await agentApi.clock();
    engineClock.sync(c.now, c.virtual);
    if (Math.abs(c.now - before) > 30_000) for (const t of desk.get().tabs) void loadDetail(t.interactionId);
    desk.set((s) => ({ ...s }));
  } catch {
    // the feed's state tells the agent when the engine is gone
  }
}

function onEvent(event: string, d: Record<string, unknown>): void {
  switch (event) {
    case 'snapshot': {
      if (typeof d.now === 'number') engineClock.sync(d.now, engineClock.virtual);
      patch({ presence: String(d.presence), reason: (d.reason as string | undefined) ?? null });
      const offers = (d.offers as Offer[]) ?? [];
      patch({ offers: [] });
      for (const o of offers) addOffer(o);
      for (const it of (d.interactions as { interactionId: string; conversationKey: string; stage: string }[]) ?? [])
        openTab(it.interactionId, it.conversationKey, it.stage as Tab['stage']);
      return;
    }
    case 'reset':
      void startDesk(me());
      return;
    case 'offer':
      addOffer(d as unknown as Offer);
      return;
    case 'offer_closed': {
      patch({ offers: desk.get().offers.filter((o) => o.offerId !== d.offerId) });
      return;
    }
    case 'presence':
      patch({ presence: String(d.presence), reason: (d.reason as string | undefined) ?? null });
      return;
    case 'entry': {
      const entry = { ...(d.entry as Entry), conversationKey: String(d.conversationKey) };
      for (const t of desk.get().tabs) {
        if (!tabHas(t, entry.conversationKey)) continue;
        patchTab(t.interactionId, (tab) => ({
          entries: merge(tab.entries, [entry], 'after'),
          unread:
            tab.interactionId !== desk.get().active && entry.direction === 'inbound' ? tab.unread + 1 : tab.unread,
          typingUntil: entry.direction === 'inbound' ? 0 : tab.typingUntil,
        }));
        // A customer message moves the reply window.
        if (entry.direction === 'inbound') void loadDetail(t.interactionId);
      }
      return;
    }
    case 'status': {
      const key = String(d.conversationKey);
      for (const t of desk.get().tabs) {
        if (!tabHas(t, key)) continue;
        patchTab(t.interactionId, (tab) => ({
          entries: tab.entries.map((e) =>
            e.conversationKey === key && e.seq === d.seq && rank(d.status as string) > rank(e.status)
              ? { ...e, status: d.status as Entry['status'], failure: d.reason as Entry['failure'] }
              : e,
          ),
        }));
      }
      return;
    }
    case 'typing': {
      const key = String(d.conversationKey);
      for (const t of desk.get().tabs)
        if (t.conversationKey === key)
          patchTab(t.interactionId, { typingUntil: d.on === false ? 0 : Date.now() + 6_000 });
      return;
    }
    case 'wrapup_required': {
      const iid = String(d.interactionId);
      const mode = String(d.mode);
      patchTab(iid, {
        stage: mode === 'optional' ? 'wrapup_optional' : 'wrapup',
        wrapup: {
          mode,
          ...(typeof d.deadlineAt === 'number' ? { deadlineAt: d.deadlineAt } : {}),
          ...(typeof d.defaultCode === 'string' ? { defaultCode: d.defaultCode } : {}),
        },
        ...(d.by && d.by !== 'agent'
          ? { notice: `The interaction ended (${String(d.by).replaceAll('_', ' ')}).` }
          : {}),
      });
      return;
    }
    case 'wrapped_up':
      closeTab(String(d.interactionId));
      return;
    case 'interaction_removed': {
      closeTab(String(d.interactionId));
      return;
    }
    case 'customer_left': {
      const why = String(d.reason ?? '').replaceAll('_', ' ');
      patchTab(String(d.interactionId), { notice: `The customer left the conversation${why ? ` (${why})` : ''}.` });
      return;
    }
  }
}

const tabHas = (t: Tab, conversationKey: string) =>
  t.conversationKey === conversationKey ||
  (t.detail?.contact.identities.some((i) => i.conversationKey === conversationKey) ?? false);

function addOffer(o: Offer): void {
  if (desk.get().offers.some((x) => x.offerId === o.offerId)) return;
  patch({ offers: [...desk.get().offers, o] });
  const q = desk.get().boot?.queues.find((x) => x.id === o.queueId);
  if (q?.alertSound) chime();
  // The customer's name for the alert.
  agentApi.detail(me(), o.interactionId).then(
    (d) =>
      patch({
        offers: desk
          .get()
          .offers.map((x) => (x.offerId === o.offerId ? { ...x, customer: d.contact.displayName ?? undefined } : x)),
      }),
    () => undefined,
  );
}

// Browsers let a page play sound only after a gesture: the first click or key unlocks it.
let audio: AudioContext | undefined;
for (const type of ['pointerdown', 'keydown'])
  window.addEventListener(
    type,
    () => {
      audio ??= new AudioContext();
    },
    { once: true },
  );

/** Two short tones (Web Audio; no sound file). */
function chime(): void {
  try {
    if (!audio) return;
    const ctx = audio;
    for (const [i, f] of [880, 660].entries()) {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = f;
      g.gain.value = 0.08;
      o.connect(g).connect(ctx.destination);
      o.start(ctx.currentTime + i * 0.18);
      o.stop(ctx.currentTime + i * 0.18 + 0.15);
    }
  } catch {
    // no audio device: the visible alert remains
  }
}

function openTab(interactionId: string, conversationKey: string, stage: Tab['stage'] = 'connected'): void {
  if (!tabOf(interactionId)) {
    const tab: Tab = {
      interactionId,
      conversationKey,
      stage,
      entries: [],
      loadingOlder: false,
      typingUntil: 0,
      unread: 0,
      sending: false,
    };
    desk.set((s) => ({ ...s, tabs: [...s.tabs, tab], active: s.active ?? interactionId }));
  }
  void loadDetail(interactionId);
  if (tabOf(interactionId)?.older === undefined) void loadOlder(interactionId);
}

function closeTab(interactionId: string): void {
  desk.set((s) => {
    const i = s.tabs.findIndex((t) => t.interactionId === interactionId);
    const tabs = s.tabs.filter((t) => t.interactionId !== interactionId);
    const active = s.active === interactionId ? tabs[Math.max(0, i - 1)]?.interactionId : s.active;
    return { ...s, tabs, active };
  });
}

export async function loadDetail(interactionId: string): Promise<void> {
  try {
    const d = await agentApi.detail(me(), interactionId);
    patchTab(interactionId, (t) => ({
      detail: d,
      stage: t.stage === 'wrapup' || t.stage === 'wrapup_optional' ? t.stage : d.stage,
      wrapup: t.wrapup ?? d.wrapup ?? undefined,
    }));
  } catch (err) {
    patchTab(interactionId, { error: err as Error });
  }
}

/** Reads the next page back in the contact's history (the first call reads the newest). */
export async function loadOlder(interactionId: string): Promise<void> {
  const t = tabOf(interactionId);
  if (!t || t.loadingOlder || t.older === null) return;
  patchTab(interactionId, { loadingOlder: true });
  try {
    const page = await agentApi.timeline(me(), interactionId, t.older ?? undefined);
    patchTab(interactionId, (tab) => ({
      entries: merge(tab.entries, page.entries, 'before'),
      older: page.next,
      loadingOlder: false,
    }));
  } catch (err) {
    patchTab(interactionId, { loadingOlder: false, error: err as Error });
  }
}

export function selectTab(interactionId: string): void {
  patch({ active: interactionId });
  patchTab(interactionId, { unread: 0 });
}

/** Moves to the next (or previous) tab. */
export function cycleTab(step: 1 | -1): void {
  const { tabs, active } = desk.get();
  if (tabs.length === 0) return;
  const i = tabs.findIndex((t) => t.interactionId === active);
  selectTab(tabs[(i + step + tabs.length) % tabs.length]!.interactionId);
}

export function dismiss(interactionId: string): void {
  patchTab(interactionId, { error: undefined, notice: undefined });
}

export async function setPresence(presence: string, reason?: string): Promise<void> {
  try {
    if (presence === 'available' && desk.get().presence === 'offline') await agentApi.login(me());
    else if (presence === 'offline') await agentApi.logout(me());
    else await agentApi.presence(me(), presence, reason);
    patch({ error: undefined });
  } catch (err) {
    patch({ error: err as Error });
  }
}

export async function accept(offerId: string): Promise<void> {
  try {
    const r = await agentApi.accept(me(), offerId);
    patch({ offers: desk.get().offers.filter((o) => o.offerId !== offerId), error: undefined });
    openTab(r.interactionId, r.conversationKey, 'connected');
    selectTab(r.interactionId);
  } catch (err) {
    patch({ error: err as Error });
    if ((err as ApiError).code === 'offer_not_found')
      patch({ offers: desk.get().offers.filter((o) => o.offerId !== offerId) });
  }
}

export async function decline(offerId: string): Promise<void> {
  try {
    await agentApi.decline(me(), offerId);
    patch({ offers: desk.get().offers.filter((o) => o.offerId !== offerId), error: undefined });
  } catch (err) {
    patch({ error: err as Error });
  }
}

let requestSeq = 0;
let typingSent = 0;
/** Sends a message; a refusal stays on the tab as a sentence with its code. Resolves true when accepted. */
export async function send(interactionId: string, body: SendBody): Promise<boolean> {
  patchTab(interactionId, { sending: true, error: undefined });
  typingSent = 0; // a message ends the typing; the next keystroke says so again
  try {
    await agentApi.send(me(), interactionId, {
      requestId: `ws-${me()}-${Date.now().toString(36)}-${++requestSeq}`,
      ...body,
    });
    patchTab(interactionId, { sending: false });
    return true;
  } catch (err) {
    patchTab(interactionId, { sending: false, error: err as Error });
    return false;
  }
}

/** Uploads a file, then sends it (with the draft as caption). */
export async function sendFile(interactionId: string, file: File, caption?: string): Promise<boolean> {
  patchTab(interactionId, { sending: true, error: undefined });
  try {
    const m = await agentApi.upload(file);
    return await send(interactionId, {
      kind: 'media',
      media: [{ url: m.url, mimeType: m.mimeType, ...(caption ? { caption } : {}), filename: file.name }],
    });
  } catch (err) {
    patchTab(interactionId, { sending: false, error: err as Error });
    return false;
  }
}

/** Tells the customer the agent is typing (at most every 3 s). */
export function typing(interactionId: string): void {
  if (Date.now() - typingSent < 3_000) return;
  typingSent = Date.now();
  agentApi.typing(me(), interactionId, true).then(
    () => undefined,
    () => undefined,
  );
}

async function act(interactionId: string, fn: () => Promise<unknown>, after?: () => void): Promise<void> {
  patchTab(interactionId, { error: undefined });
  try {
    await fn();
    after?.();
  } catch (err) {
    patchTab(interactionId, { error: err as Error });
  }
}

export const end = (iid: string) => act(iid, () => agentApi.end(me(), iid));
export const wrapup = (iid: string, code: string) =>
  act(
    iid,
    () => agentApi.wrapup(me(), iid, code),
    () => closeTab(iid),
  );
export const transfer = (iid: string, target: { queueId: string } | { agentId: string }) =>
  act(
    iid,
    () => agentApi.transfer(me(), iid, target),
    () => closeTab(iid),
  );
/** Optional after-contact work: the agent may close the tab without a code. */
export const closeWithoutCode = (iid: string) => closeTab(iid);
