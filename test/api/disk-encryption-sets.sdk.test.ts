// Disk encryption sets, one rule (src/domain/disks/encryption-sets.ts) through @azure/arm-compute:
// Kiln serves no Microsoft.Compute/diskEncryptionSets, so every field naming one is refused with a 400
// at its own path and nothing is made, on disks, snapshots, managed images and a gallery version's
// targetRegions[].encryption alike; what needs no set (the platform key, a confidential type
// encrypted with the platform key, a data disk's LUN) is kept and read back.
import { ComputeManagementClient } from '@azure/arm-compute';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { armRefusal, fieldRefusals } from '../support/arm-refusal.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { linuxDefinition } from '../support/gallery-image.ts';
import { startComputeServer } from '../support/compute-test-server.ts';
import type { TestServer } from '../support/test-server.ts';

const rg = 'des';
const { policy: recordErrors, refusedAt } = fieldRefusals();

describe('disk encryption sets: one rule for disks, snapshots, images and gallery versions', () => {
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  let des: string;
  let imageId: string;
  const fast = { updateIntervalInMs: 50 };

  before(async () => {
    ({ kiln, compute } = await startComputeServer(rg, recordErrors));
    des = `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/diskEncryptionSets/keys`;
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/des.vhd', makeVhd(20, 'des'));
    imageId = (
      await compute.images.beginCreateOrUpdateAndWait(
        rg,
        'source',
        { location: 'westus', storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } } },
        fast,
      )
    ).id!;
    await compute.galleries.beginCreateOrUpdateAndWait(rg, 'gal', { location: 'westus' }, fast);
    await compute.galleryImages.beginCreateOrUpdateAndWait(rg, 'gal', 'def', linuxDefinition('westus'), fast);
  });
  after(() => kiln.stop());

  /** The refusal of a named set at `path`, whose message says why. */
  const refusedSet = (path: string) => (error: { message: string; statusCode?: number; code?: string }) => {
    refusedAt(path)(error);
    assert.match(error.message, /serves no disk encryption sets/);
    return true;
  };

  it('refuses a disk’s and a snapshot’s set at its path, on create and update, and keeps the platform key', async () => {
    const empty = { location: 'westus', diskSizeGB: 1, creationData: { createOption: 'Empty' as const } };
    await assert.rejects(
      compute.disks.createOrUpdate(rg, 'cmk', { ...empty, encryption: { diskEncryptionSetId: des } }),
      refusedSet('properties.encryption.diskEncryptionSetId'),
    );
    await assert.rejects(compute.disks.get(rg, 'cmk'), armRefusal(404, 'ResourceNotFound'));
    await assert.rejects(
      compute.disks.createOrUpdate(rg, 'confidential', {
        ...empty,
        securityProfile: {
          securityType: 'ConfidentialVM_DiskEncryptedWithPlatformKey',
          secureVMDiskEncryptionSetId: des,
        },
      }),
      refusedSet('properties.securityProfile.secureVMDiskEncryptionSetId'),
    );
    const disk = await compute.disks.createOrUpdate(rg, 'pmk', {
      ...empty,
      encryption: { type: 'EncryptionAtRestWithPlatformKey' },
    });
    assert.equal(disk.encryption?.type, 'EncryptionAtRestWithPlatformKey');
    await assert.rejects(
      compute.disks.update(rg, 'pmk', { encryption: { diskEncryptionSetId: des } }),
      refusedSet('properties.encryption.diskEncryptionSetId'),
    );
    assert.equal((await compute.disks.get(rg, 'pmk')).encryption?.diskEncryptionSetId, undefined);
    await assert.rejects(
      compute.snapshots.createOrUpdate(rg, 'snap', { ...empty, encryption: { diskEncryptionSetId: des } }),
      refusedSet('properties.encryption.diskEncryptionSetId'),
    );
    await compute.snapshots.createOrUpdate(rg, 'snap', empty);
    await assert.rejects(
      compute.snapshots.update(rg, 'snap', { encryption: { diskEncryptionSetId: des } }),
      refusedSet('properties.encryption.diskEncryptionSetId'),
    );
  });

  it('refuses an image disk’s set at its path (OS and data disks), and makes no image', async () => {
    const source = (await compute.images.get(rg, 'source')).storageProfile!.osDisk!;
    const osDisk = { osType: 'Linux' as const, osState: 'Generalized' as const, blobUri: source.blobUri };
    await assert.rejects(
      compute.images.createOrUpdate(rg, 'encrypted', {
        location: 'westus',
        storageProfile: { osDisk: { ...osDisk, diskEncryptionSet: { id: des } } },
      }),
      refusedSet('properties.storageProfile.osDisk.diskEncryptionSet.id'),
    );
    await assert.rejects(
      compute.images.createOrUpdate(rg, 'encrypted', {
        location: 'westus',
        storageProfile: { osDisk, dataDisks: [{ lun: 0, blobUri: source.blobUri, diskEncryptionSet: { id: des } }] },
      }),
      refusedSet('properties.storageProfile.dataDisks[0].diskEncryptionSet.id'),
    );
    await assert.rejects(compute.images.get(rg, 'encrypted'), armRefusal(404, 'ResourceNotFound'));
  });

  it('refuses a gallery version’s region sets at their paths and keeps the rest of its encryption', async () => {
    const version = (encryption: Record<string, unknown>) => ({
      location: 'westus',
      storageProfile: { source: { id: imageId } },
      publishingProfile: { targetRegions: [{ name: 'westus', encryption }] },
    });
    const at = 'properties.publishingProfile.targetRegions[0].encryption';
    const refusals: Array<[Record<string, unknown>, string]> = [
      [{ osDiskImage: { diskEncryptionSetId: des } }, `${at}.osDiskImage.diskEncryptionSetId`],
      [{ dataDiskImages: [{ lun: 0, diskEncryptionSetId: des }] }, `${at}.dataDiskImages[0].diskEncryptionSetId`],
      [
        { osDiskImage: { securityProfile: { secureVMDiskEncryptionSetId: des } } },
        `${at}.osDiskImage.securityProfile.secureVMDiskEncryptionSetId`,
      ],
    ];
    for (const [encryption, path] of refusals)
      await assert.rejects(
        compute.galleryImageVersions.beginCreateOrUpdateAndWait(rg, 'gal', 'def', '1.0.0', version(encryption), fast),
        refusedSet(path),
      );
    // The confidential type that keeps its key in a set is refused with it.
    await assert.rejects(
      compute.galleryImageVersions.beginCreateOrUpdateAndWait(
        rg,
        'gal',
        'def',
        '1.0.0',
        version({ osDiskImage: { securityProfile: { confidentialVMEncryptionType: 'EncryptedWithCmk' } } }),
        fast,
      ),
      refusedAt(`${at}.osDiskImage.securityProfile.confidentialVMEncryptionType`),
    );
    await assert.rejects(compute.galleryImageVersions.get(rg, 'gal', 'def', '1.0.0'), { statusCode: 404 });
    const kept = {
      osDiskImage: { securityProfile: { confidentialVMEncryptionType: 'EncryptedWithPmk' } },
      dataDiskImages: [{ lun: 1 }],
    };
    await compute.galleryImageVersions.beginCreateOrUpdateAndWait(rg, 'gal', 'def', '1.0.0', version(kept), fast);
    const read = await compute.galleryImageVersions.get(rg, 'gal', 'def', '1.0.0');
    assert.deepEqual(JSON.parse(JSON.stringify(read.publishingProfile?.targetRegions?.[0].encryption)), kept);
  });
});
