import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../actors/index.js';

/**
 * A toy world on a ManualClock: a 60 s timer sends a "cancel" that takes a few event-loop turns
 * to arrive (as a message through NATS does) and cancels a 61 s timer. Causal time must let the
 * cancel land first, however the 61 s are advanced.
 */
function world(causal: boolean) {
  const clock = new ManualClock(0);
  const log: string[] = [];
  let inFlight = 0;
  const hop = (): Promise<void> => new Promise((r) => setImmediate(r));
  const alert = clock.setTimer(61_000, () => {
    log.push(`alerting timeout at ${clock.now()}`);
  });
  clock.setTimer(60_000, () => {
    log.push(`affinity timeout at ${clock.now()}`);
    inFlight++;
    // Fire and forget, like an outbox row relayed after the commit.
    void hop()
      .then(hop)
      .then(hop)
      .then(() => {
        clock.clearTimer(alert);
        log.push(`rescinded at ${clock.now()}`);
        // What the rescind causes is itself timed: a new offer, alerting 60 s later.
        clock.setTimer(clock.now() + 60_000, () => {
          log.push(`second alerting timeout at ${clock.now()}`);
        });
        inFlight--;
      });
  });
  if (causal)
    clock.settleWith(async () => {
      while (inFlight > 0) await hop();
    });
  return { clock, log };
}

describe('ManualClock', () => {
  it('fires timers in due order with now at each due time', async () => {
    const clock = new ManualClock(1_000);
    const seen: [string, number][] = [];
    clock.setTimer(3_000, () => void seen.push(['c', clock.now()]));
    clock.setTimer(2_000, () => void seen.push(['b', clock.now()]));
    clock.setTimer(2_000, () => void seen.push(['b2', clock.now()]));
    await clock.advance(5_000);
    expect(seen).toEqual([
      ['b', 2_000],
      ['b2', 2_000],
      ['c', 3_000],
    ]);
    expect(clock.now()).toBe(6_000);
  });

  it('without a settle function, a long advance fires the 61 s timer before the 60 s one’s message lands', async () => {
    const { clock, log } = world(false);
    await clock.advance(61_000);
    expect(log).toEqual(['affinity timeout at 60000', 'alerting timeout at 61000']);
  });

  it('with one, advance(61 s) ≡ advance(60 s) + advance(1 s) ≡ many small steps', async () => {
    const expected = ['affinity timeout at 60000', 'rescinded at 60000'];
    const once = world(true);
    await once.clock.advance(61_000);
    const twice = world(true);
    await twice.clock.advance(60_000);
    await twice.clock.advance(1_000);
    const steps = world(true);
    for (let i = 0; i < 61; i++) await steps.clock.advance(1_000);
    for (const w of [once, twice, steps]) {
      expect(w.log).toEqual(expected);
      expect(w.clock.now()).toBe(61_000);
      expect(w.clock.nextDue).toBe(120_000);
    }
    // A timer set by a consequence fires within the same advance when it falls due in it.
    await once.clock.advance(59_000);
    expect(once.log.at(-1)).toBe('second alerting timeout at 120000');
  });

  it('restores a committed now without firing, and never moves backwards', () => {
    const clock = new ManualClock(1_000);
    clock.restore(5_000);
    expect(clock.now()).toBe(5_000);
    clock.restore(2_000);
    expect(clock.now()).toBe(5_000);
    clock.setTimer(6_000, () => undefined);
    expect(() => clock.restore(7_000)).toThrow(/skip due timers/);
  });
});
