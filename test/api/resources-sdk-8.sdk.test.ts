// The newest @azure/arm-resources (8.0.0, installed beside 7 as @azure/arm-resources-8) against a
// started HTTPS server: groups made, read, tagged, listed and deleted, empty or holding resources.
// Version 8 checks every status against the REST specification: a group delete is 200 or 202.
import { ResourceManagementClient } from '@azure/arm-resources-8';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('resource groups with @azure/arm-resources 8', () => {
  let kiln: TestServer;
  let client: ResourceManagementClient;

  before(async () => {
    kiln = await startTestServer();
    client = new ResourceManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
  });
  after(() => kiln.stop());

  const gone = async (name: string) =>
    assert.rejects(client.resourceGroups.get(name), (error: { code?: string; statusCode?: number }) => {
      assert.equal(error.statusCode, 404);
      assert.equal(error.code, 'ResourceGroupNotFound');
      return true;
    });

  it('makes, reads, tags and lists groups', async () => {
    const made = await client.resourceGroups.createOrUpdate('Eight', { location: 'West US', tags: { v: '8' } });
    assert.equal(made.name, 'Eight');
    assert.equal(made.location, 'westus');
    assert.equal(made.properties?.provisioningState, 'Succeeded');
    assert.deepEqual((await client.resourceGroups.get('eight')).tags, { v: '8' });
    const patched = await client.resourceGroups.update('EIGHT', { tags: { v: '8', tier: 'gold' } });
    assert.deepEqual(patched.tags, { v: '8', tier: 'gold' });
    const names = [];
    for await (const group of client.resourceGroups.list()) names.push(group.name);
    assert.ok(names.includes('Eight'), names.join(', '));
  });

  it('deletes an empty group (answered at once) and one holding resources (a long-running operation)', async () => {
    await client.resourceGroups.createOrUpdate('empty', { location: 'westus' });
    await client.resourceGroups.delete('empty');
    await gone('empty');

    await client.resourceGroups.createOrUpdate('full', { location: 'westus' });
    await client.resources.createOrUpdate(
      'full',
      'Microsoft.ManagedIdentity',
      '',
      'userAssignedIdentities',
      'id-1',
      '2023-01-31',
      { location: 'westus' },
    );
    await client.resourceGroups.delete('full');
    await gone('full');
  });
});
