/**
 * Channel ids and receipts as the platforms document them, driven end to end: Messenger delivery events without
 * a timestamp and read watermarks, LINE message ids and reply tokens, Telegram message ids, and valid webhooks
 * nesting deeper than the wire codec allows in fields Switchboard does not use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNatsServer } from '../../support/nats.js';
import {
  APPLE,
  appleAuth,
  lineSig,
  metaSig,
  openSig,
  PAGE_ID,
  SECRETS,
  type Stack,
  startStack,
  until,
} from './stack.js';

const nats = useNatsServer();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack(nats.server);
});
afterAll(async () => {
  await stack?.stop();
});

const enc = encodeURIComponent;
/** The engine's (virtual) now: platform timestamps are set from it so reply windows and tokens line up. */
const engineNow = async () => (await stack.api('GET', '/admin/clock')).json.now as number;
const reply = (key: string, requestId: string, text: string) =>
  stack.api('POST', `/conversations/${enc(key)}/replies`, { requestId, kind: 'text', text });

describe('Messenger delivery and read receipts (item 7)', () => {
  const psid = '6789012345670007';
  const key = `messenger:page1:${psid}`;
  const post = (messaging: object[], time?: number) => {
    const raw = JSON.stringify({ object: 'page', entry: [{ id: PAGE_ID, ...(time ? { time } : {}), messaging }] });
    return stack.webhook('messenger', 'page1', raw, { 'x-hub-signature-256': metaSig(raw) });
  };
  const party = { sender: { id: psid }, recipient: { id: PAGE_ID } };

  it('accepts delivery events without a timestamp, marks by mids and watermark; a read is dated by its timestamp', async () => {
    const t0 = await engineNow();
    expect((await post([{ ...party, timestamp: t0, message: { mid: 'm_in_1', text: 'hello' } }])).status).toBe(200);
    await stack.history(key, 2);
    const ids: string[] = [];
    for (const text of ['first answer', 'second answer']) {
      const r = await reply(key, `req-${text.replace(' ', '-')}`, text);
      expect(r.status).toBe(201);
      ids.push(...(r.json.messageIds as string[]));
    }
    const out = async () => {
      const entries = await stack.history(key, 4);
      return ids.map((id) => entries.find((e) => e.messageId === id)!);
    };
    await until('both replies sent', async () => ((await out()).every((e) => e.status === 'sent') ? true : undefined));
    const [first, second] = await out();
    // Meta's delivery webhook: no timestamp; mids and a watermark.
    const byMid = await post([
      { ...party, delivery: { mids: [first!.platformMessageId], watermark: Date.now() - 60_000 } },
    ]);
    expect(byMid.status).toBe(200);
    await until('first delivered', async () => ((await out())[0]!.status === 'delivered' ? true : undefined));
    expect((await out())[1]!.status).toBe('sent');
    const byWatermark = await post([{ ...party, delivery: { watermark: Date.now() } }], Date.now());
    expect(byWatermark.status).toBe(200);
    await until('second delivered', async () => ((await out())[1]!.status === 'delivered' ? true : undefined));
    // A read: when is `timestamp`; what was read is everything before the watermark.
    const readAt = Date.now() + 5_000;
    expect((await post([{ ...party, timestamp: readAt, read: { watermark: Date.now() } }])).status).toBe(200);
    await until('both read', async () => ((await out()).every((e) => e.status === 'read') ? true : undefined));
    expect((await out()).map((e) => e.statusAt)).toEqual([readAt, readAt]);
    expect(second!.platformMessageId).toMatch(/^m_out_/);
  });
});

describe('LINE message ids and reply tokens (item 8)', () => {
  const user = 'U4af4980629aaaaaaaaaaaaaaaaaa0008';
  const key = `line:line1:${user}`;
  const event = (webhookEventId: string, at: number, extra: object, redelivery = false) => ({
    timestamp: at,
    mode: 'active',
    webhookEventId,
    deliveryContext: { isRedelivery: redelivery },
    source: { type: 'user', userId: user },
    ...extra,
  });
  const post = (...events: object[]) => {
    const raw = JSON.stringify({ destination: 'Uxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', events });
    return stack.webhook('line', 'line1', raw, { 'x-line-signature': lineSig(raw) });
  };
  const lineCalls = () => stack.provider.requests.filter((r) => r.path.startsWith('/v2/bot/message/'));

  it('records LINE’s message.id, replies with the token the event carried within its life, pushes after', async () => {
    const at = await engineNow();
    const message = event('01HQ0000000000000000000001', at, {
      type: 'message',
      replyToken: 'nHuyWiB7yP5Zw52FIkcQobQuGDXCTA',
      message: { id: '468789577898262530', type: 'text', quoteToken: 'q', text: 'Is my order shipped?' },
    });
    expect((await post(message)).status).toBe(200);
    const [, inbound] = await stack.history(key, 2);
    expect(inbound).toMatchObject({ kind: 'text', platformMessageId: '468789577898262530' });
    // LINE redelivers it (same webhookEventId): deduplicated, and its token is not trusted.
    expect((await post({ ...message, deliveryContext: { isRedelivery: true } })).status).toBe(200);
    expect((await reply(key, 'line-r1', 'Yes, it left today')).status).toBe(201);
    expect((await reply(key, 'line-r2', 'Anything else?')).status).toBe(201);
    await until('two LINE sends', () => (lineCalls().length >= 2 ? true : undefined));
    expect(lineCalls().map((r) => r.path)).toEqual(['/v2/bot/message/reply', '/v2/bot/message/push']);
    expect(JSON.parse(lineCalls()[0]!.body)).toMatchObject({ replyToken: 'nHuyWiB7yP5Zw52FIkcQobQuGDXCTA' });
    expect((await stack.history(key)).filter((e) => e.direction === 'inbound')).toHaveLength(1);

    // A follow (unblock) carries a token too; a minute later it has expired and the reply is pushed.
    const later = await engineNow();
    const follow = event('01HQ0000000000000000000002', later, {
      type: 'follow',
      replyToken: 'followTokenAAAAAAAAAAAAAAAAAAAA',
      follow: { isUnblocked: true },
    });
    expect((await post(follow)).status).toBe(200);
    await until('follow applied', async () => {
      const c = await stack.api('GET', `/conversations/${enc(key)}`);
      return c.json.window?.lastInboundId === 'followTokenAAAAAAAAAAAAAAAAAAAA' || undefined;
    });
    expect((await reply(key, 'line-r3', 'Welcome back!')).status).toBe(201);
    const m2 = event('01HQ0000000000000000000003', later, {
      type: 'message',
      replyToken: 'secondTokenBBBBBBBBBBBBBBBBBBBB',
      message: { id: '468789577898262531', type: 'text', text: 'thanks' },
    });
    expect((await post(m2)).status).toBe(200);
    await stack.history(key, 6);
    await stack.api('POST', '/admin/clock/advance', { ms: 61_000 });
    expect((await reply(key, 'line-r4', 'Bye')).status).toBe(201);
    await until('four LINE sends', () => (lineCalls().length >= 4 ? true : undefined));
    expect(lineCalls().map((r) => r.path)).toEqual([
      '/v2/bot/message/reply',
      '/v2/bot/message/push',
      '/v2/bot/message/reply',
      '/v2/bot/message/push',
    ]);
    expect(JSON.parse(lineCalls()[2]!.body)).toMatchObject({ replyToken: 'followTokenAAAAAAAAAAAAAAAAAAAA' });
  });
});

describe('Telegram message ids (item 9)', () => {
  const chat = { id: 987654309, type: 'private' };
  const from = { id: 987654309, is_bot: false, first_name: 'Kim' };
  const key = `telegram:tg1:${chat.id}`;
  const post = (update: object) =>
    stack.webhook('telegram', 'tg1', JSON.stringify(update), { 'x-telegram-bot-api-secret-token': SECRETS.telegram });

  it('records message_id as the message’s id; update_id only deduplicates', async () => {
    const date = Math.floor((await engineNow()) / 1000);
    const update = { update_id: 700_001, message: { message_id: 42, from, chat, date, text: 'hi bot' } };
    expect((await post(update)).status).toBe(200);
    expect((await post(update)).status).toBe(200); // Telegram retried: same update_id
    const edit = {
      update_id: 700_002,
      edited_message: { message_id: 42, from, chat, date, edit_date: date + 5, text: 'hi, bot' },
    };
    expect((await post(edit)).status).toBe(200);
    const entries = await stack.history(key, 3);
    expect(entries.filter((e) => e.direction === 'inbound').map((e) => [e.platformMessageId, e.text])).toEqual([
      ['42', 'hi bot'],
      ['42', 'hi, bot'],
    ]);
  });
});

describe('valid webhooks nesting deeper than the wire codec allows (item 13)', () => {
  // Built as text: JSON.stringify itself cannot nest 5,000 levels. `deep(n)` marks the spot in a body.
  const deep = (levels: number) => `__DEEP_${levels}__`;
  const json = (body: object) =>
    JSON.stringify(body).replace(
      /"__DEEP_(\d+)__"/g,
      (_, n) => `${'{"nested":'.repeat(Number(n))}{"end":true}${'}'.repeat(Number(n))}`,
    );

  it('answers 200 and delivers the message when unused fields nest 150 or 5,000 levels deep', async () => {
    const at = await engineNow();
    const sends: [string, string, () => Promise<Response>][] = [];
    for (const levels of [150, 5_000]) {
      const wa = `1555000${levels}`;
      const waBody = json({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: 'waba',
            extra: deep(levels),
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { phone_number_id: 'p' },
                  messages: [
                    {
                      from: wa,
                      id: `wamid.deep${levels}`,
                      timestamp: String(Math.floor(at / 1000)),
                      type: 'contacts',
                      contacts: [{ name: { formatted_name: 'Lee' }, phones: [{ phone: '+1555' }], org: deep(levels) }],
                    },
                  ],
                },
              },
            ],
          },
        ],
      });
      sends.push([
        `whatsapp:wa1:${wa}`,
        `whatsapp contact card ${levels}`,
        () => stack.webhook('whatsapp', 'wa1', waBody, { 'x-hub-signature-256': metaSig(waBody) }),
      ]);
      const chat = { id: 5_000_000 + levels, type: 'private' };
      const tgBody = json({
        update_id: 800_000 + levels,
        message: {
          message_id: 1,
          chat,
          date: Math.floor(at / 1000),
          contact: { phone_number: '+1555', first_name: 'Lee', extra: deep(levels) },
        },
      });
      sends.push([
        `telegram:tg1:${chat.id}`,
        `telegram contact ${levels}`,
        () => stack.webhook('telegram', 'tg1', tgBody, { 'x-telegram-bot-api-secret-token': SECRETS.telegram }),
      ]);
      const appleUser = `urn:mbid:AQAAY-deep-${levels}`;
      const appleId = `6c1b5e0a-0003-4000-8000-${String(levels).padStart(12, '0')}`;
      const appleBody = json({
        v: 1,
        id: appleId,
        sourceId: appleUser,
        destinationId: APPLE.businessId,
        type: 'interactive',
        interactiveData: {
          bid: 'b',
          data: { version: '1.0', listPicker: deep(levels) },
          receivedMessage: { title: 'Pick' },
        },
      });
      sends.push([
        `apple:apple1:${appleUser}`,
        `apple picker ${levels}`,
        () =>
          stack.webhook('apple', 'apple1', appleBody, {
            authorization: appleAuth(),
            id: appleId,
            'source-id': appleUser,
            'destination-id': APPLE.businessId,
          }),
      ]);
      const openBody = json({
        channel: {
          messageId: `mw-deep-${levels}`,
          from: { id: `cust-deep-${levels}`, idType: 'Opaque' },
          time: new Date(at).toISOString(),
        },
        text: 'deep metadata',
        metadata: deep(levels),
      });
      sends.push([
        `open:open1:cust-deep-${levels}`,
        `open message ${levels}`,
        () => stack.webhook('open', 'open1', openBody, { 'x-hub-signature-256': openSig(openBody) }),
      ]);
    }
    for (const [key, what, send] of sends) {
      const res = await send();
      expect([what, res.status, res.status === 200 ? '' : await res.text()]).toEqual([what, 200, '']);
      const entries = await stack.history(key, 2);
      expect(entries[1]!.direction, what).toBe('inbound');
    }
  });
});
