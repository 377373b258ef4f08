/**
 * The reply-window region: one generic set of states (none → open/unlimited → grace → closed,
 * and ended) driven by customer messages and durable timers, parameterized by the channel's
 * policy data in context. Both the standalone reply-window machine and the conversation machine
 * host this same region, so the model-based paths of one are the rules of the other.
 */
import { assign, enqueueActions } from 'xstate';
import type { OutboundMessage } from '../protocol/channels.js';
import { richSummary } from '../protocol/rich.js';
import type { ChannelPolicy } from './channel-policies.js';
import { conversationTopic, historyKey, messageIdOf, pageOf } from './conversation-ids.js';
import type { HistoryEntry } from './history.machine.js';
import {
  decideReply,
  keywordOf,
  windowAfterInbound,
  windowAfterReply,
  type ReplyContext,
  type ReplyPart,
  type ReplyRequested,
  type ReplySender,
  type WindowPhase,
} from './reply-policy.js';

const DAY_MS = 86_400_000;

/** When the grace period after the free-form window ends, counted from the last customer message. */
export function graceEndMs(policy: ChannelPolicy): number {
  const tags = Object.values(policy.tags);
  return Math.max(0, ...tags, policy.extraMessagesAfterWindow > 0 ? 7 * DAY_MS : 0);
}

/** Named delays of the region; spread into `setup({ delays })`. */
export const replyWindowDelays = {
  freeFormWindow: ({ context }: { context: ReplyContext }) => context.window.openMs,
  graceWindow: ({ context }: { context: ReplyContext }) =>
    Math.max(0, graceEndMs(context.policy) - context.window.openMs),
};

type Enq = ((action: { type: string; params?: unknown }) => void) & { assign: (a: unknown) => void };
type Args = { context: ReplyContext; event: { type: string; at?: number; [k: string]: unknown }; enqueue: Enq };

/** Appends one entry to the conversation's history page actor, and tells open workspaces (a live update). */
export function appendHistory(enqueue: Enq, ctx: ReplyContext, entry: HistoryEntry): void {
  enqueue({
    type: 'actor.send',
    params: {
      to: { type: 'history', key: historyKey(ctx.address.conversationKey, pageOf(entry.seq)) },
      event: { type: 'history.appended', entry },
    },
  });
  enqueue({
    type: 'notify',
    params: {
      topic: conversationTopic(ctx.address.convId),
      data: { kind: 'entry', conversationKey: ctx.address.conversationKey, entry },
    },
  });
}

/**
 * Sends parts as outbound messages (one per part), each also appended to history as pending.
 * Returns the message ids; the caller assigns `seq + ids.length`.
 */
export function emitOutbound(
  enqueue: Enq,
  ctx: ReplyContext,
  parts: readonly ReplyPart[],
  at: number,
  sender: ReplySender,
  extra: { tag?: string; replyTo?: string; visibility?: 'public' | 'private' } = {},
): string[] {
  const ids: string[] = [];
  const interactionId = ctx.current?.interactionId;
  parts.forEach((p, i) => {
    const seq = ctx.seq + i;
    const id = messageIdOf(ctx.address.convId, seq);
    ids.push(id);
    const msg: OutboundMessage = {
      id,
      channel: ctx.address.channel,
      integrationId: ctx.address.integrationId,
      channelUserId: ctx.address.channelUserId,
      conversationKey: ctx.address.conversationKey,
      kind: p.kind,
      ...(interactionId ? { interactionId } : {}),
      ...(p.text !== undefined ? { text: p.text } : {}),
      ...(p.media ? { media: p.media } : {}),
      ...(p.template ? { template: p.template } : {}),
      ...(p.rich ? { rich: p.rich } : {}),
      ...(extra.tag ? { tag: extra.tag } : {}),
      ...(extra.replyTo ? { replyTo: extra.replyTo } : {}),
      ...(extra.visibility ? { visibility: extra.visibility } : {}),
    };
    enqueue({ type: 'outbound.send', params: msg });
    appendHistory(enqueue, ctx, {
      seq,
      messageId: id,
      at,
      direction: 'outbound',
      kind: p.kind,
      status: 'pending',
      sender:
        sender.kind === 'agent'
          ? { kind: 'agent', agentId: sender.agentId }
          : { kind: 'system', reason: sender.reason },
      ...(interactionId ? { interactionId } : {}),
      ...(p.text !== undefined ? { text: p.text } : {}),
      ...(p.media ? { media: [p.media] } : {}),
      ...(p.template ? { template: p.template } : {}),
      ...(p.rich ? { text: richSummary(p.rich), rich: p.rich } : {}),
      ...(extra.tag ? { tag: extra.tag } : {}),
    });
  });
  return ids;
}

/** Handles a reply request in one phase of the window: respond, and send when allowed. */
function reply(phase: WindowPhase) {
  return enqueueActions((args) => {
    const { context, event, enqueue } = args as unknown as Args;
    const req = event as unknown as ReplyRequested;
    const at = event.at ?? 0;
    const d = decideReply(phase, context, req, at);
    if (!d.ok) {
      enqueue({ type: 'respond', params: { ok: false, code: d.code, message: d.message } });
      if (!req.dryRun) {
        enqueue({
          type: 'record',
          params: {
            kind: 'conversation.reply_refused',
            data: { conversationKey: context.address.conversationKey, requestId: req.requestId, code: d.code, phase },
          },
        });
      }
      return;
    }
    if (req.dryRun) {
      enqueue({ type: 'respond', params: { ok: true, data: { messageIds: [], parts: d.parts.length, phase } } });
      return;
    }
    const ids = emitOutbound(enqueue, context, d.parts, at, req.sender, {
      tag: req.tag,
      replyTo: d.replyTo,
      visibility: d.visibility,
    });
    enqueue.assign({ seq: context.seq + ids.length, window: windowAfterReply(context.window, d) });
    enqueue({ type: 'respond', params: { ok: true, data: { messageIds: ids } } });
  });
}

/** Opt-out, opt-in and help (SMS keywords or the gateway's signals), answered with the channel's confirmation. */
const keyword = enqueueActions((args) => {
  const { context, event, enqueue } = args as unknown as Args;
  const k = keywordOf(context.policy, event as { type: string; text?: string });
  if (!k) return;
  const w = context.window;
  const next =
    k === 'opt_out'
      ? { ...w, optedOut: true, optedIn: false }
      : k === 'opt_in'
        ? { ...w, optedOut: false, optedIn: true }
        : w;
  const replies = context.policy.keywords?.replies;
  const text = replies ? (k === 'opt_out' ? replies.optOut : k === 'opt_in' ? replies.optIn : replies.help) : undefined;
  let seq = context.seq;
  if (text) {
    const ids = emitOutbound(enqueue, context, [{ kind: 'text', text }], event.at ?? 0, {
      kind: 'system',
      reason: `keyword_${k}`,
    });
    seq += ids.length;
  }
  enqueue.assign({ window: next, seq });
  enqueue({
    type: 'record',
    params: { kind: 'conversation.consent', data: { conversationKey: context.address.conversationKey, keyword: k } },
  });
});

const inbound = assign(({ context, event }: { context: ReplyContext; event: { type: string; at?: number } }) => ({
  window: windowAfterInbound(context.policy, context.window, event as never, event.at ?? 0),
}));

const isKeyword = ({ context, event }: { context: ReplyContext; event: { type: string; text?: string } }) =>
  keywordOf(context.policy, event) !== undefined;
const noWindow = ({ context }: { context: ReplyContext }) => context.policy.freeFormWindowMs === null;
const hasGrace = ({ context }: { context: ReplyContext }) => graceEndMs(context.policy) > context.window.openMs;
const terminalClose = ({ context }: { context: ReplyContext }) => context.policy.customerCloseIsTerminal;

/** The `closed` phase starts: tell routing when nothing at all can be sent any more. */
const windowClosed = enqueueActions((args) => {
  const { context, enqueue } = args as unknown as Args;
  enqueue({
    type: 'record',
    params: { kind: 'conversation.window_closed', data: { conversationKey: context.address.conversationKey } },
  });
  if (context.current && !context.policy.templatesOutsideWindow) {
    enqueue({
      type: 'actor.send',
      params: {
        to: { type: 'interaction', key: context.current.interactionId },
        event: {
          type: 'interaction.customer_left',
          interactionId: context.current.interactionId,
          reason: 'window_closed',
        },
      },
    });
  }
});

function on(phase: WindowPhase) {
  return {
    'reply.requested': { actions: reply(phase) },
    'message.received': [
      { guard: isKeyword, actions: keyword },
      { guard: noWindow, target: 'unlimited', reenter: true, actions: inbound },
      { target: 'open', reenter: true, actions: inbound },
    ],
    'contact.opted_out': { actions: keyword },
    'contact.opted_in': { actions: keyword },
    'contact.help_requested': { actions: keyword },
    'conversation.closed_by_customer': { guard: terminalClose, target: 'ended' },
  };
}

/** The region's state config (xstate). Hosts need `replyWindowDelays` and `effectActions` in setup. */
export function replyWindowRegion() {
  return {
    initial: 'none',
    states: {
      /** No customer message yet: only business-initiated rules apply. */
      none: { on: on('none') },
      /** Free-form replies allowed until the window (counted from the last customer message) ends. */
      open: {
        on: on('open'),
        after: { freeFormWindow: [{ guard: hasGrace, target: 'grace' }, { target: 'closed' }] },
      },
      /** No time limit on this channel (Apple, SMS, web, X with its per-message counter …). */
      unlimited: { on: on('unlimited') },
      /** After the free-form window: the "+1" message and human-agent tags. */
      grace: { on: on('grace'), after: { graceWindow: 'closed' } },
      /** Only templates (where the channel has them). */
      closed: { on: on('closed'), entry: windowClosed },
      /** The customer closed the conversation: nothing may be sent until they write again. */
      ended: {
        on: {
          ...on('ended'),
          'conversation.closed_by_customer': {},
          'message.received': [
            { guard: isKeyword, actions: keyword },
            { guard: noWindow, target: 'unlimited', actions: inbound },
            { target: 'open', actions: inbound },
          ],
        },
      },
    },
  } as const;
}
