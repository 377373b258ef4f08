/**
 * Reads history from the page actors: one conversation in its listing order (customer messages by
 * the platform's timestamp), or a contact's conversations merged by time with a cursor that
 * remembers each conversation's position.
 */
import type { ActorHost } from '../actors/host.js';
import { historyKey, pageOf } from '../machines/conversation-ids.js';
import type { HistoryEntry } from '../machines/history.machine.js';

/** A history entry with the conversation it belongs to. */
export type ContactHistoryEntry = HistoryEntry & { readonly conversationKey: string };

function page(host: ActorHost, conversationKey: string, n: number): Record<number, HistoryEntry> {
  const snap = host.read({ type: 'history', key: historyKey(conversationKey, n) });
  return (snap?.context as { entries?: Record<number, HistoryEntry> } | undefined)?.entries ?? {};
}

/**
 * Entries of a conversation in sequence (arrival) order, from the first one to the first gap (an
 * append still on its way through NATS), so a reader never skips an entry about to appear.
 */
function storedEntries(host: ActorHost, conversationKey: string, total: number): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  let cached = -1;
  let entries: Record<number, HistoryEntry> = {};
  for (let seq = 0; seq < total; seq++) {
    const p = pageOf(seq);
    if (p !== cached) {
      entries = page(host, conversationKey, p);
      cached = p;
    }
    const e = entries[seq];
    if (!e || e.messageId === undefined) break;
    out.push(e);
  }
  return out;
}

/**
 * The order history is listed in. Platforms deliver webhooks out of order (Meta and LINE say so),
 * so within an interaction customer messages are listed by the platform's timestamp, arrival
 * order breaking ties (WhatsApp's timestamps are whole seconds); each takes one of the places
 * customer messages hold, while agents' and bots' messages and the interaction markers, stamped
 * by the engine's clock and not the platform's, keep theirs. Clocks are never compared across
 * sources, and no message moves into another interaction.
 */
export function listingOrder(entries: readonly HistoryEntry[]): HistoryEntry[] {
  const groups = new Map<string, number[]>();
  entries.forEach((e, i) => {
    if (e.direction !== 'inbound' || e.interactionId === undefined) return;
    const places = groups.get(e.interactionId);
    if (places) places.push(i);
    else groups.set(e.interactionId, [i]);
  });
  const out = [...entries];
  for (const places of groups.values()) {
    const sorted = places.map((i) => entries[i]!).sort((a, b) => a.at - b.at || a.seq - b.seq);
    places.forEach((place, k) => {
      out[place] = sorted[k]!;
    });
  }
  return out;
}

/**
 * A conversation's listing (`listingOrder`) from position `from`, at most `limit` entries. A
 * position is an entry's place in the listing: the same as its sequence number unless a customer
 * message arrived after one it was sent before. Reads the whole conversation to order it.
 */
export function conversationHistory(
  host: ActorHost,
  conversationKey: string,
  from: number,
  limit: number,
  total: number,
): HistoryEntry[] {
  return listingOrder(storedEntries(host, conversationKey, total)).slice(from, from + limit);
}

/** Where each conversation's next unread entry is. */
export type Cursor = Record<string, number>;

/** Parses a cursor (base64url JSON); `{}` when absent, undefined when malformed. */
export function decodeCursor(raw: string | undefined): Cursor | undefined {
  if (!raw) return {};
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    for (const n of Object.values(v)) if (!Number.isInteger(n) || (n as number) < 0) return undefined;
    return v as Cursor;
  } catch {
    return undefined;
  }
}

/** Encodes a cursor for the `next` field. */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

/**
 * A contact's history across its conversations, merged by time (ties in conversation order);
 * each conversation in its listing order, the cursor holding each one's next position.
 */
export function contactHistory(host: ActorHost, conversationKeys: readonly string[], cursor: Cursor, limit: number) {
  const positions: Cursor = { ...cursor };
  const listings = new Map<string, HistoryEntry[]>();
  for (const key of conversationKeys) {
    const snap = host.read({ type: 'conversation', key });
    const total = (snap?.context as { seq?: number } | undefined)?.seq ?? 0;
    listings.set(key, listingOrder(storedEntries(host, key, total)));
    positions[key] ??= 0;
  }
  const peek = (key: string): HistoryEntry | undefined => listings.get(key)![positions[key]!];
  const entries: ContactHistoryEntry[] = [];
  while (entries.length < limit) {
    let best: string | undefined;
    for (const key of conversationKeys) {
      const e = peek(key);
      if (e && (best === undefined || e.at < peek(best)!.at)) best = key;
    }
    if (best === undefined) break;
    entries.push({ ...peek(best)!, conversationKey: best });
    positions[best]!++;
  }
  const more = conversationKeys.some((k) => peek(k) !== undefined);
  return { entries, positions, more };
}

/**
 * A contact's history across its conversations, newest first (for a transcript that scrolls
 * back), each conversation in its listing order: the cursor holds, per conversation, the listing
 * position before which to read next. Entries still on their way are not listed yet; they reach
 * an open workspace as live updates.
 */
export function contactHistoryBackward(
  host: ActorHost,
  conversationKeys: readonly string[],
  cursor: Cursor,
  limit: number,
) {
  const positions: Cursor = { ...cursor };
  const listings = new Map<string, HistoryEntry[]>();
  for (const key of conversationKeys) {
    const snap = host.read({ type: 'conversation', key });
    const total = (snap?.context as { seq?: number } | undefined)?.seq ?? 0;
    const listing = listingOrder(storedEntries(host, key, total));
    listings.set(key, listing);
    positions[key] = Math.min(positions[key] ?? listing.length, listing.length);
  }
  const peek = (key: string): HistoryEntry | undefined => listings.get(key)![positions[key]! - 1];
  const entries: ContactHistoryEntry[] = [];
  while (entries.length < limit) {
    let best: string | undefined;
    for (const key of conversationKeys) {
      const e = peek(key);
      if (e && (best === undefined || e.at > peek(best)!.at)) best = key;
    }
    if (best === undefined) break;
    entries.push({ ...peek(best)!, conversationKey: best });
    positions[best]!--;
  }
  const more = conversationKeys.some((k) => peek(k) !== undefined);
  return { entries, positions, more };
}
