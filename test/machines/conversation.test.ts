/** The conversation actor on the runtime: bursts, affinity after wrap-up, history, delivery, unsend, contacts, limits. */
import { describe, expect, it } from 'vitest';
import { conversationActorTypes, parseConversationConfig } from '../../engine/config/conversation.js';
import { measure, smsSegments } from '../../machines/channel-policies.js';
import type { ConversationContext } from '../../machines/conversation-threading.js';
import type { HistoryEntry } from '../../machines/history.machine.js';
import { runtime } from '../conversations/support.js';

const HOUR = 3_600_000;

function setup(config?: unknown) {
  const rt = runtime(conversationActorTypes(parseConversationConfig(config)));
  const msg = (key: string, id: string, extra: Record<string, unknown> = {}) => {
    const [channel, integrationId, ...user] = key.split(':');
    return {
      type: 'message.received',
      channel,
      integrationId,
      channelUserId: user.join(':'),
      messageId: id,
      kind: 'text',
      text: `text ${id}`,
      at: rt.clock.now(),
      ...extra,
    };
  };
  const reply = (body: Record<string, unknown>) => ({
    type: 'reply.requested',
    requestId: `r${Math.random()}`,
    sender: { kind: 'agent', agentId: 'a1' },
    kind: 'text',
    ...body,
  });
  const ctx = (key: string) => rt.host.read({ type: 'conversation', key })!.context as ConversationContext;
  const page = (key: string, n = 0) =>
    Object.values(
      (rt.host.read({ type: 'history', key: `${key}|${n}` })!.context as { entries: Record<number, HistoryEntry> })
        .entries,
    ).sort((a, b) => a.seq - b.seq);
  return { rt, msg, reply, ctx, page };
}

describe('conversation actor', () => {
  it('a burst of simultaneous first messages creates one conversation and one interaction', async () => {
    const { rt, msg, ctx, page } = setup();
    const key = 'whatsapp:wa1:+15550001111';
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        rt.host.deliver({ id: `burst-${i}`, to: { type: 'conversation', key }, event: msg(key, `b${i}`) }),
      ),
    );
    expect(results.every((r) => r.status === 'applied')).toBe(true);
    await rt.settle();
    expect(rt.bus.routingEvents().filter((e) => e.type === 'interaction.opened')).toHaveLength(1);
    expect(rt.bus.routingEvents().filter((e) => e.type === 'interaction.message_received')).toHaveLength(24);
    expect(ctx(key).interactions).toBe(1);
    expect(page(key).filter((e) => e.direction === 'inbound')).toHaveLength(25);
    await rt.close();
  });

  it('a wrapped-up interaction stays threaded: the next message goes back to the last agent; after the window a new one opens', async () => {
    const { rt, msg, ctx } = setup({ threading: { channels: { web: 4 } } });
    const key = 'web:site:visitor-1';
    const ref = { type: 'conversation', key };
    await rt.send(ref, msg(key, 'm1'));
    const first = ctx(key).current!.interactionId;
    await rt.send(ref, { type: 'interaction.connected', interactionId: first, agentId: 'agent-1' });
    await rt.send(ref, { type: 'interaction.wrapped_up', interactionId: first, agentId: 'agent-1', code: 'resolved' });
    await rt.clock.advance(4 * HOUR - 1);
    await rt.send(ref, msg(key, 'm2'));
    await rt.settle();
    expect(rt.bus.routingEvents().at(-1)).toMatchObject({
      type: 'interaction.customer_returned',
      interactionId: first,
      lastAgentId: 'agent-1',
    });
    await rt.clock.advance(4 * HOUR);
    await rt.send(ref, msg(key, 'm3'));
    await rt.settle();
    const types = rt.bus.routingEvents().map((e) => e.type);
    expect(types.slice(-2)).toEqual(['interaction.expired', 'interaction.opened']);
    expect(ctx(key).current!.interactionId).not.toBe(first);
    await rt.close();
  });

  it('history records every message with direction, kind and delivery status; statuses only move forward', async () => {
    const { rt, msg, reply, page } = setup();
    const key = 'messenger:page1:psid-9';
    const ref = { type: 'conversation', key };
    await rt.send(ref, msg(key, 'mid.1'));
    const r = (await rt.send(
      ref,
      reply({
        kind: 'media',
        text: 'two files',
        media: [{ url: 'https://example.test/a.pdf' }, { url: 'https://example.test/b.pdf' }],
      }),
    )) as { ok: boolean; data: { messageIds: string[] } };
    expect(r.ok).toBe(true);
    expect(r.data.messageIds).toHaveLength(3); // text + one message per attachment
    const [a, b, c] = r.data.messageIds;
    await rt.send(ref, { type: 'delivery.updated', messageId: a, status: 'read', at: rt.clock.now() });
    await rt.send(ref, { type: 'delivery.updated', messageId: a, status: 'delivered', at: rt.clock.now() });
    await rt.send(ref, {
      type: 'delivery.updated',
      messageId: b,
      status: 'failed',
      reason: { code: 'provider_rejected', message: 'user unreachable', providerCode: '551' },
      at: rt.clock.now(),
    });
    await rt.settle();
    const entries = page(key);
    expect(entries.map((e) => [e.direction, e.kind])).toEqual([
      ['event', 'interaction.opened'],
      ['inbound', 'text'],
      ['outbound', 'text'],
      ['outbound', 'media'],
      ['outbound', 'media'],
    ]);
    expect(entries.find((e) => e.messageId === a)?.status).toBe('read');
    expect(entries.find((e) => e.messageId === b)).toMatchObject({
      status: 'failed',
      failure: { code: 'provider_rejected', providerCode: '551' },
    });
    expect(entries.find((e) => e.messageId === c)?.status).toBe('pending');
    expect(rt.bus.outbound.map((o) => o.kind)).toEqual(['text', 'media', 'media']);
    await rt.close();
  });

  it('Instagram: unsend deletes the message content from history; length counts UTF-8 bytes', async () => {
    const { rt, msg, reply, page } = setup();
    const key = 'instagram:ig1:igsid-1';
    const ref = { type: 'conversation', key };
    await rt.send(ref, msg(key, 'ig.1', { text: 'oops, my card number' }));
    await rt.send(ref, {
      type: 'message.unsent',
      channel: 'instagram',
      integrationId: 'ig1',
      channelUserId: 'igsid-1',
      messageId: 'u1',
      unsentMessageId: 'ig.1',
      at: rt.clock.now(),
    });
    await rt.settle();
    const inbound = page(key).find((e) => e.platformMessageId === 'ig.1')!;
    expect(inbound.deleted).toBe(true);
    expect(inbound.text).toBeUndefined();
    const emoji = '😀'.repeat(251); // 251 characters, 1004 bytes
    expect(await rt.send(ref, reply({ text: emoji }))).toMatchObject({ ok: false, code: 'message_too_long' });
    expect(await rt.send(ref, reply({ text: '😀'.repeat(250) }))).toMatchObject({ ok: true });
    await rt.close();
  });

  it('SMS counts GSM-7 and UCS-2 segments; STOP ends the interaction and only the confirmation goes out', async () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('a'.repeat(161)).segments).toBe(2);
    expect(smsSegments('{'.repeat(80))).toMatchObject({ units: 160, segments: 1 });
    expect(smsSegments('é'.repeat(161)).encoding).toBe('GSM-7');
    expect(smsSegments('ł'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsSegments('ł'.repeat(71)).segments).toBe(2);
    expect(measure({ unit: 'sms_segments', max: 2 }, 'ł'.repeat(135)).ok).toBe(false);

    const { rt, msg, reply, ctx } = setup();
    const key = 'sms:+15557654321:+15551230000';
    const ref = { type: 'conversation', key };
    await rt.send(ref, msg(key, 'sm1'));
    expect(await rt.send(ref, reply({ text: 'x'.repeat(153 * 10 + 1) }))).toMatchObject({
      ok: false,
      code: 'message_too_long',
    });
    await rt.send(ref, msg(key, 'sm2', { text: ' Unsubscribe ' }));
    await rt.settle();
    expect(rt.bus.routingEvents().at(-1)).toMatchObject({ type: 'interaction.customer_left', reason: 'opted_out' });
    expect(rt.bus.outbound.at(-1)?.text).toMatch(/unsubscribed/);
    expect(await rt.send(ref, reply({ text: 'are you there?' }))).toMatchObject({ ok: false, code: 'opted_out' });
    await rt.send(ref, msg(key, 'sm3', { text: 'start' }));
    expect(ctx(key).window.optedOut).toBe(false);
    expect(await rt.send(ref, reply({ text: 'welcome back' }))).toMatchObject({ ok: true });
    await rt.close();
  });

  it('content filters refuse or mask outbound text', async () => {
    const { rt, msg, reply } = setup({
      contentFilters: [
        { name: 'card numbers', pattern: '\\b\\d{4}( ?\\d{4}){3}\\b' },
        { name: 'rude', words: ['darn'], action: 'mask' },
      ],
    });
    const key = 'web:site:v2';
    const ref = { type: 'conversation', key };
    await rt.send(ref, msg(key, 'w1'));
    expect(await rt.send(ref, reply({ text: 'your card 4111 1111 1111 1111' }))).toMatchObject({
      ok: false,
      code: 'content_filtered',
    });
    expect(await rt.send(ref, reply({ text: 'Darn printer' }))).toMatchObject({ ok: true });
    await rt.settle();
    expect(rt.bus.outbound.at(-1)?.text).toBe('**** printer');
    await rt.close();
  });

  it('contacts: created on first contact; a verified phone links WhatsApp and SMS to one contact', async () => {
    const { rt, msg, ctx } = setup();
    const wa = 'whatsapp:wa1:+15559990000';
    const sms = 'sms:+15550000001:+1 (555) 999-0000';
    await rt.send({ type: 'conversation', key: wa }, msg(wa, 'a'));
    await rt.settle();
    await rt.send({ type: 'conversation', key: sms }, msg(sms, 'b'));
    await rt.settle();
    const owner = ctx(wa).contactId!;
    expect(ctx(sms).contactId).toBe(owner);
    const contact = rt.host.read({ type: 'contact', key: owner })!.context as {
      identities: { conversationKey: string }[];
      verified: unknown[];
    };
    expect(contact.identities.map((i) => i.conversationKey).sort()).toEqual([sms, wa].sort());
    expect(contact.verified).toEqual([{ kind: 'phone', value: '+15559990000' }]);
    await rt.close();
  });

  it('config errors name the bad field', () => {
    expect(() => parseConversationConfig({ threading: { channels: { web: 80 } } })).toThrow(/threading\.channels\.web/);
    expect(() => parseConversationConfig({ policies: { messenger: { extraMessagesAfterWindow: -1 } } })).toThrow(
      /policies\.messenger\.extraMessagesAfterWindow/,
    );
    expect(() => parseConversationConfig({ contentFilters: [{ name: 'x', pattern: '(' }] })).toThrow(
      /contentFilters\.0\.pattern/,
    );
  });

  it('a policy change is a config change: Messenger without "+1"', async () => {
    const { rt, msg, reply } = setup({ policies: { messenger: { extraMessagesAfterWindow: 0 } } });
    const key = 'messenger:p:u';
    const ref = { type: 'conversation', key };
    await rt.send(ref, msg(key, 'm'));
    await rt.clock.advance(24 * HOUR);
    expect(await rt.send(ref, reply({ text: 'late' }))).toMatchObject({ ok: false, code: 'reply_window_closed' });
    expect(await rt.send(ref, reply({ text: 'tagged', tag: 'HUMAN_AGENT' }))).toMatchObject({ ok: true });
    await rt.clock.advance(6 * 24 * HOUR);
    expect(await rt.send(ref, reply({ text: 'tagged', tag: 'HUMAN_AGENT' }))).toMatchObject({
      ok: false,
      code: 'reply_window_closed',
    });
    await rt.close();
  });

  it('LINE replies use the short-lived reply token once, then push; public posts reply publicly or move to one private reply', async () => {
    const { rt, msg, reply } = setup();
    const line = 'line:ch1:U123';
    const ref = { type: 'conversation', key: line };
    // The token travels with the event; LINE's message id is not a token.
    await rt.send(ref, msg(line, '468789577898262530', { replyToken: 'reply-token-1' }));
    await rt.send(ref, reply({ text: 'first' }));
    await rt.send(ref, reply({ text: 'second' }));
    await rt.send(ref, msg(line, '468789577898262531', { replyToken: 'reply-token-2' }));
    await rt.clock.advance(60_000);
    await rt.send(ref, reply({ text: 'too late for the token' }));
    await rt.send(ref, msg(line, '468789577898262532')); // a redelivery: its token is not passed on
    await rt.send(ref, reply({ text: 'no token' }));
    // A follow (friend added or unblocked) carries a token too.
    const [, integrationId, channelUserId] = line.split(':');
    await rt.send(ref, {
      type: 'contact.followed',
      channel: 'line',
      integrationId,
      channelUserId,
      messageId: '01HA0000000000000000F0LL0W',
      replyToken: 'reply-token-3',
      at: rt.clock.now(),
    });
    await rt.send(ref, reply({ text: 'welcome back' }));
    await rt.settle();
    expect(rt.bus.outbound.map((o) => o.replyTo ?? 'push')).toEqual([
      'reply-token-1',
      'push',
      'push',
      'push',
      'reply-token-3',
    ]);

    const post = 'social:fbpage:user-5';
    const pref = { type: 'conversation', key: post };
    await rt.send(pref, msg(post, 'comment-1', { public: { postId: 'post-1', parentId: 'comment-1' } }));
    expect(await rt.send(pref, reply({ text: 'Thanks! We are on it.' }))).toMatchObject({ ok: true });
    expect(await rt.send(pref, reply({ text: 'Details in private', visibility: 'private' }))).toMatchObject({
      ok: true,
    });
    expect(await rt.send(pref, reply({ text: 'again', visibility: 'private' }))).toMatchObject({
      ok: false,
      code: 'private_reply_unavailable',
    });
    await rt.settle();
    expect(rt.bus.outbound.slice(-2).map((o) => [o.visibility, o.replyTo])).toEqual([
      ['public', 'comment-1'],
      ['private', 'comment-1'],
    ]);
    await rt.close();
  });

  it('typing is shown live to the handling agent only, never stored; business messages on the platform are history, not customer input', async () => {
    const { rt, msg, ctx, page } = setup();
    const key = 'open:open-1:cust-42';
    const ref = { type: 'conversation', key };
    const party = { channel: 'open', integrationId: 'open-1', channelUserId: 'cust-42' };
    const typing = (id: string, extra: Record<string, unknown> = {}) => ({
      type: 'typing.indicated',
      ...party,
      messageId: id,
      active: true,
      by: 'customer',
      at: rt.clock.now(),
      ...extra,
    });
    const live = () => rt.bus.records.filter((r) => r.subject.startsWith('sb.live.'));
    // Before any message: no interaction opens, nothing is stored, nobody is told.
    await rt.send(ref, typing('t1'));
    expect(ctx(key)).toMatchObject({ interactions: 0, seq: 0 });
    // A bot answers on the platform: the business's message, in history, still no interaction.
    await rt.send(ref, {
      type: 'message.echoed',
      ...party,
      messageId: 'gen-1',
      kind: 'text',
      text: 'Hi, I am the bot',
      originatingEntity: 'bot',
      at: rt.clock.now(),
    });
    await rt.settle();
    expect(ctx(key)).toMatchObject({ interactions: 0, seq: 1 });
    expect(page(key)[0]).toMatchObject({
      direction: 'outbound',
      text: 'Hi, I am the bot',
      platformMessageId: 'gen-1',
      status: 'sent',
      sender: { kind: 'business', originatingEntity: 'bot' },
    });
    expect(rt.bus.routingEvents()).toEqual([]);
    await rt.send(ref, msg(key, 'm1'));
    const interactionId = ctx(key).current!.interactionId;
    await rt.send(ref, typing('t2'));
    expect(live()).toEqual([]); // queued, no agent yet
    await rt.send(ref, { type: 'interaction.connected', interactionId, agentId: 'ana', at: rt.clock.now() });
    await rt.send(ref, typing('t3'));
    await rt.send(ref, typing('t4', { by: 'business', originatingEntity: 'human', durationMs: 5000 }));
    await rt.send(ref, typing('t5', { active: false }));
    await rt.settle();
    expect(live().map((r) => [r.subject, r.data.by, r.data.active])).toEqual([
      ['sb.live.agent.ana', 'customer', true],
      ['sb.live.agent.ana', 'business', true],
      ['sb.live.agent.ana', 'customer', false],
    ]);
    expect(live()[1]!.data).toMatchObject({
      kind: 'typing',
      interactionId,
      conversationKey: key,
      originatingEntity: 'human',
      durationMs: 5000,
    });
    expect(page(key).filter((e) => e.kind === 'typing' || e.platformMessageId?.startsWith('t'))).toEqual([]);
    expect(ctx(key).seq).toBe(3); // echo, interaction marker, customer message
    await rt.close();
  });

  it('Messenger watermarks: what was delivered or read is the watermark; the status time is the event time', async () => {
    const { rt, msg, reply, page } = setup();
    const key = 'messenger:page1:psid-7';
    const ref = { type: 'conversation', key };
    const base = { channel: 'messenger', integrationId: 'page1', channelUserId: 'psid-7' };
    await rt.send(ref, msg(key, 'mid.in'));
    const ids: string[] = [];
    for (const [t, pid] of [
      ['one', 'p1'],
      ['two', 'p2'],
    ]) {
      const r = (await rt.send(ref, reply({ text: t }))) as unknown as { data: { messageIds: string[] } };
      ids.push(r.data.messageIds[0]!);
      await rt.send(ref, {
        type: 'delivery.updated',
        messageId: ids.at(-1),
        status: 'sent',
        providerMessageId: pid,
        at: rt.clock.now(),
      });
      await rt.clock.advance(1_000);
    }
    const afterOne = rt.clock.now() - 1_500;
    const readAt = rt.clock.now() + 60_000;
    await rt.send(ref, {
      type: 'receipt.received',
      ...base,
      messageId: 'read:w',
      status: 'read',
      watermark: afterOne,
      at: readAt,
    });
    await rt.settle();
    const entry = (id: string) => page(key).find((e) => e.messageId === id);
    expect(entry(ids[0]!)).toMatchObject({ status: 'read', statusAt: readAt });
    expect(entry(ids[1]!)?.status).toBe('sent');
    await rt.close();
  });

  it('when nothing at all may be sent any more, routing is told the customer is gone (window_closed)', async () => {
    const { rt, msg, reply } = setup();
    const key = 'instagram:ig1:igsid-2';
    const ref = { type: 'conversation', key };
    await rt.send(ref, msg(key, 'i1'));
    // An agent holds it (no threading timer runs while connected).
    await rt.send(ref, {
      type: 'interaction.connected',
      interactionId: (rt.host.read(ref)!.context as ConversationContext).current!.interactionId,
      agentId: 'agent-1',
    });
    await rt.clock.advance(24 * HOUR);
    expect(await rt.send(ref, reply({ text: 'no tag' }))).toMatchObject({ ok: false, code: 'reply_window_closed' });
    expect(await rt.send(ref, reply({ text: 'tagged', tag: 'HUMAN_AGENT' }))).toMatchObject({ ok: true });
    await rt.clock.advance(6 * 24 * HOUR);
    await rt.settle();
    expect(rt.bus.routingEvents().at(-1)).toMatchObject({ type: 'interaction.customer_left', reason: 'window_closed' });
    expect(await rt.send(ref, reply({ text: 'tagged', tag: 'HUMAN_AGENT' }))).toMatchObject({
      ok: false,
      code: 'reply_window_closed',
    });
    await rt.close();
  });

  it('platform receipts by provider id (even before the sent report), by watermark, and an asynchronous opt-out failure', async () => {
    const { rt, msg, reply, page, ctx } = setup();
    const key = 'messenger:page1:psid-42';
    const ref = { type: 'conversation', key };
    const base = { channel: 'messenger', integrationId: 'page1', channelUserId: 'psid-42' };
    await rt.send(ref, msg(key, 'mid.in'));
    const ids: string[] = [];
    for (const t of ['one', 'two', 'three'])
      ids.push(
        ...((await rt.send(ref, reply({ text: t }))) as unknown as { data: { messageIds: string[] } }).data.messageIds,
      );
    // The read receipt for "one" overtakes the worker's sent report.
    await rt.send(ref, {
      type: 'receipt.received',
      ...base,
      messageId: 'read:p1',
      status: 'read',
      providerMessageIds: ['p1'],
      at: rt.clock.now(),
    });
    await rt.send(ref, {
      type: 'delivery.updated',
      messageId: ids[0],
      status: 'sent',
      providerMessageId: 'p1',
      at: rt.clock.now(),
    });
    await rt.send(ref, {
      type: 'delivery.updated',
      messageId: ids[1],
      status: 'sent',
      providerMessageId: 'p2',
      at: rt.clock.now(),
    });
    await rt.clock.advance(1_000);
    const watermark = rt.clock.now();
    await rt.clock.advance(1_000);
    await rt.send(ref, {
      type: 'delivery.updated',
      messageId: ids[2],
      status: 'sent',
      providerMessageId: 'p3',
      at: rt.clock.now(),
    });
    await rt.send(ref, {
      type: 'receipt.received',
      ...base,
      messageId: `delivery:${watermark}`,
      status: 'delivered',
      at: watermark,
    });
    await rt.settle();
    const status = () => ids.map((id) => page(key).find((e) => e.messageId === id)?.status);
    expect(status()).toEqual(['read', 'delivered', 'sent']);
    expect(page(key).find((e) => e.messageId === ids[0])?.platformMessageId).toBe('p1');

    const sms = 'sms:+15550001000:+15550002000';
    const sref = { type: 'conversation', key: sms };
    await rt.send(sref, msg(sms, 's1'));
    const [sid] = ((await rt.send(sref, reply({ text: 'hello' }))) as unknown as { data: { messageIds: string[] } })
      .data.messageIds;
    await rt.send(sref, {
      type: 'delivery.updated',
      messageId: sid,
      status: 'sent',
      providerMessageId: 'SM1',
      at: rt.clock.now(),
    });
    await rt.send(sref, {
      type: 'receipt.received',
      channel: 'sms',
      integrationId: '+15550001000',
      channelUserId: '+15550002000',
      messageId: 'SM1:failed',
      status: 'failed',
      providerMessageIds: ['SM1'],
      reason: { code: 'opted_out', message: 'the recipient replied STOP', providerCode: '21610' },
      at: rt.clock.now(),
    });
    await rt.settle();
    expect(page(sms).find((e) => e.messageId === sid)).toMatchObject({
      status: 'failed',
      failure: { code: 'opted_out', providerCode: '21610' },
    });
    expect(ctx(sms).window.optedOut).toBe(true);
    expect(await rt.send(sref, reply({ text: 'still there?' }))).toMatchObject({ ok: false, code: 'opted_out' });
    await rt.close();
  });

  it('a config reader: a new config reaches new conversations, existing ones keep theirs', async () => {
    let cfg = parseConversationConfig({ threading: { channels: { web: 1 } } });
    const rt = runtime(conversationActorTypes(() => cfg));
    const msg = (key: string) => ({
      type: 'message.received',
      channel: 'web',
      integrationId: 'site',
      channelUserId: key.split(':')[2],
      messageId: key,
      kind: 'text',
      text: 'hi',
      at: rt.clock.now(),
    });
    await rt.send({ type: 'conversation', key: 'web:site:a' }, msg('web:site:a'));
    cfg = parseConversationConfig({ threading: { channels: { web: 2 } } });
    await rt.send({ type: 'conversation', key: 'web:site:b' }, msg('web:site:b'));
    const windowOf = (key: string) =>
      (rt.host.read({ type: 'conversation', key })!.context as ConversationContext).threadingWindowMs;
    expect([windowOf('web:site:a'), windowOf('web:site:b')]).toEqual([HOUR, 2 * HOUR]);
    await rt.close();
  });
});
