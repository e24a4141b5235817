// A user-assigned identity's assignmentRestrictions (Microsoft.ManagedIdentity 2025-05-31-preview and
// 2026-05-31): stored and returned at the versions whose models have it, left out of answers and
// refused in writes at the others, checked (a provider namespace or type each, a list that names
// one at least), and held to: assigning the identity to a resource of a type the list does not name
// (a gallery's identity, a template's, a template's build VM's) is refused naming the field, and taking
// the restrictions away (a PATCH of null) lets it be assigned again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWalkServer } from '../support/openapi-walk.ts';

const NEWEST = '2026-05-31';
const GALLERY_API = '2025-03-03';
const BUILDER_API = '2025-10-01';

describe('userAssignedIdentities: assignmentRestrictions', () => {
  let walker: Awaited<ReturnType<typeof startWalkServer>>;
  let identities: string;
  const id = (name: string) => `${identities}/${name}`;
  const put = (name: string, body: unknown, apiVersion = NEWEST) =>
    walker.call('PUT', `${id(name)}?api-version=${apiVersion}`, body);
  const restricted = (...providers: string[]) => ({
    location: 'westus',
    properties: { assignmentRestrictions: { providers } },
  });
  const gallery = (name: string, identity: string) =>
    walker.call('PUT', `${walker.group}/providers/Microsoft.Compute/galleries/${name}?api-version=${GALLERY_API}`, {
      location: 'westus',
      identity: { type: 'UserAssigned', userAssignedIdentities: { [id(identity)]: {} } },
    });
  const template = (name: string, identity: string, buildVm: string[] = []) =>
    walker.call(
      'PUT',
      `${walker.group}/providers/Microsoft.VirtualMachineImages/imageTemplates/${name}?api-version=${BUILDER_API}`,
      {
        location: 'westus',
        identity: { type: 'UserAssigned', userAssignedIdentities: { [id(identity)]: {} } },
        properties: {
          source: {
            type: 'ManagedImage',
            imageId: `${walker.group}/providers/Microsoft.Compute/images/absent`,
          },
          distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
          ...(buildVm.length ? { vmProfile: { userAssignedIdentities: buildVm.map(id) } } : {}),
        },
      },
    );

  before(async () => {
    // Workers run the deployment.
    walker = await startWalkServer();
    identities = `${walker.group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`;
  });
  after(() => walker.kiln.stop());

  it('is kept and answered at the versions whose models have it, and left out at the others', async () => {
    const made = await put('vm-only', restricted('Microsoft.Compute/virtualMachines'));
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const providers = ['Microsoft.Compute/virtualMachines'];
    assert.deepEqual(made.body.properties.assignmentRestrictions, { providers });
    for (const apiVersion of [NEWEST, '2025-05-31-preview']) {
      const got = await walker.call('GET', `${id('vm-only')}?api-version=${apiVersion}`);
      assert.deepEqual(got.body.properties.assignmentRestrictions, { providers }, apiVersion);
    }
    for (const apiVersion of ['2026-04-30', '2024-11-30']) {
      const got = await walker.call('GET', `${id('vm-only')}?api-version=${apiVersion}`);
      assert.equal(got.status, 200);
      assert.equal('assignmentRestrictions' in got.body.properties, false, apiVersion);
    }
    const listed = await walker.call('GET', `${identities}?api-version=${NEWEST}`);
    const found = listed.body.value.find((i: { name: string }) => i.name === 'vm-only');
    assert.deepEqual(found.properties.assignmentRestrictions, { providers });
    // A PUT that leaves the member out keeps it, as it keeps the isolation scope.
    const again = await put('vm-only', { location: 'westus', tags: { again: 'yes' } });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(again.body.properties.assignmentRestrictions, { providers });
  });

  it('is refused at a version whose model lacks it, and checked where it is given', async () => {
    const older = await put('older', restricted('Microsoft.Compute'), '2026-04-30');
    assert.equal(older.status, 400, JSON.stringify(older.body));
    assert.equal(older.body.error.target, 'properties.assignmentRestrictions.providers[0]');
    assert.match(older.body.error.message, /2025-05-31-preview and in 2026-05-31 and later/);
    const cases: Array<[unknown, string]> = [
      [{ providers: [] }, 'properties.assignmentRestrictions.providers'],
      [{ providers: ['Microsoft.Compute', 'not a provider'] }, 'properties.assignmentRestrictions.providers[1]'],
      [{ providers: ['Microsoft.Compute'], resourceTypes: [] }, 'properties.assignmentRestrictions.resourceTypes'],
      ['Microsoft.Compute', 'properties.assignmentRestrictions'],
    ];
    for (const [assignmentRestrictions, target] of cases) {
      const refused = await put('checked', { location: 'westus', properties: { assignmentRestrictions } });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error.target, target, JSON.stringify(refused.body));
    }
    const none = await walker.call('GET', `${id('checked')}?api-version=${NEWEST}`);
    assert.equal(none.status, 404);
  });

  it("is held to when the identity is assigned: a gallery's, a template's and a template's build VM's", async () => {
    assert.equal((await put('compute', restricted('microsoft.compute'))).status, 201);
    assert.equal((await put('galleries', restricted('Microsoft.Compute/galleries'))).status, 201);
    assert.equal((await put('anywhere', { location: 'westus' })).status, 201);

    const refused = await gallery('shelf', 'vm-only');
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'IdentityAssignmentRestricted');
    assert.equal(refused.body.error.target, 'identity.userAssignedIdentities');
    assert.match(refused.body.error.message, /'Microsoft\.Compute\/virtualMachines'.*'Microsoft\.Compute\/galleries'/);
    // A namespace allows each of its types, matched without case; a type allows itself.
    for (const identity of ['compute', 'galleries', 'anywhere'])
      assert.ok((await gallery(`shelf_${identity}`, identity)).status < 300, identity);

    // A template is a Microsoft.VirtualMachineImages resource; its build VM a Microsoft.Compute/virtualMachines one.
    const asTemplate = await template('by-compute', 'compute');
    assert.equal(asTemplate.status, 400, JSON.stringify(asTemplate.body));
    assert.equal(asTemplate.body.error.target, 'identity.userAssignedIdentities');
    const buildVm = await template('build-vm', 'anywhere', ['galleries']);
    assert.equal(buildVm.status, 400, JSON.stringify(buildVm.body));
    assert.equal(buildVm.body.error.target, 'properties.vmProfile.userAssignedIdentities');
    const allowed = await template('allowed', 'anywhere', ['vm-only', 'compute']);
    assert.ok(allowed.status < 300, JSON.stringify(allowed.body));

    // A deployment makes its resources by the same requests, so the rule holds there too.
    const deployment = `${walker.group}/providers/Microsoft.Resources/deployments/restricted?api-version=2021-04-01`;
    const started = await walker.call('PUT', deployment, {
      properties: {
        mode: 'Incremental',
        template: {
          $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
          contentVersion: '1.0.0.0',
          resources: [
            {
              type: 'Microsoft.Compute/galleries',
              apiVersion: GALLERY_API,
              name: 'deployed',
              location: 'westus',
              identity: { type: 'UserAssigned', userAssignedIdentities: { [id('vm-only')]: {} } },
            },
          ],
        },
      },
    });
    assert.ok(started.status < 300, JSON.stringify(started.body));
    let done = started.body;
    for (let i = 0; i < 200 && !['Succeeded', 'Failed'].includes(done?.properties?.provisioningState); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      done = (await walker.call('GET', deployment)).body;
    }
    assert.equal(done.properties.provisioningState, 'Failed', JSON.stringify(done));
    assert.match(JSON.stringify(done.properties.error), /IdentityAssignmentRestricted/);
  });

  it('taken away by a PATCH of null, lets the identity be assigned anywhere again', async () => {
    const patched = await walker.call('PATCH', `${id('vm-only')}?api-version=${NEWEST}`, {
      properties: { assignmentRestrictions: null },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal('assignmentRestrictions' in patched.body.properties, false);
    const assigned = await gallery('shelf_freed', 'vm-only');
    assert.ok(assigned.status < 300, JSON.stringify(assigned.body));
    // And a PATCH sets it again.
    const set = await walker.call('PATCH', `${id('vm-only')}?api-version=${NEWEST}`, {
      properties: { assignmentRestrictions: { providers: ['Microsoft.Compute/virtualMachines'] } },
    });
    assert.deepEqual(set.body.properties.assignmentRestrictions, { providers: ['Microsoft.Compute/virtualMachines'] });
  });
});
