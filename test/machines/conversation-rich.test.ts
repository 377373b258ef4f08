/** Rich messages through the conversation actor: reply-window policy, content filters, history, degraded status, the customer's postback. */
import { describe, expect, it } from 'vitest';
import { conversationActorTypes, parseConversationConfig } from '../../engine/config/conversation.js';
import type { HistoryEntry } from '../../machines/history.machine.js';
import type { RichMessage } from '../../protocol/rich.js';
import { runtime } from '../conversations/support.js';

const HOUR = 3_600_000;
const rich: RichMessage = {
  type: 'quick_replies',
  text: 'How can we help?',
  replies: [
    { title: 'Billing', payload: 'BILLING' },
    { title: 'Delivery', payload: 'DELIVERY' },
  ],
};

describe('rich messages in a conversation', () => {
  it('go out through the reply window, are in history, and the postback answer is routed like a message', async () => {
    const rt = runtime(conversationActorTypes(parseConversationConfig(undefined)));
    const key = 'whatsapp:wa1:+15550001111';
    const ref = { type: 'conversation', key };
    const base = { channel: 'whatsapp', integrationId: 'wa1', channelUserId: '+15550001111' };
    await rt.send(ref, {
      type: 'message.received',
      ...base,
      messageId: 'w1',
      kind: 'text',
      text: 'hi',
      at: rt.clock.now(),
    });
    const ok = (await rt.send(ref, {
      type: 'reply.requested',
      requestId: 'r1',
      sender: { kind: 'agent', agentId: 'a1' },
      kind: 'rich',
      rich,
      at: rt.clock.now(),
    })) as { ok: boolean; data: { messageIds: string[] } };
    expect(ok.ok).toBe(true);
    await rt.settle();
    expect(rt.bus.outbound.at(-1)).toMatchObject({ kind: 'rich', rich });
    const id = ok.data.messageIds[0]!;
    await rt.send(ref, {
      type: 'delivery.updated',
      messageId: id,
      status: 'sent',
      degraded: { to: 'numbered_text', reason: 'test' },
      at: rt.clock.now(),
    });
    await rt.send(ref, {
      type: 'message.received',
      ...base,
      messageId: 'w2',
      kind: 'postback',
      postback: { payload: 'BILLING', title: 'Billing' },
      text: 'Billing',
      at: rt.clock.now(),
    });
    await rt.settle();
    const entries = Object.values(
      (rt.host.read({ type: 'history', key: `${key}|0` })!.context as { entries: Record<number, HistoryEntry> })
        .entries,
    ).sort((a, b) => a.seq - b.seq);
    const out = entries.find((e) => e.messageId === id)!;
    expect(out).toMatchObject({ kind: 'rich', rich, text: 'How can we help?', degraded: { to: 'numbered_text' } });
    expect(entries.at(-1)).toMatchObject({
      direction: 'inbound',
      kind: 'postback',
      detail: { postback: { payload: 'BILLING' } },
    });
    expect(rt.bus.routingEvents().some((e) => e.type === 'interaction.message_received')).toBe(true);

    // Past the 24 h window a rich message is free-form: refused, a template is required.
    await rt.clock.advance(25 * HOUR);
    await rt.settle();
    const late = (await rt.send(ref, {
      type: 'reply.requested',
      requestId: 'r2',
      sender: { kind: 'agent', agentId: 'a1' },
      kind: 'rich',
      rich,
      at: rt.clock.now(),
    })) as { ok: boolean; code: string };
    expect(late).toMatchObject({ ok: false, code: 'template_required' });
    await rt.close();
  });

  it('content filters cover every label', async () => {
    const rt = runtime(
      conversationActorTypes(
        parseConversationConfig({ contentFilters: [{ name: 'swear', words: ['darn'], action: 'refuse' }] }),
      ),
    );
    const key = 'web:w1:s1';
    const ref = { type: 'conversation', key };
    await rt.send(ref, {
      type: 'message.received',
      channel: 'web',
      integrationId: 'w1',
      channelUserId: 's1',
      messageId: 'm1',
      kind: 'text',
      text: 'hi',
      at: rt.clock.now(),
    });
    const r = (await rt.send(ref, {
      type: 'reply.requested',
      requestId: 'r1',
      sender: { kind: 'agent', agentId: 'a1' },
      kind: 'rich',
      rich: { ...rich, replies: [{ title: 'darn it', payload: 'X' }] },
      at: rt.clock.now(),
    })) as { ok: boolean; code: string };
    expect(r).toMatchObject({ ok: false, code: 'content_filtered' });
    await rt.close();
  });
});
