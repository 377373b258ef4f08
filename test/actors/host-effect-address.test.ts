/** The host refuses, before committing, an event whose effects address an actor it cannot name. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { ActorHost, LmdbStore, ManualClock } from '../../actors/index.js';
import { effectActions } from '../../machines/effects.js';
import { MemoryBus } from '../support/memory-bus.js';
import { tempDir } from '../support/tmp.js';

/** Forwards `ping.requested` to the conversation its event names (possibly a bad key). */
const relay = setup({
  types: {} as { context: { sent: number }; events: { type: 'ping.requested'; to: string } },
  actions: effectActions,
}).createMachine({
  id: 'relay',
  context: { sent: 0 },
  on: {
    'ping.requested': {
      actions: [
        assign({ sent: ({ context }) => context.sent + 1 }),
        {
          type: 'actor.send',
          params: ({ event }) => ({ to: { type: 'conversation', key: event.to }, event: { type: 'ping.received' } }),
        },
      ],
    },
  },
});

describe('ActorHost effect addresses', () => {
  it('rejects an event whose effect goes to an empty or invalid key, naming the machine and the event; nothing is committed', async () => {
    const store = LmdbStore.open(join(tempDir('sb-addr-'), 'lmdb'), { noSync: true });
    const bus = new MemoryBus();
    const host = new ActorHost({ store, clock: new ManualClock(), bus }).register({ name: 'relay', machine: relay });
    host.start();
    const ref = { type: 'relay', key: 'r1' };
    expect(
      await host.deliver({ id: 'ok', to: ref, event: { type: 'ping.requested', to: 'whatsapp:wa1:u1' } }),
    ).toMatchObject({
      status: 'applied',
    });
    for (const [i, key] of ['', '   ', 'a\nb', 'x'.repeat(600)].entries()) {
      const r = await host.deliver({ id: `bad${i}`, to: ref, event: { type: 'ping.requested', to: key } });
      expect(r).toMatchObject({ status: 'rejected', code: 'effect_address_invalid' });
      expect((r as { message: string }).message).toMatch(/the relay machine, on ping\.requested, sent an event to/);
    }
    await host.drain();
    expect(host.read(ref)?.context).toEqual({ sent: 1 });
    expect(bus.messages.filter((p) => p.subject.startsWith('sb.actor.'))).toHaveLength(1);
    // A rejected id is not remembered as applied: once the machine is fixed, a redelivery applies.
    expect(store.hasSeen('bad0')).toBe(false);
    await host.stop();
    await store.close();
  });
});
