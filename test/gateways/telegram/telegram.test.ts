import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendError, WebhookError, type Integration } from '../../../gateways/channel.js';
import { createTelegramAdapter } from '../../../gateways/telegram/index.js';
import type { OutboundMessage } from '../../../protocol/channels.js';
import { type FakeProvider, startFakeProvider, webhookRequest } from '../line/fake-provider.js';

const SECRET = 'tg_Secret-token_0123456789';
const BOT = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const integration: Integration = { id: 'tg-bot', channel: 'telegram', secret: SECRET, credentials: { botToken: BOT } };
const NOW = 1_700_000_100_000;
const from = { id: 987654321, is_bot: false, first_name: 'Kim', last_name: 'L', username: 'ada', language_code: 'en' };
const chat = { id: 987654321, first_name: 'Kim', last_name: 'L', username: 'ada', type: 'private' };

/** An update exactly as the Bot API posts it (the secret is a static header; there is no HMAC to compute). */
const update = (u: object, secret = SECRET) =>
  webhookRequest({
    url: 'https://gw.example.test/webhooks/telegram/tg-bot',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
    body: JSON.stringify(u),
  });
const msg = (update_id: number, m: object) => ({
  update_id,
  message: { message_id: update_id - 10_000, from, chat, date: 1_700_000_000, ...m },
});

describe('Telegram webhooks', () => {
  const a = createTelegramAdapter({ now: () => NOW });

  it('accepts only the configured secret token', () => {
    expect(() => a.verify(update(msg(10_001, { text: 'hi' })), integration)).not.toThrow();
    expect(() => a.verify(update(msg(10_001, { text: 'hi' }), 'tg_Secret-token_0123456780'), integration)).toThrowError(
      expect.objectContaining({ status: 401, code: 'signature_invalid' }) as never,
    );
    expect(() => a.verify(update(msg(10_001, { text: 'hi' }), 'short'), integration)).toThrow(WebhookError);
    const none = { ...update(msg(10_001, {})), headers: new Headers() };
    expect(() => a.verify(none, integration)).toThrowError(/missing/);
  });

  it('normalizes text, photo, document, voice, sticker, location, venue, contact, callback query, block/unblock', () => {
    const base = {
      channel: 'telegram',
      integrationId: 'tg-bot',
      channelUserId: '987654321',
      at: 1_700_000_000_000,
      receivedAt: NOW,
      displayName: 'Kim L',
    };
    const one = (u: object) => a.normalize(update(u), integration);
    expect(one(msg(10_001, { text: '/start' }))).toEqual([
      { ...base, type: 'message.received', messageId: '1', dedupeId: '10001', kind: 'text', text: '/start' },
    ]);
    expect(
      one(
        msg(10_002, {
          caption: 'broken',
          photo: [
            { file_id: 'AgAC-small', file_unique_id: 's', file_size: 1200, width: 90, height: 67 },
            { file_id: 'AgAC-large', file_unique_id: 'l', file_size: 61234, width: 1280, height: 960 },
          ],
        }),
      ),
    ).toEqual([
      {
        ...base,
        type: 'message.received',
        messageId: '2',
        dedupeId: '10002',
        kind: 'media',
        text: 'broken',
        media: [{ id: 'AgAC-large', mimeType: 'image/jpeg', caption: 'broken' }],
      },
    ]);
    expect(
      one(
        msg(10_003, {
          document: {
            file_name: 'invoice.pdf',
            mime_type: 'application/pdf',
            file_id: 'BQAC-doc',
            file_unique_id: 'd',
            file_size: 3000,
          },
        }),
      )[0],
    ).toMatchObject({
      kind: 'media',
      media: [{ id: 'BQAC-doc', mimeType: 'application/pdf', filename: 'invoice.pdf' }],
    });
    expect(
      one(
        msg(10_004, { voice: { duration: 2, mime_type: 'audio/ogg', file_id: 'AwAC-voice', file_unique_id: 'v' } }),
      )[0],
    ).toMatchObject({ kind: 'media', media: [{ id: 'AwAC-voice', mimeType: 'audio/ogg' }] });
    expect(
      one(
        msg(10_005, {
          sticker: {
            file_id: 'CAAC-st',
            file_unique_id: 'st',
            type: 'regular',
            width: 512,
            height: 512,
            is_animated: false,
            is_video: false,
            emoji: '👍',
            set_name: 'Hearts',
          },
        }),
      )[0],
    ).toMatchObject({ kind: 'sticker', media: [{ id: 'CAAC-st', caption: '👍' }] });
    expect(one(msg(10_006, { location: { latitude: 52.52, longitude: 13.405 } }))[0]).toMatchObject({
      kind: 'location',
      location: { latitude: 52.52, longitude: 13.405 },
    });
    expect(
      one(
        msg(10_007, {
          location: { latitude: 52.5, longitude: 13.4 },
          venue: { location: { latitude: 52.5, longitude: 13.4 }, title: 'Store', address: 'Main St 1' },
        }),
      )[0],
    ).toMatchObject({
      kind: 'location',
      location: { latitude: 52.5, longitude: 13.4, name: 'Store', address: 'Main St 1' },
    });
    expect(
      one(msg(10_008, { contact: { phone_number: '+15555550123', first_name: 'Lee', user_id: 111 } }))[0],
    ).toMatchObject({ kind: 'contact', contact: { phone_number: '+15555550123', first_name: 'Lee', user_id: 111 } });
    expect(
      one({
        update_id: 10_009,
        callback_query: {
          id: '4382bfdwdsb323b2d9',
          from,
          chat_instance: '-1',
          data: 'order:42:track',
          message: {
            message_id: 77,
            from: { id: 1, is_bot: true, first_name: 'Bot' },
            chat,
            date: 1_700_000_000,
            text: 'Track your order?',
          },
        },
      }),
    ).toEqual([
      {
        ...base,
        type: 'message.received',
        messageId: 'callback:4382bfdwdsb323b2d9',
        dedupeId: '10009',
        kind: 'postback',
        postback: { payload: 'order:42:track', title: 'Track your order?' },
      },
    ]);
    const member = (update_id: number, status: string) => ({
      update_id,
      my_chat_member: {
        chat,
        from,
        date: 1_700_000_000,
        old_chat_member: { user: { id: 1, is_bot: true, first_name: 'Bot' }, status: 'member' },
        new_chat_member: { user: { id: 1, is_bot: true, first_name: 'Bot' }, status },
      },
    });
    expect(one(member(10_010, 'kicked'))).toEqual([
      { ...base, type: 'contact.unfollowed', messageId: 'member:1700000000:kicked', dedupeId: '10010' },
    ]);
    expect(one(member(10_011, 'member'))).toEqual([
      { ...base, type: 'contact.followed', messageId: 'member:1700000000:member', dedupeId: '10011' },
    ]);
    expect(
      one({
        update_id: 10_012,
        edited_message: { message_id: 5, from, chat, date: 1_700_000_000, edit_date: 1_700_000_050, text: 'edited' },
      })[0],
    ).toMatchObject({ kind: 'text', text: 'edited', messageId: '5', dedupeId: '10012' });
    expect(
      one({
        update_id: 10_013,
        channel_post: { message_id: 1, chat: { id: -100, type: 'channel', title: 'news' }, date: 1, text: 'x' },
      }),
    ).toEqual([]);
    expect(one(msg(10_014, { poll: { id: 'p' } }))[0]).toMatchObject({ kind: 'unsupported' });
  });

  it('keeps update_id as the dedupe id of a repeated update, message_id as the message id', () => {
    const u = msg(10_100, { text: 'twice' });
    const [first] = a.normalize(update(u), integration);
    expect(first).toMatchObject({ messageId: '100', dedupeId: '10100' });
    expect(a.normalize(update(u), integration)[0]!.dedupeId).toBe(first!.dedupeId);
  });

  it('refuses malformed updates with 400', () => {
    for (const [body, code] of [
      ['{', 'body_malformed'],
      ['{"update_id":"x"}', 'body_invalid'],
      ['{"update_id":1,"message":{"message_id":1,"date":1}}', 'body_invalid'],
      ['[]', 'body_invalid'],
    ] as const) {
      const req = { ...update({}), rawBody: new TextEncoder().encode(body) };
      expect(() => a.normalize(req, integration), body).toThrowError(
        expect.objectContaining({ status: 400, code }) as never,
      );
    }
  });
});

describe('Telegram send (fake api.telegram.org)', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider(() => ({
      status: 200,
      body: { ok: true, result: { message_id: 4242, chat, date: 1_700_000_001, text: 'x' } },
    }));
  });
  afterAll(() => fake.close());
  const a = createTelegramAdapter();
  const int = (): Integration => ({ ...integration, sendBaseUrl: fake.url });
  const out = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
    id: 'o1',
    channel: 'telegram',
    integrationId: 'tg-bot',
    channelUserId: '987654321',
    conversationKey: 'telegram:tg-bot:987654321',
    kind: 'text',
    text: 'Hello Kim',
    ...over,
  });

  it('calls sendMessage and sendPhoto/sendDocument with the bot token in the path', async () => {
    fake.requests.length = 0;
    await expect(a.send(out(), int(), fetch)).resolves.toEqual({ providerMessageId: '4242' });
    expect(fake.requests[0]!.path).toBe(`/bot${BOT}/sendMessage`);
    expect(JSON.parse(fake.requests[0]!.body)).toEqual({ chat_id: '987654321', text: 'Hello Kim' });
    await a.send(
      out({
        kind: 'media',
        text: undefined,
        media: { url: 'https://cdn.example.test/p.jpg', mimeType: 'image/jpeg', caption: 'label' },
      }),
      int(),
      fetch,
    );
    expect(fake.requests[1]!.path).toBe(`/bot${BOT}/sendPhoto`);
    expect(JSON.parse(fake.requests[1]!.body)).toEqual({
      chat_id: '987654321',
      photo: 'https://cdn.example.test/p.jpg',
      caption: 'label',
    });
    await a.send(
      out({
        kind: 'media',
        text: undefined,
        media: { url: 'https://cdn.example.test/f.pdf', mimeType: 'application/pdf' },
      }),
      int(),
      fetch,
    );
    expect(fake.requests[2]!.path).toBe(`/bot${BOT}/sendDocument`);
    await expect(
      a.send(out({ kind: 'template', text: undefined, template: { name: 't', language: 'en' } }), int(), fetch),
    ).rejects.toMatchObject({ code: 'unsupported_message' });
  });

  it('maps Bot API errors', async () => {
    const cases: [number, object, string, boolean, number?][] = [
      [
        403,
        { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
        'recipient_blocked',
        false,
      ],
      [400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' }, 'recipient_invalid', false],
      [400, { ok: false, error_code: 400, description: 'Bad Request: message is too long' }, 'message_too_long', false],
      [
        429,
        { ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } },
        'rate_limited',
        true,
        7000,
      ],
      [502, { ok: false, error_code: 502, description: 'Bad Gateway' }, 'provider_error', true],
      [404, { ok: false, error_code: 404, description: 'Not Found' }, 'auth_failed', false],
      [401, { ok: false, error_code: 401, description: 'Unauthorized' }, 'auth_failed', false],
    ];
    for (const [status, body, code, retryable, after] of cases) {
      fake.handler = () => ({ status, body });
      const err = await a.send(out(), int(), fetch).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SendError);
      expect(err).toMatchObject({ code, retryable, providerCode: String(status) });
      if (after) expect((err as SendError).retryAfterMs).toBe(after);
    }
    await expect(a.send(out(), { ...int(), credentials: {} }, fetch)).rejects.toMatchObject({
      code: 'integration_misconfigured',
    });
    expect(a.length).toEqual({ max: 4096, unit: 'chars', split: true });
  });
});
