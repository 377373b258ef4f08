/**
 * One page of a conversation's history (HISTORY_PAGE_SIZE entries), as a durable actor keyed
 * `<conversationKey>|<page>`. Pages keep snapshots bounded: the conversation actor itself keeps
 * only counters. Entries are slotted by sequence number, so redelivered or reordered appends
 * land once and in order; status updates only move forward (pending → sent → delivered → read,
 * or failed with the provider's reason).
 */
import { assign, setup } from 'xstate';
import type { MediaItem } from '../protocol/channels.js';
import type { RichMessage } from '../protocol/rich.js';
import { effectActions } from './effects.js';

/** Delivery status of an outbound message. */
export type DeliveryStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

/** One entry of a conversation's history: a message either way, or an interaction marker. */
export interface HistoryEntry {
  readonly seq: number;
  /** Switchboard's message id (`<convId>.<seq>`): also the outbound message id. */
  readonly messageId: string;
  readonly at: number;
  readonly interactionId?: string;
  readonly direction: 'inbound' | 'outbound' | 'event';
  /** Message kind (text, media, template, …) or, for events, what happened (interaction.opened …). */
  readonly kind: string;
  readonly text?: string;
  readonly media?: readonly MediaItem[];
  readonly template?: { readonly name: string; readonly language: string; readonly params?: readonly string[] };
  /** An outbound rich message as the agent sent it (`text` holds its summary). */
  readonly rich?: RichMessage;
  /** It went out degraded (numbered text), as the integration's `richFallback` allows. */
  readonly degraded?: { readonly to: string; readonly reason: string };
  readonly platformMessageId?: string;
  readonly sender?: Readonly<Record<string, string>>;
  readonly tag?: string;
  readonly status?: DeliveryStatus;
  readonly statusAt?: number;
  readonly failure?: { readonly code: string; readonly message: string; readonly providerCode?: string };
  readonly deleted?: boolean;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** One page of entries. */
export interface HistoryContext {
  /** Entries by slot (seq mod page size). */
  entries: Record<number, HistoryEntry>;
}

/** Appends, status updates and unsends, sent by the conversation actor. */
export type HistoryEvent =
  | { type: 'history.appended'; entry: HistoryEntry; at?: number }
  | {
      type: 'history.status_updated';
      seq: number;
      status: DeliveryStatus;
      providerMessageId?: string;
      reason?: HistoryEntry['failure'];
      degraded?: HistoryEntry['degraded'];
      at: number;
    }
  | { type: 'history.unsent'; seq: number; at: number };

const RANK: Record<DeliveryStatus, number> = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

/** The history page machine. */
export const historyMachine = setup({
  types: {} as { context: HistoryContext; events: HistoryEvent },
  actions: { ...effectActions },
}).createMachine({
  id: 'history',
  context: { entries: {} },
  on: {
    'history.appended': {
      actions: assign({
        entries: ({ context, event }) => {
          const old = context.entries[event.entry.seq];
          // A status update may have arrived first (a separate path through NATS): keep it.
          return { ...context.entries, [event.entry.seq]: old ? { ...event.entry, ...pick(old) } : event.entry };
        },
      }),
    },
    'history.status_updated': {
      actions: assign({
        entries: ({ context, event }) => {
          const old = context.entries[event.seq] ?? ({ seq: event.seq } as HistoryEntry);
          if (old.status && RANK[old.status] >= RANK[event.status]) return context.entries;
          return {
            ...context.entries,
            [event.seq]: {
              ...old,
              status: event.status,
              statusAt: event.at,
              ...(event.providerMessageId ? { platformMessageId: event.providerMessageId } : {}),
              ...(event.reason ? { failure: event.reason } : {}),
              ...(event.degraded ? { degraded: event.degraded } : {}),
            },
          };
        },
      }),
    },
    'history.unsent': {
      actions: assign({
        entries: ({ context, event }) => {
          const old = context.entries[event.seq];
          if (!old) return context.entries;
          // The customer took it back: keep the slot (order, ids) but drop the content.
          const { text: _t, media: _m, ...rest } = old;
          return { ...context.entries, [event.seq]: { ...rest, deleted: true, statusAt: event.at } };
        },
      }),
    },
  },
});

function pick(e: HistoryEntry): Partial<HistoryEntry> {
  const out: Partial<Record<keyof HistoryEntry, unknown>> = {};
  for (const k of ['status', 'statusAt', 'failure', 'degraded', 'platformMessageId', 'deleted'] as const)
    if (e[k] !== undefined) out[k] = e[k];
  return out as Partial<HistoryEntry>;
}

/** The history page machine's type. */
export type HistoryMachine = typeof historyMachine;
