// Resource providers, preview features and operations lists through the official clients
// (@azure/arm-resources' providers and operations, @azure/arm-features, each RP's operations.list) and
// raw HTTPS, against a started server: what is listed is derived from Kiln's own type and route tables,
// registration is per subscription and persisted, and an unregistered namespace refuses writes (409
// MissingSubscriptionRegistration) but not reads.
import { ComputeManagementClient } from '@azure/arm-compute';
import { FeatureClient } from '@azure/arm-features';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient, type Provider } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/core-auth';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { RESOURCE_TYPES } from '../../src/domain/resource-types.ts';
import { fillScope } from '../../src/http/arm/route-action.ts';
import { armRefusal } from '../support/arm-refusal.ts';
import { armRoutes } from '../support/arm-routes.ts';
import { principalCredential, startTestServer, type TestServer } from '../support/test-server.ts';

/** Every page of a paged SDK list. */
async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}

describe('providers, features and operations lists', () => {
  let kiln: TestServer;
  let sub: string;
  const other = randomUUID();
  let resources: ResourceManagementClient;
  let compute: ComputeManagementClient;
  let features: FeatureClient;
  const fast = { updateIntervalInMs: 50 };

  const tokenOf = async (credential: TokenCredential) =>
    (await credential.getToken('https://management.azure.com/.default'))!.token;
  const get = async (path: string, credential: TokenCredential = kiln.credential) => {
    const response = await fetch(`${kiln.url}${path}`, {
      headers: { authorization: `Bearer ${await tokenOf(credential)}` },
    });
    return {
      status: response.status,
      body: (await response.json()) as { value: { name: string; isDataAction: boolean }[]; error: { code: string } },
    };
  };

  before(async () => {
    kiln = await startTestServer({
      config: {
        subscriptions: [
          { id: randomUUID(), displayName: 'Kiln' },
          { id: other, displayName: 'Other' },
        ],
      },
    });
    sub = kiln.subscriptionId;
    resources = new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    compute = new ComputeManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    features = new FeatureClient(kiln.credential, sub, { endpoint: kiln.url });
    await resources.resourceGroups.createOrUpdate('images', { location: 'westus' });
  });
  after(() => kiln.stop());

  it('lists every namespace Kiln serves with its types, api-versions and locations, all Registered', async () => {
    const providers = await all(resources.providers.list());
    const namespaces = new Set(RESOURCE_TYPES.map((t) => t.type.split('/')[0]));
    assert.deepEqual(new Set(providers.map((p) => p.namespace)), namespaces);
    for (const provider of providers) {
      assert.equal(provider.id, `/subscriptions/${sub}/providers/${provider.namespace}`);
      assert.equal(provider.registrationState, 'Registered');
    }
    // Every descriptor's type is listed in its namespace, with every api-version its routes accept, newest first.
    const byNamespace = new Map(providers.map((p) => [p.namespace!, p]));
    for (const descriptor of RESOURCE_TYPES) {
      const [namespace, ...rest] = descriptor.type.split('/');
      const listed = byNamespace.get(namespace)!.resourceTypes!.find((t) => t.resourceType === rest.join('/'));
      assert.ok(listed, `${descriptor.type} is listed`);
      for (const version of descriptor.apiVersions) assert.ok(listed.apiVersions!.includes(version));
      assert.deepEqual(listed.apiVersions, [...listed.apiVersions!].sort().reverse());
    }
    const computeTypes = byNamespace.get('Microsoft.Compute')!.resourceTypes!;
    const vms = computeTypes.find((t) => t.resourceType === 'virtualMachines')!;
    assert.deepEqual(vms.locations, [
      'East US',
      'East US 2',
      'West Central US',
      'West US',
      'West US 2',
      'South Central US',
    ]);
    assert.equal(vms.capabilities, 'SupportsTags, SupportsLocation');
    assert.doesNotMatch(vms.defaultApiVersion!, /preview/);
    assert.equal(
      vms.defaultApiVersion,
      vms.apiVersions!.find((v) => !v.includes('preview')),
    );
    assert.equal(computeTypes.find((t) => t.resourceType === 'locations/operations')!.locations!.length, 6);
    assert.deepEqual(computeTypes.find((t) => t.resourceType === 'operations')!.locations, []);
    assert.ok(computeTypes.some((t) => t.resourceType === 'galleries/images/versions'));
    // The Microsoft.Resources provider lists providers themselves, and what ARM serves needs no registration.
    const resourcesProvider = byNamespace.get('Microsoft.Resources')!;
    assert.equal(resourcesProvider.registrationPolicy, 'RegistrationFree');
    assert.ok(resourcesProvider.resourceTypes!.some((t) => t.resourceType === 'subscriptions/providers'));
    assert.equal(byNamespace.get('Microsoft.Compute')!.registrationPolicy, 'RegistrationRequired');
    // $top, as api-versions before 2021 send it.
    const top = await get(`/subscriptions/${sub}/providers?api-version=2019-10-01&$top=2`);
    assert.equal(top.body.value.length, 2);
  });

  it('gets one provider in any case, its resource types, and the tenant-level view', async () => {
    const provider: Provider = await resources.providers.get('microsoft.virtualmachineimages');
    assert.equal(provider.namespace, 'Microsoft.VirtualMachineImages');
    assert.deepEqual(provider.resourceTypes!.map((t) => t.resourceType).sort(), [
      'imageTemplates',
      'imageTemplates/runOutputs',
      'imageTemplates/triggers',
      'locations/operations',
      'operations',
    ]);
    const { value: types } = await resources.providerResourceTypes.list('Microsoft.VirtualMachineImages');
    assert.deepEqual(types, provider.resourceTypes);
    const tenant = await resources.providers.getAtTenantScope('Microsoft.Network');
    assert.equal(tenant.id, '/providers/Microsoft.Network');
    assert.equal(tenant.registrationState, undefined);
    assert.ok((await all(resources.providers.listAtTenantScope())).some((p) => p.namespace === 'Microsoft.Features'));
    await assert.rejects(
      resources.providers.get('Microsoft.Storage'),
      armRefusal(404, 'InvalidResourceNamespace', /The resource namespace 'Microsoft\.Storage' is invalid/),
    );
    await assert.rejects(
      resources.providers.register('Microsoft.Storage'),
      armRefusal(404, 'InvalidResourceNamespace'),
    );
  });

  it('unregisters per subscription: writes of the namespace are refused 409, reads and other namespaces go on, until registered again', async () => {
    const unregistered = await resources.providers.unregister('Microsoft.Compute');
    assert.equal(unregistered.registrationState, 'Unregistered');
    assert.equal((await resources.providers.get('Microsoft.Compute')).registrationState, 'Unregistered');
    // The other subscription is untouched.
    const otherResources = new ResourceManagementClient(kiln.credential, other, { endpoint: kiln.url });
    assert.equal((await otherResources.providers.get('Microsoft.Compute')).registrationState, 'Registered');

    await assert.rejects(
      compute.galleries.beginCreateOrUpdateAndWait('images', 'shelf', { location: 'westus' }, fast),
      armRefusal(
        409,
        'MissingSubscriptionRegistration',
        /^The subscription is not registered to use namespace 'Microsoft\.Compute'\. See https:\/\/aka\.ms\/rps-not-found/,
      ),
    );
    // A POST action too, and the details name the namespace as clients' automatic registration reads it.
    const post = await fetch(
      `${kiln.url}/subscriptions/${sub}/resourceGroups/images/providers/Microsoft.Compute/disks/d/beginGetAccess?api-version=2024-03-02`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${await tokenOf(kiln.credential)}`, 'content-type': 'application/json' },
        body: '{"access":"Read","durationInSeconds":60}',
      },
    );
    assert.equal(post.status, 409);
    assert.deepEqual((await post.json()).error.details, [
      {
        code: 'MissingSubscriptionRegistration',
        target: 'Microsoft.Compute',
        message: `The subscription is not registered to use namespace 'Microsoft.Compute'. See https://aka.ms/rps-not-found for how to register subscriptions.`,
      },
    ]);
    // Reads still answer; Microsoft.Resources and Microsoft.Network writes still pass.
    assert.deepEqual(await all(compute.galleries.listByResourceGroup('images')), []);
    await resources.resourceGroups.createOrUpdate('still', { location: 'westus' });
    const network = new NetworkManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    await network.networkSecurityGroups.beginCreateOrUpdateAndWait('images', 'nsg', { location: 'westus' }, fast);
    // Kept across a restart of the server.
    await kiln.stop({ keepData: true });
    kiln = await startTestServer({ dataDir: kiln.dataDir });
    resources = new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    compute = new ComputeManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    features = new FeatureClient(kiln.credential, sub, { endpoint: kiln.url });
    assert.equal((await resources.providers.get('Microsoft.Compute')).registrationState, 'Unregistered');

    assert.equal((await resources.providers.register('Microsoft.Compute')).registrationState, 'Registered');
    const gallery = await compute.galleries.beginCreateOrUpdateAndWait('images', 'shelf', { location: 'westus' }, fast);
    assert.equal(gallery.provisioningState, 'Succeeded');
  });

  it('takes the namespace register action at the subscription, and lets any member read providers', async () => {
    const group = `/subscriptions/${sub}/resourceGroups/images`;
    const contributor = await principalCredential(kiln, 'group contributor', 'Contributor', group);
    const theirs = new ResourceManagementClient(contributor, sub, { endpoint: kiln.url });
    assert.equal((await theirs.providers.get('Microsoft.Compute')).registrationState, 'Registered');
    assert.equal(
      (await all(theirs.providers.list())).length,
      new Set(RESOURCE_TYPES.map((t) => t.type.split('/')[0])).size,
    );
    await assert.rejects(
      theirs.providers.unregister('microsoft.compute'),
      armRefusal(
        403,
        'AuthorizationFailed',
        /'Microsoft\.Compute\/unregister\/action' over scope '\/subscriptions\/[^/']+'/i,
      ),
    );
    const reader = await principalCredential(kiln, 'subscription reader', 'Reader', `/subscriptions/${sub}`);
    await assert.rejects(
      new ResourceManagementClient(reader, sub, { endpoint: kiln.url }).providers.register('Microsoft.Network'),
      armRefusal(403, 'AuthorizationFailed', /'Microsoft\.Network\/register\/action'/),
    );
    // Access in another subscription only: this one's providers are not shown.
    const elsewhere = await principalCredential(kiln, 'elsewhere', 'Reader', `/subscriptions/${other}`);
    const refused = await get(`/subscriptions/${sub}/providers/Microsoft.Compute?api-version=2021-04-01`, elsewhere);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'AuthorizationFailed');
  });

  it('registers, shows, lists and unregisters preview features with @azure/arm-features', async () => {
    const before = await features.features.get('Microsoft.Compute', 'EncryptionAtHost');
    assert.deepEqual(before, {
      id: `/subscriptions/${sub}/providers/Microsoft.Features/providers/Microsoft.Compute/features/EncryptionAtHost`,
      name: 'Microsoft.Compute/EncryptionAtHost',
      type: 'Microsoft.Features/providers/features',
      properties: { state: 'NotRegistered' },
    });
    const registered = await features.features.register('microsoft.compute', 'EncryptionAtHost');
    assert.equal(registered.name, 'Microsoft.Compute/EncryptionAtHost');
    assert.equal(registered.properties?.state, 'Registered');
    await features.features.register('Microsoft.VirtualMachineImages', 'Triggers');
    assert.equal(
      (await features.features.get('Microsoft.Compute', 'encryptionathost')).properties?.state,
      'Registered',
    );
    assert.deepEqual(
      (await all(features.features.listAll())).map((f) => [f.name, f.properties?.state]),
      [
        ['Microsoft.Compute/EncryptionAtHost', 'Registered'],
        ['Microsoft.VirtualMachineImages/Triggers', 'Registered'],
      ],
    );
    assert.deepEqual(
      (await all(features.features.list('Microsoft.VirtualMachineImages'))).map((f) => f.name),
      ['Microsoft.VirtualMachineImages/Triggers'],
    );
    assert.equal(
      (await features.features.unregister('Microsoft.Compute', 'EncryptionAtHost')).properties?.state,
      'Unregistered',
    );
    // Per subscription.
    const elsewhere = new FeatureClient(kiln.credential, other, { endpoint: kiln.url });
    assert.deepEqual(await all(elsewhere.features.listAll()), []);
    await assert.rejects(
      features.features.register('Microsoft.Storage', 'Thing'),
      armRefusal(404, 'InvalidResourceNamespace'),
    );
    await assert.rejects(
      features.features.register('Microsoft.Compute', 'bad name!'),
      armRefusal(400, 'InvalidFeatureName', /'bad name!'/),
    );
  });

  it('shows the same registrations as subscription feature registrations', async () => {
    const registrations = features.subscriptionFeatureRegistrations;
    const made = await registrations.createOrUpdate('Microsoft.Network', 'AllowBastion', {
      subscriptionFeatureRegistrationType: { properties: { description: 'for tests', metadata: { team: 'images' } } },
    });
    assert.equal(
      made.id,
      `/subscriptions/${sub}/providers/Microsoft.Features/featureProviders/Microsoft.Network/subscriptionFeatureRegistrations/AllowBastion`,
    );
    assert.equal(made.properties?.state, 'Registered');
    assert.equal(made.properties?.providerNamespace, 'Microsoft.Network');
    assert.equal(made.properties?.subscriptionId, sub);
    assert.equal(made.properties?.tenantId, kiln.tenantId);
    assert.equal(made.properties?.description, 'for tests');
    assert.deepEqual(made.properties?.metadata, { team: 'images' });
    assert.equal(made.properties?.approvalType, 'AutoApproval');
    assert.ok(made.properties?.registrationDate instanceof Date);
    assert.equal((await features.features.get('Microsoft.Network', 'AllowBastion')).properties?.state, 'Registered');
    assert.equal((await registrations.get('Microsoft.Compute', 'EncryptionAtHost')).properties?.state, 'Unregistered');
    assert.deepEqual(
      (await all(registrations.listBySubscription('Microsoft.Network'))).map((r) => r.name),
      ['AllowBastion'],
    );
    assert.deepEqual(
      (await all(registrations.listAllBySubscription())).map((r) => `${r.properties?.providerNamespace}/${r.name}`),
      [
        'Microsoft.Compute/EncryptionAtHost',
        'Microsoft.Network/AllowBastion',
        'Microsoft.VirtualMachineImages/Triggers',
      ],
    );
    await registrations.delete('Microsoft.Network', 'AllowBastion');
    assert.equal((await features.features.get('Microsoft.Network', 'AllowBastion')).properties?.state, 'NotRegistered');
    await assert.rejects(
      registrations.createOrUpdate('Microsoft.Network', 'AllowBastion', {
        subscriptionFeatureRegistrationType: { properties: { description: 'x'.repeat(1001) } },
      }),
      armRefusal(400, 'InvalidParameter', /properties\.description/),
    );
  });

  it("lists each namespace's operations, exactly the actions of the routes it serves, to any signed-in caller", async () => {
    // The actions of every route, as the server derives them (a provider's `{namespace}` filled in).
    const actions = new Set((await armRoutes(kiln)).map((route) => route.access.action));
    const expected = (namespace: string) =>
      new Set(
        [...actions]
          .map((action) => fillScope(action, { namespace }))
          .filter((action) => action.toLowerCase().startsWith(`${namespace.toLowerCase()}/`) && !action.includes(':')),
      );

    const lists = {
      'Microsoft.Compute': await all(compute.operations.list()),
      'Microsoft.VirtualMachineImages': await all(
        new ImageBuilderClient(kiln.credential, sub, { endpoint: kiln.url }).operations.list(),
      ),
      'Microsoft.Network': await all(
        new NetworkManagementClient(kiln.credential, sub, { endpoint: kiln.url }).operations.list(),
      ),
      'Microsoft.Resources': await all(resources.operations.list()),
      'Microsoft.Features': await all(features.listOperations()),
    };
    for (const [namespace, list] of Object.entries(lists)) {
      assert.deepEqual(new Set(list.map((o) => o.name)), expected(namespace), namespace);
      assert.equal(list.length, expected(namespace).size, `${namespace}: no duplicates`);
    }
    const names = lists['Microsoft.Compute'].map((o) => o.name);
    for (const action of [
      'Microsoft.Compute/register/action',
      'Microsoft.Compute/unregister/action',
      'Microsoft.Compute/virtualMachines/write',
      'Microsoft.Compute/galleries/images/versions/delete',
      'Microsoft.Compute/disks/beginGetAccess/action',
      'Microsoft.Compute/locations/operations/read',
      'Microsoft.Compute/operations/read',
    ])
      assert.ok(names.includes(action), action);
    assert.ok(lists['Microsoft.Resources'].some((o) => o.name === 'Microsoft.Resources/subscriptions/providers/read'));
    assert.ok(
      lists['Microsoft.Features'].some((o) => o.name === 'Microsoft.Features/providers/features/register/action'),
    );
    const version = lists['Microsoft.Compute'].find(
      (o) => o.name === 'Microsoft.Compute/galleries/images/versions/write',
    )!;
    assert.deepEqual(version.display, {
      provider: 'Microsoft Compute',
      resource: 'Gallery Image Versions',
      operation: 'Create or Update Gallery Image Version',
      description: 'Creates or updates Gallery Image Versions.',
    });
    assert.equal(version.origin, 'user,system');

    // Plain HTTPS, as a principal with no role anywhere.
    const nobody = await kiln.server.kiln.createServicePrincipal('nobody');
    const { ClientSecretCredential } = await import('@azure/identity');
    const nobodyCredential = new ClientSecretCredential(nobody.tenant, nobody.appId, nobody.password, {
      authorityHost: kiln.url,
      disableInstanceDiscovery: true,
    });
    const listed = await get(
      '/providers/Microsoft.VirtualMachineImages/operations?api-version=2022-02-14',
      nobodyCredential,
    );
    assert.equal(listed.status, 200);
    assert.ok(
      listed.body.value.some(
        (o: { name: string; isDataAction: boolean }) =>
          o.name === 'Microsoft.VirtualMachineImages/imageTemplates/run/action' && o.isDataAction === false,
      ),
    );
    const notServed = await get('/providers/Microsoft.Storage/operations?api-version=2023-01-01', nobodyCredential);
    assert.equal(notServed.status, 404);
  });
});
