// Azure's published REST API examples (test/api/spec-examples/, GalleryRP 2025-03-03, DiskRP
// 2025-01-02, ComputeRP 2024-11-01 images and VMs, ImageBuilder 2025-10-01, Network 2026-01-01,
// ManagedIdentity 2024-11-30, Authorization 2022-04-01, Resources 2025-04-01) replayed against a real server
// over HTTPS, in order, each adapted only as far as Kiln's environment demands (its subscription,
// prerequisites made first, a size it makes quickly, a name of its own where two examples would
// write the same resource). The comparison rule is in test/support/spec-example-replay.ts. CASES
// says what each example does today: passes, fails for a stated reason (a fix that makes one pass
// must move it here: an unexpected pass fails too), or is not replayed. docs/wire-fidelity.md begins
// with the table, written from CASES (KILN_WRITE_WIRE_FIDELITY=1 rewrites it; otherwise it must
// match), then one row per type Kiln serves (its cases' outcomes, or why it has none); its sections
// after the tables (from the first `## ` heading) are written by hand and kept. The VM examples
// share one small VM (the disk that powers off on ACPI's button: its create and start boot it, about
// 1.5 minutes in all) and need root, as every VM test; without root they are skipped as they run.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { READER_ROLE_ID } from '../../src/domain/authorization/built-in-roles.ts';
import { importPlatformImage } from '../../src/app/platform-images.ts';
import { RESOURCE_TYPES } from '../../src/domain/resource-types.ts';
import { armCaller } from '../support/arm-call.ts';
import { makeVhd, putRegionBlob, uploadDisk } from '../support/disk-data.ts';
import { powerButtonDisk } from '../support/power-button-disk.ts';
import { linuxDefinition } from '../support/gallery-image.ts';
import { replayExample, type Example, type Replayed } from '../support/spec-example-replay.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- examples are free-form JSON
type Json = any;

interface Case {
  /** The file under test/api/spec-examples/. */
  example: string;
  operation: string;
  /** Labels a second replay of the same file with a further adaptation. */
  variant?: string;
  /** Placeholders this example alone uses in its own sense. */
  replace?: Record<string, string>;
  /** Path parameters of its own (a resource name no other example writes). */
  params?: Record<string, string>;
  edit?: (parameters: Record<string, Json>) => void;
  /** The case (or prerequisite) that wrote what this read reads. */
  seed?: string;
  /** Why Kiln departs from the example today (the feature or field it lacks). */
  fails?: string;
  /** Why the test does not replay it. */
  skip?: string;
  /** A prerequisite made just before. */
  prepare?: (kiln: TestServer) => Promise<void>;
}

const ENCRYPTION_SETS =
  'names disk encryption sets, which Kiln refuses at their paths, as it serves none (src/domain/disks/encryption-sets.ts)';
const WINDOWS = 'Windows: the example names a Windows image; Kiln builds Linux ones only';
const VM_SOURCE = 'needs a virtual machine, which this test does not boot';

/** A Premium SSD, whose tier can change (Azure's example disk is a P10). */
async function premiumDisk(kiln: TestServer) {
  await compute(kiln).disks.createOrUpdate('myResourceGroup', 'myPremiumDisk', {
    location: 'westus',
    sku: { name: 'Premium_LRS' },
    diskSizeGB: 1,
    creationData: { createOption: 'Empty' },
  });
}

/** An incremental snapshot of the uploaded disk: what CopyStart copies. */
async function incrementalSnapshot(kiln: TestServer) {
  await compute(kiln).snapshots.createOrUpdate('myResourceGroup', 'myIncrementalSnapshot', {
    location: 'westus',
    incremental: true,
    creationData: {
      createOption: 'Copy',
      sourceResourceId: `/subscriptions/${kiln.subscriptionId}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/disks/myManagedDisk`,
    },
  });
}

/** The user-assigned identity an example names, which must exist (as in Azure). */
async function userIdentity(kiln: TestServer, rg: string, name: string) {
  const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
  const answer = await armCaller(kiln, '2023-01-31')(
    token,
    'PUT',
    `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`,
    { location: 'westus' },
  );
  assert.ok(answer.status < 300, JSON.stringify(answer.body));
}

/** A template on the latest version of a definition: what a SourceImage trigger watches. */
async function templateOnLatest(kiln: TestServer) {
  const sub = kiln.subscriptionId;
  const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
  const answer = await armCaller(kiln, '2025-10-01')(
    token,
    'PUT',
    `/subscriptions/${sub}/resourceGroups/myResourceGroup/providers/Microsoft.VirtualMachineImages/imageTemplates/myTriggeredTemplate`,
    {
      location: 'westus',
      identity: { type: 'None' },
      properties: {
        source: {
          type: 'SharedImageVersion',
          imageVersionId: `/subscriptions/${sub}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/galleries/myGalleryName/images/myGalleryImageName/versions/latest`,
        },
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      },
    },
  );
  assert.ok(answer.status < 300, JSON.stringify(answer.body));
}

const compute = (kiln: TestServer) =>
  new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });

/** A disk example's size cut to one Kiln makes at once. */
const size = (gb: number, body: string) => (p: Json) => {
  p[body].properties.diskSizeGB = gb;
};
const named = (params: Record<string, string>) => params;

const WITHOUT_SETS = 'disk encryption sets left out';
/** The resource a tags example names (a provider of its own), as one Kiln serves. */
const MY_DISK = 'myResourceGroup/providers/Microsoft.Compute/disks/myManagedDisk';

/** The example's fields naming a disk encryption set, removed (Kiln serves none). */
function stripEncryptionSets(node: Json): void {
  if (!node || typeof node !== 'object') return;
  for (const key of Object.keys(node))
    if (['diskEncryptionSetId', 'diskEncryptionSet', 'secureVMDiskEncryptionSetId'].includes(key)) delete node[key];
    else stripEncryptionSets(node[key]);
}

/**
 * An example that names disk encryption sets: as published (refused, so it fails), then replayed
 * again without them (what Kiln makes of the rest; reads of it name this variant as their seed).
 */
function withEncryptionSets(c: Case): Case[] {
  return [
    { ...c, fails: ENCRYPTION_SETS },
    {
      ...c,
      prepare: undefined, // made for the example as published, just before
      variant: WITHOUT_SETS,
      edit: (p) => {
        c.edit?.(p);
        stripEncryptionSets(p);
      },
    },
  ];
}

/** The definition examples made a Windows definition and deleted it; the versions' sources are Linux. */
async function linuxDefinitionFirst(kiln: TestServer) {
  await compute(kiln).galleryImages.createOrUpdate(
    'myResourceGroup',
    'myGalleryName',
    'myGalleryImageName',
    linuxDefinition('westus'),
  );
}

/** Values prerequisites read at run time (an identity's principal, a gallery's shared name). */
const found: Record<string, string> = {};

async function armCall(kiln: TestServer, apiVersion: string, method: string, path: string, body?: Json) {
  const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
  const answer = await armCaller(kiln, apiVersion)(token, method, `/subscriptions/${kiln.subscriptionId}${path}`, body);
  assert.ok(answer.status < 300, JSON.stringify(answer.body));
  return answer.body;
}

/** The gallery the sharing examples made, shared with Kiln's own subscription too: what it may read as shared. */
async function sharedWithUs(kiln: TestServer) {
  const gallery = '/resourceGroups/myResourceGroup/providers/Microsoft.Compute/galleries/sharedGallery';
  await armCall(kiln, '2025-03-03', 'POST', `${gallery}/share`, {
    operationType: 'Add',
    groups: [{ type: 'Subscriptions', ids: [kiln.subscriptionId] }],
  });
  found.galleryUniqueName = (await armCall(kiln, '2025-03-03', 'GET', gallery)).properties.identifier.uniqueName;
}

/** The community gallery example's gallery, made public (EnableCommunity): its public name is what a reader names. */
async function publicCommunityGallery(kiln: TestServer) {
  const gallery = '/resourceGroups/myResourceGroup/providers/Microsoft.Compute/galleries/communityGallery';
  await armCall(kiln, '2025-03-03', 'POST', `${gallery}/share`, { operationType: 'EnableCommunity' });
  const read = await armCall(kiln, '2025-03-03', 'GET', gallery);
  found.publicGalleryName = read.properties.sharingProfile.communityGalleryInfo.publicNames[0];
}

/** The principal of the identity IdentityCreate made: a service principal of Kiln's directory. */
async function identityPrincipal(kiln: TestServer) {
  const identity = '/resourceGroups/rgName/providers/Microsoft.ManagedIdentity/userAssignedIdentities/resourceName';
  found.principal = (await armCall(kiln, '2024-11-30', 'GET', identity)).properties.principalId;
}

/** The network interface NetworkInterfaceDelete deletes (the create example's own is refused): its first IP configuration. */
async function testNic(kiln: TestServer) {
  const network = `/subscriptions/${kiln.subscriptionId}/resourceGroups/rg1/providers/Microsoft.Network`;
  await armCall(
    kiln,
    '2026-01-01',
    'PUT',
    '/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/test-nic',
    {
      location: 'eastus',
      properties: {
        ipConfigurations: [
          {
            name: 'ipconfig1',
            properties: {
              publicIPAddress: { id: `${network}/publicIPAddresses/test-ip` },
              subnet: { id: `${network}/virtualNetworks/rg1-vnet/subnets/default` },
            },
          },
        ],
      },
    },
  );
}

/** The platform image the VM example boots: the small disk that powers off on ACPI's button (seconds under TCG). */
const VM_IMAGE = { publisher: 'kiln', offer: 'spec-examples', sku: 'power-button' };
const VMS_NEED_ROOT = process.getuid?.() !== 0 && 'VMs need root';

/** What the VM example names as existing: its image (published first) and its network interface. */
async function vmPrerequisites(kiln: TestServer) {
  await importPlatformImage(kiln.server.kiln, {
    ...VM_IMAGE,
    version: '1.0.0',
    hyperVGeneration: 'V1',
    file: (await powerButtonDisk()).path,
  });
  const network = `/subscriptions/${kiln.subscriptionId}/resourceGroups/myResourceGroup/providers/Microsoft.Network`;
  await armCall(
    kiln,
    '2026-01-01',
    'PUT',
    '/resourceGroups/myResourceGroup/providers/Microsoft.Network/networkInterfaces/myVMNic',
    {
      location: 'westus',
      properties: {
        ipConfigurations: [
          {
            name: 'ipconfig1',
            properties: { subnet: { id: `${network}/virtualNetworks/vnetname/subnets/subnetname` } },
          },
        ],
      },
    },
  );
}

/** The image catalogue examples' made-up names ('aaaa…'), as the image the VM example published. */
const IMAGE_VERSION = named({
  location: 'westus',
  publisherName: VM_IMAGE.publisher,
  offer: VM_IMAGE.offer,
  skus: VM_IMAGE.sku,
  version: '1.0.0',
});
/** The cases that need the VM example's image or VM, made as root only. */
const needsRoot = (c: Case) => /^VirtualMachine(s|Images)_/.test(c.operation);

/** The power examples' VM (Azure's are made-up names in rgcompute): the one the create example made. */
const MY_VM = named({ resourceGroupName: 'myResourceGroup', vmName: 'myVM' });

const SUBSCRIPTION_SCOPE = (p: Json) => {
  p.scope = `subscriptions/${found.subscription}`;
};
/** The role assignment example's assignment, as replayed with a principal Kiln's directory holds. */
const ASSIGNMENT = (p: Json) => {
  p.scope = `subscriptions/${found.subscription}/resourceGroups/testrg`;
  p.roleAssignmentName = '05c5a614-a7d6-4502-b150-c2fb455033ff';
};
const SERVICE_PRINCIPAL = 'principal made a service principal of Kiln\u2019s directory';
/** Azure's example role (0b5fe924-…) is none of Kiln's built-in roles: Reader stands for it. */
const READER = { '0b5fe924-9a61-425c-96af-cfe6e287ca2d': READER_ROLE_ID };

/** A read of a gallery as others see it, by the name a prerequisite found (`found[parameter]`). */
function publishedRead(example: string, operation: string, prepare: Case['prepare'], parameter: string): Case {
  return {
    example,
    operation,
    replace: { myLocation: 'westus' },
    prepare,
    edit: (p) => {
      p[parameter] = found[parameter];
    },
  };
}

/** An example Kiln refuses for one field: as published (fails), then replayed without that field. */
function asPublishedThenWithout(c: Case, field: string, strip: (p: Json) => void): Case[] {
  return [c, { ...c, fails: undefined, variant: `${field} left out`, edit: strip }];
}

const CASES: Case[] = [
  // Galleries
  { example: 'GalleryRP/Gallery_Create.json', operation: 'Galleries_CreateOrUpdate' },
  { example: 'GalleryRP/Gallery_Get.json', operation: 'Galleries_Get', seed: 'GalleryRP/Gallery_Create.json' },
  { example: 'GalleryRP/Gallery_Update.json', operation: 'Galleries_Update' },
  {
    example: 'GalleryRP/Gallery_ListByResourceGroup.json',
    operation: 'Galleries_ListByResourceGroup',
    seed: 'GalleryRP/Gallery_Create.json',
  },
  {
    example: 'GalleryRP/Gallery_ListBySubscription.json',
    operation: 'Galleries_List',
    seed: 'GalleryRP/Gallery_Create.json',
  },
  {
    example: 'GalleryRP/Gallery_Create_WithSharingProfile.json',
    operation: 'Galleries_CreateOrUpdate',
    params: named({ galleryName: 'sharedGallery' }),
  },
  {
    example: 'GalleryRP/CommunityGallery_Create.json',
    operation: 'Galleries_CreateOrUpdate',
    params: named({ galleryName: 'communityGallery' }),
  },
  {
    example: 'GalleryRP/Gallery_Create_SoftDeletionEnabled.json',
    operation: 'Galleries_CreateOrUpdate',
    params: named({ galleryName: 'softDeleteGallery' }),
  },
  {
    example: 'GalleryRP/Gallery_Create_WithManagedIdentity.json',
    operation: 'Galleries_CreateOrUpdate',
    params: named({ galleryName: 'identityGallery' }),
    prepare: (kiln) => userIdentity(kiln, 'myResourceGroup', 'myIdentity'),
  },
  {
    example: 'GalleryRP/Gallery_AddToSharingProfile.json',
    operation: 'GallerySharingProfile_Update',
    params: named({ galleryName: 'sharedGallery' }),
  },
  // Gallery image definitions
  { example: 'GalleryRP/GalleryImage_Create.json', operation: 'GalleryImages_CreateOrUpdate' },
  {
    example: 'GalleryRP/GalleryImage_Get.json',
    operation: 'GalleryImages_Get',
    seed: 'GalleryRP/GalleryImage_Create.json',
  },
  {
    example: 'GalleryRP/GalleryImage_ListByGallery.json',
    operation: 'GalleryImages_ListByGallery',
    seed: 'GalleryRP/GalleryImage_Create.json',
  },
  { example: 'GalleryRP/GalleryImage_Update.json', operation: 'GalleryImages_Update' },
  { example: 'GalleryRP/GalleryImage_UpdateFeatures.json', operation: 'GalleryImages_Update' },
  { example: 'GalleryRP/GalleryImage_Delete.json', operation: 'GalleryImages_Delete' },
  // Gallery image versions (of the Linux definition the test makes after the Windows one is gone)
  ...withEncryptionSets({
    example: 'GalleryRP/GalleryImageVersion_Create.json',
    operation: 'GalleryImageVersions_CreateOrUpdate',
    prepare: linuxDefinitionFirst,
  }),
  ...withEncryptionSets({
    example: 'GalleryRP/GalleryImageVersion_Create_WithSnapshotsAsSource.json',
    operation: 'GalleryImageVersions_CreateOrUpdate',
    params: named({ galleryImageVersionName: '1.0.1' }),
  }),
  ...withEncryptionSets({
    example: 'GalleryRP/GalleryImageVersion_Create_WithImageVersionAsSource.json',
    operation: 'GalleryImageVersions_CreateOrUpdate',
    params: named({ galleryImageVersionName: '1.0.2' }),
  }),
  {
    example: 'GalleryRP/GalleryImageVersion_Create_WithShallowReplicationMode.json',
    operation: 'GalleryImageVersions_CreateOrUpdate',
    params: named({ galleryImageVersionName: '1.0.5' }),
  },
  ...withEncryptionSets({
    example: 'GalleryRP/GalleryImageVersion_Create_WithVHD.json',
    operation: 'GalleryImageVersions_CreateOrUpdate',
    params: named({ galleryImageVersionName: '1.0.6' }),
  }),
  {
    example: 'GalleryRP/GalleryImageVersion_Create_WithVmAsSource.json',
    operation: 'GalleryImageVersions_CreateOrUpdate',
    skip: VM_SOURCE,
  },
  {
    example: 'GalleryRP/GalleryImageVersion_Get.json',
    operation: 'GalleryImageVersions_Get',
    seed: `GalleryRP/GalleryImageVersion_Create.json (${WITHOUT_SETS})`,
  },
  {
    example: 'GalleryRP/GalleryImageVersion_ListByGalleryImage.json',
    operation: 'GalleryImageVersions_ListByGalleryImage',
    seed: `GalleryRP/GalleryImageVersion_Create.json (${WITHOUT_SETS})`,
  },
  { example: 'GalleryRP/GalleryImageVersion_Update.json', operation: 'GalleryImageVersions_Update' },
  { example: 'GalleryRP/GalleryImageVersion_Update_WithoutSourceId.json', operation: 'GalleryImageVersions_Update' },
  // Disks
  { example: 'DiskRP/Disk_Create_Empty.json', operation: 'Disks_CreateOrUpdate', edit: size(1, 'disk') },
  {
    example: 'DiskRP/Disk_Create_ByCopyingASnapshot.json',
    operation: 'Disks_CreateOrUpdate',
    params: named({ diskName: 'myDisk-copy' }),
  },
  { example: 'DiskRP/Disk_Create_FromAnExistingManagedDisk.json', operation: 'Disks_CreateOrUpdate' },
  {
    example: 'DiskRP/Disk_Create_ByImportingBlobFromTheSameSubscription.json',
    operation: 'Disks_CreateOrUpdate',
    params: named({ diskName: 'myDisk-import' }),
  },
  {
    example: 'DiskRP/Disk_Create_UploadDisk.json',
    operation: 'Disks_CreateOrUpdate',
    params: named({ diskName: 'myDisk-upload' }),
  },
  {
    example: 'DiskRP/Disk_Create_FromAnAzureComputeGalleryImage.json',
    operation: 'Disks_CreateOrUpdate',
    params: named({ diskName: 'myDisk-gallery' }),
    replace: { '{imageName}': 'myGalleryImageName' },
    fails: WINDOWS,
  },
  {
    example: 'DiskRP/Disk_Create_FromAnAzureComputeGalleryImage.json',
    variant: 'osType left to the image',
    operation: 'Disks_CreateOrUpdate',
    params: named({ diskName: 'myDisk-gallery' }),
    replace: { '{imageName}': 'myGalleryImageName' },
    edit: (p) => {
      delete p.disk.properties.osType;
    },
  },
  {
    example: 'DiskRP/Disk_Create_WithLogicalSectorSize.json',
    operation: 'Disks_CreateOrUpdate',
    params: named({ diskName: 'myDisk-sectors' }),
    edit: size(1, 'disk'),
  },
  ...withEncryptionSets({
    example: 'DiskRP/Disk_Create_WithDiskEncryptionSet.json',
    operation: 'Disks_CreateOrUpdate',
    params: named({ diskName: 'myDisk-des' }),
    edit: size(1, 'disk'),
  }),
  { example: 'DiskRP/Disk_Get.json', operation: 'Disks_Get', seed: 'prerequisite myManagedDisk' },
  {
    example: 'DiskRP/Disk_ListByResourceGroup.json',
    operation: 'Disks_ListByResourceGroup',
    seed: 'DiskRP/Disk_Create_Empty.json',
  },
  {
    example: 'DiskRP/Disk_Update_ChangeTier.json',
    operation: 'Disks_Update',
    params: named({ diskName: 'myPremiumDisk' }),
    prepare: premiumDisk,
  },
  {
    example: 'DiskRP/Disk_Update_AddPurchasePlan.json',
    operation: 'Disks_Update',
  },
  {
    example: 'DiskRP/Disk_Update_ToAddArchitecture.json',
    operation: 'Disks_Update',
  },
  { example: 'DiskRP/Disk_BeginGetAccess.json', operation: 'Disks_GrantAccess' },
  { example: 'DiskRP/Disk_EndGetAccess.json', operation: 'Disks_RevokeAccess' },
  // Snapshots
  {
    example: 'DiskRP/Snapshot_Create_ByImportingAnUnmanagedBlobFromTheSameSubscription.json',
    operation: 'Snapshots_CreateOrUpdate',
  },
  { example: 'DiskRP/Snapshot_Create_FromAnExistingSnapshot.json', operation: 'Snapshots_CreateOrUpdate' },
  {
    example: 'DiskRP/Snapshot_Create_FromAnExistingSnapshotInDifferentRegion.json',
    operation: 'Snapshots_CreateOrUpdate',
    params: named({ snapshotName: 'mySnapshot-copystart' }),
    // CopyStart copies incremental snapshots only; the example's mySnapshot1 is one.
    replace: { mySnapshot1: 'myIncrementalSnapshot' },
    prepare: incrementalSnapshot,
  },
  { example: 'DiskRP/Snapshot_Get.json', operation: 'Snapshots_Get', seed: 'prerequisite mySnapshot' },
  {
    example: 'DiskRP/Snapshot_ListByResourceGroup.json',
    operation: 'Snapshots_ListByResourceGroup',
    seed: 'prerequisite mySnapshot',
  },
  { example: 'DiskRP/Snapshot_Update.json', operation: 'Snapshots_Update' },
  { example: 'DiskRP/Snapshot_BeginGetAccess.json', operation: 'Snapshots_GrantAccess' },
  // Managed images
  { example: 'ComputeRP/Image_CreateFromABlob.json', operation: 'Images_CreateOrUpdate' },
  ...withEncryptionSets({
    example: 'ComputeRP/Image_CreateFromABlobWithDiskEncryptionSet.json',
    operation: 'Images_CreateOrUpdate',
    params: named({ imageName: 'myImage-des' }),
  }),
  {
    example: 'ComputeRP/Image_CreateFromAManagedDisk.json',
    operation: 'Images_CreateOrUpdate',
    params: named({ imageName: 'myImage-disk' }),
  },
  {
    example: 'ComputeRP/Image_CreateFromASnapshot.json',
    operation: 'Images_CreateOrUpdate',
    params: named({ imageName: 'myImage-snapshot' }),
  },
  {
    example: 'ComputeRP/Image_Create_DataDiskFromAManagedDiskIncluded.json',
    operation: 'Images_CreateOrUpdate',
    params: named({ imageName: 'myImage-data-disk' }),
  },
  {
    example: 'ComputeRP/Image_Create_DataDiskFromASnapshotIncluded.json',
    operation: 'Images_CreateOrUpdate',
    params: named({ imageName: 'myImage-data-snapshot' }),
  },
  { example: 'ComputeRP/Image_CreateFromAVM.json', operation: 'Images_CreateOrUpdate', skip: VM_SOURCE },
  { example: 'ComputeRP/Image_Get.json', operation: 'Images_Get', seed: 'ComputeRP/Image_CreateFromABlob.json' },
  {
    example: 'ComputeRP/Image_ListByResourceGroup.json',
    operation: 'Images_ListByResourceGroup',
    seed: 'ComputeRP/Image_CreateFromABlob.json',
  },
  { example: 'ComputeRP/Image_Update.json', operation: 'Images_Update', skip: VM_SOURCE },
  { example: 'ComputeRP/Images_Delete_MaximumSet_Gen.json', operation: 'Images_Delete' },
  { example: 'ComputeRP/Images_Delete_MinimumSet_Gen.json', operation: 'Images_Delete' },
  // Deletes, once the images and disks have read the disks, snapshots and versions
  { example: 'GalleryRP/GalleryImageVersion_Delete.json', operation: 'GalleryImageVersions_Delete' },
  { example: 'DiskRP/Disk_Delete.json', operation: 'Disks_Delete' },
  { example: 'DiskRP/Snapshot_Delete.json', operation: 'Snapshots_Delete' },
  // Image templates
  {
    example: 'ImageBuilder/CreateImageTemplateLinux.json',
    operation: 'VirtualMachineImageTemplates_CreateOrUpdate',
  },
  {
    example: 'ImageBuilder/CreateImageTemplateWindows.json',
    operation: 'VirtualMachineImageTemplates_CreateOrUpdate',
    params: named({ imageTemplateName: 'myWindowsTemplate' }),
    fails: 'repeats a customizer name, which Kiln refuses (issue 18 keeps names unique; the error says so)',
  },
  {
    example: 'ImageBuilder/CreateImageTemplateWindows.json',
    variant: 'names made unique',
    operation: 'VirtualMachineImageTemplates_CreateOrUpdate',
    params: named({ imageTemplateName: 'myWindowsTemplate' }),
    edit: (p) => {
      p.parameters.properties.customize[5].name += ' 2';
    },
  },
  {
    example: 'ImageBuilder/GetImageTemplate.json',
    operation: 'VirtualMachineImageTemplates_Get',
    seed: 'ImageBuilder/CreateImageTemplateLinux.json',
  },
  {
    example: 'ImageBuilder/ListImageTemplates.json',
    operation: 'VirtualMachineImageTemplates_List',
    seed: 'ImageBuilder/CreateImageTemplateLinux.json',
  },
  { example: 'ImageBuilder/UpdateImageTemplateTags.json', operation: 'VirtualMachineImageTemplates_Update' },
  {
    example: 'ImageBuilder/UpdateImageTemplateVmProfile.json',
    operation: 'VirtualMachineImageTemplates_Update',
  },
  {
    example: 'ImageBuilder/CreateSourceImageTrigger.json',
    operation: 'Triggers_CreateOrUpdate',
    params: named({ imageTemplateName: 'myTriggeredTemplate' }),
    prepare: templateOnLatest,
  },
  {
    example: 'ImageBuilder/GetTrigger.json',
    operation: 'Triggers_Get',
    params: named({ imageTemplateName: 'myTriggeredTemplate' }),
    seed: 'ImageBuilder/CreateSourceImageTrigger.json',
  },
  {
    example: 'ImageBuilder/ListTriggers.json',
    operation: 'Triggers_ListByImageTemplate',
    params: named({ imageTemplateName: 'myTriggeredTemplate' }),
    seed: 'ImageBuilder/CreateSourceImageTrigger.json',
  },
  {
    example: 'ImageBuilder/DeleteTrigger.json',
    operation: 'Triggers_Delete',
    params: named({ imageTemplateName: 'myTriggeredTemplate', triggerName: 'source' }),
  },
  { example: 'ImageBuilder/RunImageTemplate.json', operation: 'VirtualMachineImageTemplates_Run' },
  {
    example: 'ImageBuilder/CancelImageBuild.json',
    operation: 'VirtualMachineImageTemplates_Cancel',
    skip: 'needs a run under way, which boots a VM; the replayed run fails at once (its source is no bootable disk)',
  },
  { example: 'ImageBuilder/ListRunOutputs.json', operation: 'VirtualMachineImageTemplates_ListRunOutputs' },
  { example: 'ImageBuilder/DeleteImageTemplate.json', operation: 'VirtualMachineImageTemplates_Delete' },
  // Virtual machines (ComputeRP 2024-11-01): one small VM, made, read, stopped, started, deallocated, deleted
  {
    example: 'ComputeRP/VirtualMachine_Create_WithSshAuthentication.json',
    operation: 'VirtualMachines_CreateOrUpdate',
    replace: {
      '{image_publisher}': VM_IMAGE.publisher,
      '{image_offer}': VM_IMAGE.offer,
      '{image_sku}': VM_IMAGE.sku,
      '{your-username}': 'azureuser',
      '{existing-nic-name}': 'myVMNic',
    },
    prepare: vmPrerequisites,
    // A size Kiln boots quickly (one vCPU, 1 GiB).
    edit: (p) => {
      p.parameters.properties.hardwareProfile.vmSize = 'Standard_B1s';
    },
  },
  {
    example: 'ComputeRP/VirtualMachine_Get.json',
    operation: 'VirtualMachines_Get',
    seed: 'ComputeRP/VirtualMachine_Create_WithSshAuthentication.json',
  },
  { example: 'ComputeRP/VirtualMachine_Get_InstanceView.json', operation: 'VirtualMachines_InstanceView' },
  {
    example: 'ComputeRP/VirtualMachine_PowerOff_MinimumSet_Gen.json',
    operation: 'VirtualMachines_PowerOff',
    params: MY_VM,
  },
  { example: 'ComputeRP/VirtualMachine_Start_MinimumSet_Gen.json', operation: 'VirtualMachines_Start', params: MY_VM },
  {
    example: 'ComputeRP/VirtualMachine_Deallocate_MinimumSet_Gen.json',
    operation: 'VirtualMachines_Deallocate',
    params: MY_VM,
  },
  { example: 'ComputeRP/VirtualMachine_Delete_Force.json', operation: 'VirtualMachines_Delete' },
  // The platform image the VM booted, as the image catalogue shows it, and the location's run commands
  {
    example: 'ComputeRP/VirtualMachineImage_Get_MinimumSet_Gen.json',
    operation: 'VirtualMachineImages_Get',
    params: IMAGE_VERSION,
  },
  {
    example: 'ComputeRP/VirtualMachineImage_List_MinimumSet_Gen.json',
    operation: 'VirtualMachineImages_List',
    params: IMAGE_VERSION,
  },
  {
    example: 'ComputeRP/VirtualMachineImage_ListSkus_MinimumSet_Gen.json',
    operation: 'VirtualMachineImages_ListSkus',
    params: IMAGE_VERSION,
  },
  {
    example: 'ComputeRP/RunCommand_List.json',
    operation: 'VirtualMachineRunCommands_List',
    replace: { SoutheastAsia: 'westus' },
  },
  {
    example: 'ComputeRP/RunCommand_Get.json',
    operation: 'VirtualMachineRunCommands_Get',
    replace: { SoutheastAsia: 'westus' },
    fails:
      'names RunPowerShellScript, one of Azure\u2019s Windows commands: Kiln runs Linux VMs and answers 404 naming the commands it has (RunShellScript, ifconfig)',
  },
  {
    example: 'ComputeRP/RunCommand_Get.json',
    variant: 'RunShellScript, the Linux command',
    operation: 'VirtualMachineRunCommands_Get',
    replace: { SoutheastAsia: 'westus' },
    params: named({ commandId: 'RunShellScript' }),
  },
  // Galleries as others read them
  publishedRead('GalleryRP/SharedGallery_Get.json', 'SharedGalleries_Get', sharedWithUs, 'galleryUniqueName'),
  publishedRead(
    'GalleryRP/CommunityGallery_Get.json',
    'CommunityGalleries_Get',
    publicCommunityGallery,
    'publicGalleryName',
  ),
  {
    example: 'GalleryRP/GallerySoftDeletedResource_ListByArtifactName.json',
    operation: 'SoftDeletedResource_ListByArtifactName',
  },
  // Networks (Microsoft.Network 2026-01-01)
  ...asPublishedThenWithout(
    {
      example: 'Network/VirtualNetworkCreate.json',
      operation: 'VirtualNetworks_CreateOrUpdate',
      fails:
        'sets flowTimeoutInMinutes, which Kiln refuses (400 PropertyNotSupported naming properties.flowTimeoutInMinutes)',
    },
    'flowTimeoutInMinutes',
    (p) => delete p.parameters.properties.flowTimeoutInMinutes,
  ),
  {
    example: 'Network/VirtualNetworkGet.json',
    operation: 'VirtualNetworks_Get',
    seed: 'Network/VirtualNetworkCreate.json (flowTimeoutInMinutes left out)',
  },
  { example: 'Network/SubnetCreate.json', operation: 'Subnets_CreateOrUpdate' },
  { example: 'Network/VirtualNetworkUpdateTags.json', operation: 'VirtualNetworks_UpdateTags' },
  { example: 'Network/SubnetGet.json', operation: 'Subnets_Get', seed: 'Network/SubnetCreate.json' },
  { example: 'Network/SubnetDelete.json', operation: 'Subnets_Delete' },
  { example: 'Network/NetworkSecurityGroupCreateWithRule.json', operation: 'NetworkSecurityGroups_CreateOrUpdate' },
  {
    example: 'Network/DefaultSecurityRuleGet.json',
    operation: 'DefaultSecurityRules_Get',
    replace: { testrg: 'rg1', nsg1: 'testnsg' },
  },
  { example: 'Network/NetworkSecurityGroupDelete.json', operation: 'NetworkSecurityGroups_Delete' },
  { example: 'Network/PublicIpAddressCreateDefaults.json', operation: 'PublicIPAddresses_CreateOrUpdate' },
  {
    example: 'Network/PublicIpAddressGet.json',
    operation: 'PublicIPAddresses_Get',
    params: named({ publicIpAddressName: 'test-ip' }),
    seed: 'Network/PublicIpAddressCreateDefaults.json',
  },
  ...asPublishedThenWithout(
    {
      example: 'Network/PublicIpAddressCreateCustomizedValues.json',
      operation: 'PublicIPAddresses_CreateOrUpdate',
      // test-ip is the defaults example's Basic address, whose SKU cannot change.
      params: named({ publicIpAddressName: 'test-ip-custom' }),
      fails:
        'asks for sku.tier Global (an address announced from every region), which Kiln refuses (400 InvalidParameter naming sku.tier: Regional only)',
    },
    'sku.tier',
    (p) => delete p.parameters.sku.tier,
  ),
  {
    example: 'Network/NetworkInterfaceCreate.json',
    operation: 'NetworkInterfaces_CreateOrUpdate',
    fails:
      'its second IP configuration asks for a private address prefix (privateIPAddressPrefixLength), which Kiln refuses (400 naming its path: one address per configuration), and names no subnet, which Kiln requires of every configuration (400 at its `subnet`; Azure\u2019s answer gives it the first one\u2019s)',
  },
  { example: 'Network/NetworkInterfaceDelete.json', operation: 'NetworkInterfaces_Delete', prepare: testNic },
  { example: 'Network/PublicIpAddressDelete.json', operation: 'PublicIPAddresses_Delete' },
  { example: 'Network/VirtualNetworkDelete.json', operation: 'VirtualNetworks_Delete' },
  // User-assigned identities (Microsoft.ManagedIdentity 2024-11-30)
  { example: 'ManagedIdentity/IdentityCreate.json', operation: 'UserAssignedIdentities_CreateOrUpdate' },
  ...asPublishedThenWithout(
    {
      example: 'ManagedIdentity/IdentityUpdate.json',
      operation: 'UserAssignedIdentities_Update',
      fails:
        'sets isolationScope Regional, which Kiln refuses (400 PropertyNotSupported at properties.isolationScope: it does not restrict by region where an identity is assigned)',
    },
    'isolationScope',
    (p) => delete p.parameters.properties,
  ),
  {
    example: 'ManagedIdentity/IdentityListBySubscription.json',
    operation: 'UserAssignedIdentities_ListBySubscription',
    seed: 'ManagedIdentity/IdentityCreate.json',
  },
  // Role assignments and definitions (Microsoft.Authorization 2022-04-01)
  {
    example: 'Authorization/RoleAssignments_CreateForResourceGroup.json',
    operation: 'RoleAssignments_Create',
    replace: READER,
    fails:
      'names a user (principalType User) that is not in Kiln\u2019s directory, which holds service principals only (400 PrincipalNotFound)',
  },
  {
    example: 'Authorization/RoleAssignments_CreateForResourceGroup.json',
    variant: SERVICE_PRINCIPAL,
    operation: 'RoleAssignments_Create',
    replace: READER,
    prepare: identityPrincipal,
    edit: (p) => {
      p.parameters.properties.principalId = found.principal;
      p.parameters.properties.principalType = 'ServicePrincipal';
    },
  },
  {
    example: 'Authorization/RoleAssignments_Get.json',
    operation: 'RoleAssignments_Get',
    edit: ASSIGNMENT,
    seed: `Authorization/RoleAssignments_CreateForResourceGroup.json (${SERVICE_PRINCIPAL})`,
  },
  {
    example: 'Authorization/RoleAssignments_ListForResourceGroup.json',
    operation: 'RoleAssignments_ListForResourceGroup',
    seed: `Authorization/RoleAssignments_CreateForResourceGroup.json (${SERVICE_PRINCIPAL})`,
  },
  { example: 'Authorization/RoleAssignments_Delete.json', operation: 'RoleAssignments_Delete', edit: ASSIGNMENT },
  {
    example: 'Authorization/PutRoleDefinition.json',
    operation: 'RoleDefinitions_CreateOrUpdate',
    params: named({ roleDefinitionId: '7d9a6c1e-51c4-4b8e-9f6a-2b0c3d4e5f60' }),
    edit: SUBSCRIPTION_SCOPE,
    fails:
      'the example\u2019s body parameter roleDefinition is {} (its role sits beside it, under an undeclared `body`, without `properties`): Kiln refuses the empty role (400 naming properties.roleName, assignableScopes, permissions)',
  },
  {
    example: 'Authorization/GetRoleDefinitionByName.json',
    operation: 'RoleDefinitions_Get',
    params: named({ roleDefinitionId: READER_ROLE_ID }),
    edit: SUBSCRIPTION_SCOPE,
  },
  {
    example: 'Authorization/GetResourcePermissions.json',
    operation: 'Permissions_ListForResource',
    // The example's made-up resource, as the gallery image definition the versions were made in.
    params: named({
      resourceGroupName: 'myResourceGroup',
      resourceProviderNamespace: 'Microsoft.Compute',
      parentResourcePath: 'galleries/myGalleryName',
      resourceType: 'images',
      resourceName: 'myGalleryImageName',
    }),
    // Its subscription is 'subId', none of the placeholders the others use.
    edit: (p) => {
      p.subscriptionId = found.subscription;
    },
  },
  { example: 'ManagedIdentity/IdentityDelete.json', operation: 'UserAssignedIdentities_Delete' },
  // Resource groups (Microsoft.Resources 2024-11-01), tags and deployments (2025-04-01)
  {
    example: 'Resources/CreateResourceGroup.json',
    operation: 'ResourceGroups_CreateOrUpdate',
    // The deployment example's group, made first in West US, is that name already.
    params: named({ resourceGroupName: 'my-new-resource-group' }),
  },
  {
    example: 'Resources/PutTagsResource.json',
    operation: 'Tags_CreateOrUpdateAtScope',
    replace: { 'my-resource-group/providers/myPRNameSpace/VM/myVm': MY_DISK },
  },
  {
    example: 'Resources/PatchTagsResource.json',
    operation: 'Tags_UpdateAtScope',
    replace: { 'my-resource-group/providers/myPRNameSpace/VM/myVm': MY_DISK },
  },
  { example: 'Resources/GetTagsSubscription.json', operation: 'Tags_GetAtScope' },
  // Subscriptions' providers, tenants (Resources 2024-11-01, 2022-12-01) and features (Features 2021-07-01)
  { example: 'Resources/GetProviders.json', operation: 'Providers_List' },
  { example: 'Resources/GetTenants.json', operation: 'Tenants_List' },
  { example: 'Resources/listSubscriptionFeatures.json', operation: 'Features_ListAll' },
  {
    example: 'Resources/listProviderFeatures.json',
    operation: 'Features_List',
    params: named({ resourceProviderNamespace: 'Microsoft.Compute' }),
  },
  {
    example: 'Resources/SubscriptionFeatureRegistrationLIST.json',
    operation: 'SubscriptionFeatureRegistrations_ListBySubscription',
    params: named({ providerNamespace: 'Microsoft.Compute' }),
  },
  {
    example: 'Resources/PutDeploymentResourceGroup.json',
    operation: 'Deployments_CreateOrUpdate',
    fails:
      'its templateLink is https://example.com/exampleTemplate.json, a placeholder no host serves: 400 InvalidContentLink, as ARM answers a link it cannot download',
  },
];

const label = (c: Case) => (c.variant ? `${c.example} (${c.variant})` : c.example);
const EXAMPLES = join(import.meta.dirname, 'spec-examples');
const DOC = join(import.meta.dirname, '..', '..', 'docs', 'wire-fidelity.md');

describe("Azure's REST API examples replayed", () => {
  let kiln: TestServer;
  let token: string;
  let replace: Record<string, string>;
  /** What each replayed write (or prerequisite) sent, for the reads that follow it. */
  const writes = new Map<string, Pick<Replayed, 'name' | 'sent'>>();

  before(async () => {
    kiln = await startTestServer();
    const sub = kiln.subscriptionId;
    token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const client = compute(kiln);
    const groups = new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url }).resourceGroups;
    found.subscription = sub;
    for (const rg of ['myResourceGroup', 'rg1', 'rgcompute', 'subnet-test', 'rgName', 'testrg', 'my-resource-group'])
      await groups.createOrUpdate(rg, { location: 'westus' });
    const os = makeVhd(20, 'spec-os');
    const data = makeVhd(20, 'spec-data');
    const blobs = `${kiln.url}/blob/westus/`;
    await putRegionBlob(kiln, 'westus', 'osimages/osimage.vhd', os);
    await putRegionBlob(kiln, 'westus', 'dataimages/dataimage.vhd', data);
    await putRegionBlob(kiln, 'westus', 'vhds/source.vhd', os);
    await uploadDisk(client, 'myResourceGroup', 'myManagedDisk', 'westus', os);
    writes.set('prerequisite myManagedDisk', {
      name: 'myManagedDisk',
      sent: { location: 'westus', properties: { osType: 'Linux', creationData: { createOption: 'Upload' } } },
    });
    await uploadDisk(client, 'myResourceGroup', 'myManagedDisk2', 'westus', data);
    await uploadDisk(client, 'myResourceGroup', 'myDisk1', 'westus', os);
    const snapshotBody = {
      location: 'westus',
      creationData: {
        createOption: 'Copy',
        sourceResourceId: `/subscriptions/${sub}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/disks/myManagedDisk`,
      },
    };
    await client.snapshots.createOrUpdate('myResourceGroup', 'mySnapshot', snapshotBody);
    writes.set('prerequisite mySnapshot', {
      name: 'mySnapshot',
      sent: { location: snapshotBody.location, properties: { creationData: snapshotBody.creationData } },
    });
    const source = {
      osDisk: { osType: 'Linux' as const, osState: 'Generalized' as const, blobUri: `${blobs}vhds/source.vhd` },
    };
    await client.images.createOrUpdate('myResourceGroup', 'versionSource', {
      location: 'westus',
      storageProfile: source,
    });
    await client.images.createOrUpdate('rg1', 'source_image', { location: 'westus', storageProfile: source });
    await userIdentity(kiln, 'rg1', 'identity_1');
    const arm = armCaller(kiln, '2024-05-01');
    // The networks the templates' vnetConfig names: rg1's for the create, myResourceGroup's for the
    // update (whose build subnet the example leaves as a placeholder: one in the same network).
    const network = async (rg: string, vnet: string, subnets: string[], location = 'westus') => {
      const answer = await arm(
        token,
        'PUT',
        `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${vnet}`,
        {
          location,
          properties: {
            addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
            subnets: subnets.map((name, i) => ({ name, properties: { addressPrefix: `10.0.${i}.0/24` } })),
          },
        },
      );
      assert.ok(answer.status < 300, JSON.stringify(answer.body));
    };
    await network('rg1', 'vnet_name', ['subnet_name']);
    await network('myResourceGroup', 'vnetname', ['subnetname', 'buildsubnet']);
    // The networks the Microsoft.Network examples name: SubnetCreate's (its subnet takes the whole
    // space) and the one NetworkInterfaceCreate's subnet is in.
    await network('subnet-test', 'vnetname', []);
    await network('rg1', 'rg1-vnet', ['default'], 'eastus');
    const subnet = `/subscriptions/${sub}/resourceGroups/myResourceGroup/providers/Microsoft.Network/virtualNetworks/vnetname/subnets/buildsubnet`;
    replace = {
      '{subscription-id}': sub,
      '{subscriptionId}': sub,
      '00000000-0000-0000-0000-000000000000': sub,
      '{resourceGroup}': 'myResourceGroup',
      '{resourceGroupName}': 'myResourceGroup',
      'https://mystorageaccount.blob.core.windows.net/': blobs,
      'https://gallerysourcencus.blob.core.windows.net/myvhds/Windows-Server-2012-R2-20171216-en.us-128GB.vhd': `${blobs}vhds/source.vhd`,
      '{imageName}': 'versionSource',
      '{osSnapshotName}': 'mySnapshot',
      '{dataDiskName}': 'myManagedDisk2',
      '{galleryName}': 'myGalleryName',
      '{imageDefinitionName}': 'myGalleryImageName',
      '{versionName}': '1.0.0',
      '1_location': 'westus',
      '{updated_vmsize}': 'Standard_D4s_v3',
      '{updated_aci_subnet}': subnet,
      // The other namespaces' examples name subscriptions of their own.
      subid: sub,
      '12345678-1234-5678-9012-123456789012': sub,
      'a925f2f7-5c63-4b7b-8799-25a5f97bc3b2': sub,
      '00000000-0000-0000-0000-000000000001': sub,
      '24fb23e3-6ba3-41f0-9b6e-e41131d5d61e': sub,
      '00000000-1111-2222-3333-444444444444': sub,
    };
  });
  after(() => kiln.stop());

  for (const c of CASES) {
    const title = `${label(c)}: ${c.operation}`;
    if (c.skip) {
      it(title, { skip: c.skip }, () => {});
      continue;
    }
    it(title, async (t) => {
      if (needsRoot(c) && VMS_NEED_ROOT) return t.skip(VMS_NEED_ROOT);
      await c.prepare?.(kiln);
      const example: Example = JSON.parse(await readFile(join(EXAMPLES, c.example), 'utf8'));
      const seed = c.seed ? writes.get(c.seed) : undefined;
      if (c.seed) assert.ok(seed, `${c.seed} ran before`);
      const replayed = await replayExample(kiln, token, c.operation, example, {
        replace: { ...replace, ...c.replace },
        edit: (p) => {
          Object.assign(p, c.params);
          c.edit?.(p);
        },
        seed: seed && { name: seed.name, body: seed.sent },
      });
      if (replayed.sent !== undefined) writes.set(label(c), replayed);
      for (const problem of replayed.problems) t.diagnostic(problem);
      if (c.fails) assert.notDeepEqual(replayed.problems, [], `passes now: move it from the failures (${c.fails})`);
      else assert.deepEqual(replayed.problems, []);
    });
  }

  it('docs/wire-fidelity.md begins with the table of these cases', async () => {
    const table = wireFidelity();
    // What follows the table (from its first `## ` heading) is written by hand: kept as it is.
    const doc = await readFile(DOC, 'utf8');
    const sections = doc.indexOf('\n## ');
    const generated = sections < 0 ? doc : doc.slice(0, sections);
    if (process.env.KILN_WRITE_WIRE_FIDELITY) await writeFile(DOC, table + doc.slice(generated.length));
    else assert.equal(generated, table, 'run with KILN_WRITE_WIRE_FIDELITY=1 to rewrite it');
  });
});

/** The ARM type each replayed operation serves, by its operationId's group (before `_`). */
const TYPE_OF_GROUP: Record<string, string> = {
  Galleries: 'Microsoft.Compute/galleries',
  GallerySharingProfile: 'Microsoft.Compute/galleries',
  GalleryImages: 'Microsoft.Compute/galleries/images',
  GalleryImageVersions: 'Microsoft.Compute/galleries/images/versions',
  SharedGalleries: 'Microsoft.Compute/locations/sharedGalleries',
  CommunityGalleries: 'Microsoft.Compute/locations/communityGalleries',
  SoftDeletedResource: 'Microsoft.Compute/galleries/softDeletedArtifactTypes/artifacts/versions',
  Disks: 'Microsoft.Compute/disks',
  Snapshots: 'Microsoft.Compute/snapshots',
  Images: 'Microsoft.Compute/images',
  VirtualMachines: 'Microsoft.Compute/virtualMachines',
  VirtualMachineImages: 'Microsoft.Compute/locations/publishers/artifacttypes/offers/skus/versions',
  VirtualMachineRunCommands: 'Microsoft.Compute/locations/runCommands',
  VirtualMachineImageTemplates: 'Microsoft.VirtualMachineImages/imageTemplates',
  Triggers: 'Microsoft.VirtualMachineImages/imageTemplates/triggers',
  VirtualNetworks: 'Microsoft.Network/virtualNetworks',
  Subnets: 'Microsoft.Network/virtualNetworks/subnets',
  NetworkSecurityGroups: 'Microsoft.Network/networkSecurityGroups',
  DefaultSecurityRules: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
  PublicIPAddresses: 'Microsoft.Network/publicIPAddresses',
  NetworkInterfaces: 'Microsoft.Network/networkInterfaces',
  UserAssignedIdentities: 'Microsoft.ManagedIdentity/userAssignedIdentities',
  RoleAssignments: 'Microsoft.Authorization/roleAssignments',
  RoleDefinitions: 'Microsoft.Authorization/roleDefinitions',
  Permissions: 'Microsoft.Authorization/permissions',
  ResourceGroups: 'Microsoft.Resources/resourceGroups',
  Providers: 'Microsoft.Resources/subscriptions/providers',
  Tenants: 'Microsoft.Resources/tenants',
  Features: 'Microsoft.Features/features',
  SubscriptionFeatureRegistrations: 'Microsoft.Features/featureProviders/subscriptionFeatureRegistrations',
  Tags: 'Microsoft.Resources/tags',
  Deployments: 'Microsoft.Resources/deployments',
};
/** Operations whose type is not their group's. */
const TYPE_OF_OPERATION: Record<string, string> = {
  VirtualMachineImageTemplates_ListRunOutputs: 'Microsoft.VirtualMachineImages/imageTemplates/runOutputs',
  Features_List: 'Microsoft.Features/providers/features',
};
const typeOf = (c: Case) => TYPE_OF_OPERATION[c.operation] ?? TYPE_OF_GROUP[c.operation.split('_')[0]!]!;

const NOT_COPIED =
  'none of its published examples is copied here yet (test/api/spec-examples/README.md lists those that are)';
/** A type no example of which is replayed, whose answers are checked against its model instead. */
const SHAPES = (models: string) =>
  `${NOT_COPIED}; its answers through the official SDK are checked against its OpenAPI model (${models}) in test/api/unreplayed-types.sdk.test.ts`;
/** Why a served type has no replayed example. */
const UNREPLAYED: Record<string, string> = {
  'Microsoft.Resources/subscriptions': SHAPES('Subscription, Location'),
  'Microsoft.Resources/resources': SHAPES('GenericResourceExpanded, GenericResource'),
  'Microsoft.Resources/subscriptions/tagNames': SHAPES('TagDetails'),
  'Microsoft.Resources/subscriptions/tagNames/tagValues': SHAPES('TagValue'),
  'Microsoft.Resources/deployments/operations': NOT_COPIED,
  'Microsoft.Resources/providers': SHAPES('Provider'),
  'Microsoft.Resources/locations/operations': SHAPES('OperationStatusResult, as a deployment is polled'),
  'Microsoft.Compute.Admin/locations/artifactTypes/publishers/offers/skus/versions':
    'Kiln\u2019s own admin API (platform images it publishes): Azure publishes no such API',
  'Microsoft.Compute/locations/vmSizes': SHAPES('VirtualMachineSize'),
  'Microsoft.Compute/locations/operations': SHAPES('OperationStatusResult, as a disk create is polled'),
  'Microsoft.VirtualMachineImages/locations/operations': SHAPES(
    'OperationStatusResult, as a template create is polled',
  ),
  'Microsoft.Network/networkSecurityGroups/securityRules': `${SHAPES('SecurityRule')}; rules inline in a group are replayed (NetworkSecurityGroupCreateWithRule)`,
};

/** One row per type Kiln serves (src/domain/resource-types.ts): its cases' outcomes, or why it has none. */
function byType(): string[] {
  const types = [...new Set(RESOURCE_TYPES.map((t) => t.type))].filter(
    (t) => !t.endsWith('/operations') || t.includes('/locations/'),
  );
  return types.map((type) => {
    const cases = CASES.filter((c) => typeOf(c) === type);
    const n = (r: (c: Case) => boolean) => cases.filter(r).length;
    const reason = cases.length ? '' : (UNREPLAYED[type] ?? 'no example replayed');
    return `| ${type} | ${n((c) => !c.skip && !c.fails)} | ${n((c) => !c.skip && !!c.fails)} | ${n((c) => !!c.skip)} | ${reason} |`;
  });
}

function wireFidelity(): string {
  const rows = CASES.map((c) => {
    const result = c.skip ? 'not replayed' : c.fails ? 'fails' : 'passes';
    return `| ${label(c)} | ${c.operation} | ${result} | ${c.skip ?? c.fails ?? ''} |`;
  });
  const count = (r: (c: Case) => boolean) => CASES.filter(r).length;
  return [
    '# Wire fidelity: Azure\u2019s REST API examples replayed',
    '',
    'Written by test/api/spec-examples.test.ts from its table of cases (`KILN_WRITE_WIRE_FIDELITY=1` rewrites it;',
    'the test fails when this table or an outcome differs; the sections after it are written by hand). The',
    'examples are copies of Azure\u2019s published ones',
    '(test/api/spec-examples/README.md says from where); the comparison rule is in',
    'test/support/spec-example-replay.ts: the status is one the example lists, with its headers, and every',
    'property the request sent that the example\u2019s response shows comes back with the value sent (a read is',
    'compared with the write that made the resource).',
    '',
    `${count((c) => !c.skip && !c.fails)} pass, ${count((c) => !c.skip && !!c.fails)} fail, ${count((c) => !!c.skip)} not replayed.`,
    '',
    '| Example | Operation | Result | Reason |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    'Every type Kiln serves (src/domain/resource-types.ts) and its examples above: passing, failing, not replayed,',
    'or why it has none.',
    '',
    '| Type | Pass | Fail | Not replayed | Why none |',
    '| --- | --- | --- | --- | --- |',
    ...byType(),
    '',
  ].join('\n');
}
