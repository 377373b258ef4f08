import { describe, expect, it } from 'vitest';
import { SendError, type ChannelAdapter, type Integration } from '../../gateways/channel.js';
import { Deliverer } from '../../gateways/delivery.js';
import type { OutboundMessage } from '../../protocol/channels.js';

const integration: Integration = { id: 'i1', channel: 'messenger', secret: 's', credentials: {} };
const msg = (text: string): OutboundMessage => ({
  id: 'o1',
  channel: 'messenger',
  integrationId: 'i1',
  channelUserId: 'u',
  conversationKey: 'messenger:i1:u',
  kind: 'text',
  text,
});

function adapter(script: (text: string, n: number) => string | Error): { a: ChannelAdapter; sent: string[] } {
  const sent: string[] = [];
  let n = 0;
  const a: ChannelAdapter = {
    channel: 'messenger',
    length: { max: 10, unit: 'chars', split: true },
    verify: () => undefined,
    normalize: () => [],
    async send(m) {
      const r = script(m.text ?? '', ++n);
      if (r instanceof Error) throw r;
      sent.push(m.text ?? '');
      return { providerMessageId: r };
    },
  };
  return { a, sent };
}

const fast = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
const deliverer = (a: ChannelAdapter) =>
  new Deliverer({
    nc: undefined as never,
    adapter: a,
    integrations: [integration],
    publisher: { publish: async () => undefined },
    retry: fast,
    now: () => 5,
  });

describe('Deliverer', () => {
  it("retries transient failures and reports the last part's provider id", async () => {
    const { a, sent } = adapter((t, n) => (n <= 2 ? new SendError('provider_error', 'HTTP 503', true) : `p-${t}`));
    const update = await deliverer(a).deliver(msg('hello'));
    expect(update).toEqual({
      type: 'delivery.updated',
      messageId: 'o1',
      status: 'sent',
      providerMessageId: 'p-hello',
      at: 5,
    });
    expect(sent).toEqual(['hello']);
  });

  it("gives up after maxAttempts with the provider's reason, and never retries terminal errors", async () => {
    const flaky = adapter(() => new SendError('rate_limited', 'slow down', true, '429'));
    expect((await deliverer(flaky.a).deliver(msg('hi'))).reason).toEqual({
      code: 'rate_limited',
      message: 'slow down',
      providerCode: '429',
    });
    let calls = 0;
    const terminal = adapter(() => {
      calls++;
      return new SendError('reply_window_closed', 'closed', false, '131047');
    });
    expect(await deliverer(terminal.a).deliver(msg('hi'))).toMatchObject({
      status: 'failed',
      reason: { code: 'reply_window_closed' },
    });
    expect(calls).toBe(1);
  });

  it('a second delivery of the same message (its status was not stored) never re-sends parts already sent', async () => {
    let failSecond = true;
    const { a, sent } = adapter((t) => {
      if (t === 'world' && failSecond) {
        failSecond = false;
        return new SendError('provider_rejected', 'no', false);
      }
      return `p-${t}`;
    });
    const d = deliverer(a);
    expect((await d.deliver(msg('greetings world'))).status).toBe('failed');
    expect((await d.deliver(msg('greetings world'))).status).toBe('sent');
    expect(sent).toEqual(['greetings', 'world']);
  });

  it("waits for the integration's token bucket: 2/s lets two through, then paces the rest", async () => {
    const { a, sent } = adapter((t) => `p-${t}`);
    const clock = {
      t: 0,
      sleeps: [] as number[],
      now() {
        return this.t;
      },
      async sleep(ms: number) {
        this.sleeps.push(ms);
        this.t += ms;
      },
    };
    const d = new Deliverer({
      nc: undefined as never,
      adapter: a,
      integrations: [{ ...integration, ratePerSecond: 2 }],
      publisher: { publish: async () => undefined },
      bucketClock: clock,
    });
    for (const id of ['a', 'b', 'c', 'd']) await d.deliver({ ...msg(id), id });
    expect(sent).toEqual(['a', 'b', 'c', 'd']);
    expect(clock.sleeps).toEqual([500, 500]);
  });
});
