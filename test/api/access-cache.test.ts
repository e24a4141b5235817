// The API's per-process cache of token verdicts and callers' access (domain/authorization/
// access-cache.ts) against a started server whose clock stands still until the test moves it: a
// change made through this server holds for its next call; a change another process makes to the
// same store (here a second SQLite connection, as another `kiln serve` or `kiln sp` has) holds within
// ACCESS_CACHE_TTL_MS, and no sooner is promised; a token past its time is refused though it was kept.
// One keep-alive connection that changes its Authorization header is judged by each header it sends
// (http/arm/authenticate.ts keeps the token of a connection's last header).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteMetadataStore } from '../../src/adapters/sqlite-metadata-store.ts';
import { ACCESS_CACHE_TTL_MS } from '../../src/domain/authorization/access-cache.ts';
import { deleteServicePrincipal } from '../../src/domain/identity/service-principals.ts';
import type { MetadataStore } from '../../src/ports/metadata-store.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const GROUPS = 'api-version=2022-09-01';
const ASSIGNMENTS = 'api-version=2022-04-01';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
/** How long past its `exp` verification still admits a token (local-token-authority.ts), and a second more. */
const PAST_SKEW_MS = 301_000;

describe('the API keeps token verdicts and callers access for a moment', () => {
  let kiln: TestServer;
  let other: MetadataStore;
  let now = Date.now();
  let group: string;
  let adminToken: string;

  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${kiln.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const readGroup = (token: string) => call(token, 'GET', `${group}?${GROUPS}`);
  const tokenOf = async (appId: string, password: string) => {
    const response = await fetch(`${kiln.url}/${kiln.tenantId}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: appId,
        client_secret: password,
        resource: 'https://management.azure.com/',
      }),
    });
    const issued = (await response.json()) as { access_token: string };
    return issued.access_token;
  };
  /** A new principal holding Reader on the group, its assignment's id and a token. */
  const reader = async (name: string) => {
    const made = await kiln.server.kiln.createServicePrincipal(name);
    const assignment = `${group}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`;
    const granted = await call(adminToken, 'PUT', `${assignment}?${ASSIGNMENTS}`, {
      properties: {
        roleDefinitionId: `/subscriptions/${kiln.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${READER}`,
        principalId: made.objectId,
      },
    });
    assert.equal(granted.status, 201, JSON.stringify(granted.body));
    return { ...made, assignment, token: await tokenOf(made.appId, made.password) };
  };

  before(async () => {
    kiln = await startTestServer({ clock: { now: () => new Date(now) } });
    other = await openSqliteMetadataStore(join(kiln.dataDir, 'kiln.db'));
    adminToken = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    group = `/subscriptions/${kiln.subscriptionId}/resourceGroups/cached`;
    assert.equal((await call(adminToken, 'PUT', `${group}?${GROUPS}`, { location: 'westus' })).status, 201);
  });
  after(async () => {
    await other.close();
    await kiln.stop();
  });

  it('refuses a caller at once when its role assignment is deleted through this server', async () => {
    const caller = await reader('revoked-here');
    assert.equal((await readGroup(caller.token)).status, 200);
    assert.equal((await readGroup(caller.token)).status, 200);
    assert.equal((await call(adminToken, 'DELETE', `${caller.assignment}?${ASSIGNMENTS}`)).status, 200);
    const refused = await readGroup(caller.token);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'AuthorizationFailed');
  });

  it('admits a caller at once when it is given a role through this server', async () => {
    const made = await kiln.server.kiln.createServicePrincipal('granted-here');
    const token = await tokenOf(made.appId, made.password);
    assert.equal((await readGroup(token)).status, 403);
    const granted = await call(
      adminToken,
      'PUT',
      `${group}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?${ASSIGNMENTS}`,
      {
        properties: {
          roleDefinitionId: `/subscriptions/${kiln.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${READER}`,
          principalId: made.objectId,
        },
      },
    );
    assert.equal(granted.status, 201);
    assert.equal((await readGroup(token)).status, 200);
  });

  it('refuses a caller within ACCESS_CACHE_TTL_MS when another process deletes its role assignment', async () => {
    const caller = await reader('revoked-elsewhere');
    assert.equal((await readGroup(caller.token)).status, 200);
    const [record] = await other.list({ parent: `/principals/${caller.objectId}`, limit: 2 });
    await other.apply([{ op: 'delete', key: record.key }]);
    // The bound is all that is promised: until it passes, this server may still answer from what it kept.
    assert.equal((await readGroup(caller.token)).status, 200);
    now += ACCESS_CACHE_TTL_MS;
    assert.equal((await readGroup(caller.token)).status, 403);
  });

  it('refuses a token within ACCESS_CACHE_TTL_MS when another process deletes its principal', async () => {
    const caller = await reader('deleted-elsewhere');
    assert.equal((await readGroup(caller.token)).status, 200);
    assert.ok(await deleteServicePrincipal(other, caller.appId));
    assert.equal((await readGroup(caller.token)).status, 200);
    now += ACCESS_CACHE_TTL_MS;
    const refused = await readGroup(caller.token);
    assert.equal(refused.status, 401);
    assert.match(refused.body.error.message, /no longer exists/);
  });

  it('judges each Authorization header one keep-alive connection sends, as it changes', async () => {
    const caller = await reader('one-connection');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    /** GET of the group on the agent's one connection with `authorization` as it is. */
    const readOn = (authorization: string) =>
      new Promise<{ status: number; code?: string }>((resolve, reject) => {
        const sent = request(`${kiln.url}${group}?${GROUPS}`, { agent, headers: { authorization } }, (response) => {
          sockets.add(sent.socket);
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode!, code: text && JSON.parse(text).error?.code }),
          );
        });
        sent.on('error', reject).end();
      });
    const outsider = await kiln.server.kiln.createServicePrincipal('one-connection-outsider');
    const outsiderToken = await tokenOf(outsider.appId, outsider.password);
    try {
      assert.equal((await readOn(`Bearer ${caller.token}`)).status, 200);
      assert.equal((await readOn(`Bearer ${caller.token}`)).status, 200);
      assert.deepEqual(await readOn(`Bearer ${caller.token} trailing`), { status: 401, code: 'AuthenticationFailed' });
      assert.deepEqual(await readOn(`Bearer ${caller.token}x`), { status: 401, code: 'InvalidAuthenticationToken' });
      assert.deepEqual(await readOn(`Bearer ${outsiderToken}`), { status: 403, code: 'AuthorizationFailed' });
      assert.equal((await readOn(`bearer   ${caller.token}`)).status, 200);
      assert.equal(sockets.size, 1, 'every call went over one connection');
    } finally {
      agent.destroy();
    }
  });

  it('refuses an expired token that was kept', async () => {
    const caller = await reader('expiring');
    const { exp } = JSON.parse(Buffer.from(caller.token.split('.')[1], 'base64url').toString()) as { exp: number };
    // Kept at its last moment: never served from the cache past its exp, and refused once verification refuses it.
    now = exp * 1000 - 1;
    assert.equal((await readGroup(caller.token)).status, 200);
    now = exp * 1000 + PAST_SKEW_MS;
    const refused = await readGroup(caller.token);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, 'ExpiredAuthenticationToken');
    now = Date.now();
  });
});
