/** Each rich element through each channel's delivery path to a local fake provider, in the platform's shape, and the refusals at the limits. */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appleAdapter } from '../../../gateways/apple/index.js';
import type { ChannelAdapter, Integration } from '../../../gateways/channel.js';
import { Deliverer } from '../../../gateways/delivery.js';
import { instagramAdapter } from '../../../gateways/instagram/adapter.js';
import { lineAdapter } from '../../../gateways/line/index.js';
import { messengerAdapter } from '../../../gateways/messenger/adapter.js';
import { telegramAdapter } from '../../../gateways/telegram/index.js';
import { twilioAdapter } from '../../../gateways/twilio/index.js';
import { webAdapter } from '../../../gateways/web/index.js';
import { whatsappAdapter } from '../../../gateways/whatsapp/adapter.js';
import type { Channel, OutboundMessage } from '../../../protocol/channels.js';
import type { RichMessage } from '../../../protocol/rich.js';
import { startFakeProvider, type FakeRequest } from '../fake-provider.js';

let fake: Awaited<ReturnType<typeof startFakeProvider>>;
beforeAll(async () => {
  fake = await startFakeProvider((r) => {
    if (r.path.includes('/bot')) return { status: 200, body: { ok: true, result: { message_id: 7 } } };
    if (r.path.includes('Messages.json')) return { status: 201, body: { sid: 'SM1', status: 'queued' } };
    if (r.path.includes('/v2/bot/')) return { status: 200, body: { sentMessages: [{ id: 'L1' }] } };
    return { status: 200, body: { messages: [{ id: 'wamid.1' }], message_id: 'm_1' } };
  });
});
afterAll(() => fake.close());

const CREDS: Partial<Record<Channel, Record<string, string>>> = {
  whatsapp: { phoneNumberId: 'PN1', accessToken: 't' },
  messenger: { pageId: 'PG1', accessToken: 't' },
  instagram: { accountId: 'IG1', accessToken: 't' },
  line: { accessToken: 't' },
  telegram: { botToken: '1:abc' },
  apple: { mspId: 'msp', businessId: 'biz' },
  sms: { accountSid: 'AC1', authToken: 'tok', from: '+15550001111' },
  web: {},
};

async function deliver(adapter: ChannelAdapter, rich: RichMessage, richFallback?: 'numbered_text') {
  const integration: Integration = {
    id: 'i1',
    channel: adapter.channel,
    secret: 'c2VjcmV0',
    credentials: CREDS[adapter.channel] ?? {},
    sendBaseUrl: fake.url,
    ...(richFallback ? { richFallback } : {}),
  };
  const before = fake.requests.length;
  const msg: OutboundMessage = {
    id: `o.${before}`,
    channel: adapter.channel,
    integrationId: 'i1',
    channelUserId: 'u1',
    conversationKey: `${adapter.channel}:i1:u1`,
    kind: 'rich',
    rich,
  };
  const d = new Deliverer({
    nc: undefined as never,
    adapter,
    integrations: [integration],
    publisher: { publish: async () => undefined },
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
  const status = await d.deliver(msg);
  return { status, requests: fake.requests.slice(before) as FakeRequest[] };
}

const quick = (n: number): RichMessage => ({
  type: 'quick_replies',
  text: 'Pick one',
  replies: Array.from({ length: n }, (_, i) => ({ title: `Option ${i + 1}`, payload: `OPT_${i + 1}` })),
});
const list = (rows: number): RichMessage => ({
  type: 'list',
  text: 'Our plans',
  button: 'See plans',
  sections: [
    {
      title: 'Plans',
      rows: Array.from({ length: rows }, (_, i) => ({
        title: `Plan ${i + 1}`,
        payload: `P${i + 1}`,
        description: 'monthly',
      })),
    },
  ],
});
const carousel = (cards: number): RichMessage => ({
  type: 'carousel',
  cards: Array.from({ length: cards }, (_, i) => ({
    title: `Shoe ${i + 1}`,
    subtitle: 'Red',
    imageUrl: 'https://example.test/s.png',
    buttons: [
      { type: 'postback', title: 'Buy', payload: `BUY_${i + 1}` },
      { type: 'url', title: 'Details', url: 'https://example.test/d' },
    ],
  })),
});
const buttons: RichMessage = {
  type: 'buttons',
  text: 'Need help?',
  buttons: [
    { type: 'postback', title: 'Agent', payload: 'AGENT' },
    { type: 'url', title: 'FAQ', url: 'https://example.test/faq' },
  ],
};
const picker: RichMessage = {
  type: 'datetime_picker',
  text: 'When shall we call?',
  payload: 'CALLBACK',
  mode: 'datetime',
  timeslots: [{ startAt: '2026-12-03T09:00:00Z', durationMinutes: 30 }],
};
const location: RichMessage = { type: 'location_request', text: 'Where are you?' };

describe('WhatsApp interactive', () => {
  it('quick replies become reply buttons; lists keep sections and rows; location requests', async () => {
    const q = await deliver(whatsappAdapter, quick(3));
    expect(q.status.status).toBe('sent');
    expect(q.requests[0]!.body).toMatchObject({
      messaging_product: 'whatsapp',
      to: 'u1',
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: 'Pick one' },
        action: { buttons: [{ type: 'reply', reply: { id: 'OPT_1', title: 'Option 1' } }, {}, {}] },
      },
    });
    const l = await deliver(whatsappAdapter, list(10));
    expect(l.requests[0]!.body.interactive).toEqual({
      type: 'list',
      body: { text: 'Our plans' },
      action: {
        button: 'See plans',
        sections: [
          {
            title: 'Plans',
            rows: Array.from({ length: 10 }, (_, i) => ({
              id: `P${i + 1}`,
              title: `Plan ${i + 1}`,
              description: 'monthly',
            })),
          },
        ],
      },
    });
    const loc = await deliver(whatsappAdapter, location);
    expect(loc.requests[0]!.body.interactive).toEqual({
      type: 'location_request_message',
      body: { text: 'Where are you?' },
      action: { name: 'send_location' },
    });
  });

  it('refuses a 4th button, an 11th row and a carousel with unsupported_on_channel, sending nothing', async () => {
    for (const rich of [quick(4), list(11), carousel(2)]) {
      const r = await deliver(whatsappAdapter, rich);
      expect(r.status.status).toBe('failed');
      expect(r.status.reason?.code).toBe('unsupported_on_channel');
      expect(r.requests).toHaveLength(0);
    }
  });

  it('degrades to numbered text when the integration says so, and says it did', async () => {
    const r = await deliver(whatsappAdapter, quick(4), 'numbered_text');
    expect(r.status.status).toBe('sent');
    expect(r.status.degraded?.to).toBe('numbered_text');
    expect(r.requests[0]!.body.type).toBe('text');
    expect(r.requests[0]!.body.text.body).toContain('4. Option 4');
  });
});

describe('Messenger and Instagram', () => {
  it('quick replies (≤ 13), button template and generic template', async () => {
    for (const adapter of [messengerAdapter, instagramAdapter]) {
      const q = await deliver(adapter, quick(13));
      expect(q.requests[0]!.body.message.quick_replies).toHaveLength(13);
      expect(q.requests[0]!.body.message.quick_replies[0]).toEqual({
        content_type: 'text',
        title: 'Option 1',
        payload: 'OPT_1',
      });
      const b = await deliver(adapter, buttons);
      expect(b.requests[0]!.body.message).toEqual({
        attachment: {
          type: 'template',
          payload: {
            template_type: 'button',
            text: 'Need help?',
            buttons: [
              { type: 'postback', title: 'Agent', payload: 'AGENT' },
              { type: 'web_url', url: 'https://example.test/faq', title: 'FAQ' },
            ],
          },
        },
      });
      const c = await deliver(adapter, carousel(10));
      const payload = c.requests[0]!.body.message.attachment.payload;
      expect(payload.template_type).toBe('generic');
      expect(payload.elements).toHaveLength(10);
      expect(payload.elements[0]).toMatchObject({
        title: 'Shoe 1',
        subtitle: 'Red',
        image_url: 'https://example.test/s.png',
      });
    }
  });

  it('refuses a 14th quick reply, an 11th card and a list', async () => {
    for (const rich of [quick(14), carousel(11), list(2)]) {
      const r = await deliver(messengerAdapter, rich);
      expect(r.status.reason?.code).toBe('unsupported_on_channel');
      expect(r.requests).toHaveLength(0);
    }
  });
});

describe('LINE', () => {
  it('quick reply items, buttons and carousel templates, a flex list, a datetime picker and a location action', async () => {
    const q = await deliver(lineAdapter, quick(2));
    expect(q.requests[0]!.path).toBe('/v2/bot/message/push');
    expect(q.requests[0]!.body.messages[0]).toEqual({
      type: 'text',
      text: 'Pick one',
      quickReply: {
        items: [
          { type: 'action', action: { type: 'postback', label: 'Option 1', data: 'OPT_1', displayText: 'Option 1' } },
          { type: 'action', action: { type: 'postback', label: 'Option 2', data: 'OPT_2', displayText: 'Option 2' } },
        ],
      },
    });
    const b = await deliver(lineAdapter, buttons);
    expect(b.requests[0]!.body.messages[0]).toMatchObject({
      type: 'template',
      template: {
        type: 'buttons',
        text: 'Need help?',
        actions: [{ type: 'postback' }, { type: 'uri', uri: 'https://example.test/faq' }],
      },
    });
    const c = await deliver(lineAdapter, carousel(3));
    expect(c.requests[0]!.body.messages[0].template.columns[0]).toMatchObject({
      thumbnailImageUrl: 'https://example.test/s.png',
      title: 'Shoe 1',
      text: 'Red',
    });
    const l = await deliver(lineAdapter, list(3));
    expect(l.requests[0]!.body.messages[0].type).toBe('flex');
    const p = await deliver(lineAdapter, picker);
    expect(p.requests[0]!.body.messages[0].quickReply.items[0].action).toEqual({
      type: 'datetimepicker',
      label: 'Pick',
      data: 'CALLBACK',
      mode: 'datetime',
    });
    const loc = await deliver(lineAdapter, location);
    expect(loc.requests[0]!.body.messages[0].quickReply.items[0].action.type).toBe('location');
  });

  it('refuses a 5th button and columns with different button counts', async () => {
    const five: RichMessage = {
      type: 'buttons',
      text: 'x',
      buttons: Array.from({ length: 5 }, (_, i) => ({ type: 'postback' as const, title: `b${i}`, payload: `p${i}` })),
    };
    const uneven: RichMessage = {
      type: 'carousel',
      cards: [
        { title: 'a', buttons: [{ type: 'postback', title: 'x', payload: 'x' }] },
        { title: 'b', buttons: [] },
      ],
    };
    for (const rich of [five, uneven])
      expect((await deliver(lineAdapter, rich)).status.reason?.code).toBe('unsupported_on_channel');
  });
});

describe('Telegram', () => {
  it('inline keyboards with callback_data and url, and a request_location keyboard', async () => {
    const b = await deliver(telegramAdapter, buttons);
    expect(b.requests[0]!.path).toBe('/bot1:abc/sendMessage');
    expect(b.requests[0]!.body).toEqual({
      chat_id: 'u1',
      text: 'Need help?',
      reply_markup: {
        inline_keyboard: [
          [{ text: 'Agent', callback_data: 'AGENT' }],
          [{ text: 'FAQ', url: 'https://example.test/faq' }],
        ],
      },
    });
    const loc = await deliver(telegramAdapter, location);
    expect(loc.requests[0]!.body.reply_markup.keyboard[0][0]).toEqual({
      text: 'Send location',
      request_location: true,
    });
  });

  it('refuses callback data over 64 bytes and a carousel', async () => {
    const long: RichMessage = { type: 'quick_replies', text: 'x', replies: [{ title: 'a', payload: 'p'.repeat(65) }] };
    for (const rich of [long, carousel(1)])
      expect((await deliver(telegramAdapter, rich)).status.reason?.code).toBe('unsupported_on_channel');
  });
});

describe('Apple Messages for Business', () => {
  it('list picker, time picker and quick reply as interactive messages', async () => {
    const l = await deliver(appleAdapter, list(3));
    const body = l.requests[0]!.body;
    expect(body.type).toBe('interactive');
    expect(body.interactiveData.bid).toContain('com.apple.messages.MSMessageExtensionBalloonPlugin');
    expect(body.interactiveData.data.listPicker.sections[0].items[0]).toEqual({
      identifier: 'P1',
      order: 0,
      style: 'default',
      title: 'Plan 1',
      subtitle: 'monthly',
    });
    const t = await deliver(appleAdapter, picker);
    expect(t.requests[0]!.body.interactiveData.data.event).toEqual({
      identifier: 'CALLBACK',
      title: 'When shall we call?',
      timeslots: [{ identifier: '0', startTime: '2026-12-03T09:00+0000', duration: 1800 }],
      timezoneOffset: 0,
    });
    const q = await deliver(appleAdapter, quick(3));
    expect(q.requests[0]!.body.interactiveData.data['quick-reply'].items).toHaveLength(3);
  });

  it('refuses 6 quick replies and buttons', async () => {
    for (const rich of [quick(6), buttons])
      expect((await deliver(appleAdapter, rich)).status.reason?.code).toBe('unsupported_on_channel');
  });
});

describe('web and SMS', () => {
  it('web messaging carries the canonical model as is', async () => {
    const r = await deliver(webAdapter, carousel(12));
    expect(r.status.status).toBe('sent');
    expect(r.requests[0]!.body.rich).toEqual(carousel(12));
  });

  it('SMS sends numbered text (its rendering, not a degradation)', async () => {
    // Twilio takes a form body: a fake of its own that keeps the raw form.
    const forms: URLSearchParams[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        forms.push(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sid: 'SM1', status: 'queued' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const integration: Integration = {
        id: 'i1',
        channel: 'sms',
        secret: 'tok',
        credentials: CREDS.sms!,
        sendBaseUrl: url,
      };
      const d = new Deliverer({
        nc: undefined as never,
        adapter: twilioAdapter,
        integrations: [integration],
        publisher: { publish: async () => undefined },
      });
      const status = await d.deliver({
        id: 'o.sms',
        channel: 'sms',
        integrationId: 'i1',
        channelUserId: '+15550002222',
        conversationKey: 'sms:i1:+15550002222',
        kind: 'rich',
        rich: list(3),
      });
      expect(status.status).toBe('sent');
      expect(status.degraded).toBeUndefined();
      expect(forms[0]!.get('Body')).toBe(
        'Our plans\nPlans\n1. Plan 1 (monthly)\n2. Plan 2 (monthly)\n3. Plan 3 (monthly)\nReply with the number of your choice.',
      );
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
