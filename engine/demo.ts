/**
 * `switchboard demo`: a single-node engine (embedded nats-server, virtual clock), a WhatsApp
 * gateway in front of a local fake WhatsApp provider, and a scripted customer and agent you can
 * watch: offer → accept → reply → wrap-up; 10 h later the same agent (last-agent affinity);
 * 25 h later a free-form reply refused and a template accepted; 73 h later a new interaction.
 * The engine stays up afterwards so you can poke its API.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { logLevelArg, portArg } from './cli-usage.js';
import { runAuthCommand } from './auth-command.js';
import { createLogger } from './logger.js';
import type { DemoChannel } from './demo-channel.js';

const HOUR = 3_600_000;
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const say = (who: string, line: string): void => out(`  ${who.padEnd(10)} ${line}`);

const ROUTING = {
  queues: [
    {
      id: 'support',
      alertingTimeoutSeconds: 60,
      acw: { mode: 'mandatory' },
      affinity: { mode: 'any_queue', timeoutSeconds: 90 },
      alertSound: true,
    },
  ],
  agents: [
    { id: 'ana', name: 'Ana', queues: ['support'] },
    { id: 'bob', name: 'Bob', queues: ['support'] },
  ],
  people: [
    { id: 'sofia', name: 'Sofia (supervisor)', role: 'supervisor' },
    { id: 'olga', name: 'Olga (admin)', role: 'admin' },
  ],
  flows: [{ integrationId: '*', defaultQueueId: 'support' }],
  cannedResponses: [
    { id: 'greet', name: 'Greeting', text: 'Hi {{name}}, this is Ana. Let me check your order.' },
    { id: 'ships', name: 'Ships today', text: 'Good news, {{firstName}}: your order ships today.' },
    { id: 'bye', name: 'Goodbye', text: 'Thanks for writing, {{firstName}}. Have a good day!' },
  ],
  templates: [
    {
      name: 'order_update',
      language: 'en',
      text: 'Your order {{1}} has an update: {{2}}.',
      params: ['Order number', 'Update'],
    },
  ],
};

export async function demoCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', default: join('.data', 'demo') },
      http: { type: 'string', default: '8080' },
      'gateway-http': { type: 'string', default: '8090' },
      exit: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'warn' },
    },
  });
  const httpPort = portArg(values.http, '--http');
  const gatewayPortArg = portArg(values['gateway-http'], '--gateway-http');
  const logger = createLogger({ level: logLevelArg(values['log-level']) });
  // The engine's code loads once the flags are known good, so a bad flag is answered at once.
  const [
    { startEngineNode, stopOnSignals },
    { DEMO_WEB_INTEGRATION, freePort, startDemoChannel },
    { readServerSentEvents },
  ] = await Promise.all([import('./node.js'), import('./demo-channel.js'), import('./sse-client.js')]);
  rmSync(values.data, { recursive: true, force: true });
  // The operator's steps, as README shows them: an admin API key, a gateway key for the web
  // widget's history, and passwords for the people who sign in to the pages.
  const secrets = ['--data', values.data];
  const adminKey = (await runAuthCommand(['add-key', ...secrets, '--id', 'ops', '--role', 'admin'])).trim();
  const gatewayKey = (await runAuthCommand(['add-key', ...secrets, '--id', 'web-gateway', '--role', 'gateway'])).trim();
  const passwordOf = (id: string) => `${id}-demo-password`;
  const password = passwordOf('ana');
  for (const id of ['ana', 'bob', 'sofia', 'olga'])
    await runAuthCommand(['set-password', ...secrets, '--id', id], async () => passwordOf(id));
  out(`Operator: switchboard auth add-key --data ${values.data} --id ops --role admin  → an admin key`);
  out(
    `Operator: switchboard auth set-password --data ${values.data} --id ana  → ana can sign in (bob, sofia, olga too)`,
  );
  out('Switchboard demo — starting a single-node engine with its embedded nats-server (virtual clock)…');
  // 0 = a free port, chosen now: the engine's pages need the gateway's address before it starts.
  const gatewayPort = gatewayPortArg || (await freePort());
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const node = await startEngineNode({
    dataDir: values.data,
    httpPort,
    virtualClock: true,
    virtualStart: Date.now(),
    web: { webChat: { gatewayUrl, integrationId: DEMO_WEB_INTEGRATION } },
    logger,
  });
  const base = `http://127.0.0.1:${node.httpPort}`;
  const channel: DemoChannel = await startDemoChannel({
    natsUrl: node.engine.natsUrl,
    natsCredsFile: node.engine.embeddedNatsCredentials?.gatewayFile,
    gatewayPort,
    engineUrl: base,
    historyApiKey: gatewayKey,
    logger,
    now: () => node.engine.clock.now(),
    onProviderSend: (m) => say('whatsapp', `→ customer's phone: ${m}`),
  });
  const stopAll = async (): Promise<void> => {
    await channel.stop();
    await node.stop();
  };
  stopOnSignals(logger, stopAll);
  out(`engine http ${base} · gateway ${channel.gatewayUrl} · nats ${node.engine.natsUrl}`);
  out(
    `NATS is closed: only the engine's and the gateway's nkeys connect (a gateway process: switchboard gateway --nats ${node.engine.natsUrl} --nats-creds ${node.engine.embeddedNatsCredentials?.gatewayFile})\n`,
  );

  // biome-ignore lint/suspicious/noExplicitAny: the demo prints fields of the API's JSON answers as they come
  type Json = Record<string, any>;
  const call = async (method: string, path: string, body?: unknown, credential = adminKey): Promise<Json> => {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Json;
  };
  const waitFor = async <T>(what: string, pick: () => T | undefined): Promise<T> => {
    // Up to 30 s: on a loaded 2-core machine the engine may take seconds to route after a long advance.
    for (let i = 0; i < 1500; i++) {
      const v = pick();
      if (v) return v;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`demo: timed out waiting for ${what}`);
  };
  const advance = async (ms: number, why: string): Promise<void> => {
    await call('POST', '/admin/clock/advance', { ms });
    out(`\n— ${ms / HOUR} hours pass (virtual clock): ${why}`);
  };
  const settled = async (): Promise<void> => {
    // The conversation actor takes the wrap-up asynchronously (through NATS).
    await waitFor('wrap-up reaching the conversation', () => {
      const cur = (
        node.engine.host.read({ type: 'conversation', key: channel.conversationKey })?.context as
          | { current?: { agentId?: string; lastAgentId?: string } }
          | undefined
      )?.current;
      return cur?.lastAgentId && !cur.agentId ? true : undefined;
    });
  };

  out('1. Routing configuration applied with the admin key: queue "support", agents ana and bob');
  await call('PUT', '/admin/routing/config', ROUTING);
  const session = await call('POST', '/auth/login', { id: 'ana', password });
  if (!session.token) throw new Error(`demo: ana could not sign in: ${JSON.stringify(session.error)}`);
  say('ana', `signs in (POST /auth/login → a session token for ${session.principal.role} ana)`);
  const ana = async (method: string, path: string, body?: unknown) => call(method, path, body, session.token);
  const refusedAsBob = await ana('POST', '/agents/bob/login');
  say('ana', `tries to log bob in → refused: ${refusedAsBob.error?.code}`);
  await ana('POST', '/agents/ana/login');
  say('ana', 'logs in (available)');
  const feed = readServerSentEvents(`${base}/agents/ana/events`, { authorization: `Bearer ${session.token}` });
  await waitFor('agent feed', () => feed.events.find((e) => e.event === 'snapshot'));

  out('\n2. A customer writes on WhatsApp (a signed webhook into the gateway → JetStream → engine)');
  await channel.customerWrites('Hello, my order #1234 is late');
  const offer = await waitFor('offer', () => feed.events.find((e) => e.event === 'offer'));
  say('ana', `is offered interaction ${offer.data.interactionId}`);
  const accepted = await ana('POST', `/agents/ana/offers/${offer.data.offerId}/accept`);
  const interactionId = accepted.interactionId as string;
  say('ana', 'accepts');
  const sent = await ana('POST', `/agents/ana/interactions/${interactionId}/messages`, {
    cannedResponseId: 'greet',
    params: { name: 'Sam' },
  });
  say('ana', `replies with a canned response: ${sent.ok ? 'sent' : JSON.stringify(sent.error)}`);
  await channel.delivered(1);
  await ana('POST', `/agents/ana/interactions/${interactionId}/wrapup`, { code: 'Processed' });
  say('ana', 'wraps up with code "Processed"');
  await settled();

  await advance(10 * HOUR, 'the customer writes again inside the 72 h threading window');
  await channel.customerWrites('Thanks! One more question about delivery');
  const offer2 = await waitFor('affinity offer', () =>
    feed.events.find((e) => e.event === 'offer' && e.data.offerId !== offer.data.offerId),
  );
  say(
    'ana',
    `is offered the same interaction first (last-agent affinity): ${offer2.data.interactionId === interactionId}`,
  );
  await ana('POST', `/agents/ana/offers/${offer2.data.offerId}/accept`);

  await advance(25 * HOUR, "WhatsApp's 24 h customer-service window has closed");
  const refused = await ana('POST', `/agents/ana/interactions/${interactionId}/messages`, {
    text: 'Your parcel ships tomorrow.',
  });
  say('ana', `tries free text → refused: ${refused.error?.code} (${refused.error?.message})`);
  const template = await ana('POST', `/agents/ana/interactions/${interactionId}/messages`, {
    kind: 'template',
    template: { name: 'order_update', language: 'en', params: ['1234'] },
  });
  say('ana', `sends an approved template → ${template.ok ? 'accepted' : JSON.stringify(template.error)}`);
  await channel.delivered(2);
  await ana('POST', `/agents/ana/interactions/${interactionId}/wrapup`, { code: 'Need Follow Up' });
  await settled();

  await advance(73 * HOUR, 'past the 72 h threading window');
  await channel.customerWrites('Hi, it is me again, new topic');
  const offer3 = await waitFor('new interaction offer', () =>
    feed.events.find((e) => e.event === 'offer' && e.data.interactionId !== interactionId),
  );
  say('ana', `is offered a NEW interaction ${offer3.data.interactionId}`);

  // Ana reads the history because she held this customer's interactions; bob would get 403.
  const conv = await ana('GET', `/conversations/${encodeURIComponent(channel.conversationKey)}`);
  const contactId = conv.contactId ?? conv.conversation?.contactId;
  const history = contactId ? await ana('GET', `/contacts/${encodeURIComponent(contactId)}/history`) : conv;
  out("\n3. The contact's history, read by ana (GET /contacts/:id/history):");
  for (const e of (history.entries ?? []) as Json[]) {
    const when = new Date(e.at).toISOString().replace('T', ' ').slice(0, 16);
    const what = e.text ?? (e.template ? `[template ${e.template.name}]` : '');
    out(
      `  ${when}  ${String(e.interactionId ?? '').padEnd(24)} ${String(e.direction).padEnd(8)} ${String(e.kind).padEnd(20)} ${what}${e.status ? `  (${e.status})` : ''}`,
    );
  }
  feed.close();

  // A link that signs the browser in as ana: a session token in the fragment (never sent to a
  // server), exchanged by the page for its cookie. Tokens live an hour; then sign in with the password.
  const link = await call('POST', '/auth/login', { id: 'ana', password });
  out(`\nDemo done. The engine keeps running. Open in a browser:
  agent workspace, signed in as ana  ${base}/ui/workspace#token=${link.token}
                                     (later: sign in as ana / ${password}, or bob / ${passwordOf('bob')})
  customer page (web chat)           ${base}/ui/customer
  supervisor dashboard               ${base}/ui/dashboard  (sofia / ${passwordOf('sofia')})
  administration                     ${base}/ui/admin      (olga / ${passwordOf('olga')})
Type as a customer in one tab and answer as ana in another. Or poke the API:
  curl -s ${base}/readyz
  curl -s -H 'authorization: Bearer ${adminKey}' ${base}/admin/queues/support
  curl -s -H 'authorization: Bearer ${adminKey}' ${base}/admin/audit
  curl -s -XPOST ${base}/auth/login -H 'content-type: application/json' -d '{"id":"ana","password":"${password}"}'
Ctrl-C stops everything.`);
  if (values.exit) await stopAll();
}
