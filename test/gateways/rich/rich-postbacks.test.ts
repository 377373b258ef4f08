/** The customer's answer to a rich message, from each channel's real webhook shape, as one canonical postback. */
import { describe, expect, it } from 'vitest';
import { appleAdapter } from '../../../gateways/apple/index.js';
import type { ChannelAdapter, Integration, WebhookRequest } from '../../../gateways/channel.js';
import { lineAdapter } from '../../../gateways/line/index.js';
import { messengerAdapter } from '../../../gateways/messenger/adapter.js';
import { telegramAdapter } from '../../../gateways/telegram/index.js';
import { whatsappAdapter } from '../../../gateways/whatsapp/adapter.js';

function normalize(adapter: ChannelAdapter, body: unknown, headers: Record<string, string> = {}) {
  const integration: Integration = { id: 'i1', channel: adapter.channel, secret: 's', credentials: {} };
  const req: WebhookRequest = {
    method: 'POST',
    url: 'http://127.0.0.1/webhooks',
    headers: new Headers(headers),
    query: new URLSearchParams(),
    rawBody: new TextEncoder().encode(JSON.stringify(body)),
  };
  return adapter.normalize(req, integration);
}

describe('postbacks from each channel', () => {
  it('WhatsApp list_reply and button_reply', () => {
    const [e] = normalize(whatsappAdapter, {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'W',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                messages: [
                  {
                    from: '15555550123',
                    id: 'wamid.A',
                    timestamp: '1749416383',
                    type: 'interactive',
                    interactive: {
                      type: 'list_reply',
                      list_reply: { id: 'P2', title: 'Plan 2', description: 'monthly' },
                    },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    expect(e).toMatchObject({
      type: 'message.received',
      kind: 'postback',
      postback: { payload: 'P2', title: 'Plan 2' },
    });
  });

  it('Messenger quick_reply and postback', () => {
    const events = normalize(messengerAdapter, {
      object: 'page',
      entry: [
        {
          id: 'PG1',
          time: 1,
          messaging: [
            {
              sender: { id: 'U' },
              recipient: { id: 'PG1' },
              timestamp: 2,
              message: { mid: 'm1', text: 'Option 1', quick_reply: { payload: 'OPT_1' } },
            },
            {
              sender: { id: 'U' },
              recipient: { id: 'PG1' },
              timestamp: 3,
              postback: { mid: 'm2', title: 'Buy', payload: 'BUY_1' },
            },
          ],
        },
      ],
    });
    expect(events.map((e) => (e as { postback?: unknown }).postback)).toEqual([
      { payload: 'OPT_1', title: 'Option 1' },
      { payload: 'BUY_1', title: 'Buy' },
    ]);
  });

  it('LINE datetime picker postback carries the picked value', () => {
    const [e] = normalize(lineAdapter, {
      destination: 'U0',
      events: [
        {
          type: 'postback',
          mode: 'active',
          timestamp: 1700000000000,
          webhookEventId: '01HZZZZZZZZZZZZZZZZZZZZZZZ',
          deliveryContext: { isRedelivery: false },
          source: { type: 'user', userId: 'Uabc' },
          replyToken: 'rt',
          postback: { data: 'CALLBACK', params: { datetime: '2026-12-03T09:00' } },
        },
      ],
    });
    expect(e).toMatchObject({ kind: 'postback', postback: { payload: 'CALLBACK', picked: '2026-12-03T09:00' } });
  });

  it('Telegram callback_query', () => {
    const [e] = normalize(
      telegramAdapter,
      {
        update_id: 5,
        callback_query: {
          id: 'cq1',
          from: { id: 42, is_bot: false, first_name: 'A' },
          message: { message_id: 7, chat: { id: 42, type: 'private' }, date: 1, text: 'Need help?' },
          data: 'AGENT',
        },
      },
      { 'x-telegram-bot-api-secret-token': 's' },
    );
    expect(e).toMatchObject({ kind: 'postback', postback: { payload: 'AGENT' } });
  });

  it('Apple list picker and time picker answers name the chosen identifiers', () => {
    const headers = { 'source-id': 'urn:mbid:A', 'destination-id': 'biz', id: 'a1' };
    const [list] = normalize(
      appleAdapter,
      {
        v: 1,
        type: 'interactive',
        id: 'a1',
        sourceId: 'urn:mbid:A',
        destinationId: 'biz',
        interactiveData: {
          bid: 'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension',
          data: {
            version: '1.0',
            listPicker: { sections: [{ order: 0, items: [{ identifier: 'P2', title: 'Plan 2', order: 1 }] }] },
          },
          replyMessage: { title: 'Selected' },
        },
      },
      headers,
    );
    expect(list).toMatchObject({ kind: 'postback', postback: { payload: 'P2', title: 'Plan 2' } });
    const [time] = normalize(
      appleAdapter,
      {
        v: 1,
        type: 'interactive',
        id: 'a2',
        sourceId: 'urn:mbid:A',
        destinationId: 'biz',
        interactiveData: {
          data: {
            version: '1.0',
            event: {
              identifier: 'CALLBACK',
              timeslots: [{ identifier: '0', startTime: '2026-12-03T09:00+0000', duration: 1800 }],
            },
          },
        },
      },
      { ...headers, id: 'a2' },
    );
    expect(time).toMatchObject({
      kind: 'postback',
      postback: { payload: 'CALLBACK', picked: '2026-12-03T09:00+0000' },
    });
  });
});
