/**
 * Web-messaging sessions are rate-limited per source address: a real gateway on loopback (over a
 * real nats-server) answers the session after the limit with 429 `rate_limited` and Retry-After,
 * serves another address meanwhile, ignores X-Forwarded-For unless told a proxy is in front, and
 * counts an IPv6 caller by its /64. The window's end is shown in process with a hand-moved clock.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../gateways/config.js';
import { startGateway, type Gateway } from '../../../gateways/gateway.js';
import { addressKey } from '../../../gateways/source-address.js';
import { webRoutes } from '../../../gateways/web/routes.js';
import type { Integration } from '../../../gateways/channel.js';
import { useNatsServer } from '../../support/nats.js';

const nats = useNatsServer();

interface Answer {
  status: number;
  retryAfter?: string;
  exposed?: string;
  json: { sessionId?: string; error?: { code: string; message: string } };
}

/** POST /web/<id>/sessions from `localAddress` (any 127.x.y.z reaches a server on 127.0.0.1). */
function newSession(port: number, id: string, localAddress = '127.0.0.1', headers: Record<string, string> = {}) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: `/web/${id}/sessions`, localAddress, headers },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'] as string | undefined,
            exposed: res.headers['access-control-expose-headers'] as string | undefined,
            json: JSON.parse(body),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function gatewayWith(extra: Record<string, unknown>): Promise<Gateway> {
  return startGateway({
    config: parseGatewayConfig({
      ...extra,
      integrations: [
        { id: 'site-a', channel: 'web', secret: 'web-secret-a' },
        { id: 'site-b', channel: 'web', secret: 'web-secret-b' },
      ],
    }),
    natsUrl: nats.server.url,
    httpPort: 0,
    deliver: false,
  });
}

describe('web session rate limit on a running gateway', () => {
  let direct: Gateway;
  let proxied: Gateway;
  beforeAll(async () => {
    direct = await gatewayWith({ webSessionsPerAddressPerMinute: 3 });
    proxied = await gatewayWith({ webSessionsPerAddressPerMinute: 2, trustProxy: true });
  });
  afterAll(async () => {
    await direct?.stop();
    await proxied?.stop();
  });

  it('answers the session past the limit with 429 rate_limited and Retry-After; another address is still served', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await newSession(direct.port, i % 2 ? 'site-b' : 'site-a', '127.0.0.1');
      expect(r.status).toBe(201);
      expect(r.json.sessionId).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    }
    // The limit is per address, across integrations, and says how long to wait (the widget may read it).
    for (const id of ['site-a', 'site-b']) {
      const refused = await newSession(direct.port, id, '127.0.0.1', { origin: 'https://shop.example' });
      expect(refused.status).toBe(429);
      expect(refused.json.error).toEqual({
        code: 'rate_limited',
        message: expect.stringMatching(/too many chat sessions .* try again in \d+ s$/),
      });
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
      expect(refused.exposed).toMatch(/retry-after/i);
    }
    expect((await newSession(direct.port, 'site-a', '127.0.0.2')).status).toBe(201);
    // An unknown integration is still answered as such.
    expect((await newSession(direct.port, 'nope', '127.0.0.3')).json.error?.code).toBe('unknown_integration');
  });

  it('ignores X-Forwarded-For unless a proxy is trusted, so naming another address does not step around it', async () => {
    for (let i = 0; i < 3; i++)
      expect(
        (await newSession(direct.port, 'site-a', '127.0.0.4', { 'x-forwarded-for': `198.51.100.${i}` })).status,
      ).toBe(201);
    expect((await newSession(direct.port, 'site-a', '127.0.0.4', { 'x-forwarded-for': '198.51.100.99' })).status).toBe(
      429,
    );

    // Behind the operator's proxy every request comes from it; its last hop names the visitor.
    const via = (hops: string) => newSession(proxied.port, 'site-a', '127.0.0.5', { 'x-forwarded-for': hops });
    expect((await via('203.0.113.1')).status).toBe(201);
    expect((await via('10.9.9.9, 203.0.113.1')).status).toBe(201);
    expect((await via('203.0.113.1')).status).toBe(429);
    expect((await via('203.0.113.2')).status).toBe(201);
    // One IPv6 subscriber's /64 is one address.
    expect((await via('2001:db8:7:7::1')).status).toBe(201);
    expect((await via('2001:db8:7:7:ffff::2')).status).toBe(201);
    expect((await via('2001:db8:7:7:abcd:1:2:3')).status).toBe(429);
    expect((await via('2001:db8:7:8::1')).status).toBe(201);
  });
});

describe('web session rate limit over time', () => {
  const site: Integration = { id: 'site-a', channel: 'web', secret: 'web-secret-a' } as Integration;
  const post = async (app: { request: (p: string, i: RequestInit) => Response | Promise<Response> }) =>
    (await app.request('/web/site-a/sessions', { method: 'POST', headers: { 'x-forwarded-for': '192.0.2.1' } })).status;

  it('serves the address again once the minute is over, and 0 turns the limit off', async () => {
    const clock = { t: 1_000_000 };
    const { app } = webRoutes({
      integration: (id) => (id === 'site-a' ? site : undefined),
      sessionsPerAddressPerMinute: 2,
      trustProxy: true,
      now: () => clock.t,
    });
    expect([await post(app), await post(app), await post(app)]).toEqual([201, 201, 429]);
    clock.t += 59_999;
    expect(await post(app)).toBe(429);
    clock.t += 1;
    expect([await post(app), await post(app), await post(app)]).toEqual([201, 201, 429]);

    const open = webRoutes({ integration: () => site, sessionsPerAddressPerMinute: 0, trustProxy: true }).app;
    const many = await Promise.all(Array.from({ length: 50 }, () => post(open)));
    expect(new Set(many)).toEqual(new Set([201]));
  });

  it('is on by default (30 a minute), as docs/configuration.md says', () => {
    expect(parseGatewayConfig({ integrations: [] })).toMatchObject({
      webSessionsPerAddressPerMinute: 30,
      trustProxy: false,
    });
    expect(() => parseGatewayConfig({ integrations: [], webSessionsPerAddressPerMinute: -1 })).toThrow(
      /webSessionsPerAddressPerMinute/,
    );
  });

  it('counts IPv4-mapped and IPv6 addresses by subscriber', () => {
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('2001:0db8:0001:0002:0003:0004:0005:0006')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2::9')).toBe(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(addressKey('2001:db8:1:3::9')).not.toBe(addressKey('2001:db8:1:2::9'));
    expect(addressKey('unknown')).toBe('unknown');
  });
});
