// Microsoft.ManagedIdentity/userAssignedIdentities against a started server, by plain fetch (its
// SDK is not a dependency), at the api-versions az 2.45 and the SDKs send: create, update, get, list,
// delete, a role assignment to the identity's principal, the identity as an image template's, and
// what deleting its resource group does.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { principalCredential, startTestServer, type TestServer } from '../support/test-server.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';

interface Identity {
  id: string;
  name: string;
  type: string;
  location: string;
  tags?: Record<string, string>;
  properties: { tenantId: string; principalId: string; clientId: string };
}

describe('user-assigned managed identities', () => {
  let kiln: TestServer;
  let token: string;
  let group: string;

  const arm = async (method: string, path: string, apiVersion: string, body?: unknown) => {
    const response = await fetch(`${kiln.url}${path}?api-version=${apiVersion}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const identityPath = (name: string, rg = 'ids') =>
    `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
  const assignReader = (principalId: string) =>
    arm('PUT', `${group}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`, '2022-04-01', {
      properties: {
        roleDefinitionId: `/subscriptions/${kiln.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${READER}`,
        principalId,
        principalType: 'ServicePrincipal',
      },
    });

  before(async () => {
    kiln = await startTestServer({ lroWaitMs: 2000 });
    token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    group = `/subscriptions/${kiln.subscriptionId}/resourceGroups/ids`;
    assert.equal((await arm('PUT', group, '2021-04-01', { location: 'westus' })).status, 201);
  });
  after(() => kiln.stop());

  it('creates, updates, gets, lists and deletes identities as Azure serves them', async () => {
    const created = await arm('PUT', identityPath('builder'), '2023-01-31', {
      location: 'West US',
      tags: { team: 'images' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const identity = created.body as Identity;
    assert.equal(identity.id, identityPath('builder'));
    assert.equal(identity.type, 'Microsoft.ManagedIdentity/userAssignedIdentities');
    assert.equal(identity.location, 'westus');
    assert.deepEqual(identity.tags, { team: 'images' });
    assert.equal(identity.properties.tenantId, kiln.tenantId);
    assert.match(identity.properties.principalId, GUID);
    assert.match(identity.properties.clientId, GUID);
    assert.notEqual(identity.properties.principalId, identity.properties.clientId);

    // A repeated PUT changes tags, never the principal.
    const again = await arm('PUT', identityPath('builder'), '2018-11-30', {
      location: 'westus',
      tags: { team: 'platform' },
    });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body.properties, identity.properties);
    assert.deepEqual(again.body.tags, { team: 'platform' });
    const patched = await arm('PATCH', identityPath('builder'), '2023-01-31', { tags: { team: 'build' } });
    assert.equal(patched.status, 200);
    assert.deepEqual((await arm('GET', identityPath('builder'), '2023-01-31')).body, {
      ...identity,
      tags: { team: 'build' },
    });

    assert.equal((await arm('PUT', identityPath('other'), '2022-01-31-preview', { location: 'westus' })).status, 201);
    const byGroup = await arm(
      'GET',
      `${group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`,
      '2023-01-31',
    );
    assert.deepEqual(byGroup.body.value.map((i: Identity) => i.name).sort(), ['builder', 'other']);
    const bySubscription = await arm(
      'GET',
      `/subscriptions/${kiln.subscriptionId}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`,
      '2018-11-30',
    );
    assert.deepEqual(bySubscription.body.value.map((i: Identity) => i.name).sort(), ['builder', 'other']);

    const moved = await arm('PUT', identityPath('builder'), '2023-01-31', { location: 'eastus' });
    assert.equal(moved.status, 409, JSON.stringify(moved.body));
    assert.equal(
      (await arm('PUT', identityPath('x'), '2023-01-31', { location: 'westus' })).body.error.code,
      'InvalidResourceName',
    );
    assert.equal((await arm('GET', identityPath('missing'), '2023-01-31')).body.error.code, 'ResourceNotFound');

    assert.equal((await arm('DELETE', identityPath('other'), '2023-01-31')).status, 200);
    assert.equal((await arm('GET', identityPath('other'), '2023-01-31')).status, 404);
    assert.equal((await arm('DELETE', identityPath('other'), '2023-01-31')).status, 204);
  });

  it('shows isolationScope by api-version: None by default from 2024-11-30 on, absent before, refused there', async () => {
    const path = identityPath('scoped');
    // Made at an old version: no isolationScope in its answer, as 2023-01-31's model has none.
    const made = await arm('PUT', path, '2023-01-31', { location: 'westus' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual(Object.keys(made.body.properties).sort(), ['clientId', 'principalId', 'tenantId']);
    for (const version of ['2015-08-31-preview', '2018-11-30', '2022-01-31-preview', '2023-07-31-preview'])
      assert.equal((await arm('GET', path, version)).body.properties.isolationScope, undefined, version);
    // Read at a version whose model has it: Azure's default, None.
    for (const version of ['2024-11-30', '2025-01-31-preview', '2026-04-30', '2026-05-31'])
      assert.equal((await arm('GET', path, version)).body.properties.isolationScope, 'None', version);
    const listed = await arm(
      'GET',
      `${group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`,
      '2026-04-30',
    );
    assert.equal(listed.body.value.find((i: Identity) => i.name === 'scoped').properties.isolationScope, 'None');
    const listedOld = await arm(
      'GET',
      `${group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`,
      '2023-01-31',
    );
    assert.ok(!('isolationScope' in listedOld.body.value.find((i: Identity) => i.name === 'scoped').properties));

    // Given at a version without it: refused at its path, never dropped; null carries nothing.
    for (const [method, body] of [
      ['PUT', { location: 'westus', properties: { isolationScope: 'None' } }],
      ['PATCH', { properties: { isolationScope: 'None' } }],
    ] as const) {
      const refused = await arm(method, path, '2023-01-31', body);
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'InvalidParameter');
      assert.equal(refused.body.error.target, 'properties.isolationScope');
      assert.match(refused.body.error.message, /added in 2024-11-30/);
    }
    const nulled = await arm('PATCH', path, '2023-01-31', { properties: { isolationScope: null } });
    assert.equal(nulled.status, 200, JSON.stringify(nulled.body));

    // Set at the newest stable version (2026-04-30): kept, and shown at each version that has it.
    const set = await arm('PUT', path, '2026-04-30', { location: 'westus', properties: { isolationScope: 'None' } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.properties.isolationScope, 'None');
    assert.equal((await arm('GET', path, '2023-01-31')).body.properties.isolationScope, undefined);
    const regional = await arm('PATCH', path, '2026-04-30', { properties: { isolationScope: 'Regional' } });
    assert.equal(regional.status, 400);
    assert.equal(regional.body.error.details?.[0]?.target ?? regional.body.error.target, 'properties.isolationScope');
    assert.equal((await arm('DELETE', path, '2026-04-30')).status, 200);
  });

  it('takes role assignments on its principalId, and no token by secret: only Kiln acts as it', async () => {
    const { properties } = (await arm('PUT', identityPath('reader'), '2023-01-31', { location: 'westus' }))
      .body as Identity;
    const assigned = await assignReader(properties.principalId);
    assert.equal(assigned.status, 201, JSON.stringify(assigned.body));
    assert.equal(assigned.body.properties.principalId, properties.principalId);
    const listed = await arm('GET', `${group}/providers/Microsoft.Authorization/roleAssignments`, '2022-04-01');
    assert.ok(
      listed.body.value.some(
        (a: { properties: { principalId: string } }) => a.properties.principalId === properties.principalId,
      ),
    );

    const tokenRequest = await fetch(`${kiln.url}/${kiln.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: properties.clientId,
        client_secret: 'guess',
        scope: 'https://storage.azure.com/.default',
      }),
    });
    assert.equal(tokenRequest.status, 401);
    assert.equal((await tokenRequest.json()).error, 'invalid_client');
  });

  it('is what an image template acts as: a missing identity fails the template (Other) until it exists', async () => {
    const identityId = identityPath('template-identity');
    const path = `${group}/providers/Microsoft.VirtualMachineImages/imageTemplates/with-identity`;
    const template = {
      location: 'westus',
      identity: { type: 'UserAssigned', userAssignedIdentities: { [identityId]: {} } },
      properties: {
        source: { type: 'ISO', sourceURI: 'https://files.example/installer.iso', sha256Checksum: '0'.repeat(64) },
        customize: [{ type: 'Shell', name: 'hello', inline: ['echo hello'] }],
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      },
    };
    await arm('PUT', path, '2022-07-01', template);
    const failed = await arm('GET', path, '2022-07-01');
    assert.equal(failed.body.properties.provisioningState, 'Failed');
    assert.equal(failed.body.properties.provisioningError.provisioningErrorCode, 'Other');
    assert.match(failed.body.properties.provisioningError.message, new RegExp(`'${identityId}' was not found`));

    assert.equal((await arm('PUT', identityId, '2023-01-31', { location: 'westus' })).status, 201);
    await arm('PUT', path, '2022-07-01', template);
    assert.equal((await arm('GET', path, '2022-07-01')).body.properties.provisioningState, 'Succeeded');
  });

  it('takes assign/action on the identity to create a template with it (linked access)', async () => {
    const elsewhere = `/subscriptions/${kiln.subscriptionId}/resourceGroups/elsewhere`;
    assert.equal((await arm('PUT', elsewhere, '2021-04-01', { location: 'westus' })).status, 201);
    const foreign = identityPath('foreign', 'elsewhere');
    assert.equal((await arm('PUT', foreign, '2023-01-31', { location: 'westus' })).status, 201);
    const credential = await principalCredential(kiln, 'group writer', 'Contributor', group);
    const response = await fetch(
      `${kiln.url}${group}/providers/Microsoft.VirtualMachineImages/imageTemplates/borrowed?api-version=2022-07-01`,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${(await credential.getToken('https://management.azure.com/.default'))!.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          location: 'westus',
          identity: { type: 'UserAssigned', userAssignedIdentities: { [foreign]: {} } },
          properties: {},
        }),
      },
    );
    const body = await response.json();
    assert.equal(response.status, 403, JSON.stringify(body));
    assert.equal(body.error.code, 'LinkedAuthorizationFailed');
    assert.match(
      body.error.message,
      new RegExp(
        `'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action' on the linked scope\\(s\\) '${foreign}'`,
      ),
    );
  });

  it('goes with its resource group, principal included', async () => {
    const rg = `/subscriptions/${kiln.subscriptionId}/resourceGroups/doomed`;
    assert.equal((await arm('PUT', rg, '2021-04-01', { location: 'westus' })).status, 201);
    const { properties } = (await arm('PUT', identityPath('doomed', 'doomed'), '2023-01-31', { location: 'westus' }))
      .body as Identity;
    const deletion = await arm('DELETE', rg, '2021-04-01');
    assert.ok([200, 202].includes(deletion.status), JSON.stringify(deletion.body));
    for (let i = 0; i < 100 && (await arm('GET', rg, '2021-04-01')).status !== 404; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(
      (
        await arm(
          'GET',
          `/subscriptions/${kiln.subscriptionId}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`,
          '2023-01-31',
        )
      ).body.value.some((i: Identity) => i.name === 'doomed'),
      false,
    );
    const orphan = await assignReader(properties.principalId);
    assert.equal(orphan.status, 400);
    assert.equal(orphan.body.error.code, 'PrincipalNotFound');
  });
});
