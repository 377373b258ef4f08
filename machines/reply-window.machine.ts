/**
 * The generic reply-window policy machine on its own (one conversation's window, keyed like a
 * conversation). Test authors import it to generate paths per channel policy; the conversation
 * machine hosts the very same region next to threading.
 */
import { setup } from 'xstate';
import type { InboundEvent } from '../protocol/channels.js';
import { policyFor, type ChannelPolicy } from './channel-policies.js';
import { convIdOf, parseConversationKey } from './conversation-ids.js';
import { effectActions } from './effects.js';
import { initialWindow, type ReplyContext, type ReplyRequested } from './reply-policy.js';
import { replyWindowDelays, replyWindowRegion } from './reply-window-region.js';

/** Input: the conversation key (`<channel>:<integration>:<user>`) and optional policy overrides. */
export interface ReplyWindowInput {
  readonly conversationKey: string;
  readonly policy?: Partial<ChannelPolicy>;
}

/** Events the window reacts to (timer events `xstate.after.*` come from the host). */
export type ReplyWindowEvent = InboundEvent | ReplyRequested | { type: `xstate.after.${string}`; at?: number };

/** Builds the starting context for a conversation key; throws on a malformed key. */
export function replyContextFor(conversationKey: string, override?: Partial<ChannelPolicy>): ReplyContext {
  const parsed = parseConversationKey(conversationKey);
  if (!parsed)
    throw new TypeError(
      `conversation key "${conversationKey}" is not <channel>:<integrationId>:<channelUserId> with a known channel`,
    );
  const policy = policyFor(parsed.channel, override);
  return {
    address: { ...parsed, conversationKey, convId: convIdOf(conversationKey) },
    policy,
    window: initialWindow(policy),
    seq: 0,
  };
}

/** The standalone reply-window machine. */
export const replyWindowMachine = setup({
  types: {} as { context: ReplyContext; events: ReplyWindowEvent; input: ReplyWindowInput },
  actions: { ...effectActions },
  delays: { ...replyWindowDelays } as never,
}).createMachine({
  id: 'reply-window',
  context: ({ input }) => replyContextFor(input.conversationKey, input.policy),
  ...(replyWindowRegion() as object),
});

/** The reply-window machine's type. */
export type ReplyWindowMachine = typeof replyWindowMachine;
