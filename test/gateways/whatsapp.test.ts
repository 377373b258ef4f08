import { describe, expect, it } from 'vitest';
import type { Integration } from '../../gateways/channel.js';
import { whatsappAdapter } from '../../gateways/whatsapp/adapter.js';
import { whatsappBody } from '../../gateways/whatsapp/message.js';
import { metaSignature, testApp } from './support.js';

const SECRET = 'wa_app_secret';
const wa: Integration = {
  id: 'wa1',
  channel: 'whatsapp',
  secret: SECRET,
  credentials: { verifyToken: 'vt-123', phoneNumberId: '106540352242922', accessToken: 'tok' },
  options: { optOutKeywords: ['STOP'] },
};
const PATH = '/webhooks/whatsapp/wa1';

function notification(value: Record<string, unknown>): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
              ...value,
            },
          },
        ],
      },
    ],
  });
}
const contacts = [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }];
const msg = (id: string, type: string, extra: Record<string, unknown>) => ({
  from: '16505551234',
  id,
  timestamp: '1749416383',
  type,
  ...extra,
});

describe('WhatsApp webhooks', () => {
  it('answers the hub.challenge handshake only with the right verify token', async () => {
    const { app } = testApp(whatsappAdapter, [wa]);
    const ok = await app.request(`${PATH}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=vt-123`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const bad = await app.request(`${PATH}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=nope`);
    expect(bad.status).toBe(403);
    expect((await bad.json()).error.code).toBe('handshake_refused');
  });

  it('normalizes every inbound kind, several messages per webhook, keeping wamids', async () => {
    const { post, publisher } = testApp(whatsappAdapter, [wa]);
    const body = notification({
      contacts,
      messages: [
        msg('wamid.T1', 'text', { text: { body: 'Does it come in another color?' } }),
        msg('wamid.I1', 'image', {
          image: { caption: 'this one', mime_type: 'image/jpeg', sha256: 'abc', id: '1003383421387256' },
        }),
        msg('wamid.L1', 'location', {
          location: { latitude: 37.483307, longitude: -122.148981, name: 'Pablo Morales', address: '1 Hacker Way' },
        }),
        msg('wamid.C1', 'contacts', {
          contacts: [
            {
              name: { formatted_name: 'Barbara Johnson' },
              phones: [{ phone: '+1 (650) 555-1234', wa_id: '16505551234' }],
            },
          ],
        }),
        msg('wamid.B1', 'interactive', {
          interactive: { type: 'button_reply', button_reply: { id: 'yes-btn', title: 'Yes' } },
        }),
        msg('wamid.Q1', 'button', { button: { payload: 'TRACK', text: 'Track order' } }),
        msg('wamid.S1', 'sticker', { sticker: { mime_type: 'image/webp', id: '7788', animated: false } }),
        msg('wamid.R1', 'reaction', { reaction: { message_id: 'wamid.OUT', emoji: '👍' } }),
        msg('wamid.U1', 'unsupported', { errors: [{ code: 131051 }] }),
        msg('wamid.O1', 'text', { text: { body: 'stop' } }),
        msg('wamid.A1', 'text', {
          text: { body: 'hi from the ad' },
          referral: { source_url: 'https://fb.me/x', source_id: 'ad-42', source_type: 'ad' },
        }),
      ],
    });
    const res = await post(PATH, body, { 'x-hub-signature-256': metaSignature(body, SECRET) });
    expect(res.status).toBe(200);
    const ev = publisher.events;
    expect(ev.map((e) => e.kind ?? e.type)).toEqual([
      'text',
      'media',
      'location',
      'contact',
      'postback',
      'postback',
      'sticker',
      'reaction',
      'unsupported',
      'contact.opted_out',
      'text',
    ]);
    expect(ev[0]).toMatchObject({
      type: 'message.received',
      channel: 'whatsapp',
      integrationId: 'wa1',
      channelUserId: '16505551234',
      messageId: 'wamid.T1',
      at: 1749416383000,
      displayName: 'Sheena Nelson',
      text: 'Does it come in another color?',
      receivedAt: 1_700_000_000_000,
    });
    expect(ev[1]).toMatchObject({ media: [{ id: '1003383421387256', mimeType: 'image/jpeg', caption: 'this one' }] });
    expect(ev[2]).toMatchObject({ location: { latitude: 37.483307, longitude: -122.148981, name: 'Pablo Morales' } });
    expect(ev[4]).toMatchObject({ postback: { payload: 'yes-btn', title: 'Yes' } });
    expect(ev[5]).toMatchObject({ postback: { payload: 'TRACK', title: 'Track order' } });
    expect(ev[7]).toMatchObject({ text: '👍' });
    expect(ev[10]).toMatchObject({ referral: { source: 'ad', ref: 'ad-42' } });
    expect(publisher.envelopes[0]).toMatchObject({
      id: 'whatsapp:wa1:wamid.T1',
      to: { type: 'conversation', key: 'whatsapp:wa1:16505551234' },
    });
  });

  it('turns statuses into receipts, never downgrading ids, and maps 131047 failures', async () => {
    const { post, publisher } = testApp(whatsappAdapter, [wa]);
    const body = notification({
      statuses: [
        { id: 'wamid.OUT1', status: 'sent', timestamp: '1750263773', recipient_id: '16505551234' },
        { id: 'wamid.OUT1', status: 'delivered', timestamp: '1750263774', recipient_id: '16505551234' },
        { id: 'wamid.OUT1', status: 'read', timestamp: '1750263775', recipient_id: '16505551234' },
        {
          id: 'wamid.OUT2',
          status: 'failed',
          timestamp: '1750263776',
          recipient_id: '16505551234',
          errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message' }],
        },
      ],
    });
    expect((await post(PATH, body, { 'x-hub-signature-256': metaSignature(body, SECRET) })).status).toBe(200);
    expect(publisher.events).toEqual([
      expect.objectContaining({
        type: 'receipt.received',
        status: 'delivered',
        messageId: 'wamid.OUT1:delivered',
        providerMessageIds: ['wamid.OUT1'],
        at: 1750263774000,
      }),
      expect.objectContaining({ type: 'receipt.received', status: 'read', messageId: 'wamid.OUT1:read' }),
      expect.objectContaining({
        status: 'failed',
        reason: { code: 'reply_window_closed', message: 'Re-engagement message', providerCode: '131047' },
      }),
    ]);
  });

  it('verifies over the raw bytes (escaped unicode as Meta sends it), refuses tampering and replays nothing twice', async () => {
    const { post, publisher } = testApp(whatsappAdapter, [wa]);
    // Meta escapes non-ASCII: hashing re-serialised JSON would give another signature.
    const body = notification({
      contacts,
      messages: [msg('wamid.U', 'text', { text: { body: 'PLACEHOLDER' } })],
    }).replace('PLACEHOLDER', '\\u00e4\\u00f6\\u00e5 caf\\u00e9');
    const sig = metaSignature(body, SECRET);
    expect((await post(PATH, body, { 'x-hub-signature-256': sig })).status).toBe(200);
    expect(publisher.events[0].text).toBe('äöå café');
    expect((await post(PATH, body, { 'x-hub-signature-256': sig })).status).toBe(200); // platform retry
    expect(publisher.envelopes).toHaveLength(1);
    const tampered = body.replace('caf', 'cof');
    const r = await post(PATH, tampered, { 'x-hub-signature-256': sig });
    expect(r.status).toBe(401);
    expect((await r.json()).error.code).toBe('signature_invalid');
    const missing = await post(PATH, body, {});
    expect((await missing.json()).error.code).toBe('signature_missing');
    const other = await post(PATH, body, { 'x-hub-signature-256': metaSignature(body, 'another_secret') });
    expect(other.status).toBe(401);
  });

  it('refuses malformed, wrong-shaped, oversized bodies and unknown integrations with JSON reasons', async () => {
    const { post, publisher } = testApp(whatsappAdapter, [wa], 4096);
    const cases: [string, string, number, string][] = [
      [PATH, '{"object":"whatsapp_business_account","entry":[', 400, 'body_malformed'],
      [PATH, '{"object":"page","entry":[]}', 400, 'body_invalid'],
      [
        PATH,
        JSON.stringify({
          object: 'whatsapp_business_account',
          entry: [{ changes: [{ field: 'messages', value: { messages: [{ id: 'x' }] } }] }],
        }),
        400,
        'body_invalid',
      ],
      [PATH, 'x'.repeat(5000), 413, 'body_too_large'],
      ['/webhooks/whatsapp/nope', '{}', 404, 'unknown_integration'],
      ['/webhooks/carrier-pigeon/wa1', '{}', 404, 'unknown_channel'],
    ];
    for (const [path, body, status, code] of cases) {
      const res = await post(path, body, { 'x-hub-signature-256': metaSignature(body, SECRET) });
      expect(res.status, code).toBe(status);
      expect((await res.json()).error.code).toBe(code);
    }
    const bytes = new Uint8Array([0xff, 0xfe, 0x00]);
    const res = await post(PATH, Buffer.from(bytes).toString('latin1'), {});
    expect(res.status).toBe(401);
    expect(publisher.envelopes).toHaveLength(0);
  });

  it('answers 503 when the publish is not acknowledged, so Meta retries', async () => {
    const { post, publisher } = testApp(whatsappAdapter, [wa]);
    publisher.down = true;
    const body = notification({ contacts, messages: [msg('wamid.D', 'text', { text: { body: 'hello' } })] });
    const res = await post(PATH, body, { 'x-hub-signature-256': metaSignature(body, SECRET) });
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe('nats_unavailable');
  });
});

describe('WhatsApp send bodies', () => {
  const base = {
    id: 'o1',
    channel: 'whatsapp' as const,
    integrationId: 'wa1',
    channelUserId: '16505551234',
    conversationKey: 'k',
  };
  it('sends media by link or id with the type taken from the MIME type', () => {
    expect(
      whatsappBody({
        ...base,
        kind: 'media',
        media: { url: 'https://cdn.example.test/a.jpg', mimeType: 'image/jpeg', caption: 'receipt' },
      }),
    ).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '16505551234',
      type: 'image',
      image: { link: 'https://cdn.example.test/a.jpg', caption: 'receipt' },
    });
    expect(
      whatsappBody({
        ...base,
        kind: 'media',
        media: { id: '1003383421387256', mimeType: 'application/pdf', filename: 'invoice.pdf' },
      }),
    ).toMatchObject({ type: 'document', document: { id: '1003383421387256', filename: 'invoice.pdf' } });
    expect(() => whatsappBody({ ...base, kind: 'media' })).toThrow(/media.url or media.id/);
  });
});
