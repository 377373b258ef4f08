import { afterEach, describe, expect, it } from 'vitest';
import { baseConfig, opened, routingHarness } from './harness.js';

type H = Awaited<ReturnType<typeof routingHarness>>;
let h: H;
afterEach(async () => {
  await h?.stop();
});

const offerOf = (agentId: string) => Object.values(h.agent(agentId).offers)[0];

describe('routing on the actor runtime', () => {
  it('queues, offers, connects, ends and wraps up, telling the conversation each step', async () => {
    h = await routingHarness(baseConfig);
    expect(await h.send('agent', 'ana', { type: 'agent.logged_in' })).toMatchObject({
      status: 'applied',
      responses: [{ ok: true }],
    });
    await h.send('interaction', 'i1', opened('i1', 'hello there'));
    expect(h.interaction('i1')).toMatchObject({ stage: 'queued', queueId: 'support' });
    const offer = offerOf('ana');
    expect(offer).toMatchObject({ interactionId: 'i1', queueId: 'support' });
    expect(h.bus.live.some((l) => l.topic === 'agent.ana' && l.kind === 'offer')).toBe(true);

    const acc = await h.send('agent', 'ana', { type: 'agent.offer_accepted', offerId: offer.offerId });
    expect(acc).toMatchObject({
      responses: [{ ok: true, data: { interactionId: 'i1', conversationKey: 'whatsapp:wa1:i1' } }],
    });
    expect(h.interaction('i1')).toMatchObject({ stage: 'connected', agentId: 'ana' });
    expect(h.bus.toConversation('interaction.connected')).toEqual([
      expect.objectContaining({ interactionId: 'i1', agentId: 'ana' }),
    ]);
    expect(h.queue('support').waiting).toHaveLength(0);
    expect(h.queue('support').stats).toMatchObject({ enqueued: 1, offered: 1, answered: 1 });

    await h.send('interaction', 'i1', {
      type: 'interaction.message_received',
      interactionId: 'i1',
      message: { messageId: 'm2', kind: 'text', text: 'still there?' },
    });
    expect(h.bus.live.some((l) => l.topic === 'agent.ana' && l.kind === 'message')).toBe(true);

    // Mandatory ACW: ending holds capacity until a code is given; a bad code is refused.
    expect(await h.send('agent', 'ana', { type: 'agent.interaction_ended', interactionId: 'i1' })).toMatchObject({
      responses: [{ ok: true, data: { mode: 'mandatory' } }],
    });
    expect(h.agent('ana').interactions.i1.stage).toBe('wrapup');
    expect(h.bus.toConversation('interaction.disconnected')).toHaveLength(1);
    expect(
      await h.send('agent', 'ana', { type: 'agent.wrapup_submitted', interactionId: 'i1', code: 'Nope' }),
    ).toMatchObject({ responses: [{ ok: false, code: 'wrapup_code_invalid' }] });
    expect(
      await h.send('agent', 'ana', { type: 'agent.wrapup_submitted', interactionId: 'i1', code: 'Processed' }),
    ).toMatchObject({ responses: [{ ok: true }] });
    expect(h.agent('ana').interactions).toEqual({});
    expect(h.bus.toConversation('interaction.wrapped_up')).toEqual([
      expect.objectContaining({ interactionId: 'i1', agentId: 'ana', code: 'Processed' }),
    ]);
    expect(h.interaction('i1')).toMatchObject({ stage: 'waiting', lastAgentId: 'ana' });
    const stages = h.bus.records
      .filter((r) => r.kind === 'interaction.stage' && r.interactionId === 'i1')
      .map((r) => r.stage);
    expect(stages).toEqual(['opened', 'queued', 'alerting', 'connected', 'wrapup', 'wrapped_up']);
    expect(h.bus.records.filter((r) => r.kind === 'interaction.stage').every((r) => typeof r.at === 'number')).toBe(
      true,
    );
  });

  it('applies keyword rules (queue, skills, priority) and picks the best skill', async () => {
    h = await routingHarness(baseConfig);
    await h.send('agent', 'bob', { type: 'agent.logged_in' });
    await h.send('agent', 'ana', { type: 'agent.logged_in' });
    await h.send('interaction', 'i2', opened('i2', 'I need a REFUND please'));
    expect(h.interaction('i2')).toMatchObject({ queueId: 'billing', skills: ['billing'], priority: 5 });
    expect(offerOf('ana')?.interactionId).toBe('i2');
    expect(offerOf('bob')).toBeUndefined();
  });

  it('orders by score: priority × 60 s beats earlier arrival', async () => {
    h = await routingHarness(baseConfig);
    await h.send('interaction', 'a', opened('a', 'hi'));
    await h.advance(60_000);
    await h.send('interaction', 'b', opened('b', 'refund'));
    // b (priority 5) went to billing; put a priority-2 one into support after 60 s more.
    await h.advance(60_000);
    await h.send('queue', 'support', {
      type: 'queue.interaction_enqueued',
      interactionId: 'c',
      conversationKey: 'k:c',
      priority: 3,
    });
    expect(h.queue('support').waiting.map((e) => e.interactionId)).toEqual(['c', 'a']);
  });

  it('alerting timeout: agent goes Not Ready RONA, the interaction goes back at its position to the next agent', async () => {
    h = await routingHarness(baseConfig);
    await h.send('agent', 'ana', { type: 'agent.logged_in' });
    await h.send('interaction', 'i1', opened('i1', 'first'));
    await h.advance(1_000);
    await h.send('interaction', 'i2', opened('i2', 'second'));
    const first = offerOf('ana');
    expect(first.interactionId).toBe('i1');
    await h.advance(30_000);
    expect(h.agentState('ana')).toBe('not_ready');
    expect(h.agent('ana')).toMatchObject({ presence: 'not_ready', reason: 'RONA', offers: {} });
    expect(h.queue('support').waiting.map((e) => e.interactionId)).toEqual(['i1', 'i2']);
    expect(h.queue('support').stats.timedOut).toBe(2);
    await h.send('agent', 'bob', { type: 'agent.logged_in' });
    expect(
      Object.values(h.agent('bob').offers)
        .map((o) => o.interactionId)
        .sort(),
    ).toEqual(['i1', 'i2']);
    expect(h.bus.records.some((r) => r.kind === 'agent.rona' && r.agentId === 'ana')).toBe(true);
  });

  it('declined offers go to another agent, never back to the decliner', async () => {
    h = await routingHarness(baseConfig);
    await h.send('agent', 'ana', { type: 'agent.logged_in' });
    await h.send('interaction', 'i1', opened('i1', 'x'));
    await h.send('agent', 'ana', { type: 'agent.offer_declined', offerId: offerOf('ana').offerId });
    expect(h.agent('ana').offers).toEqual({});
    expect(h.queue('support').waiting[0]).toMatchObject({ interactionId: 'i1', declinedBy: ['ana'] });
    await h.send('agent', 'bob', { type: 'agent.logged_in' });
    expect(offerOf('bob').interactionId).toBe('i1');
  });

  it('capacity: an agent with one message slot gets one offer; the next waits until it is free', async () => {
    h = await routingHarness(baseConfig);
    await h.send('agent', 'cy', { type: 'agent.logged_in' });
    await h.send('interaction', 'i1', opened('i1', 'x'));
    await h.send('interaction', 'i2', opened('i2', 'y'));
    expect(Object.keys(h.agent('cy').offers)).toHaveLength(1);
    await h.send('agent', 'cy', { type: 'agent.offer_accepted', offerId: offerOf('cy').offerId });
    expect(h.queue('support').waiting.map((e) => e.interactionId)).toEqual(['i2']);
    await h.send('agent', 'cy', { type: 'agent.wrapup_submitted', interactionId: 'i1', code: 'Up Sell' });
    expect(offerOf('cy').interactionId).toBe('i2');
  });

  it('bullseye: a required skill nobody has is dropped when the ring expires (a durable timer, no polling)', async () => {
    h = await routingHarness(baseConfig);
    await h.send('agent', 'ana', { type: 'agent.logged_in' });
    await h.send('queue', 'billing', {
      type: 'queue.interaction_enqueued',
      interactionId: 'es',
      conversationKey: 'k:es',
      skills: ['billing', 'spanish', 'tech'],
    });
    expect(h.agent('ana').offers).toEqual({});
    expect([...h.host.timersOf({ type: 'queue', key: 'billing' }).keys()]).toEqual(['ring']);
    await h.advance(59_000);
    expect(h.agent('ana').offers).toEqual({});
    await h.advance(1_000);
    expect(offerOf('ana').interactionId).toBe('es');
  });

  it('abandonment while waiting leaves the queue and is counted', async () => {
    h = await routingHarness(baseConfig);
    await h.send('interaction', 'i1', opened('i1', 'x'));
    await h.send('interaction', 'i1', {
      type: 'interaction.customer_left',
      interactionId: 'i1',
      reason: 'closed_by_customer',
    });
    expect(h.interaction('i1').stage).toBe('abandoned');
    expect(h.queue('support')).toMatchObject({ waiting: [], stats: { abandoned: 1 } });
  });

  it('schedules: closed sends the auto-response; emergency and special days win in that order', async () => {
    h = await routingHarness(baseConfig, { start: Date.UTC(2026, 0, 10, 12, 0) }); // a Saturday
    await h.send('interaction', 'i1', opened('i1', 'x'));
    expect(h.bus.toConversation('reply.requested')).toEqual([
      expect.objectContaining({
        interactionId: 'i1',
        sender: { kind: 'system', reason: 'auto_response' },
        text: 'We are closed; we will answer when we open.',
      }),
    ]);
    expect(h.interaction('i1').stage).toBe('queued');
    const flow = {
      ...baseConfig.flows![0],
      emergency: { active: true, autoResponse: 'Emergency', action: 'end' as const },
      specialDays: [{ date: '2026-01-10', autoResponse: 'Holiday', action: 'route' as const }],
    };
    h.holder.apply({ ...baseConfig, flows: [flow] });
    await h.send('interaction', 'i2', opened('i2', 'x'));
    expect(h.interaction('i2').stage).toBe('closed');
    h.holder.apply({ ...baseConfig, flows: [{ ...flow, emergency: { active: false, action: 'route' as const } }] });
    await h.send('interaction', 'i3', opened('i3', 'x'));
    expect(h.bus.toConversation('reply.requested').map((e) => e.text)).toEqual([
      'We are closed; we will answer when we open.',
      'Emergency',
      'Holiday',
    ]);
    expect(h.bus.records.filter((r) => r.kind === 'interaction.flow').map((r) => r.schedule)).toEqual([
      'closed',
      'emergency',
      'special_day',
    ]);
  });

  it('time-boxed wrap-up applies the default code on timeout', async () => {
    h = await routingHarness(baseConfig);
    await h.send('agent', 'ana', { type: 'agent.logged_in' });
    await h.send('interaction', 'i1', opened('i1', 'invoice'));
    await h.send('agent', 'ana', { type: 'agent.offer_accepted', offerId: offerOf('ana').offerId });
    await h.send('agent', 'ana', { type: 'agent.interaction_ended', interactionId: 'i1' });
    await h.advance(30_000);
    expect(h.agent('ana').interactions).toEqual({});
    expect(h.bus.toConversation('interaction.wrapped_up')).toEqual([expect.objectContaining({ code: 'Processed' })]);
  });

  it('transfers to a queue and to an agent', async () => {
    h = await routingHarness(baseConfig);
    await h.send('agent', 'ana', { type: 'agent.logged_in' });
    await h.send('interaction', 'i1', opened('i1', 'hi'));
    await h.send('agent', 'ana', { type: 'agent.offer_accepted', offerId: offerOf('ana').offerId });
    expect(
      await h.send('agent', 'ana', {
        type: 'agent.transfer_requested',
        interactionId: 'i1',
        target: { queueId: 'nowhere' },
      }),
    ).toMatchObject({ responses: [{ ok: false, code: 'unknown_queue' }] });
    await h.send('agent', 'bob', { type: 'agent.logged_in' });
    await h.send('agent', 'ana', { type: 'agent.transfer_requested', interactionId: 'i1', target: { agentId: 'bob' } });
    expect(offerOf('bob')).toMatchObject({ interactionId: 'i1', direct: true });
    await h.send('agent', 'bob', { type: 'agent.offer_accepted', offerId: offerOf('bob').offerId });
    expect(h.interaction('i1')).toMatchObject({ stage: 'connected', agentId: 'bob' });
    await h.send('agent', 'bob', {
      type: 'agent.transfer_requested',
      interactionId: 'i1',
      target: { queueId: 'billing' },
    });
    expect(h.interaction('i1')).toMatchObject({ stage: 'queued', queueId: 'billing' });
    expect(h.bus.toConversation('interaction.wrapped_up').map((e) => e.code)).toEqual(['Transferred', 'Transferred']);
  });

  it('last-agent affinity: offered to the last agent first; falls back at once when not ready, or after the timeout', async () => {
    h = await routingHarness(baseConfig);
    await h.send('agent', 'ana', { type: 'agent.logged_in' });
    await h.send('agent', 'bob', { type: 'agent.logged_in' });
    await h.send('agent', 'bob', { type: 'agent.presence_changed', presence: 'not_ready', reason: 'Meeting' });
    await h.send('interaction', 'i1', opened('i1', 'hi'));
    await h.advance(1_000);
    await h.send('agent', 'ana', { type: 'agent.offer_accepted', offerId: offerOf('ana').offerId });
    await h.send('agent', 'ana', { type: 'agent.wrapup_submitted', interactionId: 'i1', code: 'Processed' });
    await h.send('agent', 'bob', { type: 'agent.presence_changed', presence: 'available' });
    const back = {
      type: 'interaction.customer_returned',
      interactionId: 'i1',
      message: { messageId: 'm9', kind: 'text', text: 'me again' },
      lastAgentId: 'ana',
    };
    await h.send('interaction', 'i1', back);
    expect(offerOf('ana')).toMatchObject({ interactionId: 'i1', direct: true });
    expect(offerOf('bob')).toBeUndefined();
    // Unanswered: after the affinity timeout it goes to the queue, recorded with why and when.
    await h.advance(120_000);
    expect(h.agent('ana').offers).toEqual({});
    expect(h.agentState('ana')).toBe('available');
    expect(offerOf('bob')).toMatchObject({ interactionId: 'i1' });
    expect(h.interaction('i1').fallback).toMatchObject({ agentId: 'ana', reason: 'affinity_timeout' });
    await h.send('agent', 'bob', { type: 'agent.offer_accepted', offerId: offerOf('bob').offerId });
    await h.send('agent', 'bob', { type: 'agent.wrapup_submitted', interactionId: 'i1', code: 'Processed' });
    // bob not ready: the next return falls back at once.
    await h.send('agent', 'bob', { type: 'agent.presence_changed', presence: 'not_ready', reason: 'Lunch' });
    await h.send('interaction', 'i1', { ...back, lastAgentId: 'bob' });
    expect(h.interaction('i1').fallback).toMatchObject({ agentId: 'bob', reason: 'agent_not_ready' });
    expect(offerOf('ana')).toMatchObject({ interactionId: 'i1', direct: false });
    expect(h.bus.records.filter((r) => r.kind === 'routing.affinity_fallback').map((r) => r.reason)).toEqual([
      'affinity_timeout',
      'agent_not_ready',
    ]);
  });
});

describe('routing on the actor runtime: optional wrap-up, inactivity, this-queue affinity', () => {
  it('optional ACW frees capacity at once and still takes a code later', async () => {
    h = await routingHarness({
      ...baseConfig,
      queues: [{ id: 'support', acw: { mode: 'optional' } }, baseConfig.queues![1]],
    });
    await h.send('agent', 'cy', { type: 'agent.logged_in' });
    await h.send('interaction', 'i1', opened('i1', 'a'));
    await h.send('interaction', 'i2', opened('i2', 'b'));
    await h.send('agent', 'cy', { type: 'agent.offer_accepted', offerId: offerOf('cy').offerId });
    await h.send('agent', 'cy', { type: 'agent.interaction_ended', interactionId: 'i1' });
    expect(offerOf('cy').interactionId).toBe('i2');
    expect(
      await h.send('agent', 'cy', { type: 'agent.wrapup_submitted', interactionId: 'i1', code: 'Need Follow Up' }),
    ).toMatchObject({ responses: [{ ok: true }] });
    expect(h.bus.toConversation('interaction.wrapped_up')).toEqual([
      expect.objectContaining({ interactionId: 'i1', code: 'Need Follow Up' }),
    ]);
  });

  it('the per-queue inactivity timer re-queues an idle interaction, freeing the agent', async () => {
    h = await routingHarness({
      ...baseConfig,
      queues: [{ id: 'support', inactivity: { timeoutSeconds: 600, action: 'requeue' } }, baseConfig.queues![1]],
    });
    await h.send('agent', 'cy', { type: 'agent.logged_in' });
    await h.send('interaction', 'i1', opened('i1', 'a'));
    await h.send('agent', 'cy', { type: 'agent.offer_accepted', offerId: offerOf('cy').offerId });
    await h.advance(500_000);
    await h.send('interaction', 'i1', {
      type: 'interaction.message_received',
      interactionId: 'i1',
      message: { text: 'still here' },
    });
    await h.advance(500_000); // 1000 s since accept but only 500 s since the last message
    expect(h.interaction('i1').stage).toBe('connected');
    await h.advance(100_000);
    expect(h.agent('cy').interactions).toEqual({});
    expect(h.interaction('i1').stage).toBe('queued');
    expect(h.bus.toConversation('interaction.disconnected')).toHaveLength(1);
  });

  it('this-queue affinity skips a last agent who is not a member of the queue', async () => {
    h = await routingHarness({
      ...baseConfig,
      queues: [{ id: 'support', affinity: { mode: 'this_queue', timeoutSeconds: 60 } }, baseConfig.queues![1]],
      agents: [...baseConfig.agents!, { id: 'dee', queues: ['billing'] }],
    });
    await h.send('interaction', 'i1', opened('i1', 'hi'));
    await h.send('queue', 'support', {
      type: 'queue.interaction_withdrawn',
      interactionId: 'i1',
      reason: 'connected_elsewhere',
    });
    await h.send('interaction', 'i1', {
      type: 'interaction.offer_accepted',
      offerId: 'x',
      agentId: 'dee',
      queueId: 'support',
      direct: true,
    });
    await h.send('interaction', 'i1', { type: 'interaction.agent_disconnected', agentId: 'dee' });
    await h.send('interaction', 'i1', { type: 'interaction.agent_wrapped_up', agentId: 'dee', code: 'Processed' });
    await h.send('interaction', 'i1', {
      type: 'interaction.customer_returned',
      interactionId: 'i1',
      message: { text: 'again' },
      lastAgentId: 'dee',
    });
    expect(h.interaction('i1').stage).toBe('queued');
    expect(h.bus.records.filter((r) => r.kind === 'routing.affinity_fallback').map((r) => r.reason)).toEqual([
      'agent_not_in_queue',
    ]);
  });
});
