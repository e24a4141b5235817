// VMs from published gallery images, through the newest @azure/arm-compute (25.x): a Contributor of
// another subscription, holding no role on the publisher's galleries, boots a VM from a direct shared
// gallery's image (`imageReference.sharedGalleryImageId`, its latest version) and one from a community
// gallery's version (`communityGalleryImageId`), each shown as given with the version it resolved to
// (`exactVersion`); an image not shared with the VM's subscription is a 404 naming the field.
//
// The VMs boot the small disk that powers off on ACPI's power button (power-button-disk.ts).
import { ComputeManagementClient } from '@azure/arm-compute-25';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toFixedVhd } from '../../src/imaging/disk/disk-image.ts';
import { armRefusal } from '../support/arm-refusal.ts';
import { putRegionBlob } from '../support/disk-data.ts';
import { powerButtonDisk } from '../support/power-button-disk.ts';
import { makeReachableNetwork } from '../support/reachable-vm.ts';
import { smallVm } from '../support/small-vm.ts';
import { principalCredential, startTestServer, type TestServer } from '../support/test-server.ts';

const LOCATION = 'westus';
/** The fields the SDK's model holds a value in (it lists every field it knows, undefined or not). */
const defined = (value: object | undefined) => JSON.parse(JSON.stringify(value ?? {}));
const RG = 'publisher-rg';
const CONSUMER_RG = 'consumer-rg';

describe('VMs from shared and community gallery images', { skip: process.getuid?.() !== 0 && 'VMs need root' }, () => {
  const publisher = randomUUID();
  const consumer = randomUUID();
  const fast = { updateIntervalInMs: 100 };
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  /** Contributor of the consumer subscription only. */
  let contributor: ComputeManagementClient;
  let nicIds: Record<string, string>;
  let uniqueName: string;
  let publicName: string;

  before(async () => {
    kiln = await startTestServer({
      config: {
        subscriptions: [
          { id: publisher, displayName: 'Publisher' },
          { id: consumer, displayName: 'Consumer' },
        ],
        network: { publicIpAddressPool: '127.123.0.0/24' },
        virtualMachines: { maxCores: 2 },
      },
      lroWaitMs: 200,
    });
    compute = new ComputeManagementClient(kiln.credential, publisher, { endpoint: kiln.url });
    for (const [subscription, group] of [
      [publisher, RG],
      [consumer, CONSUMER_RG],
    ])
      await new ResourceManagementClient(kiln.credential, subscription, {
        endpoint: kiln.url,
      }).resourceGroups.createOrUpdate(group, { location: LOCATION });
    const scratch = await mkdtemp(join(tmpdir(), 'kiln-published-'));
    try {
      await toFixedVhd((await powerButtonDisk()).path, join(scratch, 'os.vhd'));
      const blobUri = await putRegionBlob(
        kiln,
        LOCATION,
        'vhds/published.vhd',
        await readFile(join(scratch, 'os.vhd')),
      );
      const image = await compute.images.createOrUpdate(RG, 'base', {
        location: LOCATION,
        hyperVGeneration: 'V1',
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
      });
      const galleries = {
        direct: { permissions: 'Groups' },
        public: {
          permissions: 'Community',
          communityGalleryInfo: {
            publisherUri: 'https://kiln.example',
            publisherContact: 'images@kiln.example',
            eula: 'https://kiln.example/eula',
            publicNamePrefix: 'kiln',
          },
        },
        private: { permissions: 'Private' },
      } as const;
      for (const [gallery, sharingProfile] of Object.entries(galleries)) {
        await compute.galleries.createOrUpdate(RG, gallery, { location: LOCATION, sharingProfile });
        await compute.galleryImages.createOrUpdate(RG, gallery, 'os', {
          location: LOCATION,
          osType: 'Linux',
          osState: 'Generalized',
          hyperVGeneration: 'V1',
          identifier: { publisher: 'kiln', offer: gallery, sku: 'power-button' },
        });
        await compute.galleryImageVersions.createOrUpdate(
          RG,
          gallery,
          'os',
          '1.0.0',
          {
            location: LOCATION,
            publishingProfile: { targetRegions: [{ name: LOCATION }] },
            storageProfile: { source: { id: image.id } },
          },
          fast,
        );
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    await compute.gallerySharingProfile.update(
      RG,
      'direct',
      { operationType: 'Add', groups: [{ type: 'Subscriptions', ids: [consumer] }] },
      fast,
    );
    await compute.gallerySharingProfile.update(RG, 'public', { operationType: 'EnableCommunity' }, fast);
    uniqueName = (await compute.galleries.get(RG, 'direct')).identifier!.uniqueName!;
    publicName = (await compute.galleries.get(RG, 'public')).sharingProfile!.communityGalleryInfo!.publicNames![0];

    const credential = await principalCredential(kiln, 'consumer', 'Contributor', `/subscriptions/${consumer}`);
    contributor = new ComputeManagementClient(credential, consumer, { endpoint: kiln.url });
    ({ nicIds } = await makeReachableNetwork(
      new NetworkManagementClient(credential, consumer, { endpoint: kiln.url }),
      { subscription: consumer, name: CONSUMER_RG, location: LOCATION },
      ['nic1', 'nic2', 'nic3'],
    ));
  });
  after(() => kiln?.stop());

  const vmFrom = (nic: string, imageReference: Record<string, string>) =>
    smallVm({ location: LOCATION, computerName: nic, nicId: nicIds[nic], imageReference });
  const power = async (name: string) =>
    (await contributor.virtualMachines.instanceView(CONSUMER_RG, name)).statuses?.find((s) =>
      s.code?.startsWith('PowerState/'),
    )?.code;

  it("boots a VM from a shared gallery's image, its latest version, with no role on the gallery", async () => {
    const sharedGalleryImageId = `/SharedGalleries/${uniqueName}/Images/os`;
    const vm = await contributor.virtualMachines.beginCreateOrUpdateAndWait(
      CONSUMER_RG,
      'shared',
      vmFrom('nic1', { sharedGalleryImageId }),
      fast,
    );
    assert.equal(vm.provisioningState, 'Succeeded');
    assert.deepEqual(defined(vm.storageProfile?.imageReference), { sharedGalleryImageId, exactVersion: '1.0.0' });
    assert.equal(await power('shared'), 'PowerState/running');
  });

  it("boots a VM from a community gallery's version", async () => {
    const communityGalleryImageId = `/CommunityGalleries/${publicName}/Images/os/Versions/1.0.0`;
    const vm = await contributor.virtualMachines.beginCreateOrUpdateAndWait(
      CONSUMER_RG,
      'community',
      vmFrom('nic2', { communityGalleryImageId }),
      fast,
    );
    assert.deepEqual(defined(vm.storageProfile?.imageReference), { communityGalleryImageId, exactVersion: '1.0.0' });
    assert.equal(await power('community'), 'PowerState/running');
  });

  it('refuses an image not shared with the subscription, and two kinds of reference at once, naming the field', async () => {
    const privateName = (await compute.galleries.get(RG, 'private')).identifier!.uniqueName!;
    await assert.rejects(
      contributor.virtualMachines.beginCreateOrUpdateAndWait(
        CONSUMER_RG,
        'refused',
        vmFrom('nic3', { sharedGalleryImageId: `/SharedGalleries/${privateName}/Images/os` }),
      ),
      armRefusal(404, 'NotFound', /The shared gallery image '\/SharedGalleries\/.+\/Images\/os' was not found/),
    );
    await assert.rejects(
      contributor.virtualMachines.beginCreateOrUpdateAndWait(
        CONSUMER_RG,
        'refused',
        vmFrom('nic3', {
          sharedGalleryImageId: `/SharedGalleries/${uniqueName}/Images/os`,
          communityGalleryImageId: `/CommunityGalleries/${publicName}/Images/os`,
        }),
      ),
      armRefusal(400, 'InvalidParameter', /Give one of 'properties\.storageProfile\.imageReference\.id'/),
    );
    await assert.rejects(contributor.virtualMachines.get(CONSUMER_RG, 'refused'), armRefusal(404, 'ResourceNotFound'));
  });
});
