import { describe, expect, it } from 'vitest';
import { listingOrder } from '../../engine/history-read.js';
import type { HistoryEntry } from '../../machines/history.machine.js';

const entry = (seq: number, at: number, direction: HistoryEntry['direction'], interactionId?: string, text?: string) =>
  ({ seq, messageId: `c.${seq}`, at, direction, kind: 'text', interactionId, text }) as HistoryEntry;

describe('listingOrder', () => {
  it('orders customer messages within an interaction by platform time; everything else keeps its place', () => {
    const stored = [
      entry(0, 500, 'event', 'i1'), // interaction.opened, stamped with the opening message's time
      entry(1, 500, 'inbound', 'i1', 'B'),
      entry(2, 900, 'outbound', 'i1', 'reply'), // the engine's clock: never compared with the platform's
      entry(3, 100, 'inbound', 'i1', 'A'), // sent first, arrived last
      entry(4, 500, 'inbound', 'i1', 'B2'), // ties with B: arrival order
      entry(5, 950, 'event', 'i1'),
      entry(6, 50, 'inbound', 'i2', 'late for i1, but threaded into i2'),
      entry(7, 60, 'inbound', undefined, 'STOP'),
    ];
    expect(listingOrder(stored).map((e) => e.text ?? `#${e.seq}`)).toEqual([
      '#0',
      'A',
      'reply',
      'B',
      'B2',
      '#5',
      'late for i1, but threaded into i2',
      'STOP',
    ]);
  });
});
