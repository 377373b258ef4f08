import { createHash } from 'node:crypto';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendError, WebhookError, type Integration } from '../../../gateways/channel.js';
import { createTwilioAdapter, smsSegments } from '../../../gateways/twilio/index.js';
import type { OutboundMessage } from '../../../protocol/channels.js';
import { type FakeProvider, startFakeProvider, webhookRequest } from '../line/fake-provider.js';

const TOKEN = '12345678901234567890123456789012';
const ACCOUNT = `AC${'a'.repeat(32)}`;
const URL_ = 'https://gw.example.test/webhooks/twilio/sms-main';
const integration: Integration = {
  id: 'sms-main',
  channel: 'sms',
  secret: TOKEN,
  webhookUrl: URL_,
  credentials: { accountSid: ACCOUNT, authToken: TOKEN, from: '+15555550100' },
};
const NOW = 1_700_000_000_000;
const sid = (n: number, prefix = 'SM') => prefix + n.toString(16).padStart(32, '0');

/** A webhook exactly as Twilio sends it, signed by the official twilio helper. */
function inbound(params: Record<string, string>, url = URL_) {
  const full = {
    AccountSid: ACCOUNT,
    ApiVersion: '2010-04-01',
    To: '+15555550100',
    From: '+15555550123',
    NumSegments: '1',
    SmsStatus: 'received',
    ...params,
  };
  const signature = twilio.getExpectedTwilioSignature(TOKEN, url, full);
  expect(twilio.validateRequest(TOKEN, signature, url, full)).toBe(true);
  return webhookRequest({
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
      'i-twilio-idempotency-token': 'idem-1',
    },
    body: new URLSearchParams(full).toString(),
  });
}

describe('Twilio webhooks', () => {
  const a = createTwilioAdapter({ now: () => NOW });

  it('verifies X-Twilio-Signature over URL + sorted params, with or without :443', () => {
    const msg = { MessageSid: sid(1), SmsSid: sid(1), SmsMessageSid: sid(1), Body: 'Hi there ✓ & more', NumMedia: '0' };
    expect(() => a.verify(inbound(msg), integration)).not.toThrow();
    // Twilio may have signed the URL with the default port spelled out.
    const withPort = inbound(msg, 'https://gw.example.test:443/webhooks/twilio/sms-main');
    expect(() => a.verify(withPort, integration)).not.toThrow();
    // A query string is part of the signed URL.
    const q = `${URL_}?tag=a%20b`;
    expect(() => a.verify(inbound(msg, q), integration)).not.toThrow();
    // Signed with the query but seen without it (a proxy dropped it): refused.
    expect(() => a.verify({ ...inbound(msg, q), url: URL_ }, integration)).toThrow(WebhookError);
  });

  it('refuses tampered bodies, other tokens and missing signatures with 401', () => {
    const req = inbound({ MessageSid: sid(2), Body: 'pay 10', NumMedia: '0' });
    const tampered = {
      ...req,
      rawBody: new TextEncoder().encode(new TextDecoder().decode(req.rawBody).replace('pay+10', 'pay+99')),
    };
    for (const [r, i] of [
      [tampered, integration],
      [req, { ...integration, credentials: { ...integration.credentials, authToken: 'x'.repeat(32) } }],
    ] as const) {
      expect(() => a.verify(r, i)).toThrowError(
        expect.objectContaining({ status: 401, code: 'signature_invalid' }) as never,
      );
    }
    const unsigned = { ...req, headers: new Headers({ 'content-type': 'application/x-www-form-urlencoded' }) };
    expect(() => a.verify(unsigned, integration)).toThrowError(/missing/);
  });

  it('checks bodySHA256 for JSON callbacks', () => {
    const body = '{"MessageSid":"x"}';
    const hash = createHash('sha256').update(body).digest('hex');
    const url = `${URL_}?bodySHA256=${hash}`;
    const signature = twilio.getExpectedTwilioSignature(TOKEN, url, {});
    expect(twilio.validateRequestWithBody(TOKEN, signature, url, body)).toBe(true);
    const req = webhookRequest({
      url,
      headers: { 'content-type': 'application/json', 'x-twilio-signature': signature },
      body,
    });
    expect(() => a.verify(req, integration)).not.toThrow();
    expect(() =>
      a.verify({ ...req, rawBody: new TextEncoder().encode('{"MessageSid":"y"}') }, integration),
    ).toThrowError(/bodySHA256/);
  });

  it('normalizes text, MMS and WhatsApp-style location, keeping the MessageSid', () => {
    const base = { channel: 'sms', integrationId: 'sms-main', channelUserId: '+15555550123', at: NOW, receivedAt: NOW };
    expect(
      a.normalize(inbound({ MessageSid: sid(3), Body: 'Where is my order?', NumMedia: '0' }), integration),
    ).toEqual([{ ...base, type: 'message.received', messageId: sid(3), kind: 'text', text: 'Where is my order?' }]);
    const mms = inbound({
      MessageSid: sid(4, 'MM'),
      Body: 'photo of the damage',
      NumMedia: '2',
      MediaUrl0: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Messages/${sid(4, 'MM')}/Media/ME${'1'.repeat(32)}`,
      MediaContentType0: 'image/jpeg',
      MediaUrl1: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Messages/${sid(4, 'MM')}/Media/ME${'2'.repeat(32)}`,
      MediaContentType1: 'video/mp4',
    });
    const [m] = a.normalize(mms, integration);
    expect(m).toMatchObject({
      type: 'message.received',
      messageId: sid(4, 'MM'),
      kind: 'media',
      text: 'photo of the damage',
    });
    expect((m as unknown as { media: unknown[] }).media).toEqual([
      { url: expect.stringContaining('/Media/ME111'), id: `ME${'1'.repeat(32)}`, mimeType: 'image/jpeg' },
      { url: expect.stringContaining('/Media/ME222'), id: `ME${'2'.repeat(32)}`, mimeType: 'video/mp4' },
    ]);
    const loc = a.normalize(
      inbound({
        MessageSid: sid(5),
        Body: '',
        NumMedia: '0',
        Latitude: '37.7879',
        Longitude: '-122.3997',
        Label: 'Office',
        Address: '101 Spear St',
      }),
      integration,
    );
    expect(loc[0]).toMatchObject({
      kind: 'location',
      location: { latitude: 37.7879, longitude: -122.3997, name: 'Office', address: '101 Spear St' },
    });
  });

  it('turns STOP/START/HELP and their synonyms into customer signals, whole-message and case-insensitive', () => {
    const cases: [string, string | undefined][] = [
      ['STOP', 'contact.opted_out'],
      ['stop', 'contact.opted_out'],
      [' Unsubscribe ', 'contact.opted_out'],
      ['STOPALL', 'contact.opted_out'],
      ['cancel', 'contact.opted_out'],
      ['END', 'contact.opted_out'],
      ['quit', 'contact.opted_out'],
      ['REVOKE', 'contact.opted_out'],
      ['optout', 'contact.opted_out'],
      ['START', 'contact.opted_in'],
      ['yes', 'contact.opted_in'],
      ['Unstop', 'contact.opted_in'],
      ['HELP', 'contact.help_requested'],
      ['info', 'contact.help_requested'],
      ['please stop', undefined],
      ['STOP!', undefined],
      ['help me', undefined],
    ];
    cases.forEach(([body, type], i) => {
      const [ev] = a.normalize(inbound({ MessageSid: sid(100 + i), Body: body, NumMedia: '0' }), integration);
      expect(ev!.type, body).toBe(type ?? 'message.received');
      expect((ev as { text?: string }).text).toBe(body);
    });
    // Advanced Opt-Out names the keyword type for custom keywords.
    const [custom] = a.normalize(
      inbound({ MessageSid: sid(200), Body: 'ARRET', NumMedia: '0', OptOutType: 'STOP' }),
      integration,
    );
    expect(custom!.type).toBe('contact.opted_out');
  });

  it('maps status callbacks to receipts keyed by sid and status', () => {
    const status = (s: string) =>
      a.normalize(
        inbound({
          MessageSid: sid(7),
          SmsSid: sid(7),
          MessageStatus: s,
          SmsStatus: s,
          To: '+15555550123',
          From: '+15555550100',
        }),
        integration,
      );
    expect(status('delivered')).toEqual([
      {
        type: 'receipt.received',
        channel: 'sms',
        integrationId: 'sms-main',
        channelUserId: '+15555550123',
        messageId: `${sid(7)}:delivered`,
        at: NOW,
        receivedAt: NOW,
        status: 'delivered',
        providerMessageIds: [sid(7)],
      },
    ]);
    expect(status('sent')).toEqual([]);
    const failed = a.normalize(
      inbound({
        MessageSid: sid(8),
        MessageStatus: 'undelivered',
        ErrorCode: '30007',
        To: '+15555550123',
        From: '+15555550100',
      }),
      integration,
    );
    expect(failed).toEqual([
      {
        type: 'receipt.received',
        channel: 'sms',
        integrationId: 'sms-main',
        channelUserId: '+15555550123',
        messageId: `${sid(8)}:undelivered`,
        at: NOW,
        receivedAt: NOW,
        status: 'failed',
        providerMessageIds: [sid(8)],
        reason: { code: 'carrier_filtered', message: expect.stringContaining('spam'), providerCode: '30007' },
      },
    ]);
  });

  it('gives a replayed webhook the same dedupe id', () => {
    const req = inbound({ MessageSid: sid(9), Body: 'once', NumMedia: '0' });
    expect(a.normalize(req, integration)[0]!.messageId).toBe(a.normalize(req, integration)[0]!.messageId);
  });

  it('refuses malformed bodies: wrong content type, bad sid, missing media url', () => {
    const good = inbound({ MessageSid: sid(10), Body: 'x', NumMedia: '0' });
    expect(() =>
      a.normalize({ ...good, headers: new Headers({ 'content-type': 'application/json' }) }, integration),
    ).toThrowError(expect.objectContaining({ status: 415 }) as never);
    expect(() => a.normalize(inbound({ MessageSid: 'SMnope', Body: 'x' }), integration)).toThrowError(
      expect.objectContaining({ status: 400, code: 'body_invalid' }) as never,
    );
    expect(() => a.normalize(inbound({ MessageSid: sid(11, 'MM'), NumMedia: '1' }), integration)).toThrowError(
      /MediaUrl0/,
    );
    expect(() =>
      a.normalize({ ...good, rawBody: new Uint8Array([0x42, 0x6f, 0x64, 0x79, 0x3d, 0xc3]) }, integration),
    ).toThrowError(expect.objectContaining({ code: 'body_malformed' }) as never);
  });

  it('acknowledges with empty TwiML', async () => {
    const res = a.acknowledge!(inbound({ MessageSid: sid(12), Body: 'x' }), []);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml');
    expect(await res.text()).toContain('<Response/>');
  });
});

describe('SMS segments', () => {
  it('counts GSM-7 septets (extension characters twice) and UCS-2 units', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(smsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('€'.repeat(81)).segments).toBe(2);
    expect(smsSegments('é'.repeat(160)).encoding).toBe('GSM-7');
    expect(smsSegments(`ç${'a'.repeat(69)}`)).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsSegments('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsSegments('😀'.repeat(36))).toEqual({ encoding: 'UCS-2', units: 72, segments: 2 });
    expect(smsSegments('a'.repeat(153 * 10)).segments).toBe(10);
  });
});

describe('Twilio send (fake api.twilio.com)', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider(() => ({
      status: 201,
      body: { sid: sid(500), status: 'queued', account_sid: ACCOUNT },
    }));
  });
  afterAll(() => fake.close());
  const a = createTwilioAdapter();
  const int = (): Integration => ({
    ...integration,
    sendBaseUrl: fake.url,
    options: { statusCallbackUrl: 'https://gw.example.test/webhooks/twilio/sms-main' },
  });
  const msg = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
    id: 'out-1',
    channel: 'sms',
    integrationId: 'sms-main',
    channelUserId: '+15555550123',
    conversationKey: 'sms:sms-main:+15555550123',
    kind: 'text',
    text: 'Your order shipped',
    ...over,
  });

  it('posts the Messages resource form with basic auth and returns the SM sid', async () => {
    fake.requests.length = 0;
    await expect(a.send(msg(), int(), fetch)).resolves.toEqual({ providerMessageId: sid(500) });
    const r = fake.requests[0]!;
    expect(r.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
    expect(r.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`);
    expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(r.body))).toEqual({
      To: '+15555550123',
      From: '+15555550100',
      Body: 'Your order shipped',
      StatusCallback: 'https://gw.example.test/webhooks/twilio/sms-main',
    });
    await a.send(
      msg({ kind: 'media', text: undefined, media: { url: 'https://cdn.example.test/a.png', caption: 'receipt' } }),
      int(),
      fetch,
    );
    expect(Object.fromEntries(new URLSearchParams(fake.requests[1]!.body))).toMatchObject({
      Body: 'receipt',
      MediaUrl: 'https://cdn.example.test/a.png',
    });
  });

  it('refuses over 10 segments before calling Twilio', async () => {
    fake.requests.length = 0;
    const err = await a.send(msg({ text: 'ü'.repeat(1531) }), int(), fetch).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'message_too_long', retryable: false });
    await expect(a.send(msg({ text: '✓'.repeat(68 * 10) }), int(), fetch)).rejects.toMatchObject({
      code: 'message_too_long',
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('maps Twilio error bodies to reason codes', async () => {
    const cases: [number, number, string, boolean][] = [
      [400, 21610, 'opted_out', false],
      [400, 21211, 'recipient_invalid', false],
      [400, 21617, 'message_too_long', false],
      [400, 63016, 'reply_window_closed', false],
      [401, 20003, 'auth_failed', false],
      [429, 20429, 'rate_limited', true],
      [503, 20500, 'provider_error', true],
      [400, 21606, 'rejected', false],
    ];
    for (const [status, code, reason, retryable] of cases) {
      fake.handler = () => ({
        status,
        body: { code, message: `error ${code}`, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
      });
      const err = await a.send(msg(), int(), fetch).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SendError);
      expect(err).toMatchObject({ code: reason, retryable, providerCode: String(code) });
    }
    await expect(a.send(msg(), { ...int(), credentials: { accountSid: ACCOUNT } }, fetch)).rejects.toMatchObject({
      code: 'integration_misconfigured',
    });
  });

  it('declares the segment rule', () => {
    expect(a.length).toEqual({ max: 10, unit: 'sms-segments', split: false });
  });
});
