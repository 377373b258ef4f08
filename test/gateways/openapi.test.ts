/**
 * The gateway's OpenAPI document against a gateway serving every channel (examples/gateway.json): no mounted route
 * is missing, and each documented operation, sent a body nothing accepts, answers only documented statuses with
 * errors in the Error shape. A real nats-server on loopback.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateways/config.js';
import { startGateway } from '../../gateways/gateway.js';
import { GATEWAY_OPERATIONS, gatewayOpenApi } from '../../gateways/openapi.js';
import { useNatsServer } from '../support/nats.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('OpenAPI description of the gateway', () => {
  const nats = useNatsServer();

  it('lists every mounted route, and every operation answers as described', async () => {
    const gw = await startGateway({
      config: loadGatewayConfig(join(root, 'examples/gateway.json')),
      natsUrl: nats.server.url,
      httpPort: 0,
      deliver: false,
    });
    try {
      const served = await gw.app.request('/openapi.json');
      expect(await served.json()).toEqual(JSON.parse(JSON.stringify(gatewayOpenApi())));
      const mounted = [...new Set(gw.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))];
      expect(
        mounted.filter((r) => !(r in GATEWAY_OPERATIONS)),
        'routes missing from gateways/openapi.ts',
      ).toEqual([]);
      expect(Object.keys(GATEWAY_OPERATIONS).filter((r) => !mounted.includes(r))).toEqual([]);
      const doc = gatewayOpenApi() as { paths: Record<string, Record<string, { responses: object }>> };
      const wrong: string[] = [];
      for (const [path, ops] of Object.entries(doc.paths))
        for (const [method, op] of Object.entries(ops)) {
          const url = path
            .replace('{channel}', 'whatsapp')
            .replace('{integration}', 'wa-main')
            .replace('{integrationId}', 'site')
            .replace('{kind}', 'message')
            .replace(/\{\w+\}/g, 'nothing-here');
          const res = await gw.app.request(url, {
            method: method.toUpperCase(),
            headers: { 'content-type': 'application/json' },
            body: method === 'get' ? undefined : '[]',
          });
          const json = res.headers.get('content-type')?.startsWith('application/json') ? await res.json() : undefined;
          if (!json) await res.body?.cancel();
          if (!(String(res.status) in op.responses)) wrong.push(`${method} ${path}: ${res.status} is not documented`);
          const e = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
          const oauth = path === '/oauth/token' && typeof e === 'string';
          if (res.status >= 400 && !oauth && (typeof e?.code !== 'string' || typeof e?.message !== 'string'))
            wrong.push(`${method} ${path}: ${res.status} without {error:{code,message}}`);
        }
      expect(wrong).toEqual([]);
    } finally {
      await gw.stop();
    }
  });
});
