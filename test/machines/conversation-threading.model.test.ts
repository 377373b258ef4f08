/**
 * Model-based tests of threading: paths generated from the conversation machine (threading
 * region), each extended by every pair of events, executed on the real actor runtime with a virtual
 * clock. Every step is checked against a timestamp oracle: which routing event went out, for
 * which interaction id, and when each durable threading timer is due. For every timer step a
 * variant path sends a customer message one millisecond before the due time (same interaction)
 * while the main path lets the timer fire (the next message opens a new interaction).
 */
import { describe, expect, it } from 'vitest';
import type { EventObject } from 'xstate';
import { THREADING_TIMERS, threadingModel, type ModelEvent } from '../../machines/conversation-testkit.js';
import { THREADING_MAX_MS, type ConversationContext } from '../../machines/conversation-threading.js';
import { conversationMachine } from '../../machines/conversation.machine.js';
import { interactionIdOf, convIdOf } from '../../machines/conversation-ids.js';
import { runtime } from '../conversations/support.js';

const HOUR = 3_600_000;
const THINK_MS = 5 * 60_000;

type Rt = ReturnType<typeof runtime>;

class ThreadingOracle {
  n = 0;
  current?: { lastActivity: number; connected: boolean; lastAgent?: string };
  constructor(readonly windowMs: number) {}
  dueOf(timer: string): number {
    const w = timer === THREADING_TIMERS.pending ? Math.max(this.windowMs, THREADING_MAX_MS) : this.windowMs;
    return this.current!.lastActivity + w;
  }
}

function pathsOf(windowMs: number): ModelEvent[][] {
  const model = threadingModel(windowMs);
  const base = model
    .getSimplePaths({ allowDuplicatePaths: true } as never)
    .map((p) => p.steps.map((s) => s.event as EventObject as ModelEvent).filter((e) => e.type !== 'xstate.init'));
  const labels = [
    'customer_message',
    'agent_connected',
    'agent_disconnected',
    'agent_wrapped_up',
    'unanswered_window_ends',
    'threading_window_ends',
  ];
  const proto = new Map<string, ModelEvent>();
  for (const p of base) for (const e of p) proto.set(e.label, e);
  proto.set('customer_message', { type: 'message.received', label: 'customer_message', kind: 'text', text: 'hello' });
  const out: ModelEvent[][] = [];
  const seen = new Set<string>();
  const ev = (l: string): ModelEvent =>
    proto.get(l) ?? {
      type:
        l === 'unanswered_window_ends'
          ? THREADING_TIMERS.pending
          : l === 'threading_window_ends'
            ? THREADING_TIMERS.waiting
            : `interaction.${l.replace('agent_', '')}`,
      label: l,
    };
  // Every simple path extended by every pair of events: a transition that stays in the same
  // state (a customer message while waiting) is followed by every other step (the timer).
  for (const p of base) {
    for (const a of labels) {
      for (const b of labels) {
        const path = [...p, ev(a), ev(b)];
        const id = path.map((x) => x.label).join('>');
        if (!seen.has(id)) {
          seen.add(id);
          out.push(path);
        }
      }
    }
  }
  return out;
}

/** Runs a path; `beforeDueAt` = index of a timer step replaced by "a customer message 1 ms before it is due". */
async function runPath(rt: Rt, windowMs: number, path: ModelEvent[], key: string, beforeDueAt?: number): Promise<void> {
  const ref = { type: 'conversation', key };
  const o = new ThreadingOracle(windowMs);
  const convId = convIdOf(key);
  // The clock is shared by all paths: keep only this conversation's routing events.
  const mine = () => rt.bus.routingEvents().filter((e) => String(e.interactionId).startsWith(`ix_${convId}_`));
  let seenRouting = mine().length;
  const title = path.map((e) => e.label).join(' > ');
  const ctx = () => rt.host.read(ref)?.context as ConversationContext | undefined;
  const message = async (where: string) => {
    const now = rt.clock.now();
    await rt.send(ref, {
      type: 'message.received',
      channel: 'web',
      integrationId: 'i1',
      channelUserId: key,
      messageId: `m${now}`,
      kind: 'text',
      text: 'hello',
      at: now,
    });
    let expected: { type: string; interactionId: string; lastAgentId?: string };
    if (!o.current) {
      o.n++;
      o.current = { lastActivity: now, connected: false };
      expected = { type: 'interaction.opened', interactionId: interactionIdOf(convId, o.n) };
    } else if (o.current.connected || !o.current.lastAgent) {
      expected = { type: 'interaction.message_received', interactionId: interactionIdOf(convId, o.n) };
      if (!o.current.connected) o.current.lastActivity = now;
    } else {
      expected = {
        type: 'interaction.customer_returned',
        interactionId: interactionIdOf(convId, o.n),
        lastAgentId: o.current.lastAgent,
      };
      o.current.lastActivity = now;
    }
    await rt.settle();
    const out = mine().slice(seenRouting);
    seenRouting += out.length;
    expect(
      out.map((e) => ({
        type: e.type,
        interactionId: e.interactionId,
        ...(e.lastAgentId ? { lastAgentId: e.lastAgentId } : {}),
      })),
      where,
    ).toEqual([expected]);
  };
  const where0 = (i: number) => `${title} @${i}`;
  for (const [i, e] of path.entries()) {
    const where = `${title} @${i}:${e.label}${beforeDueAt !== undefined ? ' (1 ms before variant)' : ''}`;
    await rt.clock.advance(THINK_MS);
    if (o.current && !o.current.connected) {
      // A window shorter than the pause between steps (0 h) ends on its own.
      const due = o.dueOf(o.current.lastAgent ? THREADING_TIMERS.waiting : THREADING_TIMERS.pending);
      if (due <= rt.clock.now()) {
        await rt.settle();
        const out = mine().slice(seenRouting);
        seenRouting += out.length;
        expect(
          out.map((x) => x.type),
          `${where0(i)}: expired during the pause`,
        ).toEqual(['interaction.expired']);
        o.current = undefined;
      }
    }
    const cur = ctx()?.current;
    if (e.type === 'message.received') {
      await message(where);
      continue;
    }
    if (e.type.startsWith('xstate.after.')) {
      const due = rt.host.timersOf(ref).get(e.type);
      if (due === undefined) continue;
      expect(due, where).toBe(o.dueOf(e.type));
      if (beforeDueAt === i) {
        await rt.clock.set(due - 1);
        await message(`${where}: a message 1 ms before the window ends continues the interaction`);
        return;
      }
      await rt.clock.set(due);
      await rt.settle();
      const out = mine().slice(seenRouting);
      seenRouting += out.length;
      expect(
        out.map((x) => x.type),
        where,
      ).toEqual(['interaction.expired']);
      o.current = undefined;
      expect(ctx()?.current, where).toBeUndefined();
      continue;
    }
    // Routing events, addressed to the live interaction.
    await rt.send(ref, { type: e.type, interactionId: cur?.interactionId ?? 'none', agentId: 'a1', code: 'resolved' });
    if (!o.current) continue;
    if (e.type === 'interaction.connected') o.current.connected = true;
    else if (o.current.connected || (e.type === 'interaction.wrapped_up' && o.current.lastAgent)) {
      o.current.connected = false;
      o.current.lastAgent = 'a1';
      o.current.lastActivity = rt.clock.now();
    }
  }
}

describe('threading, model-based on the actor runtime', () => {
  for (const windowMs of [2 * HOUR, 72 * HOUR, 0]) {
    const paths = pathsOf(windowMs);
    it(`window ${windowMs / HOUR} h: ${paths.length} generated paths, each timer also cut 1 ms before it is due`, async () => {
      const rt = runtime([
        {
          name: 'conversation',
          machine: conversationMachine,
          input: (key: string) => ({ conversationKey: key, threadingWindowMs: windowMs }),
        },
      ]);
      try {
        let n = 0;
        for (const p of paths) {
          await runPath(rt, windowMs, p, `web:i1:p${n++}`);
          for (const [i, e] of p.entries()) {
            if (e.type.startsWith('xstate.after.')) await runPath(rt, windowMs, p, `web:i1:p${n++}`, i);
          }
        }
        expect(n).toBeGreaterThan(paths.length);
      } finally {
        await rt.close();
      }
    });
  }
});
