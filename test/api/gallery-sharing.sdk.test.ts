// Gallery sharing through the newest @azure/arm-compute (25.x, GalleryRP 2025-12-03): a gallery's
// sharing profile, soft delete policy and identity stored and returned; the share action (Add, Remove,
// Reset, EnableCommunity) polled as Azure's long-running operation; and the sharedGalleries and
// communityGalleries views seen by principals of another subscription who hold no role on the gallery.
import { ComputeManagementClient } from '@azure/arm-compute-25';
import type { ClientSecretCredential } from '@azure/identity';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { findServicePrincipalByObjectId } from '../../src/domain/identity/service-principals.ts';
import { armCaller, type ArmCall } from '../support/arm-call.ts';
import { armRefusal } from '../support/arm-refusal.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { principalCredential, startTestServer, type TestServer } from '../support/test-server.ts';

const API = '2025-12-03';

describe('gallery sharing with @azure/arm-compute 25', () => {
  const publisher = randomUUID();
  const consumer = randomUUID();
  const rg = 'share-rg';
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  /** Reader of the consumer subscription: no role anywhere in the publisher's. */
  let reader: ComputeManagementClient;
  /** Reader of one group of the consumer subscription only. */
  let groupReader: ComputeManagementClient;
  let call: ArmCall;
  let admin: string;
  let uniqueName: string;
  const fast = { updateIntervalInMs: 50 };
  const gallery = `/subscriptions/${publisher}/resourceGroups/${rg}/providers/Microsoft.Compute/galleries`;
  const client = (credential: ClientSecretCredential, subscription: string) =>
    new ComputeManagementClient(credential, subscription, { endpoint: kiln.url });
  const list = async <T>(pages: AsyncIterable<T>) => {
    const all: T[] = [];
    for await (const item of pages) all.push(item);
    return all;
  };

  before(async () => {
    kiln = await startTestServer({
      config: {
        subscriptions: [
          { id: publisher, displayName: 'Publisher' },
          { id: consumer, displayName: 'Consumer' },
        ],
      },
      lroWaitMs: 200,
    });
    call = armCaller(kiln, API);
    admin = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    compute = client(kiln.credential, publisher);
    const resources = (subscription: string) =>
      new ResourceManagementClient(kiln.credential, subscription, { endpoint: kiln.url });
    await resources(publisher).resourceGroups.createOrUpdate(rg, { location: 'westus' });
    await resources(consumer).resourceGroups.createOrUpdate('consumer-rg', { location: 'westus' });
    reader = client(
      await principalCredential(kiln, 'consumer reader', 'Reader', `/subscriptions/${consumer}`),
      consumer,
    );
    groupReader = client(
      await principalCredential(
        kiln,
        'group reader',
        'Reader',
        `/subscriptions/${consumer}/resourceGroups/consumer-rg`,
      ),
      consumer,
    );
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/share.vhd', makeVhd(4, 'share-base'));
    const image = await compute.images.createOrUpdate(rg, 'base', {
      location: 'westus',
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
    });
    const made = await compute.galleries.createOrUpdate(rg, 'shelf', {
      location: 'westus',
      sharingProfile: { permissions: 'Groups' },
      softDeletePolicy: { isSoftDeleteEnabled: true },
    });
    uniqueName = made.identifier!.uniqueName!;
    await compute.galleryImages.createOrUpdate(rg, 'shelf', 'debian', {
      location: 'westus',
      osType: 'Linux',
      osState: 'Generalized',
      hyperVGeneration: 'V2',
      identifier: { publisher: 'kiln', offer: 'debian', sku: '13' },
      eula: 'https://example.com/eula',
    });
    await compute.galleryImageVersions.createOrUpdate(
      rg,
      'shelf',
      'debian',
      '1.0.0',
      {
        location: 'westus',
        publishingProfile: { targetRegions: [{ name: 'westus' }, { name: 'eastus' }] },
        storageProfile: { source: { id: image.id } },
      },
      fast,
    );
  });
  after(() => kiln.stop());

  it('stores and returns the sharing profile, soft delete policy and identity; refuses bad ones at their field', async () => {
    const read = await compute.galleries.get(rg, 'shelf');
    assert.equal(read.sharingProfile?.permissions, 'Groups');
    assert.deepEqual(read.sharingProfile?.groups, []);
    assert.deepEqual(read.softDeletePolicy, { isSoftDeleteEnabled: true });

    const identity = await call(
      admin,
      'PUT',
      `/subscriptions/${publisher}/resourceGroups/${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/publisher?api-version=2023-01-31`,
      { location: 'westus' },
    );
    assert.equal(identity.status, 201, JSON.stringify(identity.body));
    const withIdentity = await compute.galleries.update(rg, 'shelf', {
      identity: { type: 'UserAssigned', userAssignedIdentities: { [identity.body.id]: {} } },
    });
    assert.equal(withIdentity.identity?.type, 'UserAssigned');
    assert.deepEqual(withIdentity.identity?.userAssignedIdentities?.[identity.body.id], {
      principalId: identity.body.properties.principalId,
      clientId: identity.body.properties.clientId,
    });
    assert.equal((await compute.galleries.get(rg, 'shelf')).identity?.type, 'UserAssigned', 'kept by GET');
    assert.equal((await compute.galleries.get(rg, 'shelf')).sharingProfile?.permissions, 'Groups', 'kept by PATCH');

    // A system-assigned identity is a principal of the gallery's own, gone when the gallery stops asking for it.
    const both = await compute.galleries.update(rg, 'shelf', {
      identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [identity.body.id]: {} } },
    });
    const principalId = both.identity?.principalId;
    assert.equal(both.identity?.tenantId, kiln.tenantId);
    assert.ok((await findServicePrincipalByObjectId(kiln.server.kiln.store, principalId!))?.appId);
    const same = await compute.galleries.update(rg, 'shelf', { identity: { type: 'SystemAssigned' } });
    assert.equal(same.identity?.principalId, principalId, 'kept while asked for');
    assert.equal(same.identity?.userAssignedIdentities, undefined);
    const userOnly = await compute.galleries.update(rg, 'shelf', {
      identity: { type: 'UserAssigned', userAssignedIdentities: { [identity.body.id]: {} } },
    });
    assert.equal(userOnly.identity?.principalId, undefined);
    assert.equal(await findServicePrincipalByObjectId(kiln.server.kiln.store, principalId!), undefined);
    const temporary = await compute.galleries.createOrUpdate(rg, 'temporary', {
      location: 'westus',
      identity: { type: 'SystemAssigned' },
    });
    await compute.galleries.delete(rg, 'temporary');
    assert.equal(
      await findServicePrincipalByObjectId(kiln.server.kiln.store, temporary.identity!.principalId!),
      undefined,
      'deleted with its gallery',
    );

    const refusedAt = async (body: unknown, target: string, status = 400) => {
      const answer = await call(admin, 'PUT', `${gallery}/refused`, body);
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      assert.equal(answer.body.error.target, target, answer.body.error.message);
    };
    await refusedAt(
      { location: 'westus', properties: { sharingProfile: { permissions: 'Everyone' } } },
      'properties.sharingProfile.permissions',
    );
    await refusedAt(
      { location: 'westus', properties: { sharingProfile: { permissions: 'Community' } } },
      'properties.sharingProfile.communityGalleryInfo',
    );
    await refusedAt(
      {
        location: 'westus',
        properties: {
          sharingProfile: {
            permissions: 'Community',
            communityGalleryInfo: { publisherUri: 'https://example.com', eula: 'eula', publicNamePrefix: 'kiln' },
          },
        },
      },
      'properties.sharingProfile.communityGalleryInfo.publisherContact',
    );
    await refusedAt({ location: 'westus', identity: { type: 'Everything' } }, 'identity.type');
    await refusedAt({ location: 'westus', identity: { type: 'UserAssigned' } }, 'identity.userAssignedIdentities');
    await refusedAt(
      { location: 'westus', properties: { softDeletePolicy: { isSoftDeleteEnabled: 'yes' } } },
      'properties.softDeletePolicy.isSoftDeleteEnabled',
    );
    // The gallery model has softDeletePolicy from 2021-07-01 on.
    const old = await call(admin, 'PUT', `${gallery}/refused?api-version=2020-09-30`, {
      location: 'westus',
      properties: { softDeletePolicy: { isSoftDeleteEnabled: true } },
    });
    assert.equal(old.status, 400);
    assert.equal(old.body.error.target, 'properties.softDeletePolicy.isSoftDeleteEnabled');
    assert.equal((await call(admin, 'GET', `${gallery}/refused`)).status, 404, 'nothing half-made');
  });

  it('adds and removes subscriptions and tenants through the share action, polled to its result', async () => {
    const added = await compute.gallerySharingProfile.update(
      rg,
      'shelf',
      {
        operationType: 'Add',
        groups: [
          { type: 'Subscriptions', ids: [consumer, randomUUID()] },
          { type: 'AADTenants', ids: [kiln.tenantId] },
        ],
      },
      fast,
    );
    assert.equal(added.operationType, 'Add');
    const removed = await compute.gallerySharingProfile.update(
      rg,
      'shelf',
      { operationType: 'Remove', groups: [{ type: 'AADTenants', ids: [kiln.tenantId] }] },
      fast,
    );
    assert.equal(removed.operationType, 'Remove');
    const shared = await compute.galleries.get(rg, 'shelf', { expand: 'SharingProfile/Groups' });
    assert.deepEqual(
      shared.sharingProfile?.groups?.map((g) => [g.type, g.ids?.includes(consumer)]),
      [['Subscriptions', true]],
    );
    assert.equal(shared.sharingStatus?.aggregatedState, 'Succeeded');

    // Sharing takes Microsoft.Compute/galleries/share/action: a Compute Gallery Sharing Admin of the
    // gallery shares (and polls its operation) with no read on it, a Reader does not share.
    const asRole = async (role: string) =>
      client(await principalCredential(kiln, role, role, `${gallery}/shelf`), publisher).gallerySharingProfile;
    const sharingAdmin = await asRole('Compute Gallery Sharing Admin');
    const update = { operationType: 'Add', groups: [{ type: 'Subscriptions', ids: [consumer] }] };
    assert.equal((await sharingAdmin.update(rg, 'shelf', update, fast)).operationType, 'Add');
    await assert.rejects(
      (await asRole('Reader')).update(rg, 'shelf', update, fast),
      armRefusal(403, 'AuthorizationFailed', /galleries\/share\/action/),
    );
    const share = (body: unknown) => call(admin, 'POST', `${gallery}/shelf/share`, body);
    // As Azure answers: 202 with the update, and where to poll it (the SDK polled above).
    const raw = await fetch(`${kiln.url}${gallery}/shelf/share?api-version=${API}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ operationType: 'Add', groups: [{ type: 'Subscriptions', ids: [consumer] }] }),
    });
    assert.equal(raw.status, 202);
    assert.deepEqual(await raw.json(), { operationType: 'Add', groups: [{ type: 'Subscriptions', ids: [consumer] }] });
    assert.ok(raw.headers.get('azure-asyncoperation'));
    const result = await call(
      admin,
      'GET',
      new URL(raw.headers.get('location')!).pathname + new URL(raw.headers.get('location')!).search,
    );
    assert.deepEqual([result.status, result.body.operationType], [200, 'Add']);
    const bad = await share({ operationType: 'Add', groups: [{ type: 'Subscriptions', ids: ['not-a-guid'] }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.target, 'groups[0].ids[0]');
    const none = await share({ operationType: 'Add' });
    assert.equal(none.body.error.target, 'groups');
    const community = await share({ operationType: 'EnableCommunity' });
    assert.equal(community.status, 409, 'EnableCommunity needs permission Community');
    assert.equal(community.body.error.target, 'operationType');
    // The permission of a shared gallery does not change before a Reset.
    await assert.rejects(
      compute.galleries.update(rg, 'shelf', { sharingProfile: { permissions: 'Private' } }),
      armRefusal(409, 'OperationNotAllowed', /Reset/),
    );
  });

  it('shows a gallery shared with a subscription to its readers, who hold no role on the gallery', async () => {
    const galleries = await list(reader.sharedGalleries.list('westus'));
    assert.deepEqual(
      galleries.map((g) => [g.name, g.uniqueId]),
      [[uniqueName, `/SharedGalleries/${uniqueName}`]],
    );
    const images = await list(reader.sharedGalleryImages.list('westus', uniqueName));
    assert.deepEqual(
      images.map((i) => [i.name, i.osType, i.hyperVGeneration, i.identifier?.sku, i.eula]),
      [['debian', 'Linux', 'V2', '13', 'https://example.com/eula']],
    );
    const version = await reader.sharedGalleryImageVersions.get('eastus', uniqueName, 'debian', '1.0.0');
    assert.equal(version.uniqueId, `/SharedGalleries/${uniqueName}/Images/debian/Versions/1.0.0`);
    assert.equal(version.storageProfile?.osDiskImage?.diskSizeGB, 1);
    assert.equal(version.excludeFromLatest, false);
    assert.deepEqual(
      (await list(reader.sharedGalleryImageVersions.list('westus', uniqueName, 'debian'))).map((v) => v.name),
      ['1.0.0'],
    );
    // Not replicated to westus2: nothing of it there.
    assert.deepEqual(await list(reader.sharedGalleries.list('westus2')), []);
    // Shared with the subscription, not (any more) with the tenant.
    assert.deepEqual(await list(reader.sharedGalleries.list('westus', { sharedTo: 'tenant' })), []);
    // The gallery itself stays theirs: sharing grants no role on it.
    const direct = client(
      await principalCredential(kiln, 'another reader', 'Reader', `/subscriptions/${consumer}`),
      publisher,
    );
    await assert.rejects(direct.galleries.get(rg, 'shelf'), armRefusal(403, 'AuthorizationFailed'));
    // A reader of one group has no read of the subscription's shared galleries (the route's own action).
    await assert.rejects(list(groupReader.sharedGalleries.list('westus')), armRefusal(403, 'AuthorizationFailed'));
    await assert.rejects(groupReader.sharedGalleries.get('westus', uniqueName), armRefusal(403, 'AuthorizationFailed'));
  });

  it('shows a community gallery to every signed-in principal once enabled, under its public name', async () => {
    const made = await compute.galleries.createOrUpdate(rg, 'public', {
      location: 'westus',
      sharingProfile: {
        permissions: 'Community',
        communityGalleryInfo: {
          publisherUri: 'https://kiln.example',
          publisherContact: 'images@kiln.example',
          eula: 'https://kiln.example/eula',
          publicNamePrefix: 'kiln',
        },
      },
    });
    assert.equal(made.sharingProfile?.communityGalleryInfo?.communityGalleryEnabled, false);
    assert.equal(made.sharingProfile?.communityGalleryInfo?.publicNames, undefined);
    await compute.galleryImages.createOrUpdate(rg, 'public', 'tiny', {
      location: 'westus',
      osType: 'Linux',
      osState: 'Generalized',
      identifier: { publisher: 'kiln', offer: 'tiny', sku: '1' },
    });
    const image = await compute.images.get(rg, 'base');
    await compute.galleryImageVersions.createOrUpdate(
      rg,
      'public',
      'tiny',
      '2.0.0',
      {
        location: 'westus',
        publishingProfile: { targetRegions: [{ name: 'westus' }] },
        storageProfile: { source: { id: image.id } },
      },
      fast,
    );
    await compute.gallerySharingProfile.update(rg, 'public', { operationType: 'EnableCommunity' }, fast);
    const info = (await compute.galleries.get(rg, 'public')).sharingProfile?.communityGalleryInfo;
    assert.equal(info?.communityGalleryEnabled, true);
    assert.match(info?.publicNames?.[0] ?? '', /^kiln-[0-9a-f-]{36}$/);
    const publicName = info!.publicNames![0];

    // A reader of one group of another subscription: no role on the gallery, none at the subscription.
    const seen = await groupReader.communityGalleries.get('westus', publicName);
    assert.equal(seen.uniqueId, `/CommunityGalleries/${publicName}`);
    assert.equal(seen.communityMetadata?.publisherContact, 'images@kiln.example');
    assert.deepEqual(seen.communityMetadata?.publicNames, [publicName]);
    assert.deepEqual(
      (await list(groupReader.communityGalleryImages.list('westus', publicName))).map((i) => [i.name, i.type]),
      [['tiny', 'Microsoft.Compute/locations/communityGalleryImage']],
    );
    const version = await groupReader.communityGalleryImageVersions.get('westus', publicName, 'tiny', '2.0.0');
    assert.equal(version.uniqueId, `/CommunityGalleries/${publicName}/Images/tiny/Versions/2.0.0`);
    assert.deepEqual(
      (await list(groupReader.communityGalleryImageVersions.list('westus', publicName, 'tiny'))).map((v) => v.name),
      ['2.0.0'],
    );
    // Not a shared gallery of anyone's subscription, and a private gallery is seen by nobody.
    await assert.rejects(
      reader.sharedGalleries.get('westus', `${publisher}-PUBLIC`),
      armRefusal(404, 'ResourceNotFound'),
    );
    await compute.galleries.createOrUpdate(rg, 'private', { location: 'westus' });
    await assert.rejects(
      reader.sharedGalleries.get('westus', `${publisher}-PRIVATE`),
      armRefusal(404, 'ResourceNotFound'),
    );
    await assert.rejects(reader.communityGalleries.get('westus', 'private'), armRefusal(404, 'ResourceNotFound'));

    // A version of one's own made from it: no role on the publisher's gallery, whose version by id is refused.
    const contributor = client(
      await principalCredential(kiln, 'consumer contributor', 'Contributor', `/subscriptions/${consumer}`),
      consumer,
    );
    await contributor.galleries.createOrUpdate('consumer-rg', 'mine', { location: 'westus' });
    await contributor.galleryImages.createOrUpdate('consumer-rg', 'mine', 'tiny', {
      location: 'westus',
      osType: 'Linux',
      osState: 'Generalized',
      identifier: { publisher: 'me', offer: 'tiny', sku: '1' },
    });
    const fromCommunity = (source: Record<string, string>, name = '1.0.0') =>
      contributor.galleryImageVersions.createOrUpdate(
        'consumer-rg',
        'mine',
        'tiny',
        name,
        { location: 'westus', storageProfile: { source } },
        fast,
      );
    const communityGalleryImageId = `/CommunityGalleries/${publicName}/Images/tiny`;
    const copy = await fromCommunity({ communityGalleryImageId });
    assert.equal(copy.provisioningState, 'Succeeded');
    assert.equal(copy.storageProfile?.source?.communityGalleryImageId, communityGalleryImageId);
    assert.equal(copy.storageProfile?.osDiskImage?.sizeInGB, 1);
    await assert.rejects(
      fromCommunity({ id: `${gallery}/public/images/tiny/versions/2.0.0` }, '1.0.1'),
      armRefusal(403, 'LinkedAuthorizationFailed'),
    );
    await assert.rejects(
      fromCommunity(
        { communityGalleryImageId: `/CommunityGalleries/${publicName}/Images/tiny/Versions/9.9.9` },
        '1.0.2',
      ),
      armRefusal(404, 'NotFound'),
    );

    // Reset: private again, for everyone.
    await compute.gallerySharingProfile.update(rg, 'public', { operationType: 'Reset' }, fast);
    await assert.rejects(groupReader.communityGalleries.get('westus', publicName), armRefusal(404, 'ResourceNotFound'));
    const reset = await compute.galleries.get(rg, 'public');
    assert.equal(reset.sharingProfile?.permissions, 'Private');
    assert.equal(reset.sharingProfile?.communityGalleryInfo?.communityGalleryEnabled, false);
  });

  it('stops showing a gallery to a subscription removed from its groups, and shows one shared with the tenant', async () => {
    await compute.gallerySharingProfile.update(
      rg,
      'shelf',
      { operationType: 'Remove', groups: [{ type: 'Subscriptions', ids: [consumer] }] },
      fast,
    );
    assert.deepEqual(await list(reader.sharedGalleries.list('westus')), []);
    await assert.rejects(reader.sharedGalleries.get('westus', uniqueName), armRefusal(404, 'ResourceNotFound'));
    // Shared with the tenant instead: every subscription of it sees it, listed with sharedTo=tenant.
    await compute.gallerySharingProfile.update(
      rg,
      'shelf',
      { operationType: 'Add', groups: [{ type: 'AADTenants', ids: [kiln.tenantId] }] },
      fast,
    );
    assert.deepEqual(await list(reader.sharedGalleries.list('westus')), []);
    assert.deepEqual(
      (await list(reader.sharedGalleries.list('westus', { sharedTo: 'tenant' }))).map((g) => g.name),
      [uniqueName],
    );
    assert.equal((await reader.sharedGalleries.get('westus', uniqueName)).name, uniqueName);
    const badSharedTo = await call(
      admin,
      'GET',
      `/subscriptions/${consumer}/providers/Microsoft.Compute/locations/westus/sharedGalleries?sharedTo=everyone`,
    );
    assert.deepEqual([badSharedTo.status, badSharedTo.body.error.target], [400, 'sharedTo']);
    const operations = await call(admin, 'GET', '/providers/Microsoft.Compute/operations');
    const actions = (operations.body.value as Array<{ name: string }>).map((o) => o.name.toLowerCase());
    for (const action of [
      'microsoft.compute/galleries/share/action',
      'microsoft.compute/locations/sharedgalleries/images/versions/read',
      'microsoft.compute/locations/communitygalleries/read',
    ])
      assert.ok(actions.includes(action), `${action} is listed among Microsoft.Compute's operations`);
  });
});
