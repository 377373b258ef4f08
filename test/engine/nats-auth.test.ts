/**
 * NATS is closed: the engine's embedded nats-server admits only the engine's and the gateways'
 * nkeys, a gateway's credential publishes only customer events and statuses (and the engine
 * applies nothing else from there), and engines and gateways join an existing NATS with a
 * user and password. Real nats-servers on loopback; nothing here is mocked.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { connect, nkeyAuthenticator, nkeys, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../actors/clock.js';
import { builtinActorTypes } from '../../engine/actor-types.js';
import { runAuthCommand } from '../../engine/auth-command.js';
import { Engine } from '../../engine/engine.js';
import { createLogger } from '../../engine/logger.js';
import { startNatsServer } from '../../engine/nats-server.js';
import { parseGatewayConfig } from '../../gateways/config.js';
import { startGateway } from '../../gateways/gateway.js';
import { natsAuthOptions, type NatsCredentials } from '../../gateways/nats-credentials.js';
import { inboundEnvelope } from '../../gateways/publisher.js';
import type { Envelope } from '../../protocol/actor.js';
import type { MessageReceived } from '../../protocol/channels.js';
import { partitionOf } from '../../protocol/partition.js';
import { GATEWAY_INBOX_PREFIX, STREAMS, subjects } from '../../protocol/subjects.js';
import { decode, encode } from '../../protocol/wire.js';
import { testAuthority } from '../support/auth.js';
import { tempDir } from '../support/tmp.js';
import { whatsappTextWebhook } from '../support/whatsapp-stack.js';
import { metaSignature } from '../gateways/support.js';

const T0 = 1_749_416_400_000;
const logger = createLogger({ level: 'silent' });

function newEngine(dataDir: string, extra: Partial<ConstructorParameters<typeof Engine>[0]> = {}): Engine {
  return new Engine({
    dataDir,
    clock: new ManualClock(T0),
    logger,
    actorTypes: builtinActorTypes({ partitions: 16 }),
    auth: testAuthority(),
    ...extra,
  });
}

/** Connects as a gateway does (its inbox prefix), with `credentials`. */
function connectAs(url: string, credentials?: NatsCredentials): Promise<NatsConnection> {
  return connect({
    servers: url,
    inboxPrefix: GATEWAY_INBOX_PREFIX,
    maxReconnectAttempts: 0,
    reconnect: false,
    ...natsAuthOptions(credentials),
  });
}

function customerMessage(user: string, id: string): MessageReceived {
  return {
    type: 'message.received',
    channel: 'whatsapp',
    integrationId: 'wa1',
    channelUserId: user,
    messageId: id,
    at: T0,
    kind: 'text',
    text: 'hello',
  };
}

async function until<T>(what: string, pick: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const v = await pick();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("the engine's embedded nats-server", () => {
  let engine: Engine;
  let gateway: NatsConnection;
  const dataDir = join(tempDir(), 'engine');

  beforeAll(async () => {
    engine = newEngine(dataDir);
    await engine.start();
    gateway = await connectAs(engine.natsUrl, { credsFile: engine.embeddedNatsCredentials!.gatewayFile });
  });
  afterAll(async () => {
    await gateway?.close();
    await engine?.stop();
  });

  it('refuses a connection without credentials, and one with an nkey it does not know', async () => {
    await expect(connectAs(engine.natsUrl)).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
    const stranger = nkeys.createUser().getSeed();
    await expect(
      connect({ servers: engine.natsUrl, authenticator: nkeyAuthenticator(stranger), reconnect: false }),
    ).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
    // A gateway started without its credential says what to give.
    await expect(
      startGateway({
        config: parseGatewayConfig({ integrations: [{ id: 'wa1', channel: 'whatsapp', secret: 's' }] }),
        natsUrl: engine.natsUrl,
        httpPort: 0,
        logger,
      }),
    ).rejects.toMatchObject({ name: 'NatsCredentialsError', message: /no credential was given.*--nats-creds/ });
  });

  it('keeps the seed files readable by their owner only, and names the gateway one on the CLI', async () => {
    const { engineFile, gatewayFile } = engine.embeddedNatsCredentials!;
    for (const file of [engineFile, gatewayFile]) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toMatch(/^SU[A-Z2-7]{56}\n$/);
    }
    expect(readFileSync(engineFile, 'utf8')).not.toBe(readFileSync(gatewayFile, 'utf8'));
    expect(await runAuthCommand(['nats-creds', '--data', dataDir])).toBe(`${gatewayFile}\n`);
    expect(await runAuthCommand(['nats-creds', '--data', dataDir, '--role', 'engine'])).toBe(`${engineFile}\n`);
    // The server's config holds public keys only.
    const conf = readFileSync(join(dataDir, 'nats', 'nats-server.conf'), 'utf8');
    expect(conf).not.toContain(readFileSync(gatewayFile, 'utf8').trim());
    expect(conf).toMatch(/"nkey":"U[A-Z2-7]{55}"/);
  });

  it("lets a gateway's credential publish a customer event, which reaches its conversation", async () => {
    const env = inboundEnvelope(customerMessage('15550000001', 'wamid.ok'));
    const ack = await gateway.jetstream().publish(subjects.inbound(partitionOf(env.to.key)), encode(env), {
      msgID: env.id,
    });
    expect(ack.stream).toBe(STREAMS.actors.name);
    const snap = await until('the conversation', () => engine.host.read(env.to));
    expect(snap.value).toMatchObject({ threading: { active: 'pending' } });
  });

  it("refuses a gateway's credential agent and admin subjects, stream admin and others' inboxes", async () => {
    const js = gateway.jetstream();
    const agentEvent: Envelope = {
      id: 'forged-accept',
      to: { type: 'agent', key: 'ana' },
      event: { type: 'offer.accepted', offerId: 'o1' },
    };
    const violation = { code: 'PERMISSIONS_VIOLATION' };
    // Actor inboxes carry agent and queue events: only engines may publish there.
    await expect(
      js.publish(subjects.actor(partitionOf('ana')), encode(agentEvent), { timeout: 2_000 }),
    ).rejects.toMatchObject(violation);
    await expect(
      js.publish(subjects.audit('done'), encode({ forged: true }), { timeout: 2_000 }),
    ).rejects.toMatchObject(violation);
    await expect(
      js.publish(subjects.live('agent.ana'), encode({ forged: true }), { timeout: 2_000 }),
    ).rejects.toMatchObject(violation);
    const jsm = await gateway.jetstreamManager();
    await expect(jsm.streams.delete(STREAMS.actors.name)).rejects.toMatchObject(violation);
    // A consumer of anything but a channel's outbound messages: the create subject names the filter.
    await expect(
      jsm.consumers.add(STREAMS.effects.name, {
        durable_name: 'sb-gw-whatsapp',
        filter_subject: subjects.live('agent.ana'),
      }),
    ).rejects.toMatchObject(violation);
    // Subscribing to an engine's inbox (its pulled messages) or to the live feeds is refused too.
    for (const subject of ['_INBOX.>', 'sb.live.>', 'sb.actor.>']) {
      const refused = new Promise<unknown>((resolve) =>
        gateway.subscribe(subject, { callback: (err) => resolve(err) }),
      );
      await expect(refused).resolves.toMatchObject(violation);
    }
    // The connection survives every refusal: a customer event still goes through.
    const env = inboundEnvelope(customerMessage('15550000002', 'wamid.after'));
    await expect(
      js.publish(subjects.inbound(partitionOf(env.to.key)), encode(env), { msgID: env.id }),
    ).resolves.toMatchObject({ stream: STREAMS.actors.name });
  });

  it("applies from a gateway's subject only customer events and statuses to their own conversation", async () => {
    const js = gateway.jetstream();
    const forged: Envelope[] = [
      { id: 'f1', to: { type: 'agent', key: 'ana' }, event: { type: 'offer.accepted', offerId: 'o1' } },
      { id: 'f2', to: { type: 'conversation', key: 'whatsapp:wa1:1555' }, event: { type: 'interaction.connected' } },
      // A customer event addressed to someone else's conversation.
      {
        ...inboundEnvelope(customerMessage('15550000003', 'wamid.x')),
        id: 'f3',
        to: { type: 'conversation', key: 'sms:s1:+1' },
      },
    ];
    for (const env of forged)
      await js.publish(subjects.inbound(partitionOf(env.to.key)), encode(env), { msgID: env.id });

    // Read back with the engine's credential: each went to dead letters, and no actor saw it.
    const admin = await connectAs(engine.natsUrl, { credsFile: engine.embeddedNatsCredentials!.engineFile });
    try {
      const jsm = await admin.jetstreamManager();
      await until('the dead letters', async () =>
        (await jsm.streams.info(STREAMS.dead.name)).state.messages >= forged.length ? true : undefined,
      );
      const dead: { code: string; message: string; env: Envelope }[] = [];
      for (let seq = 1; seq <= forged.length; seq++) {
        const m = decode<{ code: string; message: string; data: Uint8Array }>(
          (await jsm.streams.getMessage(STREAMS.dead.name, { seq })).data,
        );
        dead.push({ code: m.code, message: m.message, env: decode<Envelope>(m.data) });
      }
      expect(dead.map((d) => [d.env.id, d.code])).toEqual(
        expect.arrayContaining(forged.map((f) => [f.id, 'envelope_forbidden'])),
      );
      expect(dead.find((d) => d.env.id === 'f1')?.message).toBe(
        'a gateway may address conversations only, not a agent actor',
      );
      expect(dead.find((d) => d.env.id === 'f3')?.message).toMatch(/addressed to conversation sms:s1:\+1/);
      expect(engine.host.read({ type: 'conversation', key: 'sms:s1:+1' })).toBeUndefined();
    } finally {
      await admin.close();
    }
  });

  it('reuses its credentials on restart: the same gateway seed still connects', async () => {
    const dir = join(tempDir(), 'restart');
    const first = newEngine(dir);
    await first.start();
    const seed = readFileSync(first.embeddedNatsCredentials!.gatewayFile, 'utf8');
    await first.stop();
    const second = newEngine(dir);
    await second.start();
    try {
      expect(readFileSync(second.embeddedNatsCredentials!.gatewayFile, 'utf8')).toBe(seed);
      const nc = await connectAs(second.natsUrl, { credsFile: second.embeddedNatsCredentials!.gatewayFile });
      await nc.close();
    } finally {
      await second.stop();
    }
  });
});

describe('an existing NATS with users and passwords', () => {
  it('takes an engine and a gateway with their passwords; a signed webhook reaches the engine; a wrong password is refused', async () => {
    const permissions = JSON.parse(await runAuthCommand(['nats-permissions']));
    const users = [
      { user: 'engine', password: 'engine-secret-1' },
      { user: 'gw', password: 'gateway-secret-1', permissions },
    ];
    const server = await startNatsServer({
      dir: join(tempDir(), 'nats'),
      extraConfig: `authorization { users = ${JSON.stringify(users)} }`,
    });
    const engine = newEngine(join(tempDir(), 'e'), {
      natsUrl: server.url,
      natsCredentials: { user: 'engine', password: 'engine-secret-1' },
    });
    try {
      await expect(connectAs(server.url, { user: 'gw', password: 'wrong' })).rejects.toMatchObject({
        code: 'AUTHORIZATION_VIOLATION',
      });
      await engine.start();
      const gw = await startGateway({
        config: parseGatewayConfig({ integrations: [{ id: 'wa1', channel: 'whatsapp', secret: 'app_secret' }] }),
        natsUrl: server.url,
        natsCredentials: { user: 'gw', password: 'gateway-secret-1' },
        httpPort: 0,
        logger,
      });
      try {
        expect((await gw.readiness()).ready).toBe(true);
        const body = whatsappTextWebhook({
          from: '16505551234',
          id: 'wamid.PW',
          text: 'Hi',
          timestampSeconds: 1749416383,
          name: 'Sheena',
        });
        const res = await fetch(`http://127.0.0.1:${gw.port}/webhooks/whatsapp/wa1`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, 'app_secret') },
        });
        expect(res.status).toBe(200);
        await until('the conversation', () =>
          engine.host.read({ type: 'conversation', key: 'whatsapp:wa1:16505551234' }),
        );
      } finally {
        await gw.stop();
      }
    } finally {
      await engine.stop();
      await server.stop();
    }
  });
});
