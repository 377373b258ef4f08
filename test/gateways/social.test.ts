import { describe, expect, it } from 'vitest';
import type { Integration } from '../../gateways/channel.js';
import { matchKeywords, socialAdapter } from '../../gateways/social/adapter.js';
import { metaSignature, testApp, xSignature } from './support.js';

const PAGE = '101010';
const fbSocial: Integration = {
  id: 'fbpage',
  channel: 'social',
  secret: 'fb_secret',
  credentials: { verifyToken: 'vt', accessToken: 'page-token', pageId: PAGE },
  options: { platform: 'facebook', keywords: ['refund', 'broken', 'customer service'] },
};
const xSocial: Integration = {
  id: 'xbrand',
  channel: 'social',
  secret: 'x_secret',
  credentials: { accessToken: 'u' },
  options: { platform: 'x', keywords: ['help'] },
};

const feed = (value: Record<string, unknown>) => ({ field: 'feed', value });

describe('public social posts', () => {
  it("keeps Facebook posts and comments that contain a keyword; drops the page's own, edits and others", async () => {
    const { post, publisher } = testApp(socialAdapter, [fbSocial]);
    const raw = JSON.stringify({
      object: 'page',
      entry: [
        {
          id: PAGE,
          time: 1700000000,
          changes: [
            feed({
              item: 'comment',
              verb: 'add',
              post_id: `${PAGE}_555`,
              comment_id: '555_901',
              parent_id: `${PAGE}_555`,
              message: 'My blender arrived BROKEN, I want a refund!',
              from: { id: '24242424', name: 'Alex' },
              created_time: 1700000001,
            }),
            feed({
              item: 'status',
              verb: 'add',
              post_id: `${PAGE}_556`,
              message: 'Who do I call for customer service?',
              from: { id: '31313131', name: 'Kim' },
              created_time: 1700000002,
            }),
            feed({
              item: 'comment',
              verb: 'add',
              post_id: `${PAGE}_555`,
              comment_id: '555_902',
              message: 'Love this product',
              from: { id: '24242425' },
              created_time: 1700000003,
            }),
            feed({
              item: 'comment',
              verb: 'add',
              post_id: `${PAGE}_555`,
              comment_id: '555_903',
              message: 'We can help with the refund',
              from: { id: PAGE },
              created_time: 1700000004,
            }),
            feed({
              item: 'comment',
              verb: 'edited',
              post_id: `${PAGE}_555`,
              comment_id: '555_901',
              message: 'refund please',
              from: { id: '24242424' },
              created_time: 1700000005,
            }),
            feed({ item: 'reaction', verb: 'add', reaction_type: 'like', from: { id: '1' }, post_id: `${PAGE}_555` }),
          ],
        },
      ],
    });
    expect(
      (await post('/webhooks/social/fbpage', raw, { 'x-hub-signature-256': metaSignature(raw, 'fb_secret') })).status,
    ).toBe(200);
    expect(publisher.events).toEqual([
      expect.objectContaining({
        channel: 'social',
        channelUserId: '24242424',
        messageId: '555_901',
        at: 1700000001000,
        public: { postId: `${PAGE}_555`, parentId: `${PAGE}_555`, keywords: ['refund', 'broken'] },
      }),
      expect.objectContaining({
        channelUserId: '31313131',
        messageId: `${PAGE}_556`,
        public: { postId: `${PAGE}_556`, keywords: ['customer service'] },
      }),
    ]);
  });

  it("keeps X mentions with a keyword, drops the brand's own tweets and retweets", async () => {
    const { post, publisher } = testApp(socialAdapter, [xSocial]);
    const tweet = (id: string, user: string, text: string, extra: Record<string, unknown> = {}) => ({
      id_str: id,
      created_at: 'Wed Oct 10 20:19:24 +0000 2018',
      timestamp_ms: '1539202764000',
      text,
      user: { id_str: user, name: `u${user}`, screen_name: `u${user}` },
      ...extra,
    });
    const raw = JSON.stringify({
      for_user_id: '777',
      tweet_create_events: [
        tweet('1050118621198921728', '888', '@brand I need help with my account'),
        tweet('1050118621198921729', '889', '@brand nice ad'),
        tweet('1050118621198921730', '777', '@someone we can help'),
        tweet('1050118621198921731', '890', 'RT @x: help', { retweeted_status: { id_str: '1' } }),
        tweet('1050118621198921732', '891', '@brand', {
          extended_tweet: { full_text: '@brand a long tweet asking for HELP, please' },
          in_reply_to_status_id_str: '1050118621198921700',
        }),
      ],
    });
    expect(
      (await post('/webhooks/social/xbrand', raw, { 'x-twitter-webhooks-signature': xSignature(raw, 'x_secret') }))
        .status,
    ).toBe(200);
    expect(
      publisher.events.map((e) => [e.messageId, e.channelUserId, (e.public as { keywords: string[] }).keywords]),
    ).toEqual([
      ['1050118621198921728', '888', ['help']],
      ['1050118621198921732', '891', ['help']],
    ]);
    expect(publisher.events[1]).toMatchObject({
      text: '@brand a long tweet asking for HELP, please',
      public: { parentId: '1050118621198921700' },
      at: 1539202764000,
    });
  });

  it('matches whole words and phrases only; no keywords keeps everything', () => {
    expect(matchKeywords('refunds are slow', ['refund'])).toBeUndefined();
    expect(matchKeywords('a Refund, now.', ['refund'])).toEqual(['refund']);
    expect(matchKeywords('anything', [])).toEqual([]);
  });

  it("answers each platform's handshake", async () => {
    const { app } = testApp(socialAdapter, [fbSocial, xSocial]);
    expect(
      await (
        await app.request('/webhooks/social/fbpage?hub.mode=subscribe&hub.challenge=42&hub.verify_token=vt')
      ).text(),
    ).toBe('42');
    expect((await (await app.request('/webhooks/social/xbrand?crc_token=t')).json()).response_token).toMatch(
      /^sha256=/,
    );
  });
});
