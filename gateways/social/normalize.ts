/** Public posts into canonical messages: X `tweet_create_events` and Facebook `feed` changes. */
import { z } from 'zod';
import type { MessageReceived } from '../../protocol/channels.js';
import type { Integration, WebhookRequest } from '../channel.js';
import { millis, parseJsonBody, secondsToMs } from '../parse.js';

const tweet = z
  .object({
    id_str: z.string().min(1),
    created_at: z.string().optional(),
    timestamp_ms: z.union([z.string(), z.number()]).optional(),
    text: z.string().optional(),
    extended_tweet: z.object({ full_text: z.string() }).passthrough().optional(),
    in_reply_to_status_id_str: z.string().nullish(),
    retweeted_status: z.unknown().optional(),
    user: z
      .object({ id_str: z.string().min(1), name: z.string().optional(), screen_name: z.string().optional() })
      .passthrough(),
  })
  .passthrough();
const xBody = z
  .object({ for_user_id: z.string().min(1), tweet_create_events: z.array(tweet).optional() })
  .passthrough();

/** X mentions and replies to the account (its own tweets and retweets dropped). */
export function normalizeXMentions(req: WebhookRequest, integration: Integration): MessageReceived[] {
  const p = parseJsonBody(req.rawBody, xBody);
  const out: MessageReceived[] = [];
  for (const t of p.tweet_create_events ?? []) {
    if (t.user.id_str === p.for_user_id || t.retweeted_status) continue;
    const at = millis(t.timestamp_ms) ?? (t.created_at ? Date.parse(t.created_at) : NaN);
    out.push({
      type: 'message.received',
      channel: 'social',
      integrationId: integration.id,
      channelUserId: t.user.id_str,
      messageId: t.id_str,
      at: Number.isFinite(at) ? at : 0,
      kind: 'text',
      text: t.extended_tweet?.full_text ?? t.text ?? '',
      ...(t.user.name ? { displayName: t.user.name } : {}),
      public: { postId: t.id_str, ...(t.in_reply_to_status_id_str ? { parentId: t.in_reply_to_status_id_str } : {}) },
    });
  }
  return out;
}

const feedValue = z
  .object({
    item: z.string(),
    verb: z.string(),
    post_id: z.string().optional(),
    comment_id: z.string().optional(),
    parent_id: z.string().optional(),
    message: z.string().optional(),
    photo: z.string().optional(),
    link: z.string().optional(),
    created_time: z.union([z.number(), z.string()]).optional(),
    from: z
      .object({ id: z.string().min(1), name: z.string().optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();
const fbBody = z
  .object({
    object: z.literal('page'),
    entry: z.array(
      z
        .object({
          id: z.string(),
          time: z.number().optional(),
          changes: z.array(z.object({ field: z.string(), value: z.unknown() }).passthrough()).optional(),
        })
        .passthrough(),
    ),
  })
  .passthrough();

const POST_ITEMS = new Set(['post', 'status', 'photo', 'video', 'comment']);

/** Facebook page posts and comments by visitors (the page's own, edits and removals dropped). */
export function normalizeFacebookFeed(req: WebhookRequest, integration: Integration): MessageReceived[] {
  const p = parseJsonBody(req.rawBody, fbBody);
  const out: MessageReceived[] = [];
  for (const entry of p.entry) {
    for (const change of entry.changes ?? []) {
      if (change.field !== 'feed') continue;
      const parsed = feedValue.safeParse(change.value);
      if (!parsed.success) continue; // feed changes of other shapes (reactions, likes) carry no text
      const v = parsed.data;
      if (v.verb !== 'add' || !POST_ITEMS.has(v.item) || !v.from || v.from.id === entry.id) continue;
      const id = v.item === 'comment' ? v.comment_id : v.post_id;
      if (!id || !v.post_id) continue;
      const media = v.photo ?? v.link;
      out.push({
        type: 'message.received',
        channel: 'social',
        integrationId: integration.id,
        channelUserId: v.from.id,
        messageId: id,
        at: secondsToMs(v.created_time) ?? entry.time ?? 0,
        kind: media && !v.message ? 'media' : 'text',
        text: v.message ?? '',
        ...(media ? { media: [{ url: media }] } : {}),
        ...(v.from.name ? { displayName: v.from.name } : {}),
        public: { postId: v.post_id, ...(v.item === 'comment' ? { parentId: v.parent_id ?? v.post_id } : {}) },
      });
    }
  }
  return out;
}
