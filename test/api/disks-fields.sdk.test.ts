// The fields of disks and snapshots Kiln once accepted and dropped (issue 18), through the official
// @azure/arm-compute clients: each is stored and returned as Azure returns it (create, get, update),
// or refused with a 400 naming its JSON path; a larger diskSizeGB grows a disk's or snapshot's bytes
// (read back through a SAS: the new size, the old data, zeros, the new footer), never a smaller; a
// disk's storage type (sku), maxShares and on-demand bursting change by Azure's rules (SKU and size);
// and the changes Azure makes only while no running VM holds the disk (a larger size, a new SKU,
// bursting turned on; maxShares: no VM at all) are refused with 409 while one does. A VM's hold is put
// on the disk by the VM domain's own holdDisk, as a running or deallocated VM leaves it: no VM boots.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ComputeManagementClient as ComputeManagementClient25 } from '@azure/arm-compute-25';
import { BlobClient } from '@azure/storage-blob';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DISK_TYPE_FIXED, parseVhdFooter } from '../../src/core/vhd.ts';
import { armCaller } from '../support/arm-call.ts';
import type { Disk, DiskInternal } from '../../src/domain/disks/disk.ts';
import { getResource } from '../../src/domain/shared/arm-resource.ts';
import { holdDisk, releaseDisk } from '../../src/domain/virtual-machines/disk-holds.ts';
import type { VirtualMachine } from '../../src/domain/virtual-machines/virtual-machine.ts';
import { armRefusal, fieldRefusals } from '../support/arm-refusal.ts';
import { MIB, makeVhd, sha256, uploadDisk } from '../support/disk-data.ts';
import { startComputeServer } from '../support/compute-test-server.ts';
import type { TestServer } from '../support/test-server.ts';

const GIB = 1024 * MIB;
const rg = 'fields';
const plan = { name: 'plan-a', publisher: 'kiln-tests', product: 'scratch', promotionCode: 'none' };

const { policy: recordErrors, refusedAt } = fieldRefusals();
const inUse = (target: string) => refusedAt(target, 'OperationNotAllowed', 409);

/** What a client read, without the members its deserializer sets to undefined. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

describe('disk and snapshot fields, growth and changes through @azure/arm-compute', () => {
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  const empty = (sizeGB: number, sku: string, more: Record<string, unknown> = {}) => ({
    location: 'westus',
    sku: { name: sku },
    diskSizeGB: sizeGB,
    creationData: { createOption: 'Empty' as const },
    ...more,
  });

  before(async () => {
    ({ kiln, compute } = await startComputeServer(rg, recordErrors));
  });
  after(() => kiln.stop());

  it('keeps a Premium disk’s tier, OS description and encryption type through create, get and update', async () => {
    const made = await compute.disks.createOrUpdate(
      rg,
      'premium',
      empty(1, 'Premium_LRS', {
        tier: 'P10',
        purchasePlan: plan,
        supportedCapabilities: { architecture: 'Arm64', acceleratedNetwork: true },
        supportsHibernation: true,
        encryption: { type: 'EncryptionAtRestWithPlatformKey' },
      }),
    );
    for (const disk of [made, await compute.disks.get(rg, 'premium')]) {
      assert.equal(disk.tier, 'P10');
      assert.equal(disk.diskIopsReadWrite, 500);
      assert.equal(disk.diskMBpsReadWrite, 100);
      assert.deepEqual(plain(disk.purchasePlan), plan);
      assert.deepEqual(plain(disk.supportedCapabilities), { architecture: 'Arm64', acceleratedNetwork: true });
      assert.equal(disk.supportsHibernation, true);
      assert.equal(disk.encryption?.type, 'EncryptionAtRestWithPlatformKey');
    }
    const newPlan = { name: 'plan-b', publisher: 'kiln-tests', product: 'scratch' };
    const updated = await compute.disks.update(rg, 'premium', {
      tier: 'P20',
      purchasePlan: newPlan,
      supportedCapabilities: { architecture: 'x64' },
      supportsHibernation: false,
    });
    for (const disk of [updated, await compute.disks.get(rg, 'premium')]) {
      assert.equal(disk.tier, 'P20');
      assert.equal(disk.diskIopsReadWrite, 2300);
      assert.equal(disk.diskMBpsReadWrite, 150);
      assert.deepEqual(plain(disk.purchasePlan), newPlan);
      // Capabilities merge: the update names the architecture only.
      assert.deepEqual(plain(disk.supportedCapabilities), { architecture: 'x64', acceleratedNetwork: true });
      assert.equal(disk.supportsHibernation, false);
    }
    // A Standard HDD disk has no tier, and reports its size's targets, which a GET-and-PUT sends back.
    const standard = await compute.disks.createOrUpdate(rg, 'standard', empty(1, 'Standard_LRS'));
    assert.equal(standard.tier, undefined);
    assert.equal(standard.diskIopsReadWrite, 500);
    assert.equal(standard.diskMBpsReadWrite, 60);
    const again = await compute.disks.createOrUpdate(rg, 'standard', await compute.disks.get(rg, 'standard'));
    assert.equal(again.diskIopsReadWrite, 500);
  });

  it('provisions Ultra and Premium SSD v2 disks’ IOPS, MBps and sector size, changed by an update', async () => {
    const ultra = await compute.disks.createOrUpdate(
      rg,
      'ultra',
      empty(4, 'UltraSSD_LRS', {
        creationData: { createOption: 'Empty', logicalSectorSize: 512 },
        diskIopsReadWrite: 1000,
        diskMBpsReadWrite: 50,
      }),
    );
    assert.equal(ultra.sku?.tier, 'Ultra');
    assert.equal(ultra.creationData?.logicalSectorSize, 512);
    assert.equal(ultra.diskIopsReadWrite, 1000);
    assert.equal(ultra.diskMBpsReadWrite, 50);
    const changed = await compute.disks.update(rg, 'ultra', { diskIopsReadWrite: 1200, diskMBpsReadWrite: 100 });
    assert.equal(changed.diskIopsReadWrite, 1200);
    assert.equal(changed.diskMBpsReadWrite, 100);
    const read = await compute.disks.get(rg, 'ultra');
    assert.equal(read.diskIopsReadWrite, 1200);
    assert.equal(read.creationData?.logicalSectorSize, 512);

    const v2 = await compute.disks.createOrUpdate(rg, 'premium-v2', empty(2, 'PremiumV2_LRS'));
    assert.equal(v2.creationData?.logicalSectorSize, 4096);
    assert.equal(v2.diskIopsReadWrite, 3000);
    assert.equal(v2.diskMBpsReadWrite, 125);
    assert.equal(v2.tier, undefined);
  });

  it('refuses what Kiln cannot honour, naming the field, and creates nothing', async () => {
    const refusals: Array<[string, Record<string, unknown>, string, string?]> = [
      [
        'edge',
        empty(1, 'Standard_LRS', { extendedLocation: { name: 'la', type: 'EdgeZone' } }),
        'extendedLocation',
        'PropertyNotSupported',
      ],
      ['zones', empty(1, 'Standard_LRS', { zones: ['4'] }), 'zones'],
      [
        'cvm-cmk',
        empty(1, 'Standard_LRS', { securityProfile: { securityType: 'ConfidentialVM_DiskEncryptedWithCustomerKey' } }),
        'properties.securityProfile.securityType',
      ],
      [
        'secure-import',
        empty(1, 'Standard_LRS', { creationData: { createOption: 'Empty', securityDataUri: 'https://a/b.vhd' } }),
        'properties.creationData.securityDataUri',
        'PropertyNotSupported',
      ],
      [
        'san',
        empty(1, 'Standard_LRS', { creationData: { createOption: 'Empty', elasticSanResourceId: '/subscriptions/x' } }),
        'properties.creationData.elasticSanResourceId',
        'PropertyNotSupported',
      ],
      [
        'plus-small',
        empty(512, 'Premium_LRS', { creationData: { createOption: 'Empty', performancePlus: true } }),
        'properties.creationData.performancePlus',
      ],
      [
        'instant-disk',
        empty(1, 'Standard_LRS', { creationData: { createOption: 'Empty', instantAccessDurationMinutes: 60 } }),
        'properties.creationData.instantAccessDurationMinutes',
      ],
      [
        'des',
        empty(1, 'Standard_LRS', {
          encryption: {
            diskEncryptionSetId: `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/diskEncryptionSets/keys`,
          },
        }),
        'properties.encryption.diskEncryptionSetId',
      ],
      [
        'cmk',
        empty(1, 'Standard_LRS', { encryption: { type: 'EncryptionAtRestWithCustomerKey' } }),
        'properties.encryption.type',
      ],
      [
        'sector-standard',
        empty(1, 'Standard_LRS', { creationData: { createOption: 'Empty', logicalSectorSize: 512 } }),
        'properties.creationData.logicalSectorSize',
      ],
      [
        'sector-odd',
        empty(4, 'UltraSSD_LRS', { creationData: { createOption: 'Empty', logicalSectorSize: 1024 } }),
        'properties.creationData.logicalSectorSize',
      ],
      ['iops-standard', empty(1, 'Standard_LRS', { diskIopsReadWrite: 5000 }), 'properties.diskIOPSReadWrite'],
      ['iops-range', empty(4, 'UltraSSD_LRS', { diskIopsReadWrite: 50_000 }), 'properties.diskIOPSReadWrite'],
      ['mbps-range', empty(2, 'PremiumV2_LRS', { diskMBpsReadWrite: 5000 }), 'properties.diskMBpsReadWrite'],
      ['shared-iops', empty(4, 'UltraSSD_LRS', { diskIopsReadOnly: 100 }), 'properties.diskIOPSReadOnly'],
      ['shared-mbps', empty(4, 'UltraSSD_LRS', { diskMBpsReadOnly: 10 }), 'properties.diskMBpsReadOnly'],
      ['tier-standard', empty(1, 'StandardSSD_LRS', { tier: 'P10' }), 'properties.tier'],
      ['tier-large', empty(1, 'Premium_LRS', { tier: 'P60' }), 'properties.tier'],
      ['tier-name', empty(1, 'Premium_LRS', { tier: 'P99' }), 'properties.tier'],
      [
        'arch',
        empty(1, 'Standard_LRS', { supportedCapabilities: { architecture: 'sparc' } }),
        'properties.supportedCapabilities.architecture',
      ],
      [
        'plan',
        empty(1, 'Standard_LRS', { purchasePlan: { name: 'p', publisher: 'q' } }),
        'properties.purchasePlan.product',
      ],
    ];
    for (const [name, body, target, code] of refusals) {
      await assert.rejects(compute.disks.createOrUpdate(rg, name, body as never), refusedAt(target, code), name);
      await assert.rejects(compute.disks.get(rg, name), armRefusal(404, 'ResourceNotFound'));
    }
    // A zone and a security profile are kept; a member outside the model is refused at its path.
    const zonal = await compute.disks.createOrUpdate(
      rg,
      'zonal',
      empty(1, 'Premium_LRS', { zones: ['2'], securityProfile: { securityType: 'TrustedLaunch' } }),
    );
    for (const disk of [zonal, await compute.disks.get(rg, 'zonal')]) {
      assert.deepEqual(disk.zones, ['2']);
      assert.equal(disk.securityProfile?.securityType, 'TrustedLaunch');
    }
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const raw = armCaller(kiln, '2025-01-02');
    const unknown = await raw(token, 'PUT', zonal.id!.replace('/zonal', '/odd'), {
      location: 'westus',
      properties: { creationData: { createOption: 'Empty' }, diskSizeGB: 1, warpDrive: true },
    });
    assert.deepEqual([unknown.status, unknown.body.error.target], [400, 'properties.warpDrive']);
    const patched = await raw(token, 'PATCH', zonal.id!, { properties: { creationData: { createOption: 'Copy' } } });
    assert.deepEqual([patched.status, patched.body.error.target], [400, 'properties.creationData']);
    // Performance Plus on a large disk and a snapshot's instant access duration are kept.
    const plus = await compute.disks.createOrUpdate(
      rg,
      'plus',
      empty(600, 'StandardSSD_LRS', { creationData: { createOption: 'Empty', performancePlus: true } }),
    );
    assert.equal(plus.creationData?.performancePlus, true);
    assert.equal((await compute.disks.get(rg, 'plus')).creationData?.performancePlus, true);
    const instant = await compute.snapshots.createOrUpdate(rg, 'instant', {
      location: 'westus',
      creationData: { createOption: 'Copy', sourceResourceId: plus.id, instantAccessDurationMinutes: 60 },
    });
    assert.equal(instant.creationData?.instantAccessDurationMinutes, 60);
    // The same checks hold for updates; a Premium disk's tier never drops below its size's baseline.
    await compute.disks.createOrUpdate(rg, 'big-premium', empty(200, 'Premium_LRS'));
    await assert.rejects(compute.disks.update(rg, 'big-premium', { tier: 'P10' }), refusedAt('properties.tier'));
    // With MBps too: 24.1.0 sends no properties for a DiskUpdate whose only member is diskIopsReadWrite.
    await assert.rejects(
      compute.disks.update(rg, 'ultra', { diskIopsReadWrite: 99, diskMBpsReadWrite: 100 }),
      refusedAt('properties.diskIOPSReadWrite'),
    );
    await assert.rejects(
      compute.disks.update(rg, 'standard', { encryption: { diskEncryptionSetId: '/subscriptions/x/des' } }),
      refusedAt('properties.encryption.diskEncryptionSetId'),
    );
    assert.equal((await compute.disks.get(rg, 'big-premium')).tier, 'P15');
  });

  it('makes incremental snapshots of a disk, one family per disk, and keeps a snapshot’s own fields', async () => {
    const disk = await compute.disks.get(rg, 'premium');
    const first = await compute.snapshots.createOrUpdate(rg, 'inc-1', {
      location: 'westus',
      incremental: true,
      creationData: { createOption: 'Copy', sourceResourceId: disk.id },
    });
    assert.equal(first.incremental, true);
    assert.equal(first.incrementalSnapshotFamilyId, disk.uniqueId);
    // A copy carries what the disk says of its OS.
    assert.deepEqual(plain(first.purchasePlan), plain(disk.purchasePlan));
    assert.deepEqual(plain(first.supportedCapabilities), plain(disk.supportedCapabilities));
    const second = await compute.snapshots.createOrUpdate(rg, 'inc-2', {
      location: 'westus',
      incremental: true,
      creationData: { createOption: 'Copy', sourceResourceId: first.id },
    });
    assert.equal(second.incrementalSnapshotFamilyId, disk.uniqueId);
    const full = await compute.snapshots.createOrUpdate(rg, 'full', {
      location: 'westus',
      creationData: { createOption: 'Copy', sourceResourceId: disk.id },
    });
    assert.equal(full.incremental, false);
    assert.equal(full.incrementalSnapshotFamilyId, undefined);
    await assert.rejects(
      compute.snapshots.createOrUpdate(rg, 'inc-of-full', {
        location: 'westus',
        incremental: true,
        creationData: { createOption: 'Copy', sourceResourceId: full.id },
      }),
      refusedAt('properties.incremental'),
    );
    await assert.rejects(
      compute.snapshots.createOrUpdate(rg, 'inc-empty', {
        location: 'westus',
        incremental: true,
        diskSizeGB: 1,
        creationData: { createOption: 'Empty' },
      }),
      refusedAt('properties.incremental'),
    );
    // SnapshotUpdate has no `incremental` (the SDK drops it): sent as a client would send it by hand.
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const patch = await armCaller(kiln, '2025-01-02')(token, 'PATCH', `${full.id}`, {
      properties: { incremental: true },
    });
    assert.equal(patch.status, 400);
    assert.deepEqual(
      [patch.body.error.code, patch.body.error.target],
      ['PropertyChangeNotAllowed', 'properties.incremental'],
    );
    const patched = await compute.snapshots.update(rg, 'full', {
      supportsHibernation: false,
      supportedCapabilities: { diskControllerTypes: 'SCSI, NVMe' },
    });
    assert.equal(patched.supportsHibernation, false);
    assert.equal(patched.supportedCapabilities?.diskControllerTypes, 'SCSI, NVMe');
    assert.equal((await compute.snapshots.get(rg, 'full')).supportedCapabilities?.architecture, 'x64');
  });

  it('keeps the data access settings through create and update, and refuses what needs a disk access or key vault', async () => {
    const denied = {
      networkAccessPolicy: 'DenyAll',
      publicNetworkAccess: 'Disabled',
      dataAccessAuthMode: 'AzureActiveDirectory',
      optimizedForFrequentAttach: true,
      availabilityPolicy: { actionOnDiskDelay: 'AutomaticReattach' },
    };
    const allowed = {
      networkAccessPolicy: 'AllowAll',
      publicNetworkAccess: 'Enabled',
      dataAccessAuthMode: 'None',
      optimizedForFrequentAttach: false,
      availabilityPolicy: { actionOnDiskDelay: 'None' },
    };
    /** Each disk read has the settings asked for, no more and no less. */
    const hasSettings = (disks: object[], settings: Record<string, unknown>) => {
      for (const disk of disks) {
        const read = Object.keys(settings).map((key) => [key, (disk as Record<string, unknown>)[key]]);
        assert.deepEqual(plain(Object.fromEntries(read)), settings);
      }
    };
    const made = await compute.disks.createOrUpdate(rg, 'access', empty(1, 'StandardSSD_LRS', denied));
    hasSettings([made, await compute.disks.get(rg, 'access')], denied);
    const updated = await compute.disks.update(rg, 'access', allowed);
    hasSettings([updated, await compute.disks.get(rg, 'access')], allowed);
    const snapshot = await compute.snapshots.createOrUpdate(rg, 'access-snap', {
      location: 'westus',
      diskSizeGB: 1,
      creationData: { createOption: 'Empty' },
      dataAccessAuthMode: 'AzureActiveDirectory',
    });
    assert.equal(snapshot.dataAccessAuthMode, 'AzureActiveDirectory');
    assert.equal(
      (await compute.snapshots.update(rg, 'access-snap', { networkAccessPolicy: 'DenyAll' })).networkAccessPolicy,
      'DenyAll',
    );

    const diskAccess = `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/diskAccesses/private`;
    const refusals: Array<[Record<string, unknown>, string, string?]> = [
      [{ diskAccessId: diskAccess }, 'properties.diskAccessId', 'PropertyNotSupported'],
      [{ networkAccessPolicy: 'AllowPrivate' }, 'properties.networkAccessPolicy'],
      [
        { encryptionSettingsCollection: { enabled: true, encryptionSettings: [] } },
        'properties.encryptionSettingsCollection',
        'PropertyNotSupported',
      ],
      [{ dataAccessAuthMode: 'Kerberos' }, 'properties.dataAccessAuthMode'],
      [{ availabilityPolicy: { actionOnDiskDelay: 'Wait' } }, 'properties.availabilityPolicy.actionOnDiskDelay'],
    ];
    for (const [more, target, code] of refusals) {
      await assert.rejects(
        compute.disks.createOrUpdate(rg, 'no-access', empty(1, 'Standard_LRS', more) as never),
        refusedAt(target, code),
        target,
      );
      await assert.rejects(compute.disks.update(rg, 'access', more as never), refusedAt(target, code), target);
    }
    await assert.rejects(compute.disks.get(rg, 'no-access'), armRefusal(404, 'ResourceNotFound'));
  });

  it('refuses an export or upload SAS the network policies forbid, naming the field, and grants it under AllowAll', async () => {
    const read = { access: 'Read', durationInSeconds: 600 } as const;
    const denied = refusedAt('properties.networkAccessPolicy', 'OperationNotAllowed', 409);
    await compute.disks.createOrUpdate(rg, 'export', empty(1, 'Standard_LRS', { networkAccessPolicy: 'DenyAll' }));
    await assert.rejects(compute.disks.grantAccess(rg, 'export', read), denied);
    assert.equal((await compute.disks.get(rg, 'export')).diskState, 'Unattached', 'no grant was opened');
    // AllowAll with public access disabled: Kiln's blob endpoint is the only network it has.
    await compute.disks.update(rg, 'export', { networkAccessPolicy: 'AllowAll', publicNetworkAccess: 'Disabled' });
    await assert.rejects(
      compute.disks.grantAccess(rg, 'export', read),
      refusedAt('properties.publicNetworkAccess', 'OperationNotAllowed', 409),
    );
    await compute.disks.update(rg, 'export', { publicNetworkAccess: 'Enabled' });
    const sas = (await compute.disks.grantAccess(rg, 'export', read)).accessSAS!;
    assert.equal((await new BlobClient(sas).getProperties()).contentLength, GIB + 512, 'the SAS reads the disk');
    await compute.disks.revokeAccess(rg, 'export');
    // An upload is refused as an export is, and ending access is always allowed.
    await compute.disks.createOrUpdate(rg, 'upload-denied', {
      location: 'westus',
      networkAccessPolicy: 'DenyAll',
      creationData: { createOption: 'Upload', uploadSizeBytes: 20 * MIB + 512 },
    });
    await assert.rejects(
      compute.disks.grantAccess(rg, 'upload-denied', { access: 'Write', durationInSeconds: 600 }),
      denied,
    );
    await compute.disks.revokeAccess(rg, 'upload-denied');
    // Snapshots alike ('access-snap' was made DenyAll above).
    await assert.rejects(compute.snapshots.grantAccess(rg, 'access-snap', read), denied);
    await compute.snapshots.update(rg, 'access-snap', { networkAccessPolicy: 'AllowAll' });
    assert.ok((await compute.snapshots.grantAccess(rg, 'access-snap', read)).accessSAS);
    await compute.snapshots.revokeAccess(rg, 'access-snap');
  });

  it('round-trips the fields through @azure/arm-compute 25 (api-version 2026-03-02)', async () => {
    const newest = new ComputeManagementClient25(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    const made = await newest.disks.createOrUpdate(rg, 'newest', {
      location: 'westus',
      sku: { name: 'Premium_LRS' },
      diskSizeGB: 1,
      creationData: { createOption: 'Empty' },
      tier: 'P6',
      supportedCapabilities: { architecture: 'Arm64' },
    });
    assert.equal(made.tier, 'P6');
    const updated = await newest.disks.update(rg, 'newest', { supportsHibernation: true, purchasePlan: plan });
    assert.equal(updated.supportsHibernation, true);
    assert.deepEqual(plain(updated.purchasePlan), plan);
    assert.equal(updated.diskIopsReadWrite, 240);
    assert.equal(updated.supportedCapabilities?.architecture, 'Arm64');
  });

  it('grows a disk’s bytes (the old data, then zeros, then the new footer) and never shrinks it', async () => {
    // 22 MiB: the data ends inside a 4 MiB chunk, the case where growth writes one chunk anew.
    const vhd = makeVhd(22, 'grow');
    await uploadDisk(compute, rg, 'grown', 'westus', vhd);
    const grown = await compute.disks.update(rg, 'grown', { diskSizeGB: 2 });
    assert.equal(grown.provisioningState, 'Succeeded');
    assert.equal(grown.diskSizeGB, 2);
    assert.equal(grown.diskSizeBytes, 2 * GIB);
    assert.equal((await compute.disks.get(rg, 'grown')).diskSizeBytes, 2 * GIB);
    // The grown bytes are a new blob; the old one goes with a job.
    const store = kiln.server.kiln.domain.regions.get('westus')!;
    const blobsOf = async () => (await store.list(`disks/${grown.uniqueId}`)).map((blob) => blob.key);
    for (let tries = 0; (await blobsOf()).length > 1 && tries < 250; tries++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(await blobsOf(), [`disks/${grown.uniqueId}.2gb.vhd`]);

    const blob = new BlobClient(
      (await compute.disks.grantAccess(rg, 'grown', { access: 'Read', durationInSeconds: 600 })).accessSAS!,
    );
    assert.equal((await blob.getProperties()).contentLength, 2 * GIB + 512);
    const data = vhd.subarray(0, 22 * MIB);
    assert.equal(sha256(await blob.downloadToBuffer(0, 22 * MIB)), sha256(data));
    assert.ok((await blob.downloadToBuffer(22 * MIB, 4 * MIB)).equals(Buffer.alloc(4 * MIB)), 'zeros past the old end');
    const tail = await blob.downloadToBuffer(2 * GIB - 512, 1024);
    assert.ok(tail.subarray(0, 512).equals(Buffer.alloc(512)));
    const footer = parseVhdFooter(tail.subarray(512));
    assert.ok(footer.ok, footer.ok ? '' : footer.reason);
    assert.equal(footer.footer.currentSize, 2 * GIB);
    assert.equal(footer.footer.diskType, DISK_TYPE_FIXED);
    // Not while its bytes are open to a reader.
    await assert.rejects(compute.disks.update(rg, 'grown', { diskSizeGB: 3 }), armRefusal(409, 'OperationNotAllowed'));
    await compute.disks.revokeAccess(rg, 'grown');

    await assert.rejects(
      compute.disks.update(rg, 'grown', { diskSizeGB: 1 }),
      armRefusal(400, 'BadRequest', /cannot be resized down/),
    );
    assert.equal((await compute.disks.get(rg, 'grown')).diskSizeGB, 2);
  });

  it('grows a snapshot through a PUT and a Premium disk past its tier', async () => {
    const snapshot = await compute.snapshots.createOrUpdate(rg, 'grow-snap', {
      location: 'westus',
      diskSizeGB: 1,
      creationData: { createOption: 'Empty' },
    });
    const grown = await compute.snapshots.createOrUpdate(rg, 'grow-snap', { ...snapshot, diskSizeGB: 2 });
    assert.equal(grown.diskSizeBytes, 2 * GIB);
    const read = await compute.snapshots.grantAccess(rg, 'grow-snap', { access: 'Read', durationInSeconds: 600 });
    const blob = new BlobClient(read.accessSAS!);
    assert.equal((await blob.getProperties()).contentLength, 2 * GIB + 512);
    const footer = parseVhdFooter(await blob.downloadToBuffer(2 * GIB, 512));
    assert.ok(footer.ok && footer.footer.currentSize === 2 * GIB);
    await compute.snapshots.revokeAccess(rg, 'grow-snap');

    // The 1 GiB disk's P1 baseline becomes a 5 GiB disk's P2: a tier never stays below the size's.
    const premium = await compute.disks.createOrUpdate(rg, 'grow-premium', empty(1, 'Premium_LRS'));
    assert.equal(premium.tier, 'P1');
    const bigger = await compute.disks.update(rg, 'grow-premium', { diskSizeGB: 5 });
    assert.equal(bigger.tier, 'P2');
    assert.equal(bigger.diskIopsReadWrite, 120);
  });

  it('changes a disk’s storage type, its sharing and bursting by Azure’s rules', async () => {
    await compute.disks.createOrUpdate(rg, 'convert', empty(600, 'Standard_LRS'));
    const premium = await compute.disks.update(rg, 'convert', { sku: { name: 'Premium_LRS' } });
    assert.equal(premium.sku?.name, 'Premium_LRS');
    assert.equal(premium.sku?.tier, 'Premium');
    assert.equal(premium.tier, 'P30');
    assert.equal(premium.diskIopsReadWrite, 5000);

    const bursting = await compute.disks.update(rg, 'convert', { burstingEnabled: true, maxShares: 5 });
    assert.equal(bursting.burstingEnabled, true);
    assert.ok(bursting.burstingEnabledTime instanceof Date);
    assert.equal(bursting.maxShares, 5);
    const read = await compute.disks.get(rg, 'convert');
    assert.equal(read.burstingEnabled, true);
    assert.equal(read.maxShares, 5);
    // Bursting stays on for 12 hours; a P30-sized disk is shared by 5 VMs at most.
    await assert.rejects(
      compute.disks.update(rg, 'convert', { burstingEnabled: false }),
      inUse('properties.burstingEnabled'),
    );
    await assert.rejects(compute.disks.update(rg, 'convert', { maxShares: 6 }), refusedAt('properties.maxShares'));

    // To Standard SSD: no tier, bursting off (Premium only), sharing kept (E30 sizes take 5).
    const standardSsd = await compute.disks.update(rg, 'convert', { sku: { name: 'StandardSSD_LRS' } });
    assert.equal(standardSsd.sku?.name, 'StandardSSD_LRS');
    assert.equal(standardSsd.tier, undefined);
    assert.equal(standardSsd.burstingEnabled, false);
    assert.equal(standardSsd.maxShares, 5);
    assert.equal(standardSsd.diskIopsReadWrite, 500);
    // Standard HDD is never shared; Ultra and Premium SSD v2 are not converted in place.
    await assert.rejects(compute.disks.update(rg, 'convert', { sku: { name: 'Standard_LRS' } }), refusedAt('sku.name'));
    for (const sku of ['UltraSSD_LRS', 'PremiumV2_LRS'])
      await assert.rejects(compute.disks.update(rg, 'convert', { sku: { name: sku } }), refusedAt('sku.name'), sku);
    await assert.rejects(compute.disks.update(rg, 'convert', { sku: { name: 'Floppy' } }), refusedAt('sku.name'));
    assert.equal((await compute.disks.get(rg, 'convert')).sku?.name, 'StandardSSD_LRS');

    // A GET's answer put back with a new SKU (as az disk update --sku does) or a larger size: the figures
    // it echoes from before are the disk's own, replaced by the new SKU's and size's.
    const read2 = await compute.disks.get(rg, 'convert');
    const again = await compute.disks.createOrUpdate(rg, 'convert', { ...read2, sku: { name: 'Premium_LRS' } });
    assert.deepEqual([again.sku?.name, again.tier, again.diskIopsReadWrite], ['Premium_LRS', 'P30', 5000]);
    const bigger = await compute.disks.createOrUpdate(rg, 'convert', { ...again, diskSizeGB: 1100 });
    assert.deepEqual([bigger.diskSizeGB, bigger.tier, bigger.diskIopsReadWrite], [1100, 'P40', 7500]);

    // On-demand bursting: Premium SSD over 512 GiB only.
    await compute.disks.createOrUpdate(rg, 'small-premium', empty(512, 'Premium_LRS'));
    await assert.rejects(
      compute.disks.update(rg, 'small-premium', { burstingEnabled: true }),
      refusedAt('properties.burstingEnabled'),
    );
    await assert.rejects(
      compute.disks.createOrUpdate(rg, 'hdd-shared', empty(1, 'Standard_LRS', { maxShares: 2 })),
      refusedAt('properties.maxShares'),
    );
    const made = await compute.disks.createOrUpdate(
      rg,
      'shared-ultra',
      empty(4, 'UltraSSD_LRS', { maxShares: 15, diskIopsReadWrite: 1000 }),
    );
    assert.equal(made.maxShares, 15);
    const burst = await compute.disks.createOrUpdate(
      rg,
      'bursting',
      empty(1024, 'Premium_ZRS', { burstingEnabled: true }),
    );
    assert.equal(burst.burstingEnabled, true);
    assert.ok(burst.burstingEnabledTime instanceof Date);
  });

  it('refuses a resize, a new SKU, bursting and sharing while a running VM holds the disk', async () => {
    const disk = await compute.disks.createOrUpdate(rg, 'held', empty(600, 'Premium_LRS'));
    const vm = {
      id: `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/vm1`,
    } as VirtualMachine;
    const ctx = kiln.server.kiln.domain;
    const hold = async (state: 'Attached' | 'Reserved') =>
      holdDisk(ctx, vm, (await getResource<Disk, DiskInternal>(ctx, disk.id!))!, state);

    await hold('Attached');
    const attached = await compute.disks.get(rg, 'held');
    assert.equal(attached.diskState, 'Attached');
    assert.equal(attached.managedBy, vm.id);
    await assert.rejects(
      compute.disks.update(rg, 'held', { diskSizeGB: 700 }),
      armRefusal(409, 'OperationNotAllowed', /attached to running VM .*deallocated/),
    );
    await assert.rejects(compute.disks.update(rg, 'held', { diskSizeGB: 700 }), inUse('properties.diskSizeGB'));
    await assert.rejects(compute.disks.update(rg, 'held', { sku: { name: 'StandardSSD_LRS' } }), inUse('sku.name'));
    await assert.rejects(
      compute.disks.update(rg, 'held', { burstingEnabled: true }),
      inUse('properties.burstingEnabled'),
    );
    await assert.rejects(compute.disks.update(rg, 'held', { maxShares: 2 }), inUse('properties.maxShares'));
    // What needs no offline disk goes on.
    assert.equal((await compute.disks.update(rg, 'held', { tier: 'P40' })).tier, 'P40');
    const unchanged = await compute.disks.get(rg, 'held');
    assert.deepEqual([unchanged.diskSizeGB, unchanged.sku?.name, unchanged.maxShares], [600, 'Premium_LRS', undefined]);

    // Deallocated: the size, the SKU and bursting change; sharing still needs the disk detached.
    await hold('Reserved');
    const grown = await compute.disks.update(rg, 'held', { diskSizeGB: 700 });
    assert.equal(grown.diskSizeGB, 700);
    assert.equal(grown.provisioningState, 'Succeeded');
    assert.equal(grown.diskState, 'Reserved');
    const converted = await compute.disks.update(rg, 'held', { sku: { name: 'Premium_ZRS' }, burstingEnabled: true });
    assert.equal(converted.sku?.name, 'Premium_ZRS');
    assert.equal(converted.burstingEnabled, true);
    await assert.rejects(compute.disks.update(rg, 'held', { maxShares: 2 }), inUse('properties.maxShares'));

    await releaseDisk(ctx, vm, disk.id!);
    assert.equal((await compute.disks.update(rg, 'held', { maxShares: 2 })).maxShares, 2);
  });
});
