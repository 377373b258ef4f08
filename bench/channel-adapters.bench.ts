/**
 * verify + normalize per second for the LINE, Twilio, Telegram, Apple, open and web adapters, beside a bare
 * parse (`JSON.parse`, or `URLSearchParams` for Twilio's form) of the same bytes measured in the same run (ratios, not capacity). Run: npx tsx bench/channel-adapters.bench.ts
 */
import { createHmac } from 'node:crypto';
import type { ChannelAdapter, Integration, WebhookRequest } from '../gateways/channel.js';
import { createAppleAdapter, signAppleJwt } from '../gateways/apple/index.js';
import { createLineAdapter } from '../gateways/line/index.js';
import { createOpenAdapter } from '../gateways/open/index.js';
import { createTelegramAdapter } from '../gateways/telegram/index.js';
import { createTwilioAdapter, twilioSignature } from '../gateways/twilio/index.js';
import { createWebAdapter, sessionToken } from '../gateways/web/index.js';

const RUN_MS = 1_000;

function req(url: string, headers: Record<string, string>, body: string): WebhookRequest {
  const u = new URL(url);
  return {
    method: 'POST',
    url,
    headers: new Headers(headers),
    query: u.searchParams,
    rawBody: new TextEncoder().encode(body),
  };
}

function rate(fn: () => void): number {
  for (let i = 0; i < 2_000; i++) fn(); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < RUN_MS) {
    for (let i = 0; i < 200; i++) fn();
    n += 200;
  }
  return n / ((performance.now() - start) / 1000);
}

const url = 'https://gw.example.test/webhooks/x/i';
const text = 'Hello, I would like to change the delivery address of my order A-1042 please';
const cases: [string, ChannelAdapter, Integration, WebhookRequest][] = [];
{
  const body = JSON.stringify({
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
        message: { id: '1', type: 'text', text },
      },
    ],
  });
  cases.push([
    'line',
    createLineAdapter(),
    { id: 'i', channel: 'line', secret: 's', credentials: {} },
    req(url, { 'x-line-signature': createHmac('sha256', 's').update(body).digest('base64') }, body),
  ]);
}
{
  const p = {
    MessageSid: `SM${'a'.repeat(32)}`,
    From: '+15555550123',
    To: '+15555550100',
    Body: text,
    NumMedia: '0',
    AccountSid: `AC${'b'.repeat(32)}`,
  };
  const body = new URLSearchParams(p).toString();
  cases.push([
    'sms (twilio)',
    createTwilioAdapter(),
    { id: 'i', channel: 'sms', secret: 't', credentials: {} },
    req(
      url,
      {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature('t', url, Object.entries(p)),
      },
      body,
    ),
  ]);
}
{
  const body = JSON.stringify({
    update_id: 1,
    message: {
      message_id: 1,
      from: { id: 7, is_bot: false, first_name: 'A' },
      chat: { id: 7, type: 'private' },
      date: 1,
      text,
    },
  });
  cases.push([
    'telegram',
    createTelegramAdapter(),
    { id: 'i', channel: 'telegram', secret: 'tg', credentials: {} },
    req(url, { 'x-telegram-bot-api-secret-token': 'tg' }, body),
  ]);
}
{
  const secret = Buffer.from('k').toString('base64');
  const body = JSON.stringify({
    v: 1,
    type: 'text',
    id: 'i-1',
    sourceId: 'urn:mbid:A',
    destinationId: 'urn:biz:B',
    body: text,
  });
  cases.push([
    'apple',
    createAppleAdapter(),
    { id: 'i', channel: 'apple', secret, credentials: { mspId: 'm' } },
    req(url, { authorization: `Bearer ${signAppleJwt(secret, { aud: 'm' })}` }, body),
  ]);
}
{
  const body = JSON.stringify({
    channel: { messageId: 'm-1', from: { id: 'c', idType: 'Opaque' }, time: '2026-01-01T00:00:00.000Z' },
    text,
  });
  cases.push([
    'open',
    createOpenAdapter(),
    { id: 'i', channel: 'open', secret: 's', credentials: {} },
    req(url, { 'x-hub-signature-256': `sha256=${createHmac('sha256', 's').update(body).digest('base64')}` }, body),
  ]);
}
{
  const body = JSON.stringify({ type: 'message', clientMessageId: 'c-1', text });
  cases.push([
    'web',
    createWebAdapter(),
    { id: 'i', channel: 'web', secret: 's', credentials: {} },
    req(url, { authorization: `Bearer ${sessionToken('s', 'i', 'AbCdEfGhIjKlMnOpQrStUv')}` }, body),
  ]);
}

const rows: string[] = ['| channel | verify+normalize /s | bare parse /s | ratio |', '| --- | ---: | ---: | ---: |'];
for (const [name, adapter, integration, r] of cases) {
  const full = rate(() => {
    adapter.verify(r, integration);
    if (adapter.normalize(r, integration).length !== 1) throw new Error(`${name}: expected one event`);
  });
  const decoder = new TextDecoder();
  // The baseline decodes the same bytes the cheapest way: JSON.parse, or URLSearchParams for Twilio's form.
  const bare = rate(() =>
    name.startsWith('sms')
      ? [...new URLSearchParams(decoder.decode(r.rawBody))]
      : JSON.parse(decoder.decode(r.rawBody)),
  );
  rows.push(
    `| ${name} | ${Math.round(full).toLocaleString('en-US')} | ${Math.round(bare).toLocaleString('en-US')} | ${(full / bare).toFixed(2)} |`,
  );
}
process.stdout.write(`${rows.join('\n')}\n`);
