/**
 * Proactive messages end to end: an engine with its embedded nats-server, a WhatsApp gateway that
 * delivers to a fake Graph API, customers writing signed webhooks (some opt in with START, some opt
 * out with STOP, some are opted in by a supervisor), and a campaign of 1,000 recipients sent with
 * one batch call. Every recipient is answered exactly once; the fake Graph API receives exactly
 * the accepted ones, each once, no faster than the integration's rate; a customer's answer opens
 * an ordinary interaction.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider } from '../gateways/fake-provider.js';
import { headersFor } from '../support/auth.js';
import { tempDir } from '../support/tmp.js';
import { until, whatsappStack } from '../support/whatsapp-stack.js';

const RATE = 100;
const HOUR = 3_600_000;
const TEMPLATE = { name: 'order_ready', language: 'en_US', params: ['A-1'] };

const phone = (group: number, i: number) => `1555${group}${String(i).padStart(6, '0')}`;

describe('POST /outbound/messages', () => {
  let stack: Awaited<ReturnType<typeof whatsappStack>>;
  let graph: Awaited<ReturnType<typeof startFakeProvider>>;
  const arrivals: { to: string; at: number; body: any }[] = [];

  beforeAll(async () => {
    graph = await startFakeProvider((r, n) => {
      if (r.method === 'POST' && r.path === '/PN1/messages')
        arrivals.push({ to: r.body?.to, at: performance.now(), body: r.body });
      return { status: 200, body: { messaging_product: 'whatsapp', messages: [{ id: `wamid.out${n}` }] } };
    });
    stack = await whatsappStack({
      dataDir: join(tempDir(), 'e'),
      virtualClock: true,
      deliverTo: graph.url,
      ratePerSecond: RATE,
      integrationOptions: { optOutKeywords: ['STOP'], optInKeywords: ['START'] },
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await graph?.close();
  });

  /** Posts webhooks with a few in flight at once (a platform sends many at a time too). */
  async function writeAll(items: { from: string; text: string }[]) {
    for (let i = 0; i < items.length; i += 25)
      await Promise.all(items.slice(i, i + 25).map((m) => stack.customerWrites(m.text, { from: m.from })));
  }
  const conv = (from: string) =>
    stack.engine.host.read({ type: 'conversation', key: stack.conversationKey(from) })?.context as any;

  it('answers every one of 1,000 recipients once, sends exactly the allowed ones at the configured rate, and threads a reply', async () => {
    // 400 opted in by a supervisor, 100 by typing START, 300 never opted in, 100 typed STOP after opting in,
    // 100 never wrote at all.
    const consented = Array.from({ length: 400 }, (_, i) => phone(1, i));
    const started = Array.from({ length: 100 }, (_, i) => phone(2, i));
    const silent = Array.from({ length: 300 }, (_, i) => phone(3, i));
    const stopped = Array.from({ length: 100 }, (_, i) => phone(4, i));
    const strangers = Array.from({ length: 100 }, (_, i) => phone(5, i));
    await writeAll([...consented, ...silent, ...stopped].map((from) => ({ from, text: 'hello' })));
    await writeAll(started.map((from) => ({ from, text: 'START' })));
    await until('every customer conversation', () =>
      [...consented, ...silent, ...stopped, ...started].every((p) => conv(p)),
    );
    const toConsent = [...consented, ...stopped];
    for (let i = 0; i < toConsent.length; i += 25) {
      const answers = await Promise.all(
        toConsent.slice(i, i + 25).map((p) =>
          stack.call('POST', `/conversations/${encodeURIComponent(stack.conversationKey(p))}/consent`, {
            optedIn: true,
          }),
        ),
      );
      for (const r of answers) expect(r.status).toBe(200);
    }
    await writeAll(stopped.map((from) => ({ from, text: 'STOP' })));
    await until('the opt-outs', () => stopped.every((p) => conv(p)?.window.optedOut));
    await until('the opt-ins', () => started.every((p) => conv(p)?.window.optedIn));
    // Three days later every free-form window is closed (only templates, and only to those who opted in)
    // and every unanswered interaction has ended.
    expect((await stack.call('POST', '/admin/clock/advance', { ms: 73 * HOUR })).status).toBe(200);

    const order = [...consented, ...started, ...silent, ...stopped, ...strangers];
    // Shuffled deterministically, so groups are interleaved in the batch.
    const recipients = order
      .map((p, i) => ({ p, k: (i * 7919) % order.length }))
      .sort((a, b) => a.k - b.k)
      .map(({ p }) => ({ channel: 'whatsapp', integrationId: 'wa1', channelUserId: p }));
    expect(recipients).toHaveLength(1_000);
    const res = await stack.call('POST', '/outbound/messages/batch', {
      requestId: 'campaign-1',
      recipients,
      message: { kind: 'template', template: TEMPLATE },
    });
    expect(res.status).toBe(200);
    const results = res.json.results as { index: number; status: string; code?: string; conversationKey?: string }[];
    expect(results.map((r) => r.index)).toEqual(recipients.map((_, i) => i));
    const codeOf = new Map(results.map((r, i) => [recipients[i]!.channelUserId, r.code ?? r.status]));
    for (const p of [...consented, ...started]) expect(codeOf.get(p), p).toBe('accepted');
    for (const p of silent) expect(codeOf.get(p), p).toBe('opt_in_required');
    for (const p of stopped) expect(codeOf.get(p), p).toBe('opted_out');
    for (const p of strangers) expect(codeOf.get(p), p).toBe('unknown_contact');
    expect(res.json).toMatchObject({
      total: 1_000,
      accepted: 500,
      refused: 500,
      byCode: { opt_in_required: 300, opted_out: 100, unknown_contact: 100 },
    });

    // Exactly the accepted ones reach the Graph API, each once, as the template.
    await until('500 sends', () => arrivals.length >= 500, 60_000);
    const sent = arrivals.map((a) => a.to).sort();
    expect(sent).toEqual([...consented, ...started].sort());
    expect(arrivals[0]!.body).toMatchObject({
      messaging_product: 'whatsapp',
      type: 'template',
      template: { name: 'order_ready', language: { code: 'en_US' } },
    });
    // The rate: a token bucket of RATE per second with a burst of RATE lets at most RATE × (1 + w) through
    // in any window of w seconds; arrivals may bunch by the local HTTP latency, allowed here as half a window.
    const times = arrivals.map((a) => a.at).sort((a, b) => a - b);
    let busiest = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 1_000) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    expect(busiest).toBeLessThanOrEqual(RATE * 2.5);
    // Unlimited, 500 local sends fit in well under a second; at RATE they span several one-second windows.
    const windows = new Set(times.map((t) => Math.floor((t - times[0]!) / 1_000)));
    expect(windows.size).toBeGreaterThanOrEqual(Math.floor((500 - RATE) / RATE));

    // The same batch again: nothing is sent twice, every recipient still answered once (one the first
    // attempt reached, accepted or refused, is a duplicate; a retry after an opt-in takes a new request id).
    const again = await stack.call('POST', '/outbound/messages/batch', {
      requestId: 'campaign-1',
      recipients: recipients.slice(0, 50),
      message: { kind: 'template', template: TEMPLATE },
    });
    expect(again.json.results).toHaveLength(50);
    expect(arrivals).toHaveLength(500);
    for (const r of again.json.results as { index: number; status: string; code?: string }[]) {
      const p = recipients[r.index]!.channelUserId;
      expect(r.status, p).toBe(codeOf.get(p) === 'unknown_contact' ? 'refused' : 'duplicate');
    }

    // A customer answers the campaign: an ordinary inbound interaction, and both in its history.
    const who = consented[0]!;
    expect(conv(who).current).toBeUndefined();
    const before = conv(who).interactions as number;
    await stack.customerWrites('Is it ready?', { from: who });
    const current = await until('a new interaction', () => conv(who)?.current);
    expect(current.interactionId).toBeTruthy();
    expect(conv(who).interactions).toBe(before + 1);
    const historyOf = async () =>
      (await stack.call('GET', `/conversations/${encodeURIComponent(stack.conversationKey(who))}/history`)).json
        .entries as any[];
    const entries = await until('the answer in history', async () => {
      const e = await historyOf();
      return e.some((x) => x.direction === 'inbound' && x.text === 'Is it ready?') ? e : undefined;
    });
    const template = entries.findIndex((e) => e.kind === 'template');
    expect(entries[template]).toMatchObject({
      direction: 'outbound',
      sender: { kind: 'system' },
      template: TEMPLATE,
    });
    const answer = entries.findIndex((e) => e.direction === 'inbound' && e.text === 'Is it ready?');
    expect(answer).toBeGreaterThan(template);
    expect(entries[answer].interactionId).toBe(current.interactionId);
    await until('the template marked sent', async () =>
      (await historyOf()).some((e) => e.kind === 'template' && e.status === 'sent'),
    );
  }, 180_000);

  it('answers one recipient with its reason code, and refuses free text and agents', async () => {
    const who = phone(1, 1);
    const text = await stack.call('POST', '/outbound/messages', {
      requestId: 'one-1',
      to: { conversationKey: stack.conversationKey(who) },
      kind: 'text',
      text: 'Your order is ready',
    });
    expect(text.status).toBe(422);
    expect(text.json.error.code).toBe('template_required');
    const dry = await stack.call('POST', '/outbound/messages', {
      requestId: 'one-2',
      to: { conversationKey: stack.conversationKey(who) },
      kind: 'template',
      template: TEMPLATE,
      dryRun: true,
    });
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({ status: 'accepted' });
    const contactId = conv(who).contactId as string;
    const byContact = await stack.call('POST', '/outbound/messages', {
      requestId: 'one-3',
      to: { contactId, channel: 'whatsapp' },
      kind: 'template',
      template: TEMPLATE,
    });
    expect(byContact.status).toBe(201);
    expect(byContact.json).toMatchObject({ status: 'accepted', conversationKey: stack.conversationKey(who) });
    const unknown = await stack.call('POST', '/outbound/messages', {
      requestId: 'one-4',
      to: { contactId: 'ct_nobody' },
      kind: 'template',
      template: TEMPLATE,
    });
    expect(unknown.json.error.code).toBe('unknown_contact');
    const bad = await stack.call('POST', '/outbound/messages', { requestId: 'one-5', to: {}, kind: 'text' });
    expect(bad.status).toBe(400);
    // An agent may not send campaigns.
    const base = `http://127.0.0.1:${stack.node.httpPort}`;
    const agent = await fetch(`${base}/outbound/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await headersFor({ person: 'ana' })) },
      body: JSON.stringify({ requestId: 'x', to: { contactId }, kind: 'template', template: TEMPLATE }),
    });
    expect([401, 403]).toContain(agent.status);
  });
});
