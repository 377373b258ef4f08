import { describe, expect, it } from 'vitest';
import { builtinAdapters } from '../../gateways/adapters.js';
import { SendError, type Integration } from '../../gateways/channel.js';
import { GatewayConfigError, parseGatewayConfig } from '../../gateways/config.js';
import { applyLengthRule, measure } from '../../gateways/length.js';
import { TokenBucket, type BucketClock } from '../../gateways/token-bucket.js';
import { metaSignature, testApp, xSignature } from './support.js';

class FakeClock implements BucketClock {
  t = 0;
  readonly sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
}

describe('token bucket', () => {
  it('allows a burst, then one token per 1/rate seconds, in order', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket(10, 3, clock);
    for (let i = 0; i < 3; i++) expect(b.tryTake()).toBe(true);
    expect(b.tryTake()).toBe(false);
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((i) => b.take().then(() => order.push(i))));
    expect(order).toEqual([1, 2, 3]);
    expect(clock.t).toBeGreaterThanOrEqual(300); // three tokens at 10/s after an empty bucket
    expect(clock.t).toBeLessThan(400);
    expect(() => new TokenBucket(0)).toThrow(RangeError);
  });
});

describe('length rules', () => {
  it('measures chars as code points, bytes as UTF-8, SMS as GSM-7/UCS-2 segments', () => {
    expect(measure('😀😀', 'chars')).toBe(2);
    expect(measure('é', 'utf8-bytes')).toBe(2);
    expect(measure('a'.repeat(160), 'sms-segments')).toBe(1);
    expect(measure('a'.repeat(161), 'sms-segments')).toBe(2);
    expect(measure(`${'é€'.repeat(35)}ж`, 'sms-segments')).toBe(2);
  });

  it('splits at whitespace without breaking surrogate pairs, or refuses with message_too_long', () => {
    const parts = applyLengthRule('word '.repeat(500).trim(), { max: 100, unit: 'chars', split: true });
    expect(parts.every((p) => p.length <= 100 && !p.startsWith(' ') && p.endsWith('word'))).toBe(true);
    expect(parts.join(' ')).toBe('word '.repeat(500).trim());
    const emoji = applyLengthRule('😀'.repeat(30), { max: 41, unit: 'utf8-bytes', split: true });
    expect(emoji.join('')).toBe('😀'.repeat(30));
    expect(emoji.every((p) => Buffer.byteLength(p) <= 41 && !/\uFFFD/.test(p))).toBe(true);
    expect(() => applyLengthRule('x'.repeat(281), { max: 280, unit: 'chars', split: false })).toThrow(SendError);
    try {
      applyLengthRule('x'.repeat(281), { max: 280, unit: 'chars', split: false });
    } catch (err) {
      expect(err).toMatchObject({ code: 'message_too_long', retryable: false });
    }
  });
});

describe('gateway config', () => {
  it('validates integrations and names the bad field', () => {
    expect(parseGatewayConfig({ integrations: [{ id: 'wa1', channel: 'whatsapp', secret: 's' }] }).partitions).toBe(16);
    expect(() => parseGatewayConfig({ integrations: [{ id: 'wa 1', channel: 'whatsapp', secret: 's' }] })).toThrow(
      /integrations\.0\.id/,
    );
    expect(() => parseGatewayConfig({ integrations: [{ id: 'a', channel: 'fax', secret: 's' }] })).toThrow(
      GatewayConfigError,
    );
    expect(() =>
      parseGatewayConfig({
        integrations: [
          { id: 'a', channel: 'x', secret: 's' },
          { id: 'a', channel: 'x', secret: 't' },
        ],
      }),
    ).toThrow(/duplicate integration x\/a/);
    expect(() => parseGatewayConfig({ integrations: [{ id: 'p', channel: 'social', secret: 's' }] })).toThrow(
      /integrations\.0\.options\.platform/,
    );
    expect(() =>
      parseGatewayConfig({
        integrations: [{ id: 'p', channel: 'social', secret: 's', options: { platform: 'x', keywords: 'help' } }],
      }),
    ).toThrow(/keywords must be a list/);
  });
});

describe('hostile input', () => {
  // Correctly signed garbage must be refused with 400 (or accepted as nothing), never crash or 500.
  const samples = [
    'null',
    '[]',
    '"x"',
    '42',
    '{}',
    '{"object":null}',
    '{"entry":{}}',
    '{"object":"page","entry":[null]}',
    '{"object":"page","entry":[{"id":"1","messaging":[{"sender":{},"message":[]}]}]}',
    '{"object":"instagram","entry":[{"id":"1","messaging":[{"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":"x"}]}]}',
    '{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"from":"1","id":"2","timestamp":"3","type":"image","image":"x"}]}}]}]}',
    '{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"1"}]}}]}]}',
    '{"for_user_id":"1","direct_message_events":[{"type":"message_create","id":"1","created_timestamp":"x","message_create":{}}]}',
    '{"for_user_id":"1","tweet_create_events":[{"id_str":"1","user":null}]}',
    '{"__proto__":{"polluted":true},"object":"page","entry":[]}',
    `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`,
  ];
  const integrations: Integration[] = [
    { id: 'i', channel: 'whatsapp', secret: 's', credentials: {} },
    { id: 'i', channel: 'messenger', secret: 's', credentials: {} },
    { id: 'i', channel: 'instagram', secret: 's', credentials: {} },
    { id: 'i', channel: 'x', secret: 's', credentials: {} },
    { id: 'i', channel: 'social', secret: 's', credentials: {}, options: { platform: 'x', keywords: ['a'] } },
  ];
  for (const integration of integrations) {
    it(`${integration.channel}: signed garbage gets 200 or 400 with a reason`, async () => {
      const adapter = builtinAdapters[integration.channel]!;
      const { post } = testApp(adapter, [integration]);
      for (const body of samples) {
        const sig: Record<string, string> =
          integration.channel === 'x' || integration.channel === 'social'
            ? { 'x-twitter-webhooks-signature': xSignature(body, 's') }
            : { 'x-hub-signature-256': metaSignature(body, 's') };
        const res = await post(`/webhooks/${integration.channel}/i`, body, sig);
        expect([200, 400], body.slice(0, 60)).toContain(res.status);
        if (res.status === 400) expect((await res.json()).error.code).toMatch(/^body_/);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }
});

describe('body size limit', () => {
  it('refuses a declared or chunked body over the limit with 413 and keeps serving', async () => {
    const integration: Integration = { id: 'i', channel: 'whatsapp', secret: 's', credentials: {} };
    const { app, post, publisher } = testApp(builtinAdapters.whatsapp!, [integration], 1_000);
    const declared = await post('/webhooks/whatsapp/i', 'x'.repeat(1_001), {});
    expect(declared.status).toBe(413);
    let pulled = 0;
    const chunked = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        pulled++;
        if (pulled > 1_000) ctrl.close();
        else ctrl.enqueue(new Uint8Array(512));
      },
    });
    const res = await app.request('/webhooks/whatsapp/i', {
      method: 'POST',
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('body_too_large');
    expect(pulled).toBeLessThan(10); // stopped reading early, never buffered the whole body
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
    expect((await post('/webhooks/whatsapp/i', body, { 'x-hub-signature-256': metaSignature(body, 's') })).status).toBe(
      200,
    );
    expect(publisher.envelopes).toHaveLength(0);
  });
});
