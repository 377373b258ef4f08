/**
 * Model-based paths for test authors: TestModels of the reply-window machine (per channel
 * policy) and of the conversation's threading, with the events that drive them, including the
 * durable timers (`xstate.after.*`, which a driver maps to advancing a virtual clock).
 * Needs only xstate: `replyWindowPaths('whatsapp')` works without the engine.
 */
import { TestModel } from 'xstate/graph';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { Channel } from '../protocol/channels.js';
import { policyFor, type ChannelPolicy } from './channel-policies.js';
import { conversationMachine } from './conversation.machine.js';
import type { ConversationContext } from './conversation-threading.js';
import type { ReplyContext } from './reply-policy.js';
import { replyWindowMachine } from './reply-window.machine.js';

/** A conversation key for tests on a channel. */
export function testConversationKey(channel: Channel, user = 'u1', integration = 'i1'): string {
  return `${channel}:${integration}:${user}`;
}

/** Events of a path step; `label` names it for readable test titles. */
export type ModelEvent = EventObject & { readonly label: string; readonly [k: string]: unknown };

/** Timer event types of the reply-window machine. */
export const REPLY_WINDOW_TIMERS = {
  freeForm: 'xstate.after.freeFormWindow.reply-window.open',
  grace: 'xstate.after.graceWindow.reply-window.grace',
} as const;

/** Timer event types of the conversation's threading region. */
export const THREADING_TIMERS = {
  pending: 'xstate.after.pendingWindow.conversation.threading.active.pending',
  waiting: 'xstate.after.threadingWindow.conversation.threading.active.waiting',
} as const;

function inbound(channel: Channel, label: string, extra: Record<string, unknown> = {}): ModelEvent {
  return {
    type: 'message.received',
    label,
    channel,
    integrationId: 'i1',
    channelUserId: 'u1',
    messageId: label,
    kind: 'text',
    text: 'hello',
    ...extra,
  };
}

function reply(label: string, body: Record<string, unknown>): ModelEvent {
  return { type: 'reply.requested', label, requestId: label, sender: { kind: 'agent', agentId: 'a1' }, ...body };
}

/** The events that matter for a policy (keywords only where the channel has them, etc.). */
export function replyWindowEvents(policy: ChannelPolicy): ModelEvent[] {
  const ch = policy.channel;
  const ev: ModelEvent[] = [
    inbound(ch, 'customer_message'),
    reply('free_form_reply', { kind: 'text', text: 'free-form reply' }),
    reply('two_attachments', {
      kind: 'media',
      media: [{ url: 'https://example.test/a.png' }, { url: 'https://example.test/b.png' }],
    }),
  ];
  if (policy.templatesOutsideWindow)
    ev.push(reply('template_reply', { kind: 'template', template: { name: 'follow_up', language: 'en' } }));
  for (const tag of Object.keys(policy.tags))
    ev.push(reply(`tagged_${tag}`, { kind: 'text', text: 'tagged reply', tag }));
  if (policy.referralWindowMs !== undefined)
    ev.push(inbound(ch, 'ad_referral', { referral: { source: 'ad', ref: 'ad-1' } }));
  if (policy.customerCloseIsTerminal)
    ev.push({
      type: 'conversation.closed_by_customer',
      label: 'customer_close',
      channel: ch,
      integrationId: 'i1',
      channelUserId: 'u1',
      messageId: 'close',
    });
  if (policy.keywords) {
    ev.push(
      inbound(ch, 'keyword_stop', { text: 'stop' }),
      inbound(ch, 'keyword_start', { text: 'Start' }),
      inbound(ch, 'keyword_help', { text: 'HELP' }),
    );
  }
  if (policy.businessInitiated === 'template_with_opt_in')
    ev.push({
      type: 'contact.opted_in',
      label: 'opt_in',
      channel: ch,
      integrationId: 'i1',
      channelUserId: 'u1',
      messageId: 'optin',
    });
  if (policy.freeFormWindowMs !== null) ev.push({ type: REPLY_WINDOW_TIMERS.freeForm, label: 'free_form_window_ends' });
  if (policy.extraMessagesAfterWindow > 0 || Object.keys(policy.tags).length > 0)
    ev.push({ type: REPLY_WINDOW_TIMERS.grace, label: 'grace_ends' });
  return ev;
}

/** A TestModel of the reply-window machine under one channel's policy (with overrides). */
export function replyWindowModel(channel: Channel, override?: Partial<ChannelPolicy>) {
  const policy = policyFor(channel, override);
  const events = replyWindowEvents(policy);
  return new TestModel(replyWindowMachine, {
    events: events as never,
    input: { conversationKey: testConversationKey(channel), policy: override },
    serializeState: (s: AnyMachineSnapshot) => {
      const w = (s.context as ReplyContext).window;
      return JSON.stringify([s.value, w.openMs, w.extraLeft, w.repliesLeft, w.optedOut, w.optedIn]);
    },
    serializeEvent: (e: EventObject) => (e as ModelEvent).label ?? e.type,
  } as never);
}

/** Simple paths of the reply-window machine for a channel (bounded by `limit` traversed states). */
export function replyWindowPaths(channel: Channel, override?: Partial<ChannelPolicy>, limit = 5_000) {
  return replyWindowModel(channel, override).getSimplePaths({ limit } as never);
}

/** A TestModel of the conversation's threading region (web channel: no reply-window limits). */
export function threadingModel(threadingWindowMs: number, channel: Channel = 'web') {
  const key = testConversationKey(channel);
  return new TestModel(conversationMachine, {
    events: ((s: AnyMachineSnapshot) => {
      const ctx = s.context as ConversationContext;
      const id = ctx.current?.interactionId ?? 'none';
      return [
        inbound(channel, 'customer_message'),
        { type: 'interaction.connected', label: 'agent_connected', interactionId: id, agentId: 'a1' },
        { type: 'interaction.disconnected', label: 'agent_disconnected', interactionId: id, agentId: 'a1' },
        {
          type: 'interaction.wrapped_up',
          label: 'agent_wrapped_up',
          interactionId: id,
          agentId: 'a1',
          code: 'resolved',
        },
        { type: THREADING_TIMERS.pending, label: 'unanswered_window_ends' },
        { type: THREADING_TIMERS.waiting, label: 'threading_window_ends' },
      ];
    }) as never,
    input: { conversationKey: key, threadingWindowMs },
    serializeState: (s: AnyMachineSnapshot) => {
      const ctx = s.context as ConversationContext;
      return JSON.stringify([
        (s.value as { threading: unknown }).threading,
        ctx.interactions > 0,
        !!ctx.current?.lastAgentId,
      ]);
    },
    serializeEvent: (e: EventObject) => (e as ModelEvent).label ?? e.type,
  } as never);
}

/** Simple paths of the threading region. */
export function threadingPaths(threadingWindowMs: number, limit = 5_000) {
  return threadingModel(threadingWindowMs).getSimplePaths({ limit } as never);
}
