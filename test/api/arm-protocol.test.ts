// The ARM protocol over raw HTTPS, where the SDKs hide it: error envelopes with targets and details,
// authentication failures, request ids, ETags, the long-running operation headers and polling, paging.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { signJwt } from '../../src/core/jwt.ts';
import { createTokenAuthority } from '../../src/domain/identity/local-token-authority.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const RG_API = '2022-09-01';
const IMAGE_API = '2024-03-01';

describe('ARM protocol over HTTPS', () => {
  let kiln: TestServer;
  let token: string;

  before(async () => {
    // No waiting inside requests: every long-running operation answers 201/202 and is polled.
    kiln = await startTestServer({ lroWaitMs: 0 });
    token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
  });
  after(() => kiln.stop());

  async function call(
    method: string,
    path: string,
    options: {
      body?: unknown;
      rawBody?: string;
      headers?: Record<string, string>;
      apiVersion?: string | null;
      auth?: string | null;
    } = {},
  ) {
    const url = new URL(path.startsWith('https://') ? path : kiln.url + path);
    if (options.apiVersion !== null && !url.searchParams.has('api-version'))
      url.searchParams.set('api-version', options.apiVersion ?? RG_API);
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth !== null) headers.authorization = options.auth ?? `Bearer ${token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }
  const sub = () => `/subscriptions/${kiln.subscriptionId}`;

  it('requires api-version and names the supported ones', async () => {
    const missing = await call('GET', `${sub()}/resourcegroups`, { apiVersion: null });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.code, 'MissingApiVersionParameter');
    const wrong = await call('GET', `${sub()}/resourcegroups`, { apiVersion: '1999-01-01' });
    assert.equal(wrong.body.error.code, 'InvalidApiVersionParameter');
    assert.match(wrong.body.error.message, /2022-09-01/);
    const compute = await call('GET', `${sub()}/providers/Microsoft.Compute/images`, { apiVersion: '1999-01-01' });
    assert.equal(compute.status, 400);
    assert.equal(compute.body.error.code, 'NoRegisteredProviderFound');
    assert.match(compute.body.error.message, /2024-03-01/);
  });

  it('answers 401 with a WWW-Authenticate challenge for missing, forged, expired and wrong-audience tokens', async () => {
    const none = await call('GET', `${sub()}/resourcegroups`, { auth: null });
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'AuthenticationFailed');
    assert.match(none.headers.get('www-authenticate')!, /^Bearer authorization_uri="https:\/\/127\.0\.0\.1:\d+\//);

    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = signJwt(
      {
        aud: 'https://management.azure.com/',
        tid: kiln.tenantId,
        oid: 'x',
        appid: 'x',
        exp: Math.floor(Date.now() / 1000) + 600,
      },
      privateKey,
      'forged',
    );
    const forgedCall = await call('GET', `${sub()}/resourcegroups`, { auth: `Bearer ${forged}` });
    assert.equal(forgedCall.status, 401);
    assert.equal(forgedCall.body.error.code, 'InvalidAuthenticationToken');

    const past = createTokenAuthority({
      store: kiln.server.kiln.store,
      keys: kiln.server.kiln.keys,
      tenantId: kiln.tenantId,
      issuerUrl: kiln.url,
      clock: { now: () => new Date(Date.now() - 3 * 3600_000) },
    });
    const old = await past.issueClientCredentialsToken({
      clientId: kiln.admin.appId,
      clientSecret: kiln.admin.password,
      scope: 'https://management.azure.com/.default',
    });
    assert.ok(old.ok);
    const expired = await call('GET', `${sub()}/resourcegroups`, { auth: `Bearer ${old.accessToken}` });
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error.code, 'ExpiredAuthenticationToken');

    const storageToken = (await kiln.credential.getToken('https://storage.azure.com/.default'))!.token;
    const wrongAudience = await call('GET', `${sub()}/resourcegroups`, { auth: `Bearer ${storageToken}` });
    assert.equal(wrongAudience.status, 401);
    assert.equal(wrongAudience.body.error.code, 'InvalidAuthenticationTokenAudience');
  });

  it('puts request ids on every response and echoes the correlation id', async () => {
    const ok = await call('GET', `${sub()}/resourcegroups`, {
      headers: { 'x-ms-correlation-request-id': 'corr-1', 'x-ms-client-request-id': 'client-1' },
    });
    assert.equal(ok.headers.get('x-ms-correlation-request-id'), 'corr-1');
    assert.equal(ok.headers.get('x-ms-client-request-id'), 'client-1');
    assert.match(ok.headers.get('x-ms-request-id')!, /^[0-9a-f-]{36}$/);
    const failed = await call('GET', `${sub()}/resourcegroups/none`);
    assert.equal(failed.status, 404);
    assert.match(failed.headers.get('x-ms-request-id')!, /^[0-9a-f-]{36}$/);
  });

  it('matches paths case-insensitively and keeps the stored case of names', async () => {
    const created = await call('PUT', `/SUBSCRIPTIONS/${kiln.subscriptionId}/RESOURCEGROUPS/MixedCase`, {
      body: { location: 'westus' },
    });
    assert.equal(created.status, 201);
    const read = await call('GET', `${sub()}/resourceGroups/mixedcase`);
    assert.equal(read.body.name, 'MixedCase');
  });

  it('honours If-Match and If-None-Match with 412', async () => {
    const created = await call('PUT', `${sub()}/resourcegroups/etagged`, { body: { location: 'westus' } });
    const etag = created.headers.get('etag')!;
    assert.match(etag, /^".+"$/);
    const stale = await call('PATCH', `${sub()}/resourcegroups/etagged`, {
      body: { tags: { a: '1' } },
      headers: { 'if-match': '"not-it"' },
    });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.error.code, 'PreconditionFailed');
    const fresh = await call('PATCH', `${sub()}/resourcegroups/etagged`, {
      body: { tags: { a: '1' } },
      headers: { 'if-match': etag },
    });
    assert.equal(fresh.status, 200);
    assert.notEqual(fresh.headers.get('etag'), etag);
    const noOverwrite = await call('PUT', `${sub()}/resourcegroups/etagged`, {
      body: { location: 'westus' },
      headers: { 'if-none-match': '*' },
    });
    assert.equal(noOverwrite.status, 412);
  });

  it('reports every bad field in details with its JSON path, and never a 500 for bad input', async () => {
    await call('PUT', `${sub()}/resourcegroups/inputs`, { body: { location: 'westus' } });
    const image = `${sub()}/resourcegroups/inputs/providers/Microsoft.Compute/images/bad`;
    const many = await call('PUT', image, {
      apiVersion: IMAGE_API,
      body: {
        location: 'mars',
        properties: {
          storageProfile: {
            osDisk: { osType: 'Plan9', osState: 'Generalized', blobUri: 'x', caching: 'Maybe' },
            dataDisks: [
              { lun: 0, blobUri: 'x' },
              { lun: 0, blobUri: 'y' },
            ],
          },
        },
      },
    });
    assert.equal(many.status, 400);
    assert.deepEqual(many.body.error.details.map((d: { target: string }) => d.target).sort(), [
      'location',
      'properties.storageProfile.dataDisks[1].lun',
      'properties.storageProfile.osDisk.caching',
      'properties.storageProfile.osDisk.osType',
    ]);
    for (const rawBody of ['{not json', '[]', '"text"', '42', 'null']) {
      const response = await call('PUT', image, {
        apiVersion: IMAGE_API,
        rawBody,
        headers: { 'content-type': 'application/json' },
      });
      assert.ok(response.status >= 400 && response.status < 500, `${rawBody} gave ${response.status}`);
      assert.ok(response.body.error.code);
    }
    const media = await call('PUT', image, {
      apiVersion: IMAGE_API,
      rawBody: 'location=westus',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(media.status, 415);
    const badName = await call('PUT', `${sub()}/resourcegroups/inputs/providers/Microsoft.Compute/images/bad name!`, {
      apiVersion: IMAGE_API,
      body: { location: 'westus' },
    });
    assert.equal(badName.body.error.code, 'InvalidResourceName');
    const badToken = await call('GET', `${sub()}/resourcegroups?$skiptoken=garbage`);
    assert.equal(badToken.status, 400);
    assert.equal(
      await kiln.server.kiln.store.get(
        `${sub()}/resourcegroups/inputs/providers/microsoft.compute/images/bad`.toLowerCase(),
      ),
      undefined,
    );
  });

  it('runs image creation and group deletion as long-running operations with polling headers', async () => {
    await call('PUT', `${sub()}/resourcegroups/lro`, { body: { location: 'westus' } });
    const blob = await putRegionBlob(kiln, 'westus', 'lro/os.vhd', makeVhd(1, 'lro'));
    const created = await call('PUT', `${sub()}/resourcegroups/lro/providers/Microsoft.Compute/images/img`, {
      apiVersion: IMAGE_API,
      body: {
        location: 'westus',
        properties: { storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri: blob } } },
      },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.properties.provisioningState, 'Creating');
    assert.equal(created.headers.get('retry-after'), '1');
    const statusUrl = created.headers.get('azure-asyncoperation')!;
    const resultUrl = created.headers.get('location')!;
    assert.match(
      statusUrl,
      /\/providers\/Microsoft.Compute\/locations\/westus\/operations\/[0-9a-f-]+\?api-version=2024-03-01$/,
    );

    let status = await call('GET', statusUrl);
    for (let i = 0; status.body.status === 'InProgress' && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = await call('GET', statusUrl);
    }
    assert.equal(status.body.status, 'Succeeded');
    assert.ok(status.body.startTime && status.body.endTime);
    const result = await call('GET', resultUrl);
    assert.equal(result.status, 200);
    assert.equal(result.body.properties.provisioningState, 'Succeeded');

    const deleted = await call('DELETE', `${sub()}/resourcegroups/lro`);
    assert.equal(deleted.status, 202);
    const location = deleted.headers.get('location')!;
    let poll = await call('GET', location);
    for (let i = 0; poll.status === 202 && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      poll = await call('GET', location);
    }
    assert.equal(poll.status, 200, 'done: 200, as the specification of a group delete lists');
    assert.equal(
      (
        await call('GET', `${sub()}/resourcegroups/lro/providers/Microsoft.Compute/images/img`, {
          apiVersion: IMAGE_API,
        })
      ).body.error.code,
      'ResourceGroupNotFound',
    );
    const left = await kiln.server.kiln.domain.regions.get('westus')!.list('images/');
    assert.deepEqual(left, [], 'the image bytes went with the group');
  });

  it('serves subscriptions, tenants and locations', async () => {
    const subs = await call('GET', '/subscriptions', { apiVersion: '2022-12-01' });
    assert.deepEqual(
      subs.body.value.map((s: { subscriptionId: string }) => s.subscriptionId),
      [kiln.subscriptionId],
    );
    const locations = await call('GET', `${sub()}/locations`, { apiVersion: '2022-12-01' });
    assert.ok(
      locations.body.value.some(
        (l: { name: string; displayName: string }) => l.name === 'eastus' && l.displayName === 'East US',
      ),
    );
    const tenants = await call('GET', '/tenants', { apiVersion: '2022-12-01' });
    assert.equal(tenants.body.value[0].tenantId, kiln.tenantId);
    const unknown = await call('GET', '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'SubscriptionNotFound');
  });
});
