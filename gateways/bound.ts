/**
 * Bounds on what a canonical event carries through from a webhook body. Adapters pick the fields an event
 * needs; the little they pass through as data (a shared contact card, a picker's reply, download details) is
 * cut to a small depth and size here, so a valid body with hostile nesting or bulk in fields Switchboard does
 * not use still becomes an event the wire codec and NATS accept (the codec refuses objects over 100 levels).
 */
import type { InboundEvent, MediaItem } from '../protocol/channels.js';

/** Deepest nesting kept in pass-through data (a contact card, interactive reply data). */
export const PASS_THROUGH_MAX_DEPTH = 8;
/** Longest string kept in pass-through data, in UTF-16 units. */
export const PASS_THROUGH_MAX_STRING = 4_096;
/** Most keys of one object, or items of one array, kept in pass-through data. */
export const PASS_THROUGH_MAX_ENTRIES = 100;
/** Largest pass-through value, as JSON characters; a larger one is replaced by `{ truncated: true }`. */
export const PASS_THROUGH_MAX_CHARS = 16_384;
/** Deepest nesting of a whole canonical event (its own shape is at most 4 levels). */
export const EVENT_MAX_DEPTH = 16;

interface Limits {
  readonly depth: number;
  readonly string: number;
  readonly entries: number;
}

const PASS_THROUGH: Limits = {
  depth: PASS_THROUGH_MAX_DEPTH,
  string: PASS_THROUGH_MAX_STRING,
  entries: PASS_THROUGH_MAX_ENTRIES,
};

/** A JSON-like copy of `value` within the limits: deeper values, functions and extra entries are left out. */
function clip(value: unknown, limits: Limits, depth: number): unknown {
  if (typeof value === 'string') return value.length > limits.string ? value.slice(0, limits.string) : value;
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'object' || depth >= limits.depth) return undefined;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value.slice(0, limits.entries)) {
      const c = clip(v, limits, depth + 1);
      if (c !== undefined) out.push(c);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [k, v] of Object.entries(value)) {
    if (n++ >= limits.entries) break;
    const c = clip(v, limits, depth + 1);
    if (c !== undefined) out[k] = c;
  }
  return out;
}

/** A JSON-like copy of `value` without anything nested deeper than `maxDepth` (strings and sizes untouched). */
export function clipDepth(value: unknown, maxDepth: number): unknown {
  return clip(value, { depth: maxDepth, string: Number.POSITIVE_INFINITY, entries: Number.POSITIVE_INFINITY }, 0);
}

/** Pass-through data (an object) within the pass-through limits; `{ truncated: true }` when still too large. */
export function boundPassThrough(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const c = (clip(value, PASS_THROUGH, 0) ?? {}) as Record<string, unknown>;
  return JSON.stringify(c).length > PASS_THROUGH_MAX_CHARS ? { truncated: true } : c;
}

/** A pass-through string (a postback payload) cut to the pass-through size. */
export function boundString(value: string): string {
  return value.length > PASS_THROUGH_MAX_CHARS ? value.slice(0, PASS_THROUGH_MAX_CHARS) : value;
}

function boundMedia(m: MediaItem): MediaItem {
  if (!m.download) return m;
  return { ...m, download: boundPassThrough(m.download) as Record<string, string> };
}

/**
 * The event with its pass-through data bounded, then the whole event clipped to EVENT_MAX_DEPTH (a guard for
 * adapters that would carry raw platform data). Text and ids are left as they are: the body limit bounds them.
 */
export function boundEvent(e: InboundEvent): InboundEvent {
  let out = e;
  if ('contact' in out && out.contact) out = { ...out, contact: boundPassThrough(out.contact) };
  if ('postback' in out && out.postback)
    out = { ...out, postback: { ...out.postback, payload: boundString(out.postback.payload) } };
  if ('media' in out && out.media) out = { ...out, media: out.media.map(boundMedia) };
  return clipDepth(out, EVENT_MAX_DEPTH) as InboundEvent;
}
