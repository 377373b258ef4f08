/** Shared pieces of the pages: templates, a small state holder, formatting, channel badges, refusals. */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';

export { html };

/** A value that components re-render on (one state holder per page; no framework beyond Preact). */
export interface Store<T> {
  get(): T;
  set(next: T | ((cur: T) => T)): void;
  subscribe(fn: () => void): () => void;
}

export function createStore<T>(initial: T): Store<T> {
  let value = initial;
  const subs = new Set<() => void>();
  return {
    get: () => value,
    set(next) {
      value = typeof next === 'function' ? (next as (cur: T) => T)(value) : next;
      for (const fn of subs) fn();
    },
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
  };
}

/** The store's current value; the component re-renders when it changes. */
export function useStore<T>(store: Store<T>): T {
  const [, force] = useState(0);
  useEffect(() => store.subscribe(() => force((n) => n + 1)), [store]);
  return store.get();
}

/** Re-renders every `ms` (countdowns). */
export function useTick(ms = 1_000): void {
  const [, force] = useState(0);
  useEffect(() => {
    const t = setInterval(() => force((n) => n + 1), ms);
    return () => clearInterval(t);
  }, [ms]);
}

/** The engine's clock as the page estimates it: the last reading plus the time since (frozen when virtual). */
export const engineClock = {
  offset: 0,
  virtual: false,
  base: 0,
  readAt: 0,
  sync(now: number, virtual: boolean): void {
    this.virtual = virtual;
    this.base = now;
    this.readAt = Date.now();
    this.offset = now - Date.now();
  },
  now(): number {
    return this.virtual ? this.base : Date.now() + this.offset;
  },
};

/** "3 h 12 min", "4 min", "45 s". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1_000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** "0:45", "12:03". */
export function clockText(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1_000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function timeText(at: number): string {
  return new Date(at).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

const CHANNELS: Record<string, { label: string; short: string; color: string }> = {
  whatsapp: { label: 'WhatsApp', short: 'WA', color: '#0b6e4f' },
  messenger: { label: 'Messenger', short: 'FB', color: '#1d4ed8' },
  instagram: { label: 'Instagram', short: 'IG', color: '#9d174d' },
  x: { label: 'X', short: 'X', color: '#111827' },
  line: { label: 'LINE', short: 'LN', color: '#166534' },
  sms: { label: 'SMS', short: 'SMS', color: '#6b21a8' },
  telegram: { label: 'Telegram', short: 'TG', color: '#0c4a6e' },
  apple: { label: 'Apple Messages', short: 'AM', color: '#374151' },
  web: { label: 'Web chat', short: 'WEB', color: '#9a3412' },
  open: { label: 'Open messaging', short: 'OPEN', color: '#3f3f46' },
  social: { label: 'Public post', short: 'POST', color: '#1e3a8a' },
};

export function channelLabel(channel: string | undefined): string {
  return (channel && CHANNELS[channel]?.label) || channel || 'unknown channel';
}

/** The channel's badge: a coloured short name with the full name for assistive technology. */
export function ChannelBadge({ channel }: { channel?: string }) {
  const c = (channel && CHANNELS[channel]) || { label: channel ?? '?', short: '?', color: '#3f3f46' };
  return html`<span class="badge" style=${`background:${c.color}`} role="img" aria-label=${c.label} title=${c.label}
    >${c.short}</span
  >`;
}

/** The channel of a conversation key (`<channel>:<integration>:<user>`). */
export function channelOf(conversationKey: string): string {
  return conversationKey.slice(0, conversationKey.indexOf(':'));
}

/** A refusal as a sentence and its code; never a silent failure. */
export function Refusal({ error, onDismiss }: { error: ApiError | Error | null | undefined; onDismiss?: () => void }) {
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : 'error';
  return html`<div class="refusal" role="alert">
    <span><strong>${sentence(error)}</strong> <code>${code}</code></span>
    ${onDismiss ? html`<button type="button" class="link" onClick=${onDismiss}>Dismiss</button>` : null}
  </div>`;
}

/** The engine's sentence, capitalized and ended. */
export function sentence(error: Error): string {
  const m = error.message || 'Something went wrong';
  const s = m.charAt(0).toUpperCase() + m.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** Mounts a page's root component. */
export async function mount(root: () => unknown): Promise<void> {
  const { render } = await import('preact');
  const el = document.getElementById('app')!;
  el.textContent = '';
  render(html`<${root} />` as never, el);
}
