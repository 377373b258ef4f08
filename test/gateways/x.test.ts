import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Integration } from '../../gateways/channel.js';
import { xAdapter } from '../../gateways/x/adapter.js';
import { testApp, xSignature } from './support.js';

const SECRET = 'x_consumer_secret';
const ME = '3001969357';
const CUSTOMER = '944480690';
const xi: Integration = { id: 'acct1', channel: 'x', secret: SECRET, credentials: { accessToken: 'user-token' } };
const PATH = '/webhooks/x/acct1';

const dm = (id: string, sender: string, data: Record<string, unknown>) => ({
  type: 'message_create',
  id,
  created_timestamp: '1510698990231',
  message_create: {
    target: { recipient_id: sender === ME ? CUSTOMER : ME },
    sender_id: sender,
    source_app_id: '268278',
    message_data: { entities: { hashtags: [], symbols: [], user_mentions: [], urls: [] }, ...data },
  },
});

describe('X Account Activity webhooks', () => {
  it('answers the CRC check with the base64 HMAC of crc_token', async () => {
    const { app } = testApp(xAdapter, [xi]);
    const res = await app.request(`${PATH}?crc_token=challenge-abc`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      response_token: `sha256=${createHmac('sha256', SECRET).update('challenge-abc').digest('base64')}`,
    });
    expect((await app.request(PATH)).status).toBe(400);
  });

  it("normalizes DMs (text, quick reply, media), read receipts and follows; drops the account's own DMs", async () => {
    const { post, publisher } = testApp(xAdapter, [xi]);
    const raw = JSON.stringify({
      for_user_id: ME,
      direct_message_events: [
        dm('1060631', CUSTOMER, { text: 'Where is my order?' }),
        dm('1060632', CUSTOMER, { text: 'Yes', quick_reply_response: { type: 'options', metadata: 'confirm_yes' } }),
        dm('1060633', CUSTOMER, {
          text: 'look https://t.co/abc',
          attachment: {
            type: 'media',
            media: {
              id_str: '9391',
              media_url_https: 'https://ton.twitter.com/1.1/ton/data/dm/1/2/a.jpg',
              type: 'photo',
            },
          },
        }),
        dm('1060634', ME, { text: 'our reply (copy of a sent DM)' }),
      ],
      direct_message_mark_read_events: [
        {
          created_timestamp: '1510698991000',
          sender_id: CUSTOMER,
          target: { recipient_id: ME },
          last_read_event_id: '1060700',
        },
      ],
      direct_message_indicate_typing_events: [
        { created_timestamp: '1518127183443', sender_id: CUSTOMER, target: { recipient_id: ME } },
      ],
      follow_events: [
        {
          type: 'follow',
          created_timestamp: '1517588749178',
          target: { id: ME },
          source: { id: CUSTOMER, name: 'Ola' },
        },
      ],
      users: { [CUSTOMER]: { id: CUSTOMER, name: 'Ola Customer', screen_name: 'ola' } },
    });
    const res = await post(PATH, raw, { 'x-twitter-webhooks-signature': xSignature(raw, SECRET) });
    expect(res.status).toBe(200);
    const e = publisher.events;
    expect(e.map((x) => x.kind ?? x.type)).toEqual([
      'text',
      'postback',
      'media',
      'receipt.received',
      'typing.indicated',
      'contact.followed',
    ]);
    expect(e[0]).toMatchObject({
      channel: 'x',
      channelUserId: CUSTOMER,
      messageId: '1060631',
      at: 1510698990231,
      displayName: 'Ola Customer',
    });
    expect(e[1]).toMatchObject({ postback: { payload: 'confirm_yes', title: 'Yes' } });
    expect(e[2]).toMatchObject({ media: [{ id: '9391', mimeType: 'photo' }] });
    expect(e[3]).toMatchObject({ status: 'read', providerMessageIds: ['1060700'] });
    expect(e[4]).toMatchObject({ channelUserId: CUSTOMER, at: 1518127183443, active: true, by: 'customer' });
    expect(e.some((x) => x.messageId === '1060634')).toBe(false);
  });

  it('refuses hex (Meta-style) signatures and tampered bodies', async () => {
    const { post } = testApp(xAdapter, [xi]);
    const raw = JSON.stringify({ for_user_id: ME, direct_message_events: [dm('1', CUSTOMER, { text: 'hi' })] });
    const hex = `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`;
    expect((await post(PATH, raw, { 'x-twitter-webhooks-signature': hex })).status).toBe(401);
    expect(
      (await post(PATH, raw.replace('hi', 'ho'), { 'x-twitter-webhooks-signature': xSignature(raw, SECRET) })).status,
    ).toBe(401);
  });
});
