/** Deterministic ids of a conversation: its short id, interaction ids, message ids, history pages. */
import type { Channel } from '../protocol/channels.js';
import { isChannel } from '../protocol/channels.js';

/** Messages per history page actor (bounded snapshots: one page is rewritten per event). */
export const HISTORY_PAGE_SIZE = 100;

function fnv1a(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A 64-bit hex id of a conversation key (two FNV-1a hashes with different seeds). */
export function convIdOf(conversationKey: string): string {
  return (
    fnv1a(conversationKey, 0x811c9dc5).toString(16).padStart(8, '0') +
    fnv1a(conversationKey, 0x050c5d1f).toString(16).padStart(8, '0')
  );
}

/** The live-update topic of one conversation: every history entry and delivery status, for open workspaces. */
export function conversationTopic(convId: string): string {
  return `conversation.${convId}`;
}

/** The id of the n-th interaction (1-based) of a conversation. */
export function interactionIdOf(convId: string, n: number): string {
  return `ix_${convId}_${n}`;
}

/** The id of the history entry with sequence `seq`: also the outbound message id. */
export function messageIdOf(convId: string, seq: number): string {
  return `${convId}.${seq}`;
}

/** The sequence number of one of this conversation's message ids, or undefined. */
export function seqOfMessageId(convId: string, messageId: string): number | undefined {
  if (!messageId.startsWith(`${convId}.`)) return undefined;
  const n = Number(messageId.slice(convId.length + 1));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** The history page actor key holding entry `seq` of a conversation. */
export function historyKey(conversationKey: string, page: number): string {
  return `${conversationKey}|${page}`;
}

/** The page number of a sequence number. */
export function pageOf(seq: number): number {
  return Math.floor(seq / HISTORY_PAGE_SIZE);
}

/** Splits a conversation key `<channel>:<integration>:<user>` (the user id may contain ':'). */
export function parseConversationKey(
  key: string,
): { channel: Channel; integrationId: string; channelUserId: string } | undefined {
  const a = key.indexOf(':');
  const b = a < 0 ? -1 : key.indexOf(':', a + 1);
  if (a < 0 || b < 0) return undefined;
  const channel = key.slice(0, a);
  const integrationId = key.slice(a + 1, b);
  const channelUserId = key.slice(b + 1);
  if (!isChannel(channel) || !integrationId || !channelUserId) return undefined;
  return { channel, integrationId, channelUserId };
}
