/**
 * The workspace's reads and writes over HTTP against a real engine and gateway: the contact's
 * history paged backwards is the forward listing reversed, an interaction's details (reply
 * window, contact) and who may read them, attachments, and typing on NATS core.
 */
import { join } from 'node:path';
import { connect } from 'nats';
import { describe, expect, it } from 'vitest';
import { natsAuthOptions } from '../../gateways/nats-credentials.js';
import { GATEWAY_INBOX_PREFIX } from '../../protocol/subjects.js';
import { decode } from '../../protocol/wire.js';
import { embeddedGatewayCredentials } from '../support/nats.js';
import { headersFor } from '../support/auth.js';
import { tempDir } from '../support/tmp.js';
import { until, whatsappStack } from '../support/whatsapp-stack.js';

const routing = {
  queues: [{ id: 'support', alertingTimeoutSeconds: 60, acw: { mode: 'timeboxed', timeoutSeconds: 90 } }],
  agents: [
    { id: 'ana', name: 'Ana', queues: ['support'] },
    { id: 'bob', queues: ['support'] },
  ],
  flows: [{ integrationId: '*', defaultQueueId: 'support' }],
  templates: [{ name: 'order_update', language: 'en', params: ['Order'] }],
};

describe('workspace API', () => {
  it('pages the history back, details the interaction, takes attachments and typing', async () => {
    const s = await whatsappStack({ dataDir: join(tempDir(), 'engine'), virtualClock: true });
    try {
      expect((await s.call('PUT', '/admin/routing/config', routing)).status).toBe(200);
      const boot = (await s.call('GET', '/agents/ana/workspace')).json;
      expect(boot).toMatchObject({
        agent: { id: 'ana', name: 'Ana' },
        presence: 'offline',
        templates: [{ name: 'order_update', params: ['Order'], channels: ['whatsapp'] }],
        queues: [{ id: 'support', acw: { mode: 'timeboxed', timeoutSeconds: 90 } }],
        agents: [{ id: 'bob', presence: 'offline' }],
        virtual: true,
      });
      expect(boot.notReadyReasons).not.toContain('RONA');
      // Someone who is not a person of the configuration has no session at all.
      expect((await s.call('GET', '/agents/zed/workspace')).json.error.code).toBe('unauthenticated');

      await s.call('POST', '/agents/ana/login');
      for (let i = 1; i <= 7; i++) await s.customerWrites(`message ${i}`);
      const offer = await until('offer', async () => (await s.call('GET', '/agents/ana')).json.offers[0]);
      const iid = offer.interactionId as string;
      // Readable while it alerts (the alert shows the customer), then once accepted.
      expect((await s.call('GET', `/agents/ana/interactions/${iid}`)).json.stage).toBe('alerting');
      expect((await s.call('GET', `/agents/bob/interactions/${iid}`)).json.error.code).toBe('forbidden');
      await s.call('POST', `/agents/ana/offers/${offer.offerId}/accept`);
      const detail = (await s.call('GET', `/agents/ana/interactions/${iid}`)).json;
      expect(detail).toMatchObject({
        conversationKey: s.conversationKey(),
        channel: 'whatsapp',
        stage: 'connected',
        queue: { id: 'support' },
        contact: { displayName: 'Sam', verified: [{ kind: 'phone', value: '+15550001234' }] },
        window: { state: 'open', freeForm: true, templates: true, closesAt: detail.now + 24 * 3_600_000 },
        wrapup: null,
      });

      const forward = (
        await until('the whole history', async () => {
          const h = (await s.call('GET', `/agents/ana/interactions/${iid}/history`)).json;
          return h.entries?.length === 8 ? h : undefined;
        })
      ).entries.map((e: { seq: number }) => e.seq);
      const back: number[] = [];
      let before: string | null | undefined;
      let pages = 0;
      do {
        const q: string = before ? `&before=${before}` : '';
        const page = (await s.call('GET', `/agents/ana/interactions/${iid}/timeline?limit=3${q}`)).json;
        back.unshift(...page.entries.map((e: { seq: number }) => e.seq));
        before = page.next;
        pages++;
      } while (before);
      expect(back).toEqual(forward);
      expect(pages).toBe(3);
      expect((await s.call('GET', `/agents/ana/interactions/${iid}/timeline?before=nope`)).json.error.code).toBe(
        'invalid_cursor',
      );

      // Attachments: stored by content, served back with their type; other types refused.
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
      const base = `http://127.0.0.1:${s.node.httpPort}`;
      const ana = await headersFor({ person: 'ana' });
      expect((await fetch(`${base}/media`, { method: 'POST', body: png })).status).toBe(401);
      const up = await fetch(`${base}/media`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', ...ana },
        body: png,
      });
      expect(up.status).toBe(201);
      const m = (await up.json()) as { id: string; url: string };
      expect(m.url).toBe(`${base}/media/${m.id}`);
      // Fetched with no credential, as a platform or a customer's browser does.
      const got = await fetch(m.url);
      expect(got.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await got.arrayBuffer())).toEqual(png);
      const exe = await fetch(`${base}/media`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-msdownload', ...ana },
        body: 'MZ',
      });
      expect(exe.status).toBe(415);
      expect((await fetch(`${base}/media/..%2Frouting.json`)).status).toBe(404);
      const big = await fetch(`${base}/media`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', ...ana },
        body: new Uint8Array(6 * 1024 * 1024),
      });
      expect(big.status).toBe(413);

      // Typing goes out on NATS core, for the customer's channel.
      // As a gateway does: its credential may follow the agents' typing.
      const nc = await connect({
        servers: s.engine.natsUrl,
        inboxPrefix: GATEWAY_INBOX_PREFIX,
        ...natsAuthOptions(embeddedGatewayCredentials(s.engine)),
      });
      const seen: Record<string, unknown>[] = [];
      nc.subscribe('sb.typing.>', { callback: (_e, msg) => seen.push(decode(msg.data)) });
      await nc.flush();
      expect((await s.call('POST', `/agents/ana/interactions/${iid}/typing`, { on: true })).status).toBe(202);
      await until('the typing signal', () => seen[0]);
      expect(seen[0]).toEqual({ from: 'agent', agentId: 'ana', on: true });
      await nc.close();

      // Ending into a time-boxed wrap-up: the deadline is in the details.
      await s.call('POST', `/agents/ana/interactions/${iid}/end`);
      const wrap = (await s.call('GET', `/agents/ana/interactions/${iid}`)).json;
      expect(wrap).toMatchObject({ stage: 'wrapup', wrapup: { mode: 'timeboxed', deadlineAt: wrap.now + 90_000 } });
      expect((await s.call('POST', `/agents/ana/interactions/${iid}/typing`, {})).json.error.code).toBe(
        'not_connected',
      );
    } finally {
      await s.stop();
    }
  });
});
