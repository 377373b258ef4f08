/**
 * Model-based tests of the reply-window policy machine: paths generated from the machine itself
 * (xstate/graph TestModel, simple paths, each extended by every event, by a customer message
 * then every event, and by every event then each timer) are executed against the real actor runtime (ActorHost +
 * LmdbStore + ManualClock). Timer steps advance the virtual clock to one millisecond before the
 * durable timer's due time, check, then to the due time. After every step, every kind of reply
 * is probed (dry run) and compared with a timestamp-based oracle; real replies must match it
 * too, and the outbound messages that left must be exactly the accepted parts.
 */
import { describe, expect, it } from 'vitest';
import type { EventObject } from 'xstate';
import { policyFor } from '../../machines/channel-policies.js';
import {
  REPLY_WINDOW_TIMERS,
  replyWindowEvents,
  replyWindowModel,
  type ModelEvent,
} from '../../machines/conversation-testkit.js';
import { keywordOf } from '../../machines/reply-policy.js';
import { replyWindowMachine } from '../../machines/reply-window.machine.js';
import type { Channel } from '../../protocol/channels.js';
import { runtime } from '../conversations/support.js';
import { ReplyOracle, type OracleRequest } from './reply-window-oracle.js';

const THINK_MS = 7 * 60_000;
const CHANNELS: Channel[] = [
  'whatsapp',
  'messenger',
  'instagram',
  'x',
  'apple',
  'sms',
  'line',
  'web',
  'open',
  'social',
  'telegram',
];

type Rt = ReturnType<typeof runtime>;

/** Every simple path, then each extended by every event once. */
function pathsOf(channel: Channel): ModelEvent[][] {
  const model = replyWindowModel(channel);
  const events = replyWindowEvents(policyFor(channel));
  const base = model
    .getSimplePaths({ allowDuplicatePaths: true } as never)
    .map((p) => p.steps.map((s) => s.event as EventObject as ModelEvent).filter((e) => e.type !== 'xstate.init'));
  const seen = new Set<string>();
  const out: ModelEvent[][] = [];
  const add = (path: ModelEvent[]) => {
    const id = path.map((x) => x.label).join('>');
    if (!seen.has(id)) {
      seen.add(id);
      out.push(path);
    }
  };
  const customer = events.find((e) => e.label === 'customer_message')!;
  const timers = events.filter((e) => e.type.startsWith('xstate.after.'));
  for (const p of base) {
    for (const e of events) {
      add([...p, e]);
      // Transitions that stay in the same state (a customer message while open) are followed
      // by every event, and every event by each timer: a timer not reset shows up.
      add([...p, customer, e]);
      for (const t of timers) add([...p, e, t]);
    }
  }
  return out;
}

const PROBES: (OracleRequest & { label: string; [k: string]: unknown })[] = [
  { label: 'free-form', kind: 'text', text: 'probe' },
  {
    label: 'two attachments',
    kind: 'media',
    media: [{ url: 'https://example.test/1' }, { url: 'https://example.test/2' }],
  },
  { label: 'template', kind: 'template', template: { name: 't', language: 'en' } },
  { label: 'human-agent tag', kind: 'text', text: 'probe', tag: 'HUMAN_AGENT' },
];

async function probeAll(rt: Rt, ref: { type: string; key: string }, oracle: ReplyOracle, where: string): Promise<void> {
  for (const p of PROBES) {
    const { label, ...req } = p;
    const expected = oracle.decide(req, rt.clock.now());
    const r = (await rt.send(ref, {
      type: 'reply.requested',
      requestId: 'probe',
      sender: { kind: 'agent', agentId: 'a1' },
      dryRun: true,
      ...req,
    })) as { ok: boolean; code?: string };
    expect({ probe: label, where, ok: r.ok, code: r.ok ? undefined : r.code }).toEqual({
      probe: label,
      where,
      ok: expected.ok,
      code: expected.ok ? undefined : expected.code,
    });
    // The invariant in plain words: a free-form message outside its window is never allowed
    // unless it is the "+1" or carries a valid human-agent tag.
    if (
      r.ok &&
      req.kind !== 'template' &&
      oracle.last !== undefined &&
      !oracle.insideWindow(rt.clock.now()) &&
      !req.tag
    ) {
      expect(expected.ok && expected.usesExtra).toBe(true);
    }
  }
}

async function runPath(rt: Rt, channel: Channel, path: ModelEvent[], n: number): Promise<void> {
  const policy = policyFor(channel);
  const ref = { type: 'reply-window', key: `${channel}:i1:path${n}` };
  const oracle = new ReplyOracle(policy);
  let sentBefore = rt.bus.outbound.length;
  const title = path.map((e) => e.label).join(' > ');
  for (const [i, e] of path.entries()) {
    const where = `${title} @${i}:${e.label}`;
    await rt.clock.advance(THINK_MS);
    let expectedSent = 0;
    if (e.type.startsWith('xstate.after.')) {
      const due = rt.host.timersOf(ref).get(e.type);
      if (due === undefined) continue; // not armed in this state: the event cannot happen
      const expectedDue =
        e.type === REPLY_WINDOW_TIMERS.freeForm ? oracle.last! + oracle.openMs : oracle.last! + oracle.graceEndMs;
      expect(due, where).toBe(expectedDue);
      await rt.clock.set(due - 1);
      await probeAll(rt, ref, oracle, `${where} (1 ms before)`);
      await rt.clock.set(due);
    } else if (e.type === 'reply.requested') {
      const req = e as unknown as OracleRequest;
      const expected = oracle.decide(req, rt.clock.now());
      const { label: _l, ...event } = e;
      const r = (await rt.send(ref, { ...event, requestId: `${e.label}-${i}` })) as { ok: boolean; code?: string };
      expect({ where, ok: r.ok, code: r.ok ? undefined : r.code }).toEqual({
        where,
        ok: expected.ok,
        code: expected.ok ? undefined : expected.code,
      });
      if (expected.ok) {
        oracle.sent(req, expected);
        expectedSent = expected.parts;
      }
    } else {
      const { label: _l, ...event } = e;
      await rt.send(ref, { ...event, messageId: `${e.label}-${i}`, at: rt.clock.now() });
      const k = keywordOf(policy, e as never);
      if (k) {
        oracle.keyword(k);
        if (policy.keywords) expectedSent = 1; // the confirmation the carrier rules require
      } else if (e.type === 'message.received')
        oracle.inbound(rt.clock.now(), !!(e as { referral?: unknown }).referral);
      else if (e.type === 'conversation.closed_by_customer') oracle.close();
      else if (e.type === 'contact.opted_in') oracle.keyword('opt_in');
    }
    await rt.settle();
    expect(rt.bus.outbound.length - sentBefore, `${where}: outbound messages`).toBe(expectedSent);
    sentBefore = rt.bus.outbound.length;
    await probeAll(rt, ref, oracle, where);
  }
}

describe('reply-window policy machine, model-based on the actor runtime', () => {
  for (const channel of CHANNELS) {
    const paths = pathsOf(channel);
    it(`${channel}: ${paths.length} generated paths keep every invariant`, async () => {
      expect(paths.length).toBeGreaterThan(0);
      const rt = runtime([
        { name: 'reply-window', machine: replyWindowMachine, input: (key: string) => ({ conversationKey: key }) },
      ]);
      try {
        for (const [n, p] of paths.entries()) await runPath(rt, channel, p, n);
      } finally {
        await rt.close();
      }
    });
  }

  it('the "+1" allows exactly one message, the sixth X reply is refused, nothing after an Apple close or while opted out', async () => {
    const labels = (ch: Channel) => pathsOf(ch).map((p) => p.map((e) => e.label).join(' > '));
    // The generated paths include these exact scenarios, so the runs above asserted them.
    expect(labels('messenger')).toContain(
      'customer_message > free_form_window_ends > free_form_reply > free_form_reply',
    );
    expect(labels('x')).toContain(
      'customer_message > free_form_reply > free_form_reply > free_form_reply > free_form_reply > free_form_reply > free_form_reply',
    );
    expect(labels('apple').some((l) => l.includes('customer_close > free_form_reply'))).toBe(true);
    expect(labels('sms').some((l) => l.includes('keyword_stop > free_form_reply'))).toBe(true);
    expect(labels('whatsapp')).toContain('customer_message > free_form_window_ends > template_reply');
  });
});
