// Microsoft.Resources through the official @azure/arm-resources client against a started HTTPS server.
import { ResourceManagementClient } from '@azure/arm-resources';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('resource groups, subscriptions and locations with @azure/arm-resources', () => {
  let kiln: TestServer;
  let client: ResourceManagementClient;

  before(async () => {
    kiln = await startTestServer();
    client = new ResourceManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
  });
  after(() => kiln.stop());

  it('creates (201), reads with the stored case, updates (200) and patches tags', async () => {
    const created = await client.resourceGroups.createOrUpdate('Rg-One', {
      location: 'East US',
      tags: { team: 'images' },
    });
    assert.equal(created.name, 'Rg-One');
    assert.equal(created.location, 'eastus');
    assert.equal(created.properties?.provisioningState, 'Succeeded');
    assert.equal(created.id, `/subscriptions/${kiln.subscriptionId}/resourceGroups/Rg-One`);

    const read = await client.resourceGroups.get('rg-one');
    assert.equal(read.name, 'Rg-One');
    assert.deepEqual(read.tags, { team: 'images' });

    const patched = await client.resourceGroups.update('RG-ONE', { tags: { team: 'platform', tier: 'gold' } });
    assert.deepEqual(patched.tags, { team: 'platform', tier: 'gold' });
    assert.equal(patched.location, 'eastus');
    assert.equal((await client.resourceGroups.checkExistence('rg-one')).body, true);
    assert.equal((await client.resourceGroups.checkExistence('nope')).body, false);
  });

  it('lists subscriptions, tenants and locations with @azure/arm-resources-subscriptions', async () => {
    const subscriptions = new SubscriptionClient(kiln.credential, { endpoint: kiln.url });
    const listed = [];
    for await (const subscription of subscriptions.subscriptions.list()) listed.push(subscription);
    assert.deepEqual(
      listed.map((s) => s.subscriptionId),
      [kiln.subscriptionId],
    );
    assert.equal(listed[0].state, 'Enabled');
    assert.equal((await subscriptions.subscriptions.get(kiln.subscriptionId)).tenantId, kiln.tenantId);
    const locations = [];
    for await (const location of subscriptions.subscriptions.listLocations(kiln.subscriptionId))
      locations.push(location.name);
    assert.deepEqual(locations.sort(), ['eastus', 'eastus2', 'southcentralus', 'westcentralus', 'westus', 'westus2']);
    const tenants = [];
    for await (const tenant of subscriptions.tenants.list()) tenants.push(tenant.tenantId);
    assert.deepEqual(tenants, [kiln.tenantId]);
  });

  it('refuses to move a group to another location', async () => {
    await client.resourceGroups.createOrUpdate('rg-fixed', { location: 'westus' });
    await assert.rejects(
      client.resourceGroups.createOrUpdate('rg-fixed', { location: 'eastus' }),
      (error: { code?: string; statusCode?: number }) => {
        assert.equal(error.statusCode, 409);
        assert.equal(error.code, 'InvalidResourceGroupLocation');
        return true;
      },
    );
  });

  it('pages through groups with nextLink and sees each exactly once', async () => {
    for (let i = 0; i < 5; i++) await client.resourceGroups.createOrUpdate(`page-${i}`, { location: 'westus2' });
    const pages = client.resourceGroups.list({ top: 2 }).byPage();
    const seen: string[] = [];
    let pageCount = 0;
    for await (const page of pages) {
      pageCount++;
      seen.push(...page.map((g) => g.name!));
      if (pageCount === 1) await client.resourceGroups.createOrUpdate('page-late', { location: 'westus2' });
    }
    assert.ok(pageCount >= 3, `expected several pages, got ${pageCount}`);
    assert.equal(new Set(seen).size, seen.length, 'no group listed twice');
    for (let i = 0; i < 5; i++) assert.ok(seen.includes(`page-${i}`));
  });

  it('deletes a group as a long-running operation', async () => {
    await client.resourceGroups.createOrUpdate('rg-gone', { location: 'westus' });
    await client.resourceGroups.beginDeleteAndWait('rg-gone');
    await assert.rejects(client.resourceGroups.get('rg-gone'), (error: { code?: string; statusCode?: number }) => {
      assert.equal(error.statusCode, 404);
      assert.equal(error.code, 'ResourceGroupNotFound');
      return true;
    });
  });

  it('answers 401 to a client holding a bad token, and the token endpoint refuses a wrong secret', async () => {
    const forged = { getToken: async () => ({ token: 'not-a-jwt', expiresOnTimestamp: Date.now() + 3600_000 }) };
    const stranger = new ResourceManagementClient(forged, kiln.subscriptionId, { endpoint: kiln.url });
    await assert.rejects(stranger.resourceGroups.get('rg-one'), (error: { code?: string; statusCode?: number }) => {
      assert.equal(error.statusCode, 401);
      assert.equal(error.code, 'InvalidAuthenticationToken');
      return true;
    });
    const { ClientSecretCredential } = await import('@azure/identity');
    const wrong = new ClientSecretCredential(kiln.tenantId, kiln.admin.appId, 'wrong-secret', {
      authorityHost: kiln.url,
      disableInstanceDiscovery: true,
    });
    await assert.rejects(wrong.getToken('https://management.azure.com/.default'), /AADSTS7000215/);
  });

  it('refuses a bad location naming the field and the regions', async () => {
    await assert.rejects(
      client.resourceGroups.createOrUpdate('rg-bad', { location: 'mars' }),
      (error: { code?: string; message: string; statusCode?: number }) => {
        assert.equal(error.statusCode, 400);
        assert.equal(error.code, 'LocationNotAvailableForResourceType');
        assert.match(error.message, /eastus/);
        return true;
      },
    );
  });
});
