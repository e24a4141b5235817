/**
 * Kiln's identity endpoints against the official @azure/identity client over real HTTPS.
 *
 * In-process, the credential trusts Kiln's CA through the `agent` pipeline option (an https.Agent
 * with `ca`), which @azure/identity hands to the HTTP client MSAL uses. The child-process test
 * checks the setup users have: NODE_EXTRA_CA_CERTS pointing at tls/ca.pem and no code changes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ClientSecretCredential } from '@azure/identity';
import Fastify, { type FastifyInstance } from 'fastify';
import { openSqliteMetadataStore } from '../../src/adapters/sqlite-metadata-store.ts';
import {
  openSigningKeyRing,
  type SigningKey,
  type SigningKeyRing,
} from '../../src/domain/identity/signing-key-ring.ts';
import { ensureTls } from '../../src/app/tls.ts';
import { signJwt } from '../../src/core/jwt.ts';
import { createServicePrincipal, deleteServicePrincipal } from '../../src/domain/identity/service-principals.ts';
import {
  STANDARD_AUDIENCES,
  createTokenAuthority,
  type TokenAuthority,
} from '../../src/domain/identity/local-token-authority.ts';
import { registerIdentityRoutes } from '../../src/http/routes/identity-routes.ts';
import type { MetadataStore } from '../../src/ports/metadata-store.ts';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const ARM_SCOPE = 'https://management.azure.com/.default';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

describe('identity endpoints', () => {
  let dir: string;
  let store: MetadataStore;
  let app: FastifyInstance;
  let authority: TokenAuthority;
  let ring: SigningKeyRing;
  let signing: SigningKey;
  let ca: Buffer;
  let caPath: string;
  let agent: Agent;
  let host: string;
  let principal: Awaited<ReturnType<typeof createServicePrincipal>>;
  let clockOffsetMs = 0;
  const logs: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-identity-'));
    const tls = await ensureTls(dir);
    caPath = tls.caPath;
    ca = await readFile(caPath);
    agent = new Agent({ ca });
    store = await openSqliteMetadataStore(join(dir, 'metadata.db'));
    ring = await openSigningKeyRing({ store, clock: { now: () => new Date() }, seed: async () => undefined });
    signing = ring.current();
    authority = createTokenAuthority({
      store,
      keys: ring,
      tenantId: TENANT,
      issuerUrl: 'https://localhost:8443',
      acceptedAudiences: [...STANDARD_AUDIENCES, 'https://localhost:8443/'],
      clock: { now: () => new Date(Date.now() + clockOffsetMs) },
    });
    const logStream = new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    });
    app = Fastify({ https: { cert: tls.cert, key: tls.key }, logger: { level: 'trace', stream: logStream } });
    await registerIdentityRoutes(app, { authority });
    await app.listen({ port: 0, host: '127.0.0.1' });
    host = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    principal = await createServicePrincipal(store, { displayName: 'kiln-ci' });
  });

  after(async () => {
    await app.close();
    agent.destroy();
    ring.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  function call(
    method: string,
    path: string,
    options: {
      form?: Record<string, string>;
      json?: Record<string, string>;
      hostHeader?: string;
      headers?: Record<string, string>;
    } = {},
  ) {
    const payload = options.form
      ? new URLSearchParams(options.form).toString()
      : options.json && JSON.stringify(options.json);
    return new Promise<Reply>((resolve, reject) => {
      const headers: Record<string, string> = { host: options.hostHeader ?? host, ...options.headers };
      if (payload !== undefined)
        headers['content-type'] = options.form ? 'application/x-www-form-urlencoded' : 'application/json';
      const [hostname, port] = host.split(':');
      const req = httpsRequest({ hostname, port, method, path, agent, headers }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  const credentials = (extra: Record<string, string> = {}) => ({
    grant_type: 'client_credentials',
    client_id: principal.appId,
    client_secret: principal.password,
    ...extra,
  });

  it('issues a token the authority accepts to @azure/identity (Azure AD authority)', async () => {
    const credential = new ClientSecretCredential(TENANT, principal.appId, principal.password, {
      authorityHost: `https://${host}`,
      disableInstanceDiscovery: true,
      additionallyAllowedTenants: ['*'],
      agent,
    });
    const token = await credential.getToken(ARM_SCOPE);
    assert.ok(token.expiresOnTimestamp > Date.now() + 50 * 60_000);
    const check = await authority.verify(token.token);
    assert.ok(check.ok, JSON.stringify(check));
    assert.equal(check.claims.appid, principal.appId);
    assert.equal(check.claims.oid, principal.objectId);
    assert.equal(check.claims.tid, TENANT);
    assert.equal(check.claims.aud, 'https://management.azure.com');
  });

  it('issues a token to @azure/identity through the AD FS authority', async () => {
    const credential = new ClientSecretCredential('adfs', principal.appId, principal.password, {
      authorityHost: `https://${host}`,
      agent,
    });
    const token = await credential.getToken(ARM_SCOPE);
    const check = await authority.verify(token.token);
    assert.ok(check.ok, JSON.stringify(check));
    assert.equal(check.claims.appid, principal.appId);
    const urls: string[] = logs.map((line) => JSON.parse(line).req?.url).filter(Boolean);
    assert.ok(urls.includes('/adfs/.well-known/openid-configuration'), urls.join());
    assert.ok(
      urls.some((url) => url.startsWith('/adfs/oauth2/token?')),
      urls.join(),
    );
  });

  it('reaches @azure/identity in a process that trusts the CA through NODE_EXTRA_CA_CERTS', async () => {
    const script = `
      import { ClientSecretCredential } from '@azure/identity';
      const [tenant, clientId, secret, authorityHost, scope] = JSON.parse(process.env.KILN_TEST_ARGS);
      const credential = new ClientSecretCredential(tenant, clientId, secret, { authorityHost, disableInstanceDiscovery: true });
      process.stdout.write((await credential.getToken(scope)).token);
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: caPath,
        KILN_TEST_ARGS: JSON.stringify([TENANT, principal.appId, principal.password, `https://${host}`, ARM_SCOPE]),
      },
    });
    assert.equal((await authority.verify(stdout)).ok, true);
  });

  it('keeps only a salted hash of the secret', async () => {
    const record = await store.get(`/serviceprincipals/${principal.appId}`);
    assert.equal(record?.kind, 'kiln/serviceprincipals');
    assert.equal(record?.subscription, '');
    assert.ok(!JSON.stringify(record).includes(principal.password));
  });

  it('refuses a wrong secret as Azure AD does', async () => {
    const reply = await call('POST', `/${TENANT}/oauth2/v2.0/token`, {
      form: credentials({ client_secret: 'not-the-secret', scope: ARM_SCOPE }),
      headers: { 'client-request-id': '0f3e7f39-7d0c-4a43-9d36-2a2cbb0f6a11' },
    });
    assert.equal(reply.status, 401);
    assert.equal(reply.body.error, 'invalid_client');
    assert.deepEqual(reply.body.error_codes, [7000215]);
    assert.match(String(reply.body.error_description), /^AADSTS7000215: Invalid client secret provided\./);
    assert.equal(reply.body.correlation_id, '0f3e7f39-7d0c-4a43-9d36-2a2cbb0f6a11');
    assert.match(String(reply.body.trace_id), /^[0-9a-f-]{36}$/);
    assert.match(String(reply.body.timestamp), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);

    const credential = new ClientSecretCredential(TENANT, principal.appId, 'not-the-secret', {
      authorityHost: `https://${host}`,
      disableInstanceDiscovery: true,
      agent,
    });
    await assert.rejects(credential.getToken(ARM_SCOPE), /AADSTS7000215/);
  });

  it('answers the other OAuth failures with AAD codes', async () => {
    const cases: [Record<string, string>, number, string, number][] = [
      [
        credentials({ client_id: '2c1a6a1e-0000-4000-8000-000000000000', scope: ARM_SCOPE }),
        400,
        'unauthorized_client',
        700016,
      ],
      [credentials({ scope: 'https://graph.microsoft.com/.default' }), 400, 'invalid_resource', 500011],
      [credentials({ scope: 'https://management.azure.com/user_impersonation' }), 400, 'invalid_scope', 1002012],
      [credentials({ grant_type: 'password', scope: ARM_SCOPE }), 400, 'unsupported_grant_type', 70003],
      [{ client_id: principal.appId, scope: ARM_SCOPE }, 400, 'invalid_request', 900144],
      [credentials({ client_secret: '', scope: ARM_SCOPE }), 401, 'invalid_client', 7000218],
    ];
    for (const [form, status, error, code] of cases) {
      const reply = await call('POST', `/${TENANT}/oauth2/v2.0/token`, { form });
      assert.equal(reply.status, status, JSON.stringify(reply.body));
      assert.equal(reply.body.error, error);
      assert.deepEqual(reply.body.error_codes, [code]);
    }
    const otherTenant = await call('POST', '/0b7f3b46-0000-4000-8000-000000000000/oauth2/v2.0/token', {
      form: credentials({ scope: ARM_SCOPE }),
    });
    assert.deepEqual([otherTenant.status, otherTenant.body.error_codes], [400, [90002]]);
    const json = await call('POST', `/${TENANT}/oauth2/v2.0/token`, { json: credentials({ scope: ARM_SCOPE }) });
    assert.deepEqual([json.status, json.body.error_codes], [400, [900144]]);
    const adfs = await call('POST', '/adfs/oauth2/token', {
      form: credentials({ client_secret: 'wrong', resource: 'https://management.azure.com/' }),
    });
    assert.equal(adfs.status, 401);
    assert.deepEqual(Object.keys(adfs.body).sort(), ['error', 'error_description']);
  });

  it('serves the v1 token endpoint with a resource, numbers as strings', async () => {
    const reply = await call('POST', '/common/oauth2/token', {
      form: credentials({ resource: 'https://management.core.windows.net/' }),
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['cache-control'], 'no-store, no-cache');
    assert.equal(reply.body.token_type, 'Bearer');
    assert.equal(reply.body.resource, 'https://management.core.windows.net/');
    assert.equal(reply.body.expires_in, '3600');
    assert.equal(typeof reply.body.expires_on, 'string');
    const check = await authority.verify(String(reply.body.access_token));
    assert.ok(check.ok && check.claims.aud === 'https://management.core.windows.net/');
  });

  it('accepts client credentials in HTTP Basic and a domain name as the tenant', async () => {
    const basic = Buffer.from(`${principal.appId}:${encodeURIComponent(principal.password)}`).toString('base64');
    const reply = await call('POST', '/kiln.onmicrosoft.com/oauth2/v2.0/token', {
      form: { grant_type: 'client_credentials', scope: 'https://storage.azure.com/.default' },
      headers: { authorization: `Basic ${basic}` },
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual(Object.keys(reply.body).sort(), ['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
    assert.ok((await authority.verify(String(reply.body.access_token))).ok);
  });

  it('builds discovery documents from the host the client used', async () => {
    const port = host.split(':')[1];
    for (const seenAs of [`localhost:${port}`, host]) {
      const v2 = await call('GET', '/common/v2.0/.well-known/openid-configuration', { hostHeader: seenAs });
      assert.equal(v2.body.token_endpoint, `https://${seenAs}/${TENANT}/oauth2/v2.0/token`);
      assert.equal(v2.body.issuer, `https://${seenAs}/${TENANT}/v2.0`);
      assert.equal(v2.body.jwks_uri, `https://${seenAs}/${TENANT}/discovery/v2.0/keys`);
    }
    const v1 = await call('GET', `/${TENANT}/.well-known/openid-configuration`);
    assert.equal(v1.body.token_endpoint, `https://${host}/${TENANT}/oauth2/token`);
    const adfs = await call('GET', '/adfs/.well-known/openid-configuration');
    assert.equal(adfs.body.issuer, `https://${host}/adfs`);
    assert.equal(adfs.body.token_endpoint, `https://${host}/adfs/oauth2/token`);

    const keys = await call('GET', `/${TENANT}/discovery/v2.0/keys`);
    assert.deepEqual(keys.body, authority.jwks());
    assert.deepEqual((await call('GET', '/adfs/discovery/keys')).body, authority.jwks());
    assert.equal((keys.body.keys as { kid: string }[])[0].kid, signing.kid);

    const instance = await call(
      'GET',
      `/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`https://${host}/${TENANT}/oauth2/v2.0/authorize`)}`,
    );
    assert.equal(
      instance.body.tenant_discovery_endpoint,
      `https://${host}/${TENANT}/v2.0/.well-known/openid-configuration`,
    );
    assert.deepEqual(instance.body.metadata, [{ preferred_network: host, preferred_cache: host, aliases: [host] }]);
  });

  describe('verify', () => {
    const issue = async () => {
      const result = await authority.issueClientCredentialsToken({
        clientId: principal.appId,
        clientSecret: principal.password,
        scope: ARM_SCOPE,
      });
      assert.ok(result.ok);
      return result.accessToken;
    };
    const claimsOf = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

    it('fails an expired token', async () => {
      const token = await issue();
      clockOffsetMs = 2 * 3600_000;
      try {
        assert.deepEqual(await authority.verify(token), { ok: false, reason: 'token has expired' });
      } finally {
        clockOffsetMs = 0;
      }
    });

    it('fails a token signed by another key', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const forged = signJwt(claimsOf(await issue()), privateKey, signing.kid);
      assert.deepEqual(await authority.verify(forged), { ok: false, reason: 'token signature is invalid' });
    });

    it('fails a token for another audience', async () => {
      const claims = { ...claimsOf(await issue()), aud: 'https://graph.microsoft.com' };
      const check = await authority.verify(signJwt(claims, signing.privateKey, signing.kid));
      assert.deepEqual(check, { ok: false, reason: 'token audience https://graph.microsoft.com is not accepted' });
    });

    it('fails a token whose principal was deleted', async () => {
      const doomed = await createServicePrincipal(store, { displayName: 'kiln-ci' });
      assert.notEqual(doomed.appId, principal.appId);
      const issued = await authority.issueClientCredentialsToken({
        clientId: doomed.appId,
        clientSecret: doomed.password,
        scope: ARM_SCOPE,
      });
      assert.ok(issued.ok);
      assert.ok(await deleteServicePrincipal(store, doomed.appId));
      const check = await authority.verify(issued.accessToken);
      assert.deepEqual(check, { ok: false, reason: `service principal ${doomed.appId} no longer exists` });
    });
  });

  it('never logs secrets or tokens', async () => {
    const reply = await call('POST', `/${TENANT}/oauth2/v2.0/token`, { form: credentials({ scope: ARM_SCOPE }) });
    assert.equal(reply.status, 200);
    await new Promise((resolve) => setImmediate(resolve));
    const log = logs.join('');
    assert.ok(log.includes('/oauth2/v2.0/token'), 'requests are logged');
    assert.ok(!log.includes(principal.password));
    assert.ok(!/eyJ[\w-]+\.eyJ/.test(log), 'no JWT in the log');
  });
});
