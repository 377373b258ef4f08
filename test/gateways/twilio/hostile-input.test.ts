/**
 * Hostile input never crashes an adapter: every mutation of a valid payload (each node replaced by null, a number,
 * a string, an array, an object, or removed) either normalizes or is refused with a WebhookError.
 */
import { describe, expect, it } from 'vitest';
import { WebhookError, type ChannelAdapter, type Integration } from '../../../gateways/channel.js';
import { createAppleAdapter } from '../../../gateways/apple/index.js';
import { createLineAdapter } from '../../../gateways/line/index.js';
import { createOpenAdapter } from '../../../gateways/open/index.js';
import { createTelegramAdapter } from '../../../gateways/telegram/index.js';
import { createTwilioAdapter } from '../../../gateways/twilio/index.js';
import { createWebAdapter, sessionToken } from '../../../gateways/web/index.js';
import { webhookRequest } from '../line/fake-provider.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every single-node mutation of `value`. */
function* mutations(value: Json): Generator<Json> {
  const replacements: Json[] = [null, 0, -1.5, '', 'x'.repeat(300), [], {}, true, [null], { a: 1 }];
  for (const r of replacements) yield r;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      for (const m of mutations(value[i]!)) yield value.map((v, j) => (j === i ? m : v));
      yield value.filter((_, j) => j !== i);
    }
  } else if (value && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      for (const m of mutations(value[k]!)) yield { ...value, [k]: m };
      const { [k]: _dropped, ...rest } = value;
      yield rest;
    }
  }
}

const SID = 'AbCdEfGhIjKlMnOpQrStUv';
const web: Integration = { id: 'w', channel: 'web', secret: 's', credentials: {} };
const json = (
  adapter: ChannelAdapter,
  integration: Integration,
  valid: Json,
  headers: Record<string, string> = {},
) => ({ adapter, integration, valid, headers });
const cases = {
  line: json(
    createLineAdapter(),
    { id: 'l', channel: 'line', secret: 's', credentials: {} },
    {
      destination: 'U0',
      events: [
        {
          type: 'message',
          mode: 'active',
          timestamp: 1,
          webhookEventId: '01J0000000000000000000000A',
          deliveryContext: { isRedelivery: false },
          source: { type: 'user', userId: 'U1' },
          replyToken: 'r',
          message: { id: '1', type: 'location', latitude: 1, longitude: 2, title: 't' },
        },
        {
          type: 'unsend',
          timestamp: 1,
          webhookEventId: '01J0000000000000000000000B',
          source: { type: 'group', groupId: 'C1' },
          unsend: { messageId: '1' },
        },
      ],
    },
  ),
  telegram: json(
    createTelegramAdapter(),
    { id: 't', channel: 'telegram', secret: 's', credentials: {} },
    {
      update_id: 1,
      message: {
        message_id: 1,
        from: { id: 7, is_bot: false, first_name: 'A' },
        chat: { id: 7, type: 'private' },
        date: 1,
        photo: [{ file_id: 'f' }],
        venue: { location: { latitude: 1, longitude: 2 }, title: 't', address: 'a' },
      },
      callback_query: { id: 'q', from: { id: 7 }, data: 'd' },
      my_chat_member: {
        chat: { id: 7, type: 'private' },
        from: { id: 7 },
        date: 1,
        new_chat_member: { status: 'kicked' },
      },
    },
  ),
  apple: json(
    createAppleAdapter(),
    { id: 'a', channel: 'apple', secret: 'cw==', credentials: {} },
    {
      v: 1,
      type: 'interactive',
      id: 'i',
      sourceId: 'u',
      attachments: [{ url: 'u', mimeType: 'image/png', key: 'k' }],
      interactiveData: { data: { 'quick-reply': { selectedIdentifier: 'y' } }, receivedMessage: { title: 't' } },
    },
  ),
  open: json(
    createOpenAdapter(),
    { id: 'o', channel: 'open', secret: 's', credentials: {} },
    {
      channel: { messageId: 'm', from: { id: 'c', nickname: 'n' }, time: '2026-01-01T00:00:00Z' },
      text: 't',
      content: [
        { contentType: 'Attachment', attachment: { url: 'u', mime: 'image/png' } },
        { contentType: 'ButtonResponse', buttonResponse: { payload: 'p', text: 't' } },
      ],
    },
  ),
  openReceipt: json(
    createOpenAdapter(),
    { id: 'o', channel: 'open', secret: 's', credentials: {} },
    {
      id: 'x',
      channel: { to: { id: 'c' }, time: '2026-01-01T00:00:00Z' },
      status: 'Failed',
      reasons: [{ code: 'c', message: 'm' }],
    },
  ),
  web: json(
    createWebAdapter(),
    web,
    [
      {
        type: 'message',
        clientMessageId: 'c',
        text: 't',
        media: [{ url: 'https://x.test/a' }],
        location: { latitude: 1, longitude: 2 },
      },
      { type: 'receipt', clientMessageId: 'r', status: 'read', messageIds: ['m'] },
    ],
    { authorization: `Bearer ${sessionToken('s', 'w', SID)}` },
  ),
};

describe('hostile input never crashes an adapter', () => {
  it.each(Object.entries(cases))('%s: every mutation normalizes or is refused with a WebhookError', (_name, c) => {
    let refused = 0;
    let accepted = 0;
    for (const m of mutations(c.valid)) {
      const req = webhookRequest({
        url: 'https://gw.example.test/webhooks/x/y',
        headers: { 'content-type': 'application/json', ...c.headers },
        body: JSON.stringify(m),
      });
      try {
        expect(Array.isArray(c.adapter.normalize(req, c.integration))).toBe(true);
        accepted++;
      } catch (err) {
        if (!(err instanceof WebhookError))
          throw new Error(`mutation ${JSON.stringify(m).slice(0, 300)} crashed: ${(err as Error).stack}`);
        expect([400, 401, 413, 415]).toContain(err.status);
        refused++;
      }
    }
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it('twilio: any form parameter removed or replaced normalizes or is refused', () => {
    const a = createTwilioAdapter();
    const valid: Record<string, string> = {
      MessageSid: `MM${'a'.repeat(32)}`,
      From: '+1555',
      To: '+1556',
      Body: 'hi',
      NumMedia: '2',
      MediaUrl0: 'https://x/0',
      MediaContentType0: 'image/png',
      MediaUrl1: 'https://x/1',
      Latitude: '1',
      Longitude: '2',
    };
    const integration: Integration = { id: 's', channel: 'sms', secret: 't', credentials: {} };
    for (const k of Object.keys(valid)) {
      for (const v of [undefined, '', 'NaN', '-1', '999999', '%zz', 'x'.repeat(2000), `SM${'b'.repeat(32)}`]) {
        const p = { ...valid };
        if (v === undefined) delete p[k];
        else p[k] = v;
        const req = webhookRequest({
          url: 'https://gw.example.test/x',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(p).toString(),
        });
        try {
          a.normalize(req, integration);
        } catch (err) {
          if (!(err instanceof WebhookError))
            throw new Error(`${k}=${String(v).slice(0, 20)} crashed: ${(err as Error).stack}`);
        }
      }
    }
  });
});
