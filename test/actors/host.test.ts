import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ActorHost, LmdbStore, ManualClock } from '../../actors/index.js';
import { counterMachine } from '../../machines/counter.machine.js';
import { decode } from '../../protocol/wire.js';
import { MemoryBus } from '../support/memory-bus.js';
import { tempDir } from '../support/tmp.js';

const HOUR = 3_600_000;
const counter = { name: 'counter', machine: counterMachine };

function makeHost(path: string, clock: ManualClock, bus = new MemoryBus(), opts: { maxActive?: number } = {}) {
  const store = LmdbStore.open(path);
  const host = new ActorHost({ store, clock, bus, ...opts }).register(counter);
  host.start();
  return { host, store, bus };
}

describe('ActorHost', () => {
  const root = tempDir();

  it('applies events one at a time per actor and persists the snapshot', async () => {
    const clock = new ManualClock();
    const { host, store } = makeHost(join(root, 'a'), clock);
    const ref = { type: 'counter', key: 'k1' };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        host.deliver({ id: `e${i}`, to: ref, event: { type: 'count.incremented' } }),
      ),
    );
    expect(results.every((r) => r.status === 'applied')).toBe(true);
    expect(host.read(ref)?.context).toEqual({ count: 50, fired: 0 });
    await host.stop();
    await store.close();

    const again = makeHost(join(root, 'a'), clock);
    expect(again.host.read(ref)?.context).toEqual({ count: 50, fired: 0 });
    await again.host.stop();
    await again.store.close();
  });

  it("writes an actor's snapshot once per commit, the one after its last event there", async () => {
    const clock = new ManualClock();
    const { host, store } = makeHost(join(root, 'once'), clock);
    const writes: { key: string; events: number; snapshots: number }[] = [];
    const commit = store.commit.bind(store);
    store.commit = (ws) => {
      for (const key of new Set(ws.map((w) => w.ref.key)))
        writes.push({
          key,
          events: ws.filter((w) => w.ref.key === key).length,
          snapshots: ws.filter((w) => w.ref.key === key && w.snapshot).length,
        });
      return commit(ws);
    };
    const send = (key: string, i: number) =>
      host.deliver({ id: `${key}-${i}`, to: { type: 'counter', key }, event: { type: 'count.incremented' } });
    await Promise.all([...Array.from({ length: 20 }, (_, i) => send('x', i)), send('y', 0), send('x', 20)]);
    expect(writes.some((w) => w.events > 1)).toBe(true);
    expect(writes.every((w) => w.snapshots === 1)).toBe(true);
    await host.stop();
    await store.close();
    const again = makeHost(join(root, 'once'), clock);
    expect(again.host.read({ type: 'counter', key: 'x' })?.context.count).toBe(21);
    expect(again.host.read({ type: 'counter', key: 'y' })?.context.count).toBe(1);
    await again.host.stop();
    await again.store.close();
  });

  it('applies a redelivered event id once', async () => {
    const clock = new ManualClock();
    const { host, store, bus } = makeHost(join(root, 'b'), clock);
    const ref = { type: 'counter', key: 'k' };
    const env = { id: 'same', to: ref, event: { type: 'count.incremented' } };
    const [a, b] = await Promise.all([host.deliver(env), host.deliver(env)]);
    const c = await host.deliver(env);
    expect([a.status, b.status, c.status]).toEqual(['applied', 'duplicate', 'duplicate']);
    expect(host.read(ref)?.context.count).toBe(1);
    await host.drain();
    expect(bus.messages.map((m) => m.msgId)).toEqual(['same#0']);
    await host.stop();
    await store.close();
  });

  it('relays effects through the outbox with the effect id as dedupe id, retrying failures', async () => {
    const clock = new ManualClock();
    const bus = new MemoryBus();
    bus.failNext = 2;
    const { host, store } = makeHost(join(root, 'c'), clock, bus);
    await host.deliver({ id: 'x1', to: { type: 'counter', key: 'k' }, event: { type: 'count.incremented', by: 5 } });
    await host.drain();
    expect(bus.messages).toHaveLength(1);
    expect(bus.messages[0].subject).toBe('sb.record.counter_changed');
    expect(decode<{ count: number }>(bus.messages[0].data).count).toBe(5);
    expect(host.outboxSize).toBe(0);
    await host.stop();
    await store.close();
  });

  it('rejects an unknown actor type with a reason code', async () => {
    const clock = new ManualClock();
    const { host, store } = makeHost(join(root, 'd'), clock);
    const r = await host.deliver({ id: 'u', to: { type: 'nope', key: 'k' }, event: { type: 'x' } });
    expect(r).toMatchObject({ status: 'rejected', code: 'unknown_actor_type' });
    await host.stop();
    await store.close();
  });

  it('fires a durable timer at its due time, exactly once, and honours cancel', async () => {
    const clock = new ManualClock();
    const { host, store } = makeHost(join(root, 'e'), clock);
    const a = { type: 'counter', key: 'a' };
    const b = { type: 'counter', key: 'b' };
    await host.deliver({ id: 'r1', to: a, event: { type: 'reminder.requested', delayMs: 2 * HOUR } });
    await host.deliver({ id: 'r2', to: b, event: { type: 'reminder.requested', delayMs: HOUR } });
    await host.deliver({ id: 'r3', to: b, event: { type: 'reminder.cancelled' } });
    await clock.advance(2 * HOUR - 1);
    expect(host.read(a)?.context.fired).toBe(0);
    await clock.advance(1);
    expect(host.read(a)?.context.fired).toBe(1);
    expect(host.read(b)?.context.fired).toBe(0);
    await clock.advance(10 * HOUR);
    expect(host.read(a)?.context.fired).toBe(1);
    expect(host.timersOf(a).size).toBe(0);
    await host.stop();
    await store.close();
  });

  it('fires a timer set 72 hours ahead exactly once after a restart, in virtual time', async () => {
    const start = Date.UTC(2026, 2, 1);
    const path = join(root, 'g');
    const ref = { type: 'counter', key: 'long' };
    {
      const { host, store } = makeHost(path, new ManualClock(start));
      await host.deliver({ id: 't1', to: ref, event: { type: 'reminder.requested', delayMs: 72 * HOUR } });
      await host.stop();
      await store.close();
    }
    const clock = new ManualClock(start + HOUR);
    const { host, store } = makeHost(path, clock);
    expect(host.timersOf(ref).get('reminder')).toBe(start + 72 * HOUR);
    await clock.advance(71 * HOUR - 1);
    expect(host.read(ref)?.context.fired).toBe(0);
    await clock.advance(1);
    expect(host.read(ref)?.context.fired).toBe(1);
    await clock.advance(100 * HOUR);
    expect(host.read(ref)?.context.fired).toBe(1);
    await host.stop();
    await store.close();
  });

  it('commits the clock time with each event, so a store reopened after a crash knows the last committed now', async () => {
    const start = Date.UTC(2026, 2, 1);
    const path = join(root, 'clock');
    const clock = new ManualClock(start);
    const { host, store } = makeHost(path, clock);
    expect(store.clockTime).toBeUndefined();
    const ref = { type: 'counter', key: 'c' };
    await host.deliver({ id: 'r', to: ref, event: { type: 'reminder.requested', delayMs: HOUR } });
    await clock.advance(HOUR); // the reminder fires and commits at start + 1 h
    await clock.advance(HOUR); // nothing commits: only a saveClockTime would record this hour
    expect(host.read(ref)?.context.fired).toBe(1);
    // No graceful stop: what is on disk is what the commits wrote.
    await store.flushed();
    const reopened = LmdbStore.open(path);
    expect(reopened.clockTime).toBe(start + HOUR);
    await reopened.saveClockTime(start + 2 * HOUR);
    await reopened.saveClockTime(start); // never backwards
    await reopened.close();
    const again = LmdbStore.open(path);
    expect(again.clockTime).toBe(start + 2 * HOUR);
    await again.close();
    await host.stop();
    await store.close();
  });

  it('fires an overdue timer once, immediately, after a restart', async () => {
    const start = Date.UTC(2026, 2, 1);
    const path = join(root, 'h');
    const ref = { type: 'counter', key: 'late' };
    {
      const { host, store } = makeHost(path, new ManualClock(start));
      await host.deliver({ id: 't1', to: ref, event: { type: 'reminder.requested', delayMs: HOUR } });
      await host.stop();
      await store.close();
    }
    const clock = new ManualClock(start + 5 * HOUR);
    const { host, store } = makeHost(path, clock);
    await clock.flush();
    expect(host.read(ref)?.context.fired).toBe(1);
    await clock.advance(HOUR);
    expect(host.read(ref)?.context.fired).toBe(1);
    await host.stop();
    await store.close();
  });

  it('passivates idle actors and reactivates them with an identical snapshot', async () => {
    const clock = new ManualClock();
    const { host, store } = makeHost(join(root, 'f'), clock, new MemoryBus(), { maxActive: 10 });
    for (let i = 0; i < 100; i++) {
      await host.deliver({
        id: `p${i}`,
        to: { type: 'counter', key: `k${i % 25}` },
        event: { type: 'count.incremented', by: i },
      });
    }
    const before = host.readPersisted({ type: 'counter', key: 'k3' });
    expect(host.activeCount).toBeLessThanOrEqual(10);
    expect(host.passivateIdle(0)).toBeGreaterThan(0);
    expect(host.activeCount).toBe(0);
    expect(host.readPersisted({ type: 'counter', key: 'k3' })).toEqual(before);
    await host.deliver({
      id: 'p-last',
      to: { type: 'counter', key: 'k3' },
      event: { type: 'count.incremented', by: 1 },
    });
    expect(host.read({ type: 'counter', key: 'k3' })?.context.count).toBe(
      (before as { context: { count: number } }).context.count + 1,
    );
    await host.stop();
    await store.close();
  });
});
