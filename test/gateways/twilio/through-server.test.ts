/** LINE, Twilio, Telegram, Apple and open messaging driven through the gateway's HTTP app (routing, codes, acks, dedupe). */
import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import type { ChannelAdapter, Integration } from '../../../gateways/channel.js';
import { appleAdapter } from '../../../gateways/apple/index.js';
import { lineAdapter } from '../../../gateways/line/index.js';
import { openAdapter } from '../../../gateways/open/index.js';
import { telegramAdapter } from '../../../gateways/telegram/index.js';
import { twilioAdapter } from '../../../gateways/twilio/index.js';
import { testApp } from '../support.js';

type Signer = (body: string) => Record<string, string>;
interface Case {
  readonly adapter: ChannelAdapter;
  readonly integration: Integration;
  readonly contentType: string;
  readonly body: string;
  readonly sign: Signer;
  readonly malformed: string;
  readonly eventType: string;
}

const TOKEN = 'twilio_auth_token_0123456789abcd';
const twilioUrl = 'https://sb.example.test/webhooks/sms/sms-1';
const twilioBody = new URLSearchParams({
  MessageSid: `SM${'f'.repeat(32)}`,
  AccountSid: `AC${'1'.repeat(32)}`,
  From: '+15555550123',
  To: '+15555550100',
  Body: 'STOP',
  NumMedia: '0',
}).toString();
const appleSecret = Buffer.from('apple-secret-bytes-0123456789').toString('base64');

const cases: Record<string, Case> = {
  line: {
    adapter: lineAdapter,
    integration: { id: 'line-1', channel: 'line', secret: 'line-secret', credentials: {} },
    contentType: 'application/json',
    body: JSON.stringify({
      destination: `U${'0'.repeat(32)}`,
      events: [
        {
          type: 'message',
          mode: 'active',
          timestamp: 1_700_000_000_000,
          webhookEventId: '01JA0000000000000000000001',
          deliveryContext: { isRedelivery: false },
          source: { type: 'user', userId: `U${'1'.repeat(32)}` },
          replyToken: 't',
          message: { id: '1', type: 'text', text: 'hi' },
        },
      ],
    }),
    sign: (b) => ({ 'x-line-signature': createHmac('sha256', 'line-secret').update(b).digest('base64') }),
    malformed: '{"events":[{"type":"message"}]}',
    eventType: 'message.received',
  },
  sms: {
    adapter: twilioAdapter,
    integration: {
      id: 'sms-1',
      channel: 'sms',
      secret: TOKEN,
      webhookUrl: twilioUrl,
      credentials: { authToken: TOKEN },
    },
    contentType: 'application/x-www-form-urlencoded',
    body: twilioBody,
    // Twilio signs the public URL (with the query string the request also carries).
    sign: (b) => ({
      'x-twilio-signature': twilio.getExpectedTwilioSignature(
        TOKEN,
        `${twilioUrl}?src=tw`,
        Object.fromEntries(new URLSearchParams(b)),
      ),
    }),
    malformed: 'MessageSid=nope&From=%2B1',
    eventType: 'contact.opted_out',
  },
  telegram: {
    adapter: telegramAdapter,
    integration: { id: 'tg-1', channel: 'telegram', secret: 'tg_secret', credentials: {} },
    contentType: 'application/json',
    body: JSON.stringify({
      update_id: 5001,
      message: {
        message_id: 1,
        from: { id: 7, is_bot: false, first_name: 'A' },
        chat: { id: 7, type: 'private' },
        date: 1_700_000_000,
        text: 'hi',
      },
    }),
    sign: () => ({ 'x-telegram-bot-api-secret-token': 'tg_secret' }),
    malformed: '{"update_id":-1}',
    eventType: 'message.received',
  },
  apple: {
    adapter: appleAdapter,
    integration: { id: 'apple-1', channel: 'apple', secret: appleSecret, credentials: { mspId: 'msp-1' } },
    contentType: 'application/json',
    body: JSON.stringify({
      v: 1,
      type: 'close',
      id: '0f0e0d0c-0000-4000-8000-000000000001',
      sourceId: 'urn:mbid:AQAA1',
      destinationId: 'urn:biz:1',
    }),
    sign: () => ({
      authorization: `Bearer ${jwt.sign({ aud: 'msp-1' }, Buffer.from(appleSecret, 'base64'), { algorithm: 'HS256' })}`,
    }),
    malformed: '{"v":1}',
    eventType: 'conversation.closed_by_customer',
  },
  open: {
    adapter: openAdapter,
    integration: { id: 'open-1', channel: 'open', secret: 'open-secret', credentials: {} },
    contentType: 'application/json',
    body: JSON.stringify({
      channel: { messageId: 'mw-1', from: { id: 'c-1', idType: 'Opaque' }, time: '2026-01-01T00:00:00.000Z' },
      text: 'hi',
    }),
    sign: (b) => ({
      'x-hub-signature-256': `sha256=${createHmac('sha256', 'open-secret').update(b).digest('base64')}`,
    }),
    malformed: '{"channel":{}}',
    eventType: 'message.received',
  },
};

describe.each(Object.entries(cases))('%s through the gateway server', (_name, c) => {
  const path = `/webhooks/${c.adapter.channel}/${c.integration.id}${c.adapter.channel === 'sms' ? '?src=tw' : ''}`;
  const send = (t: ReturnType<typeof testApp>, body: string, headers: Record<string, string>) =>
    t.app.request(path, { method: 'POST', body, headers: { 'content-type': c.contentType, ...headers } });

  it('publishes once (a redelivery is deduplicated), answers 200, refuses tampered 401 and malformed 400 with a JSON code', async () => {
    const t = testApp(c.adapter, [c.integration], 64 * 1024);
    const first = await send(t, c.body, c.sign(c.body));
    expect(first.status).toBe(200);
    if (c.adapter.channel === 'sms') expect(await first.text()).toContain('<Response/>');
    const again = await send(t, c.body, c.sign(c.body));
    expect(again.status).toBe(200);
    expect(t.publisher.events.map((e) => e.type)).toEqual([c.eventType]);
    expect(t.publisher.envelopes[0]!.id.startsWith(`${c.adapter.channel}:${c.integration.id}:`)).toBe(true);

    const tampered =
      c.adapter.channel === 'telegram'
        ? { 'x-telegram-bot-api-secret-token': 'tg_secreT' }
        : c.adapter.channel === 'apple'
          ? { authorization: `Bearer ${jwt.sign({ aud: 'msp-1' }, 'wrong', { algorithm: 'HS256' })}` }
          : c.sign(c.body);
    const tamperedBody =
      c.adapter.channel === 'telegram' || c.adapter.channel === 'apple'
        ? c.body
        : c.body.replace('hi', 'ho').replace('STOP', 'STAP');
    const bad = await send(t, tamperedBody, tampered);
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: { code: 'signature_invalid' } });

    const malformed = await send(t, c.malformed, c.sign(c.malformed));
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toMatch(/^body_(invalid|malformed)$/);

    const unknown = await t.app.request(`/webhooks/${c.adapter.channel}/nobody`, {
      method: 'POST',
      body: c.body,
      headers: { 'content-type': c.contentType, ...c.sign(c.body) },
    });
    expect(unknown.status).toBe(404);
    const big = 'x'.repeat(70 * 1024);
    const huge = await send(t, big, c.sign(big));
    expect(huge.status).toBe(413);
    expect(t.publisher.events).toHaveLength(1);
  });
});
