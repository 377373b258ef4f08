/**
 * One person, one contact across phone-based channels: WhatsApp's `15551234567`, Twilio SMS's
 * `+15551234567`, a national `(555) 123-4567` and a number verified through the API all become
 * the E.164 identity `+15551234567`. Driven as users do: signed webhooks through a gateway, the
 * engine's HTTP API.
 */
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../engine/logger.js';
import { startEngineNode } from '../../engine/node.js';
import { normalizePhone } from '../../engine/phone.js';
import { parseGatewayConfig } from '../../gateways/config.js';
import { startGateway } from '../../gateways/gateway.js';
import { metaSignature } from '../gateways/support.js';
import { useNatsServer } from '../support/nats.js';
import { headersFor, testAuthority } from '../support/auth.js';
import { tempDir } from '../support/tmp.js';

const logger = createLogger({ level: 'silent' });
const META_SECRET = 'meta_app_secret';
const TWILIO_TOKEN = 'twilio_auth_token_0123456789abcd';
const PAGE = '112233445566';
const smsUrl = (id: string) => `https://sb.example.test/webhooks/sms/${id}`;

/** Waits (wall clock, for asynchronous delivery only) until `pred` finds something. */
async function until<T>(what: string, pred: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('phone identities', () => {
  const nats = useNatsServer();

  it('WhatsApp, SMS (international or national) and an API link of the same number are one contact', async () => {
    const node = await startEngineNode({
      dataDir: tempDir(),
      httpPort: 0,
      natsUrl: nats.server.url,
      virtualClock: true,
      logger,
      auth: testAuthority(),
    });
    const sms = (id: string) => ({
      id,
      channel: 'sms',
      secret: TWILIO_TOKEN,
      webhookUrl: smsUrl(id),
      credentials: { authToken: TWILIO_TOKEN },
    });
    const gw = await startGateway({
      config: parseGatewayConfig({
        integrations: [
          { id: 'wa1', channel: 'whatsapp', secret: META_SECRET },
          { id: 'page1', channel: 'messenger', secret: META_SECRET, credentials: { pageId: PAGE } },
          sms('sms-us'),
          sms('sms-uk'),
        ],
      }),
      natsUrl: nats.server.url,
      httpPort: 0,
      deliver: false,
    });
    const base = `http://127.0.0.1:${node.httpPort}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(base + path, {
        method,
        headers: { 'content-type': 'application/json', ...(await headersFor('admin')) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as Record<string, any> };
    };
    const webhook = async (path: string, body: string, headers: Record<string, string>) => {
      const res = await fetch(`http://127.0.0.1:${gw.port}${path}`, { method: 'POST', body, headers });
      expect(res.status, path).toBe(200);
    };
    let n = 0;
    const whatsapp = async (from: string) => {
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: 'waba',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { phone_number_id: 'p' },
                  contacts: [{ profile: { name: 'Sam' }, wa_id: from }],
                  messages: [
                    { from, id: `wamid.P${++n}`, timestamp: '1749416383', type: 'text', text: { body: 'hi' } },
                  ],
                },
              },
            ],
          },
        ],
      });
      await webhook('/webhooks/whatsapp/wa1', body, {
        'content-type': 'application/json',
        'x-hub-signature-256': metaSignature(body, META_SECRET),
      });
      return `whatsapp:wa1:${from}`;
    };
    const textMessage = async (integration: string, from: string) => {
      const params = {
        MessageSid: `SM${String(++n).padStart(32, '0')}`,
        AccountSid: `AC${'1'.repeat(32)}`,
        From: from,
        To: '+15550000100',
        Body: 'hello by text',
        NumMedia: '0',
      };
      await webhook(`/webhooks/sms/${integration}`, new URLSearchParams(params).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, smsUrl(integration), params),
      });
      return `sms:${integration}:${from}`;
    };
    const messenger = async (psid: string) => {
      const body = JSON.stringify({
        object: 'page',
        entry: [
          {
            id: PAGE,
            time: 1458692752478,
            messaging: [
              {
                sender: { id: psid },
                recipient: { id: PAGE },
                timestamp: 1458692752478,
                message: { mid: `m_${++n}`, text: 'hi from messenger' },
              },
            ],
          },
        ],
      });
      await webhook('/webhooks/messenger/page1', body, {
        'content-type': 'application/json',
        'x-hub-signature-256': metaSignature(body, META_SECRET),
      });
      return `messenger:page1:${psid}`;
    };
    /** The conversation's contact once it has one (and, with `expected`, once it is that one). */
    const contactOf = (key: string, expected?: string) =>
      until(`contact of ${key}${expected ? ` = ${expected}` : ''}`, async () => {
        const r = await call('GET', `/conversations/${encodeURIComponent(key)}`);
        const id = r.status === 200 ? (r.json.contactId as string | null) : null;
        return id && (expected === undefined || id === expected) ? id : undefined;
      });

    try {
      // National numbers are read as US ones, except on the UK SMS number.
      const file = { conversations: { phone: { defaultRegion: 'us', integrations: { 'sms:sms-uk': 'GB' } } } };
      expect((await call('PUT', '/admin/routing/config', file)).status).toBe(200);
      const bad = await call('PUT', '/admin/routing/config', { conversations: { phone: { defaultRegion: 'Narnia' } } });
      expect(bad).toMatchObject({
        status: 422,
        json: { error: { code: 'config_invalid', details: [{ path: 'conversations.phone.defaultRegion' }] } },
      });

      // WhatsApp first: its contact owns +15551234567.
      const wa = await whatsapp('15551234567');
      const owner = await contactOf(wa);
      // SMS in E.164, and a national number on the US SMS integration: the same contact.
      expect(await contactOf(await textMessage('sms-us', '+15551234567'), owner)).toBe(owner);
      expect(await contactOf(await textMessage('sms-us', '(555) 123-4567'), owner)).toBe(owner);
      // An agent verifies the number of a Messenger customer, written nationally: it is the same person.
      const fb = await messenger('6789012345678901');
      const fbContact = await contactOf(fb);
      expect(fbContact).not.toBe(owner);
      const link = await call('POST', `/contacts/${fbContact}/links`, {
        kind: 'phone',
        value: '(555) 123-4567',
        verified: true,
      });
      expect(link).toMatchObject({ status: 201, json: { identity: 'phone:+15551234567', owner } });
      expect(await contactOf(fb, owner)).toBe(owner);
      const contact = await call('GET', `/contacts/${owner}`);
      expect(contact.json.verified).toEqual([{ kind: 'phone', value: '+15551234567' }]);
      expect(contact.json.identities.map((i: { conversationKey: string }) => i.conversationKey).sort()).toEqual(
        [wa, fb, 'sms:sms-us:+15551234567', 'sms:sms-us:(555) 123-4567'].sort(),
      );
      expect((await call('GET', `/contacts/${fbContact}`)).json.mergedInto).toBe(owner);

      // Link first, channel later: the verified number claims the WhatsApp and UK SMS conversations.
      const fb2 = await messenger('6789012345678902');
      const early = await contactOf(fb2);
      expect(
        (await call('POST', `/contacts/${early}/links`, { kind: 'phone', value: '+44 7700 900456', verified: true }))
          .json,
      ).toMatchObject({ identity: 'phone:+447700900456', owner: early });
      expect(await contactOf(await whatsapp('447700900456'), early)).toBe(early);
      // The UK integration reads national numbers as British ones.
      expect(await contactOf(await textMessage('sms-uk', '07700 900456'), early)).toBe(early);

      // Not a phone number: refused with a reason.
      expect(
        await call('POST', `/contacts/${early}/links`, { kind: 'phone', value: 'call me', verified: true }),
      ).toMatchObject({ status: 422, json: { error: { code: 'phone_invalid' } } });
    } finally {
      await gw.stop();
      await node.stop();
    }
  });

  it('normalises every written form to E.164, with the default region only for national numbers', () => {
    const us = { defaultRegion: 'US' };
    for (const v of ['+15551234567', '+1 (555) 123-4567', 'tel:+1-555-123-4567', 'whatsapp:+15551234567'])
      expect(normalizePhone(v), v).toBe('+15551234567');
    for (const v of ['15551234567', '(555) 123-4567', '555.123.4567', '1 555 123 4567'])
      expect(normalizePhone(v, us), v).toBe('+15551234567');
    // International digits without '+' still work with a region that cannot read them nationally.
    expect(normalizePhone('447700900123', us)).toBe('+447700900123');
    expect(normalizePhone('15551234567', { defaultRegion: 'GB' })).toBe('+15551234567');
    expect(normalizePhone('07700 900123', { defaultRegion: 'GB' })).toBe('+447700900123');
    expect(normalizePhone('0044 7700 900123')).toBe('+447700900123');
    // WhatsApp ids are international even when the region could read them nationally.
    expect(normalizePhone('447700900123', { defaultRegion: 'GB', international: true })).toBe('+447700900123');
    for (const v of ['call me', '12345', '+1555', '', '+'.padEnd(60, '1')])
      expect(normalizePhone(v, us), v).toBeUndefined();
  });
});
