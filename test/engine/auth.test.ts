/**
 * Credentials in process (app.request over the routing harness): session tokens (expired, wrong
 * signature, wrong audience, unknown key, rotated keys), API keys, sign-in with its cookie and
 * rate limits, the cookie's origin check, an identity provider's tokens against a JWKS served on
 * loopback, and the audit trail.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { agentRoutes } from '../../engine/api/agents.js';
import { conversationRoutes } from '../../engine/api/conversations.js';
import { Authority } from '../../engine/auth/authority.js';
import {
  newSigningKey,
  readSecretsFile,
  SecretsStore,
  writeSecretsFile,
  parseSecrets,
} from '../../engine/auth/secrets.js';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../engine/auth/tokens.js';
import { routingActorTypes } from '../../engine/config/routing.js';
import type { Engine } from '../../engine/engine.js';
import { createApp } from '../../engine/http.js';
import { baseConfig, routingHarness } from '../routing/harness.js';
import {
  TEST_ADMIN_KEY,
  TEST_SIGNING_KEY,
  testAuthority,
  testPasswordHash,
  testSecrets,
  tokenFor,
} from '../support/auth.js';
import { tempDir } from '../support/tmp.js';

type H = Awaited<ReturnType<typeof routingHarness>>;
let h: H | undefined;
let jwks: Server | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  await new Promise((r) => (jwks ? jwks.close(r) : r(undefined)));
  jwks = undefined;
});

const START = Date.UTC(2026, 0, 5, 9);

async function setup(authority: (now: () => number) => Authority = (now) => testAuthority({ now })) {
  h = await routingHarness({ ...baseConfig, people: [{ id: 'sup', role: 'supervisor' }] });
  const clock = { t: START };
  const auth = authority(() => clock.t);
  const engine = {
    options: { actorTypes: routingActorTypes(h.holder), trustProxy: true },
    host: h.host,
    clock: h.clock,
    auth,
  } as unknown as Engine;
  const app = createApp(engine, [agentRoutes, conversationRoutes]);
  const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, any> };
  };
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  return { clock, auth, call, bearer };
}

describe('session tokens', () => {
  it('accepts a valid token and refuses expired, forged, foreign and unknown-key tokens with 401', async () => {
    const { call, bearer } = await setup();
    expect((await call('GET', '/agents/ana', bearer(await tokenFor('ana', { now: START })))).status).toBe(200);

    const expired = await call('GET', '/agents/ana', bearer(await tokenFor('ana', { now: START - 2 * 3_600_000 })));
    expect(expired).toMatchObject({ status: 401, json: { error: { code: 'unauthenticated' } } });
    expect(expired.json.error.message).toMatch(/expired/);

    const sign = (claims: { aud?: string; iss?: string }, secret: Buffer, kid = TEST_SIGNING_KEY.kid) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', kid })
        .setSubject('ana')
        .setIssuer(claims.iss ?? TOKEN_ISSUER)
        .setAudience(claims.aud ?? TOKEN_AUDIENCE)
        .setIssuedAt(START / 1000)
        .setExpirationTime(START / 1000 + 600)
        .sign(secret);
    const real = Buffer.from(TEST_SIGNING_KEY.secret, 'base64url');
    const forged = await call('GET', '/agents/ana', bearer(await sign({}, Buffer.alloc(32, 'x'))));
    expect(forged.status).toBe(401);
    expect(forged.json.error.message).toMatch(/signature/);
    const foreign = await call('GET', '/agents/ana', bearer(await sign({ aud: 'another-api' }, real)));
    expect(foreign.status).toBe(401);
    expect(foreign.json.error.message).toMatch(/"aud"/);
    const otherIssuer = await call('GET', '/agents/ana', bearer(await sign({ iss: 'someone-else' }, real)));
    expect(otherIssuer.status).toBe(401);
    const unknownKey = await call('GET', '/agents/ana', bearer(await sign({}, real, 'k-gone')));
    expect(unknownKey.status).toBe(401);
    expect(unknownKey.json.error.message).toMatch(/key/);
    // An unsigned token ("alg": "none") is not a token.
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'ana', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, exp: START / 1000 + 600 })).toString('base64url')}.`;
    expect((await call('GET', '/agents/ana', bearer(none))).status).toBe(401);
    expect((await call('GET', '/agents/ana', { authorization: 'Basic YW5hOnB3' })).status).toBe(401);
    // A person removed from the configuration loses access at once, whatever the token says.
    expect((await call('GET', '/agents/zed', bearer(await tokenFor('zed', { now: START })))).status).toBe(401);
  });

  it('a token verified once (and remembered) is still refused once it expires', async () => {
    const { auth, call, bearer, clock } = await setup();
    const { token, expiresAt } = await auth.issue('ana');
    expect((await call('GET', '/agents/ana', bearer(token))).status).toBe(200);
    expect((await call('GET', '/agents/ana', bearer(token))).status).toBe(200);
    clock.t = expiresAt;
    const late = await call('GET', '/agents/ana', bearer(token));
    expect(late).toMatchObject({ status: 401, json: { error: { code: 'unauthenticated' } } });
    expect(late.json.error.message).toMatch(/expired/);
  });

  it('rotates signing keys without downtime: old tokens verify until their key is removed', async () => {
    const file = join(tempDir(), 'secrets.json');
    writeSecretsFile(file, parseSecrets(testSecrets()));
    const { auth, call, bearer, clock } = await setup(
      (now) => new Authority({ secrets: SecretsStore.file(file, { now }), now }),
    );
    const old = await auth.issue('ana');
    // A key that signs only from 5 minutes on: every node learns it first.
    const next = newSigningKey(START + 5 * 60_000);
    writeSecretsFile(file, { ...readSecretsFile(file)!, signingKeys: [TEST_SIGNING_KEY, next] });
    auth.secrets.reload();
    const before = await auth.issue('ana');
    expect(JSON.parse(Buffer.from(before.token.split('.')[0]!, 'base64url').toString()).kid).toBe(TEST_SIGNING_KEY.kid);
    clock.t += 5 * 60_000;
    const after = await auth.issue('ana');
    expect(JSON.parse(Buffer.from(after.token.split('.')[0]!, 'base64url').toString()).kid).toBe(next.kid);
    expect((await call('GET', '/agents/ana', bearer(old.token))).status).toBe(200);
    expect((await call('GET', '/agents/ana', bearer(after.token))).status).toBe(200);
    // The old key removed: tokens it signed stop working, the new ones keep working.
    writeSecretsFile(file, { ...readSecretsFile(file)!, signingKeys: [next] });
    auth.secrets.reload();
    expect((await call('GET', '/agents/ana', bearer(old.token))).status).toBe(401);
    expect((await call('GET', '/agents/ana', bearer(after.token))).status).toBe(200);
  });

  it('API keys: hashed at rest, refused once revoked', async () => {
    const { auth, call, bearer } = await setup();
    expect((await call('GET', '/agents/ana', bearer(TEST_ADMIN_KEY))).status).toBe(200);
    expect(JSON.stringify(auth.secrets.current())).not.toContain(TEST_ADMIN_KEY.split('.')[2]);
    expect((await call('GET', '/agents/ana', bearer(`${TEST_ADMIN_KEY.slice(0, -1)}x`))).status).toBe(401);
    auth.secrets.replace({ ...testSecrets(), apiKeys: [] });
    expect((await call('GET', '/agents/ana', bearer(TEST_ADMIN_KEY))).status).toBe(401);
  });
});

describe('sign-in', () => {
  const withPasswords = async (now: () => number) =>
    testAuthority({
      now,
      secrets: testSecrets({
        passwords: [
          { id: 'ana', hash: await testPasswordHash('ana-password-1') },
          { id: 'sup', hash: await testPasswordHash('sup-password-1') },
          { id: 'ghost', hash: await testPasswordHash('ghost-password') },
        ],
      }),
    });

  it('returns a short-lived token and an HttpOnly SameSite=Strict cookie; the cookie authenticates', async () => {
    const pre = await withPasswords(() => START);
    const { call, bearer } = await setup(() => pre);
    const r = await call('POST', '/auth/login', {}, { id: 'ana', password: 'ana-password-1' });
    expect(r).toMatchObject({ status: 200, json: { tokenType: 'Bearer', principal: { id: 'ana', role: 'agent' } } });
    expect(r.json.expiresAt).toBe(START + 3_600_000);
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^sb_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const session = cookie.split(';')[0]!;
    expect((await call('GET', '/agents/ana', { cookie: session })).status).toBe(200);
    expect((await call('GET', '/auth/me', { cookie: session })).json.principal).toEqual({
      id: 'ana',
      role: 'agent',
      via: 'session',
    });
    // A write with the cookie from another origin is refused; the same origin (or no Origin) passes.
    const cross = await call('POST', '/agents/ana/login', { cookie: session, origin: 'https://evil.example' });
    expect(cross.status).toBe(401);
    expect(cross.json.error.message).toMatch(/evil\.example/);
    expect((await call('POST', '/agents/ana/login', { cookie: session, origin: 'http://localhost' })).status).toBe(200);
    // Refresh: a new token; logout clears the cookie.
    expect((await call('POST', '/auth/refresh', bearer(r.json.token))).json.token).toBeTruthy();
    expect((await call('POST', '/auth/logout')).headers.get('set-cookie')).toMatch(/sb_session=;.*Max-Age=0/);
    expect((await call('POST', '/auth/login', {}, { id: 'sup', password: 'sup-password-1' })).json.principal).toEqual({
      id: 'sup',
      role: 'supervisor',
    });
  });

  it('the same answer for a wrong password, an unknown id and someone no longer configured', async () => {
    const pre = await withPasswords(() => START);
    const { call } = await setup(() => pre);
    for (const body of [
      { id: 'ana', password: 'wrong-password' },
      { id: 'nobody', password: 'ana-password-1' },
      { id: 'ghost', password: 'ghost-password' },
    ])
      expect(await call('POST', '/auth/login', {}, body)).toMatchObject({
        status: 401,
        json: { error: { code: 'invalid_credentials', message: 'the id or the password is wrong' } },
      });
    expect((await call('POST', '/auth/login', {}, { id: 'ana' })).status).toBe(400);
  });

  it('limits failures per account and attempts per address (429 rate_limited with Retry-After)', async () => {
    const clock = { t: START };
    const pre = await withPasswords(() => clock.t);
    const { call } = await setup(() => pre);
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    for (let i = 0; i < 5; i++)
      expect(
        (await call('POST', '/auth/login', from(`10.0.0.${i}`), { id: 'ana', password: 'nope-nope' })).status,
      ).toBe(401);
    const locked = await call('POST', '/auth/login', from('10.0.1.1'), { id: 'ana', password: 'ana-password-1' });
    expect(locked).toMatchObject({ status: 429, json: { error: { code: 'rate_limited' } } });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account is not affected.
    expect(
      (await call('POST', '/auth/login', from('10.0.1.1'), { id: 'sup', password: 'sup-password-1' })).status,
    ).toBe(200);
    // After the window the right password works again.
    clock.t += 15 * 60_000;
    expect(
      (await call('POST', '/auth/login', from('10.0.1.2'), { id: 'ana', password: 'ana-password-1' })).status,
    ).toBe(200);

    // One address, many accounts: refused after 20 attempts a minute, other addresses still served.
    for (let i = 0; i < 20; i++)
      expect(
        (await call('POST', '/auth/login', from('192.0.2.7'), { id: `u${i}`, password: 'whatever1' })).status,
      ).toBe(401);
    expect(
      (await call('POST', '/auth/login', from('192.0.2.7'), { id: 'sup', password: 'sup-password-1' })).status,
    ).toBe(429);
    expect(
      (await call('POST', '/auth/login', from('192.0.2.8'), { id: 'sup', password: 'sup-password-1' })).status,
    ).toBe(200);
    clock.t += 60_000;
    expect(
      (await call('POST', '/auth/login', from('192.0.2.7'), { id: 'sup', password: 'sup-password-1' })).status,
    ).toBe(200);
  });
});

describe('acting agent and audit', () => {
  it('a reply names the agent of the credential; the body may not name another', async () => {
    const { call, bearer } = await setup();
    const key = encodeURIComponent('whatsapp:wa1:u1');
    const as = async (who: string, body: Record<string, unknown>) =>
      call('POST', `/conversations/${key}/replies`, bearer(who), {
        requestId: 'r1',
        kind: 'text',
        text: 'hi',
        ...body,
      });
    expect((await as(TEST_ADMIN_KEY, { agentId: 'ana' })).json.error).toMatchObject({ code: 'forbidden' });
    // Bob holds nothing here: the route refuses before the body is read.
    expect((await as(await tokenFor('bob'), { agentId: 'bob' })).status).toBe(403);
  });

  it('records refusals, admin actions and sign-ins, and an admin reads them back newest first', async () => {
    const { call, bearer } = await setup();
    await call('GET', '/admin/routing/config');
    await call('GET', '/agents/ana', bearer(await tokenFor('bob')));
    await call('POST', '/agents/ana/presence', bearer(TEST_ADMIN_KEY), { presence: 'available' });
    await call('GET', '/agents/ana', bearer(await tokenFor('ana')));
    const page = await call('GET', '/admin/audit?limit=3', bearer(TEST_ADMIN_KEY));
    expect(page.status).toBe(200);
    const recs = page.json.records as Record<string, any>[];
    expect(recs.map((r) => [r.action, r.outcome, r.principal?.id ?? null, r.status])).toEqual([
      ['POST /agents/:agentId/presence', 'done', 'test-admin', 200],
      ['GET /agents/:agentId', 'refused', 'bob', 403],
      ['GET /admin/routing/config', 'refused', null, 401],
    ]);
    expect(recs[0]!.target).toEqual({ agentId: 'ana' });
    // Paging backwards; ana reading her own state is not an admin or supervisor action.
    expect((await call('GET', `/admin/audit?before=${recs[2]!.seq}`, bearer(TEST_ADMIN_KEY))).json.records).toEqual([]);
  });
});

describe('an identity provider', () => {
  it("accepts its tokens for configured people (JWKS on loopback) and refuses others' audiences", async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwks!.listen(0, '127.0.0.1', r));
    const port = (jwks.address() as { port: number }).port;
    const oidc = {
      issuer: 'https://idp.example',
      audience: 'switchboard',
      jwksUrl: `http://127.0.0.1:${port}/jwks`,
      idClaim: 'preferred_username',
    };
    const { call, bearer } = await setup((now) => testAuthority({ now, secrets: testSecrets({ oidc }) }));
    const idpToken = (claims: Record<string, unknown>, aud = 'switchboard') =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
        .setIssuer(oidc.issuer)
        .setAudience(aud)
        .setIssuedAt(START / 1000)
        .setExpirationTime(START / 1000 + 600)
        .sign(privateKey);
    const me = await call('GET', '/auth/me', bearer(await idpToken({ preferred_username: 'sup' })));
    expect(me.json.principal).toEqual({ id: 'sup', role: 'supervisor', via: 'oidc' });
    expect((await call('GET', '/agents/ana', bearer(await idpToken({ preferred_username: 'ana' })))).status).toBe(200);
    expect(
      (await call('GET', '/agents/ana', bearer(await idpToken({ preferred_username: 'ana' }, 'other')))).status,
    ).toBe(401);
    expect((await call('GET', '/agents/ana', bearer(await idpToken({ preferred_username: 'stranger' })))).status).toBe(
      401,
    );
    expect((await call('GET', '/agents/ana', bearer(await idpToken({ sub: 'ana' })))).status).toBe(401);
  });
});
