/**
 * Conversation events that are not customer messages and never open an interaction: typing
 * indicators (shown live to the handling agent, never stored), messages the business sent on the
 * platform itself (recorded in history as the business's), and LINE reply tokens on follow events.
 */
import { enqueueActions } from 'xstate';
import type { CustomerSignal, MessageEchoed, TypingIndicated } from '../protocol/channels.js';
import { messageIdOf } from './conversation-ids.js';
import type { ConversationContext } from './conversation-threading.js';
import { appendHistory } from './reply-window-region.js';
import { agentTopic } from './routing-fx.js';

type Enq = ((action: { type: string; params?: unknown }) => void) & { assign: (a: unknown) => void };
type Args<E> = { context: ConversationContext; event: E; enqueue: Enq };

/** A typing indicator: a live update on the handling agent's feed; nothing stored, no state change. */
export const notifyTyping: never = enqueueActions((args) => {
  const { context, event: e, enqueue } = args as unknown as Args<TypingIndicated>;
  const cur = context.current;
  if (!cur?.agentId) return; // nobody is handling the conversation: there is no one to show it to
  enqueue({
    type: 'notify',
    params: {
      topic: agentTopic(cur.agentId),
      data: {
        kind: 'typing',
        interactionId: cur.interactionId,
        conversationKey: context.address.conversationKey,
        by: e.by,
        active: e.active,
        ...(e.originatingEntity ? { originatingEntity: e.originatingEntity } : {}),
        ...(e.durationMs !== undefined ? { durationMs: e.durationMs } : {}),
      },
    },
  });
}) as never;

/** A message the business sent on the platform (a Genesys agent or bot): history as outbound, already sent. */
export const recordEchoed: never = enqueueActions((args) => {
  const { context, event: e, enqueue } = args as unknown as Args<MessageEchoed>;
  const seq = context.seq;
  const interactionId = context.current?.interactionId;
  appendHistory(enqueue, context, {
    seq,
    messageId: messageIdOf(context.address.convId, seq),
    at: e.at,
    direction: 'outbound',
    kind: e.kind,
    platformMessageId: e.messageId,
    status: 'sent',
    statusAt: e.at,
    sender: {
      kind: 'business',
      originatingEntity: e.originatingEntity,
      ...(e.senderName ? { name: e.senderName } : {}),
    },
    ...(interactionId ? { interactionId } : {}),
    ...(e.text !== undefined ? { text: e.text } : {}),
    ...(e.media ? { media: e.media } : {}),
  });
  enqueue.assign({ seq: seq + 1 });
}) as never;

/** A LINE follow event's reply token: a reply within its life uses it (as after a customer message). */
export const rememberReplyToken: never = enqueueActions((args) => {
  const { context, event: e, enqueue } = args as unknown as Args<CustomerSignal>;
  if (!e.replyToken || context.policy.replyTokenMs === undefined) return;
  enqueue.assign({
    window: { ...context.window, lastInboundId: e.replyToken, lastInboundAt: e.at, replyTokenUsed: false },
  });
}) as never;
