import { describe, expect, it } from 'vitest';
import type { Integration } from '../../gateways/channel.js';
import { instagramAdapter } from '../../gateways/instagram/adapter.js';
import { metaSignature, testApp } from './support.js';

const SECRET = 'ig_app_secret';
const IG = '17841400000000000';
const ig: Integration = {
  id: 'ig1',
  channel: 'instagram',
  secret: SECRET,
  credentials: { verifyToken: 'vt', accountId: IG, accessToken: 'tok' },
};
const PATH = '/webhooks/instagram/ig1';
const IGSID = '1234567890123456';
const ev = (extra: Record<string, unknown>) => ({
  sender: { id: IGSID },
  recipient: { id: IG },
  timestamp: 1603059201000,
  ...extra,
});
const body = (messaging: unknown[]) =>
  JSON.stringify({ object: 'instagram', entry: [{ id: IG, time: 1603059201000, messaging }] });

describe('Instagram webhooks', () => {
  it('normalizes text, media, story mentions, seen, reactions and unsend; drops echoes', async () => {
    const { post, publisher } = testApp(instagramAdapter, [ig]);
    const raw = body([
      ev({ message: { mid: 'aWdfZAG1faXRlbToxOklHTWVz', text: 'is this available?' } }),
      ev({
        message: {
          mid: 'aWdfmedia',
          attachments: [
            { type: 'image', payload: { url: 'https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1' } },
          ],
        },
      }),
      ev({
        message: {
          mid: 'aWdfstory',
          attachments: [{ type: 'story_mention', payload: { url: 'https://lookaside.fbsbx.com/story' } }],
        },
      }),
      ev({ read: { mid: 'aWdfOUT' } }),
      ev({ reaction: { mid: 'aWdfOUT', action: 'unreact' } }),
      ev({ message: { mid: 'aWdfZAG1faXRlbToxOklHTWVz', is_deleted: true } }),
      {
        sender: { id: IG },
        recipient: { id: IGSID },
        timestamp: 1603059201001,
        message: { mid: 'aWdfecho', text: 'thanks!', is_echo: true },
      },
      ev({ message: { mid: 'aWdfecho2', text: 'echo flagged only', is_echo: true } }),
    ]);
    expect((await post(PATH, raw, { 'x-hub-signature-256': metaSignature(raw, SECRET) })).status).toBe(200);
    const e = publisher.events;
    expect(e.map((x) => x.kind ?? x.type)).toEqual([
      'text',
      'media',
      'media',
      'receipt.received',
      'reaction',
      'message.unsent',
    ]);
    expect(e[3]).toMatchObject({ status: 'read', messageId: 'read:aWdfOUT', providerMessageIds: ['aWdfOUT'] });
    expect(e[4].text).toBeUndefined();
    // The unsend is its own event (not swallowed as a duplicate of the original message).
    expect(e[5]).toMatchObject({
      unsentMessageId: 'aWdfZAG1faXRlbToxOklHTWVz',
      messageId: 'aWdfZAG1faXRlbToxOklHTWVz:deleted',
      channelUserId: IGSID,
    });
    expect(publisher.envelopes.map((x) => x.id)).toContain('instagram:ig1:aWdfZAG1faXRlbToxOklHTWVz:deleted');
  });

  it('has a 1000-byte UTF-8 limit', () => {
    expect(instagramAdapter.length).toEqual({ max: 1000, unit: 'utf8-bytes', split: true });
  });
});
