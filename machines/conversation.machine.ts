/**
 * The conversation actor: one per (channel, integration, channel user id). Two parallel regions:
 * - threading: idle → active.pending (no agent yet) → active.connected → active.waiting (after a
 *   disconnect or wrap-up; the threading window runs from the later of the last customer message
 *   and that event) → idle, where the next customer message opens a new interaction;
 * - window: the generic reply-window policy region (reply-window-region.ts).
 * History goes to page actors (history.machine.ts); routing learns through `interaction` actors.
 */
import { assign, enqueueActions, setup } from 'xstate';
import type { DeliveryUpdated, InboundEvent, MessageUnsent } from '../protocol/channels.js';
import type { ChannelPolicy } from './channel-policies.js';
import { historyKey, pageOf } from './conversation-ids.js';
import { onDeliveryUpdated, onReceipt } from './conversation-delivery.js';
import { notifyTyping, recordEchoed, rememberReplyToken } from './conversation-signals.js';
import {
  THREADING_MAX_MS,
  continueInteraction,
  endInteraction,
  openInteraction,
  recordOnly,
  type ConversationContext,
} from './conversation-threading.js';
import { effectActions } from './effects.js';
import { keywordOf, type ReplyRequested } from './reply-policy.js';
import { replyWindowDelays, replyWindowRegion } from './reply-window-region.js';
import { replyContextFor } from './reply-window.machine.js';

/** The conversation's context (defined beside the threading actions). */
export type { ConversationContext } from './conversation-threading.js';

/** Input of a fresh conversation (the engine derives it from the key and its config). */
export interface ConversationInput {
  readonly conversationKey: string;
  /** 0–72 h; defaults to 72 h. */
  readonly threadingWindowMs?: number;
  readonly policy?: Partial<ChannelPolicy>;
  /** The customer's number in E.164 when the channel's user id is a phone number (the engine normalises it). */
  readonly phone?: string;
}

type At = { at?: number };
/** Events from routing (the `interaction` actors). */
export type RoutingEvent =
  | ({ type: 'interaction.connected'; interactionId: string; agentId: string } & At)
  | ({ type: 'interaction.disconnected'; interactionId: string; agentId: string } & At)
  | ({ type: 'interaction.wrapped_up'; interactionId: string; agentId: string; code?: string } & At);

/** Everything a conversation receives. */
export type ConversationEvent =
  | InboundEvent
  | DeliveryUpdated
  | ReplyRequested
  | RoutingEvent
  | ({ type: 'contact.linked'; contactId: string } & At)
  | { type: `xstate.after.${string}`; at?: number };

const isKeyword = ({ context, event }: { context: ConversationContext; event: ConversationEvent }) =>
  keywordOf(context.policy, event as { type: string; text?: string }) !== undefined;
const isOptOutKeyword = ({ context, event }: { context: ConversationContext; event: ConversationEvent }) =>
  event.type === 'message.received' && keywordOf(context.policy, event) === 'opt_out';
const isCurrent = ({ context, event }: { context: ConversationContext; event: ConversationEvent }) =>
  context.current !== undefined &&
  (event as { interactionId?: string }).interactionId === context.current.interactionId;

/** History bookkeeping that does not depend on the regions' states. */
const forwardUnsent: never = enqueueActions(({ context: c, event, enqueue }) => {
  const context = c as ConversationContext;
  if (!context.policy.unsendDeletes) return;
  const e = event as MessageUnsent;
  const hit = context.recentInbound.find(([id]: [string, number]) => id === e.unsentMessageId);
  if (!hit) return;
  enqueue({
    type: 'actor.send',
    params: {
      to: { type: 'history', key: historyKey(context.address.conversationKey, pageOf(hit[1])) },
      event: { type: 'history.unsent', seq: hit[1], at: e.at },
    },
  });
}) as never;

const IDLE = '#conversation.threading.idle';

/** Customer messages inside an interaction: STOP ends it, other keywords are only recorded. */
function keywordBranches() {
  return [
    { guard: isOptOutKeyword, target: IDLE, actions: [recordOnly, endInteraction('opted_out')] },
    { guard: isKeyword, actions: recordOnly },
  ];
}

/** The conversation machine. */
export const conversationMachine = setup({
  types: {} as { context: ConversationContext; events: ConversationEvent; input: ConversationInput },
  actions: { ...effectActions },
  delays: {
    ...(replyWindowDelays as object),
    threadingWindow: ({ context }) => context.threadingWindowMs,
    pendingWindow: ({ context }) => Math.max(context.threadingWindowMs, THREADING_MAX_MS),
  },
}).createMachine({
  id: 'conversation',
  type: 'parallel',
  context: ({ input }): ConversationContext => ({
    ...replyContextFor(input.conversationKey, input.policy),
    current: undefined,
    threadingWindowMs: Math.min(Math.max(input.threadingWindowMs ?? THREADING_MAX_MS, 0), THREADING_MAX_MS),
    ...(input.phone ? { phone: input.phone } : {}),
    interactions: 0,
    recentInbound: [],
    sent: [],
    parked: [],
  }),
  on: {
    'delivery.updated': { actions: onDeliveryUpdated },
    'receipt.received': { actions: onReceipt },
    'message.unsent': { actions: forwardUnsent },
    // Neither is customer input: no interaction opens, the reply window does not move.
    'typing.indicated': { actions: notifyTyping },
    'message.echoed': { actions: recordEchoed },
    'contact.followed': { actions: rememberReplyToken },
    'contact.linked': { actions: assign({ contactId: ({ event }) => event.contactId }) },
  },
  states: {
    threading: {
      initial: 'idle',
      states: {
        idle: {
          on: {
            'message.received': [
              { guard: isKeyword, actions: recordOnly },
              { target: 'active', actions: openInteraction },
            ],
          },
        },
        active: {
          initial: 'pending',
          on: {
            'interaction.connected': {
              guard: isCurrent,
              target: '.connected',
              actions: assign({ current: ({ context, event }) => ({ ...context.current!, agentId: event.agentId }) }),
            },
            'conversation.closed_by_customer': { target: 'idle', actions: endInteraction('closed_by_customer') },
            'contact.opted_out': { target: 'idle', actions: endInteraction('opted_out') },
            'contact.unfollowed': { target: 'idle', actions: endInteraction('unfollowed') },
          },
          states: {
            /** Waiting for an agent (flow, queue, offer). */
            pending: {
              after: { pendingWindow: { target: IDLE, actions: endInteraction('expired') } },
              on: {
                'message.received': [
                  ...keywordBranches(),
                  { target: 'pending', reenter: true, actions: continueInteraction('interaction.message_received') },
                ],
              },
            },
            /** An agent is connected: no threading timer runs. */
            connected: {
              on: {
                'message.received': [
                  ...keywordBranches(),
                  { actions: continueInteraction('interaction.message_received') },
                ],
                'interaction.disconnected': {
                  guard: isCurrent,
                  target: 'waiting',
                  actions: assign({
                    current: ({ context, event }) => ({
                      ...context.current!,
                      agentId: undefined,
                      lastAgentId: event.agentId,
                    }),
                  }),
                },
                'interaction.wrapped_up': {
                  guard: isCurrent,
                  target: 'waiting',
                  actions: assign({
                    current: ({ context, event }) => ({
                      ...context.current!,
                      agentId: undefined,
                      lastAgentId: event.agentId,
                    }),
                  }),
                },
              },
            },
            /** Still threaded after the agent left: a customer message returns it to the last agent. */
            waiting: {
              after: { threadingWindow: { target: IDLE, actions: endInteraction('expired') } },
              on: {
                'message.received': [
                  ...keywordBranches(),
                  { target: 'waiting', reenter: true, actions: continueInteraction('interaction.customer_returned') },
                ],
                'interaction.wrapped_up': { guard: isCurrent, target: 'waiting', reenter: true },
              },
            },
          },
        },
      },
    },
    window: replyWindowRegion() as object,
  },
});

/** The conversation machine's type. */
export type ConversationMachine = typeof conversationMachine;
