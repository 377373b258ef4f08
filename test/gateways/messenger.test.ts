import { describe, expect, it } from 'vitest';
import type { Integration } from '../../gateways/channel.js';
import { messengerAdapter } from '../../gateways/messenger/adapter.js';
import { metaSignature, testApp } from './support.js';

const SECRET = 'fb_app_secret';
const PAGE = '112233445566';
const fb: Integration = {
  id: 'page1',
  channel: 'messenger',
  secret: SECRET,
  credentials: { verifyToken: 'vt', pageId: PAGE, accessToken: 'tok' },
};
const PATH = '/webhooks/messenger/page1';
const PSID = '6789012345678901';

const ev = (extra: Record<string, unknown>, ts = 1458692752478) => ({
  sender: { id: PSID },
  recipient: { id: PAGE },
  timestamp: ts,
  ...extra,
});
const body = (messaging: unknown[]) =>
  JSON.stringify({ object: 'page', entry: [{ id: PAGE, time: 1458692752478, messaging }] })
    // Meta escapes slashes in URLs on the wire.
    .replaceAll('https://', 'https:\\/\\/');

describe('Messenger webhooks', () => {
  it('normalizes text, quick replies, attachments, location, postbacks, receipts, reactions and opt-ins; drops echoes', async () => {
    const { post, publisher } = testApp(messengerAdapter, [fb]);
    const raw = body([
      ev({ message: { mid: 'm_text', text: 'hello, world!' } }),
      ev({ message: { mid: 'm_qr', text: 'Red', quick_reply: { payload: 'COLOR_RED' } } }),
      ev({
        message: {
          mid: 'm_img',
          attachments: [{ type: 'image', payload: { url: 'https://scontent.xx.fbcdn.net/v/a.jpg' } }],
        },
      }),
      ev({
        message: {
          mid: 'm_loc',
          attachments: [{ type: 'location', payload: { title: 'Home', coordinates: { lat: 48.85, long: 2.35 } } }],
        },
      }),
      ev({ postback: { mid: 'm_pb', title: 'Get Started', payload: 'GET_STARTED' } }),
      // As Meta sends them: a delivery has no timestamp; a read has one, and a watermark for what was read.
      {
        sender: { id: PSID },
        recipient: { id: PAGE },
        delivery: { mids: ['m_out1', 'm_out2'], watermark: 1458668856253 },
      },
      ev({ read: { watermark: 1458668856299 } }, 1458692752490),
      ev({ reaction: { mid: 'm_out1', action: 'react', reaction: 'love', emoji: '❤️' } }),
      ev({ optin: { ref: 'PASS_THROUGH' } }),
      {
        sender: { id: PAGE },
        recipient: { id: PSID },
        timestamp: 1458692752479,
        message: { is_echo: true, app_id: 1517776481860111, metadata: 'agent', mid: 'm_echo', text: 'our reply' },
      },
      ev({
        message: {
          mid: 'm_ad',
          text: 'from the ad',
          referral: { ref: 'r', source: 'ADS', type: 'OPEN_THREAD', ad_id: '6045246247433' },
        },
      }),
    ]);
    const res = await post(PATH, raw, { 'x-hub-signature-256': metaSignature(raw, SECRET) });
    expect(res.status).toBe(200);
    const e = publisher.events;
    expect(e.map((x) => x.kind ?? `${x.type}:${x.status ?? ''}`)).toEqual([
      'text',
      'postback',
      'media',
      'location',
      'postback',
      'receipt.received:delivered',
      'receipt.received:read',
      'reaction',
      'contact.opted_in:',
      'text',
    ]);
    expect(e[0]).toMatchObject({
      channel: 'messenger',
      integrationId: 'page1',
      channelUserId: PSID,
      messageId: 'm_text',
      at: 1458692752478,
      text: 'hello, world!',
    });
    expect(e[1]).toMatchObject({ postback: { payload: 'COLOR_RED', title: 'Red' } });
    expect(e[2]).toMatchObject({ media: [{ url: 'https://scontent.xx.fbcdn.net/v/a.jpg', mimeType: 'image' }] });
    expect(e[3]).toMatchObject({ location: { latitude: 48.85, longitude: 2.35, name: 'Home' } });
    expect(e[4]).toMatchObject({ messageId: 'm_pb', postback: { payload: 'GET_STARTED', title: 'Get Started' } });
    expect(e[5]).toMatchObject({
      providerMessageIds: ['m_out1', 'm_out2'],
      watermark: 1458668856253,
      at: 1458692752478, // the entry's time
    });
    expect(e[6]).toMatchObject({ messageId: 'read:1458668856299', watermark: 1458668856299, at: 1458692752490 });
    expect(e[9]).toMatchObject({ referral: { source: 'ad', ref: '6045246247433' } });
    expect(e.some((x) => x.messageId === 'm_echo')).toBe(false);
  });

  it('refuses an Instagram payload sent to a Messenger integration and a bad signature', async () => {
    const { post } = testApp(messengerAdapter, [fb]);
    const raw = JSON.stringify({ object: 'instagram', entry: [] });
    const res = await post(PATH, raw, { 'x-hub-signature-256': metaSignature(raw, SECRET) });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('body_invalid');
    const forged = await post(PATH, raw, { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` });
    expect(forged.status).toBe(401);
  });
});
