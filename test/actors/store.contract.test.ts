/**
 * One contract for every ActorStore (as hono runs one router suite against every router): the LMDB store the engine
 * uses and the memory store the simulator uses must behave the same, including through the real ActorHost.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActorHost, LmdbStore, ManualClock, MemoryStore, type ActorStore } from '../../actors/index.js';
import type { EventWrite } from '../../actors/lmdb-store.js';
import { counterMachine } from '../../machines/counter.machine.js';
import { MemoryBus } from '../support/memory-bus.js';
import { tempDir } from '../support/tmp.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

function write(key: string, eventId: string, at: number, over: Partial<EventWrite> = {}): EventWrite {
  return {
    ref: { type: 'counter', key },
    eventId,
    at,
    snapshot: bytes(`${key}@${eventId}`),
    timerSets: [],
    timerDeletes: [],
    outbox: [],
    ...over,
  };
}

const stores: [string, () => ActorStore][] = [
  ['LmdbStore', () => LmdbStore.open(join(tempDir('sb-store-'), 'lmdb'), { noSync: true })],
  ['MemoryStore', () => new MemoryStore()],
];

describe.each(stores)('%s keeps the ActorStore contract', (_name, make) => {
  it('commits snapshots, timers, outbox rows and event ids together; loads an actor back', async () => {
    const s = make();
    await s.commit([
      write('a', 'e1', 10, {
        timerSets: [
          { id: 't1', dueAt: 500, event: bytes('x') },
          { id: 't2', dueAt: 200, event: bytes('y') },
        ],
        outbox: [{ id: 'o1', subject: 'sb.x', data: bytes('1') }],
      }),
      write('b', 'e2', 11, { outbox: [{ id: 'o2', subject: 'sb.y', data: bytes('2') }] }),
    ]);
    const a = s.loadActor({ type: 'counter', key: 'a' });
    expect(text(a.snapshot)).toBe('a@e1');
    expect([...a.timers].sort()).toEqual([
      ['t1', 500],
      ['t2', 200],
    ]);
    expect(s.loadActor({ type: 'counter', key: 'nobody' })).toEqual({ snapshot: undefined, timers: new Map() });
    expect([s.hasSeen('e1'), s.hasSeen('e2'), s.hasSeen('e3')]).toEqual([true, true, false]);
    expect(s.outboxSize).toBe(2);
    expect([...s.actorKeys('counter')]).toEqual(['a', 'b']);
    await s.close();
  });

  it('orders timers by due time, then actor and id; deletes and re-sets them', async () => {
    const s = make();
    await s.commit([
      write('b', 'e1', 1, { timerSets: [{ id: 'z', dueAt: 300, event: bytes('b.z') }] }),
      write('a', 'e2', 1, {
        timerSets: [
          { id: 'y', dueAt: 300, event: bytes('a.y') },
          { id: 'x', dueAt: 100, event: bytes('a.x') },
        ],
      }),
    ]);
    expect(s.earliestTimer()).toBe(100);
    expect(s.dueTimers(300, 10).map((t) => [t.dueAt, t.ref.key, t.id, text(t.event)])).toEqual([
      [100, 'a', 'x', 'a.x'],
      [300, 'a', 'y', 'a.y'],
      [300, 'b', 'z', 'b.z'],
    ]);
    expect(s.dueTimers(299, 10)).toHaveLength(1);
    expect(s.dueTimers(300, 2)).toHaveLength(2);
    await s.commit([
      write('a', 'e3', 2, {
        timerDeletes: [{ id: 'x', dueAt: 100 }],
        timerSets: [{ id: 'y', dueAt: 300, event: bytes('a.y2') }],
      }),
    ]);
    expect(s.earliestTimer()).toBe(300);
    expect(s.dueTimers(1_000, 10).map((t) => text(t.event))).toEqual(['a.y2', 'b.z']);
    expect([...s.loadActor({ type: 'counter', key: 'a' }).timers]).toEqual([['y', 300]]);
    await s.commit([write('a', 'e4', 3, { timerDeletes: [{ id: 'y', dueAt: 300 }] })]);
    expect(s.loadActor({ type: 'counter', key: 'a' }).timers.size).toBe(0);
    await s.close();
  });

  it('keeps the outbox in commit order, pages it, and forgets relayed rows', async () => {
    const s = make();
    for (let i = 1; i <= 5; i++)
      await s.commit([write('a', `e${i}`, i, { outbox: [{ id: `o${i}`, subject: 'sb.s', data: bytes(String(i)) }] })]);
    const first = s.outboxBatch(3);
    expect(first.map((r) => r.id)).toEqual(['o1', 'o2', 'o3']);
    expect(s.outboxBatch(10, first[2].seq + 1).map((r) => r.id)).toEqual(['o4', 'o5']);
    await s.deleteOutbox(first.map((r) => r.seq));
    expect(s.outboxSize).toBe(2);
    expect(s.outboxBatch(10).map((r) => [r.id, r.subject, text(r.data)])).toEqual([
      ['o4', 'sb.s', '4'],
      ['o5', 'sb.s', '5'],
    ]);
    await s.close();
  });

  it('prunes applied event ids older than a time, oldest first, up to a limit', async () => {
    const s = make();
    await s.commit([write('a', 'old1', 10), write('a', 'old2', 20), write('a', 'new', 100)]);
    expect(await s.pruneSeen(50, 1)).toBe(1);
    expect([s.hasSeen('old1'), s.hasSeen('old2')]).toEqual([false, true]);
    expect(await s.pruneSeen(50)).toBe(1);
    expect([s.hasSeen('old2'), s.hasSeen('new')]).toEqual([false, true]);
    await s.close();
  });

  it('hosts actors through the real ActorHost: timers fire once, duplicates are dropped, effects relayed', async () => {
    const store = make();
    const clock = new ManualClock(0);
    const bus = new MemoryBus();
    const host = new ActorHost({ store, clock, bus });
    host.register({ name: 'counter', machine: counterMachine });
    host.start();
    const ref = { type: 'counter', key: 'c1' };
    const inc = { type: 'count.incremented' };
    expect((await host.deliver({ id: 'i1', to: ref, event: inc })).status).toBe('applied');
    expect((await host.deliver({ id: 'i1', to: ref, event: inc })).status).toBe('duplicate');
    await host.deliver({ id: 'r1', to: ref, event: { type: 'reminder.requested', delayMs: 1_000 } });
    expect(store.earliestTimer()).toBe(1_000);
    await clock.advance(999);
    await host.drain();
    expect(host.read(ref)?.context).toMatchObject({ count: 1, fired: 0 });
    await clock.advance(1);
    await host.drain();
    await clock.advance(10_000);
    await host.drain();
    expect(host.read(ref)?.context).toMatchObject({ count: 1, fired: 1 });
    expect(store.earliestTimer()).toBeUndefined();
    expect(bus.messages.map((m) => m.subject)).toEqual(['sb.record.counter_changed', 'sb.live.counter.reminder']);
    expect(store.outboxSize).toBe(0);
    await host.stop();
    await store.close();
  });
});
