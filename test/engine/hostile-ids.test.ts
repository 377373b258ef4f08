/**
 * Ids that name JavaScript's built-in object properties (`constructor`, `__proto__`, `toString`,
 * `hasOwnProperty`) are ordinary unknown ids on every agent, queue, conversation and contact
 * route, and a routing file that defines them is refused with the path of the bad field. Driven
 * as users do: signed webhooks through a gateway, the engine's HTTP API.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../engine/logger.js';
import { startEngineNode } from '../../engine/node.js';
import { readServerSentEvents } from '../../engine/sse-client.js';
import { parseGatewayConfig } from '../../gateways/config.js';
import { startGateway } from '../../gateways/gateway.js';
import { metaSignature } from '../gateways/support.js';
import { useNatsServer } from '../support/nats.js';
import { autoHeaders, headersFor, testAuthority, type TestCaller } from '../support/auth.js';
import { tempDir } from '../support/tmp.js';

const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty'] as const;
const logger = createLogger({ level: 'silent' });
const SECRET = 'app_secret';

/** Waits (wall clock, for asynchronous delivery only) until `pred` finds something. */
async function until<T>(what: string, pred: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const routing = {
  skills: ['billing'],
  queues: [{ id: 'support' }],
  agents: [{ id: 'ana', queues: ['support'], skills: { billing: 3 } }],
  flows: [{ integrationId: '*', defaultQueueId: 'support' }],
  cannedResponses: [{ id: 'thanks', name: 'Thanks', text: 'Thanks!' }],
};

function whatsappBody(from: string, id: string, text: string): string {
  return JSON.stringify({
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
              messages: [{ from, id, timestamp: '1749416383', type: 'text', text: { body: text } }],
            },
          },
        ],
      },
    ],
  });
}

describe('ids named like JavaScript built-ins', () => {
  const nats = useNatsServer();

  it('are unknown on every route, refused in the routing file, and route like any integration id', async () => {
    const node = await startEngineNode({
      dataDir: tempDir(),
      httpPort: 0,
      natsUrl: nats.server.url,
      virtualClock: true,
      logger,
      auth: testAuthority(),
    });
    const gw = await startGateway({
      config: parseGatewayConfig({
        integrations: [
          { id: 'wa1', channel: 'whatsapp', secret: SECRET },
          ...NAMES.map((id) => ({ id, channel: 'whatsapp', secret: SECRET })),
        ],
      }),
      natsUrl: nats.server.url,
      httpPort: 0,
      deliver: false,
    });
    const base = `http://127.0.0.1:${node.httpPort}`;
    /** Calls as the agent the path names (a session token), else as admin; or as `as`. */
    const call = async (method: string, path: string, body?: unknown, as?: TestCaller) => {
      const res = await fetch(base + path, {
        method,
        headers: { 'content-type': 'application/json', ...(as ? await headersFor(as) : await autoHeaders(path)) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as Record<string, any> };
    };
    let n = 0;
    const customerWrites = async (integration: string, from: string, text: string) => {
      const body = whatsappBody(from, `wamid.H${++n}`, text);
      const res = await fetch(`http://127.0.0.1:${gw.port}/webhooks/whatsapp/${integration}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, SECRET) },
      });
      expect(res.status).toBe(200);
    };
    try {
      // A routing file defining such ids is refused, each bad field named.
      for (const name of NAMES) {
        const files: [string, unknown][] = [
          ['queues[1].id', { ...routing, queues: [...routing.queues, { id: name }] }],
          ['agents[1].id', { ...routing, agents: [...routing.agents, { id: name }] }],
          ['people[0].id', { ...routing, people: [{ id: name, role: 'supervisor' }] }],
          ['skills[1]', { ...routing, skills: ['billing', name] }],
          [
            'flows[1].integrationId',
            { ...routing, flows: [...routing.flows, { integrationId: name, defaultQueueId: 'support' }] },
          ],
          [
            'cannedResponses[1].id',
            { ...routing, cannedResponses: [...routing.cannedResponses, { id: name, name: 'x', text: 'x' }] },
          ],
        ];
        for (const [path, file] of files) {
          const r = await call('PUT', '/admin/routing/config', file);
          expect(r.status, `${name} at ${path}`).toBe(422);
          expect(r.json.error.code).toBe('config_invalid');
          expect(r.json.error.details).toContainEqual({ path, message: expect.stringContaining('reserved') });
        }
        // Names that only refer to ids (never defining one) are "not configured".
        const refs = await call('PUT', '/admin/routing/config', {
          ...routing,
          agents: [{ id: 'ana', queues: [name] }],
          flows: [{ integrationId: '*', defaultQueueId: name }],
        });
        expect(refs.status).toBe(422);
        expect(refs.json.error.details).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ path: 'agents[0].queues[0]' }),
            expect.objectContaining({ path: 'flows[0].defaultQueueId' }),
          ]),
        );
      }
      // A skill written as the key "__proto__" is not silently dropped by JSON parsing.
      const protoSkill = await call(
        'PUT',
        '/admin/routing/config',
        `{"queues":[{"id":"support"}],"agents":[{"id":"ana","skills":{"__proto__":3}}]}`,
      );
      expect(protoSkill.status).toBe(422);
      expect(protoSkill.json.error.details).toContainEqual({
        path: 'agents[0].skills.__proto__',
        message: expect.stringContaining('reserved'),
      });
      expect((await call('PUT', '/admin/routing/config', routing)).json).toMatchObject({ ok: true });

      for (const name of NAMES) {
        const seg = encodeURIComponent(name);
        // A session token for such a person is refused: no such person is configured.
        for (const [method, path] of [
          ['POST', `/agents/${seg}/login`],
          ['GET', `/agents/${seg}`],
          ['POST', `/agents/${seg}/offers/x.1/accept`],
        ] as const) {
          expect(await call(method, path), `${method} ${path} as ${name}`).toMatchObject({
            status: 401,
            json: { error: { code: 'unauthenticated' } },
          });
        }
        // A supervisor acting on such an agent: the agent is unknown.
        for (const [method, path, body] of [
          ['POST', `/agents/${seg}/login`],
          ['POST', `/agents/${seg}/logout`],
          ['POST', `/agents/${seg}/presence`, { presence: 'available' }],
          ['GET', `/agents/${seg}`],
          ['GET', `/agents/${seg}/events`],
          ['POST', `/agents/${seg}/interactions/x/transfer`, { queueId: 'support' }],
        ] as const) {
          expect(await call(method, path, body, 'supervisor'), `${method} ${path}`).toMatchObject({
            status: 404,
            json: { error: { code: 'unknown_agent' } },
          });
        }
        expect(await call('GET', `/admin/queues/${seg}`)).toMatchObject({
          status: 404,
          json: { error: { code: 'unknown_queue' } },
        });
        expect(await call('GET', `/conversations/${seg}`)).toMatchObject({
          status: 400,
          json: { error: { code: 'invalid_conversation_key' } },
        });
        for (const key of [`whatsapp:wa1:${name}`, `whatsapp:${name}:15551230000`]) {
          expect(await call('GET', `/conversations/${encodeURIComponent(key)}`)).toMatchObject({
            status: 404,
            json: { error: { code: 'conversation_not_found' } },
          });
          expect(await call('GET', `/conversations/${encodeURIComponent(key)}/history`)).toMatchObject({
            status: 404,
            json: { error: { code: 'conversation_not_found' } },
          });
        }
        expect(await call('GET', `/contacts/${seg}`)).toMatchObject({
          status: 404,
          json: { error: { code: 'contact_not_found' } },
        });
        expect(await call('GET', `/contacts/${seg}/history`)).toMatchObject({
          status: 404,
          json: { error: { code: 'contact_not_found' } },
        });
      }

      // A real agent with such names as offer and interaction ids: ordinary "not found" answers.
      expect((await call('POST', '/agents/ana/login')).json).toMatchObject({ ok: true, presence: 'available' });
      for (const name of NAMES) {
        const seg = encodeURIComponent(name);
        for (const verb of ['accept', 'decline']) {
          expect(await call('POST', `/agents/ana/offers/${seg}/${verb}`), `${verb} ${name}`).toMatchObject({
            status: 404,
            json: { error: { code: 'offer_not_found' } },
          });
        }
        for (const [verb, body, code] of [
          ['end', undefined, 'not_connected'],
          ['wrapup', { code: 'Processed' }, 'not_in_wrapup'],
          ['transfer', { queueId: 'support' }, 'not_connected'],
          ['messages', { text: 'hi' }, 'not_connected'],
        ] as const) {
          expect(await call('POST', `/agents/ana/interactions/${seg}/${verb}`, body), `${verb} ${name}`).toMatchObject({
            status: 409,
            json: { error: { code } },
          });
        }
        // Ana holds no such interaction (refused by the access rules); a supervisor learns it does not exist.
        expect(await call('GET', `/agents/ana/interactions/${seg}/history`)).toMatchObject({
          status: 403,
          json: { error: { code: 'forbidden' } },
        });
        expect(await call('GET', `/agents/ana/interactions/${seg}/history`, undefined, 'supervisor')).toMatchObject({
          status: 404,
          json: { error: { code: 'interaction_not_found' } },
        });
      }
      const state = await call('GET', '/agents/ana');
      expect(state.json).toMatchObject({ presence: 'available', offers: [], interactions: [], pendingWrapups: {} });

      // Integrations named like built-ins have no flow of their own: the '*' flow routes them.
      const ana = readServerSentEvents(`${base}/agents/ana/events`, await autoHeaders('/agents/ana'));
      await until('ana snapshot', () => ana.events.find((e) => e.event === 'snapshot'));
      for (const name of NAMES) {
        const seen = ana.events.length;
        await customerWrites(name, '15551230000', `hello from ${name}`);
        const offer = await until(`offer from ${name}`, () => ana.events.slice(seen).find((e) => e.event === 'offer'));
        expect(offer.data).toMatchObject({ conversationKey: `whatsapp:${name}:15551230000`, queueId: 'support' });
        const acc = await call('POST', `/agents/ana/offers/${encodeURIComponent(offer.data.offerId)}/accept`);
        expect(acc.json).toMatchObject({ ok: true });
        const iid = acc.json.interactionId as string;
        // Transfer targets and canned responses named like built-ins are unknown.
        expect(await call('POST', `/agents/ana/interactions/${iid}/transfer`, { queueId: name })).toMatchObject({
          status: 404,
          json: { error: { code: 'unknown_queue' } },
        });
        expect(await call('POST', `/agents/ana/interactions/${iid}/transfer`, { agentId: name })).toMatchObject({
          status: 404,
          json: { error: { code: 'unknown_agent' } },
        });
        expect(
          await call('POST', `/agents/ana/interactions/${iid}/messages`, { cannedResponseId: name }),
        ).toMatchObject({ status: 404, json: { error: { code: 'canned_response_not_found' } } });
        expect(
          (await call('POST', `/agents/ana/interactions/${iid}/wrapup`, { code: 'Processed' })).json,
        ).toMatchObject({ ok: true });
      }
      ana.close();

      // Contact ids are chosen by the caller: such a name is an ordinary contact id.
      const key = 'whatsapp:wa1:15551230000';
      await customerWrites('wa1', '15551230000', 'hello');
      await until('conversation', () => node.engine.host.read({ type: 'conversation', key }));
      for (const name of NAMES) {
        const seg = encodeURIComponent(name);
        expect((await call('POST', `/contacts/${seg}/links`, { conversationKey: key })).status).toBe(201);
        const contact = await until(`contact ${name}`, () =>
          node.engine.host.read({ type: 'contact', key: name }) ? true : undefined,
        );
        expect(contact).toBe(true);
        const got = await call('GET', `/contacts/${seg}`);
        expect(got.status).toBe(200);
        expect(got.json).toMatchObject({ contactId: name, identities: [{ conversationKey: key }] });
      }
    } finally {
      await gw.stop();
      await node.stop();
    }
  });
});
