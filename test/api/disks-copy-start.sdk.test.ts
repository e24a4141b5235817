// CopyStart (issue 18) through the official @azure/arm-compute clients: an incremental snapshot copied
// from westus to eastus answers at once, Succeeded with completionPercent 0, and copies in the
// background, moving only the chunks eastus lacks; completionPercent climbs to 100, and the copy is
// then downloaded through a read SAS with the source's bytes and made into a disk. Until then it
// cannot be read, copied or grown; a source deleted during the copy fails it with Azure's
// copyCompletionError CopySourceNotFound; and what Azure refuses is refused naming the field.
import { ComputeManagementClient, type Snapshot } from '@azure/arm-compute';
import { ComputeManagementClient as ComputeManagementClient25 } from '@azure/arm-compute-25';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { transferBlob } from '../../src/domain/replication/blob-transfer.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import { armRefusal, fieldRefusals } from '../support/arm-refusal.ts';
import { MIB, contentName, downloadDisk, makeVhd, sha256, uploadDisk } from '../support/disk-data.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const rg = 'copy-start';
const CHUNK = 4 * MIB;

const { policy: recordErrors, refusedAt } = fieldRefusals();

const waitFor = async <T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
  for (let tries = 0; tries < 500; tries++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('CopyStart snapshots through @azure/arm-compute', () => {
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  const vhd = makeVhd(22, 'copy-start');
  const store = (region: string): BlobStore => kiln.server.kiln.domain.regions.get(region)!;
  const copyStart = (source: string, more: Record<string, unknown> = {}) => ({
    location: 'eastus',
    incremental: true,
    creationData: { createOption: 'CopyStart' as const, sourceResourceId: source },
    ...more,
  });
  const snapshotOf = async (name: string, diskId: string, location = 'westus') =>
    compute.snapshots.createOrUpdate(rg, name, {
      location,
      incremental: true,
      creationData: { createOption: 'Copy', sourceResourceId: diskId },
    });
  const downloadSnapshot = (name: string) => downloadDisk(compute, rg, name, 'snapshots');
  /**
   * Holds every chunk the eastus store is asked to adopt (the first step of landing one) until the
   * test lets it go; `keys` records the chunks put there, the ones that crossed regions.
   */
  const holdEastChunks = ({ hold: holding = true } = {}) => {
    let hold = holding;
    const east = store('eastus');
    const { adopt, put } = east;
    const waiting: Array<() => void> = [];
    const puts: string[] = [];
    east.adopt = async (key, sha) => {
      if (hold && key.includes('.chunks/') && !key.endsWith('zeros')) await new Promise<void>((go) => waiting.push(go));
      return adopt(key, sha);
    };
    east.put = (key, content, options) => (puts.push(key), put(key, content, options));
    return {
      puts,
      waiting: () => waiting.length,
      /** Lets `count` chunks held go on; with none, every chunk, held or to come. */
      release: (count?: number) => {
        if (count === undefined) hold = false;
        waiting.splice(0, count ?? Infinity).forEach((go) => go());
      },
      restore: () => {
        Object.assign(east, { adopt, put });
        waiting.splice(0).forEach((go) => go());
      },
    };
  };

  before(async () => {
    // Two workers: a source's bytes are deleted by a job while the copy's job is held.
    kiln = await startTestServer({ workers: 2 });
    compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
      additionalPolicies: [{ position: 'perCall', policy: recordErrors }],
    });
    const resources = new ResourceManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await resources.resourceGroups.createOrUpdate(rg, { location: 'westus' });
    await uploadDisk(compute, rg, 'source', 'westus', vhd);
  });
  after(() => kiln.stop());

  it('copies an incremental snapshot westus→eastus in the background, then serves its bytes', async () => {
    const disk = await compute.disks.get(rg, 'source');
    const west = await snapshotOf('west', disk.id!);
    const hold = holdEastChunks();
    let made: Snapshot;
    let done: Snapshot;
    try {
      made = await compute.snapshots.createOrUpdate(rg, 'east', copyStart(west.id!));
      assert.equal(made.provisioningState, 'Succeeded');
      assert.equal(made.completionPercent, 0);
      assert.equal(made.snapshotAccessState, 'Pending');
      assert.equal(made.incremental, true);
      assert.equal(made.incrementalSnapshotFamilyId, disk.uniqueId);
      assert.equal(made.creationData?.createOption, 'CopyStart');
      assert.equal(made.creationData?.sourceUniqueId, west.uniqueId);
      assert.equal(made.diskSizeBytes, 22 * MIB);

      // Some chunks in: the snapshot reports a part done, and nothing may read or change it yet.
      await waitFor(
        'chunks asked for',
        async () => hold.waiting(),
        (n) => n > 0,
      );
      hold.release(3);
      const partial = await waitFor(
        'progress',
        () => compute.snapshots.get(rg, 'east'),
        (s) => (s.completionPercent ?? 0) > 0,
      );
      assert.ok(partial.completionPercent! < 100, `${partial.completionPercent}`);
      assert.equal(partial.snapshotAccessState, 'Pending');
      const pending = armRefusal(409, 'OperationNotAllowed', /background copy/);
      await assert.rejects(
        compute.snapshots.grantAccess(rg, 'east', { access: 'Read', durationInSeconds: 60 }),
        pending,
      );
      await assert.rejects(
        compute.disks.createOrUpdate(rg, 'too-early', {
          location: 'eastus',
          creationData: { createOption: 'Copy', sourceResourceId: made.id },
        }),
        pending,
      );
      await assert.rejects(compute.snapshots.update(rg, 'east', { diskSizeGB: 2 }), pending);
      hold.release();
      done = await waitFor(
        'the copy',
        () => compute.snapshots.get(rg, 'east'),
        (s) => s.completionPercent === 100,
      );
    } finally {
      hold.restore();
    }
    assert.equal(done.snapshotAccessState, 'Available');
    assert.equal(done.copyCompletionError, undefined);
    // Every chunk of the source crossed: eastus held none of them.
    assert.equal(hold.puts.length, Math.ceil(vhd.length / CHUNK));
    assert.equal(sha256(await downloadSnapshot('east')), sha256(vhd));

    const fromCopy = await compute.disks.createOrUpdate(rg, 'east-disk', {
      location: 'eastus',
      creationData: { createOption: 'Copy', sourceResourceId: done.id },
    });
    assert.equal(fromCopy.provisioningState, 'Succeeded');
    assert.equal(sha256(await downloadDisk(compute, rg, 'east-disk')), sha256(vhd));
  });

  it('moves only the chunks eastus lacks, through the newest client (api-version 2026-03-02)', async () => {
    // One 4 MiB chunk changed: the disk's next snapshot differs from the copied one there only.
    const changed = Buffer.from(vhd);
    changed.fill(7, 2 * CHUNK, 3 * CHUNK);
    await uploadDisk(compute, rg, 'changed', 'westus', changed);
    const west = await snapshotOf('west-changed', (await compute.disks.get(rg, 'changed')).id!);
    const newest = new ComputeManagementClient25(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    const hold = holdEastChunks({ hold: false });
    try {
      const made = await newest.snapshots.createOrUpdate(rg, 'east-changed', copyStart(west.id!));
      assert.equal(made.creationData?.createOption, 'CopyStart');
      await waitFor(
        'the copy',
        () => newest.snapshots.get(rg, 'east-changed'),
        (s) => s.completionPercent === 100,
      );
    } finally {
      hold.restore();
    }
    assert.deepEqual(
      hold.puts.map((key) => key.split('/').pop()),
      [sha256(changed.subarray(2 * CHUNK, 3 * CHUNK))],
    );
    assert.equal(sha256(await downloadSnapshot('east-changed')), sha256(changed));
  });

  it('fails with copyCompletionError CopySourceNotFound when the source goes during the copy', async () => {
    const other = makeVhd(21, 'source-deleted');
    await uploadDisk(compute, rg, 'short-lived', 'westus', other);
    const west = await snapshotOf('west-gone', (await compute.disks.get(rg, 'short-lived')).id!);
    const hold = holdEastChunks();
    try {
      await compute.snapshots.createOrUpdate(rg, 'east-orphan', copyStart(west.id!));
      await compute.snapshots.delete(rg, 'west-gone');
      const sourceKey = `snapshots/${west.uniqueId}.vhd`;
      await waitFor(
        'the source bytes to go',
        () => store('westus').stat(sourceKey),
        (info) => info === undefined,
      );
      hold.release();
    } finally {
      hold.restore();
    }
    const failed = await waitFor(
      'the copy to fail',
      () => compute.snapshots.get(rg, 'east-orphan'),
      (s) => s.copyCompletionError !== undefined,
    );
    assert.equal(failed.copyCompletionError?.errorCode, 'CopySourceNotFound');
    assert.equal(failed.snapshotAccessState, 'Pending');
    assert.ok(failed.completionPercent! < 100);
    await assert.rejects(
      compute.snapshots.grantAccess(rg, 'east-orphan', { access: 'Read', durationInSeconds: 60 }),
      armRefusal(409, 'OperationNotAllowed', /CopySourceNotFound/),
    );
    // Nothing of the failed copy stays in eastus.
    assert.deepEqual(await store('eastus').list(`snapshots/${failed.uniqueId}`), []);
    await compute.snapshots.delete(rg, 'east-orphan');
  });

  it('refuses what Azure refuses, naming the field, and copies within a region too', async () => {
    const disk = await compute.disks.get(rg, 'source');
    const full = await compute.snapshots.createOrUpdate(rg, 'full', {
      location: 'westus',
      creationData: { createOption: 'Copy', sourceResourceId: disk.id },
    });
    const west = await compute.snapshots.get(rg, 'west');
    const refusals: Array<[string, Record<string, unknown>, string]> = [
      ['not-incremental', copyStart(west.id!, { incremental: false }), 'properties.incremental'],
      ['of-disk', copyStart(disk.id!), 'properties.creationData.sourceResourceId'],
      ['of-full', copyStart(full.id!), 'properties.creationData.sourceResourceId'],
      [
        'speed-on-copy',
        {
          location: 'westus',
          creationData: { createOption: 'Copy', sourceResourceId: west.id, provisionedBandwidthCopySpeed: 'Enhanced' },
        },
        'properties.creationData.provisionedBandwidthCopySpeed',
      ],
    ];
    for (const [name, body, target] of refusals) {
      await assert.rejects(compute.snapshots.createOrUpdate(rg, name, body as never), refusedAt(target), name);
      await assert.rejects(compute.snapshots.get(rg, name), armRefusal(404, 'ResourceNotFound'));
    }
    // Disks have no CopyStart.
    await assert.rejects(
      compute.disks.createOrUpdate(rg, 'disk-copy-start', copyStart(west.id!) as never),
      refusedAt('properties.creationData.createOption'),
    );

    // Incremental unless told otherwise: Azure's own CopyStart example leaves it out.
    const local = await compute.snapshots.createOrUpdate(rg, 'west-copy', {
      location: 'westus',
      creationData: { createOption: 'CopyStart', sourceResourceId: west.id, provisionedBandwidthCopySpeed: 'Enhanced' },
    });
    assert.equal(local.incremental, true);
    assert.equal(local.creationData?.provisionedBandwidthCopySpeed, 'Enhanced');
    await waitFor(
      'the copy',
      () => compute.snapshots.get(rg, 'west-copy'),
      (s) => s.completionPercent === 100,
    );
    assert.equal(sha256(await downloadSnapshot('west-copy')), sha256(vhd));
  });

  it('resumes a copy cut off midway, moving only the chunks not landed yet, and leaves no scratch', async () => {
    const other = makeVhd(21, 'resumed');
    await uploadDisk(compute, rg, 'resumed', 'westus', other);
    const { uniqueId } = await compute.disks.get(rg, 'resumed');
    const [from, to] = [store('westus'), store('eastus')];
    const options = { scratch: 'snapshots/resumed.vhd.chunks/' };
    const stop = new AbortController();
    const first = transferBlob(from, `disks/${uniqueId}.vhd`, to, 'snapshots/resumed.vhd', {
      ...options,
      signal: stop.signal,
      onProgress: () => stop.abort(),
    });
    await assert.rejects(first, { name: 'AbortError' });
    const landed = (await to.list(options.scratch)).length;
    assert.ok(landed > 0 && landed < Math.ceil(other.length / CHUNK), `${landed} chunks landed`);
    const second = await transferBlob(from, `disks/${uniqueId}.vhd`, to, 'snapshots/resumed.vhd', options);
    assert.equal(second.bytesMoved, other.length - landed * CHUNK);
    assert.deepEqual(await to.list(options.scratch), []);
    assert.equal(second.info.sha256, contentName(other));
    // Run again once made: nothing moves.
    assert.equal(
      (await transferBlob(from, `disks/${uniqueId}.vhd`, to, 'snapshots/resumed.vhd', options)).bytesMoved,
      0,
    );
    await to.delete('snapshots/resumed.vhd');
  });
});
