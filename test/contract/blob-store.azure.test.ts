import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { createAzureBlobStore } from '../../src/adapters/azure-blob-store.ts';
import { startAzurite, type Azurite } from '../support/azurite.ts';
import { describeBlobStoreContract } from './blob-store.contract.ts';

let azurite: Azurite;
before(async () => {
  azurite = await startAzurite();
});
after(() => azurite?.stop());

/** A store on a container of its own, and that container as the SDK sees it. */
function open() {
  const container = `kiln-${randomUUID()}`;
  const store = createAzureBlobStore('test', { connectionString: azurite.connectionString, container });
  return {
    store,
    container: BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container),
  };
}

describeBlobStoreContract('azure', async () => open().store);

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('azure blob store on Azurite', () => {
  it('stores sealed blobs as block blobs carrying their sha256, under their key', async () => {
    const { store, container } = open();
    await store.put('c/a.bin', Buffer.from('sealed'));
    const properties = await container.getBlobClient('c/a.bin').getProperties();
    assert.equal(properties.blobType, 'BlockBlob');
    assert.deepEqual(properties.metadata, { sha256: sha256(Buffer.from('sealed')), kilnsealed: '1' });
  });

  it('ignores blobs without the seal metadata and staged blocks never committed', async () => {
    const { store, container } = open();
    await store.put('c/sealed.bin', Buffer.from('sealed'));
    await container.getBlockBlobClient('c/foreign.bin').upload('foreign', 7);
    // A put failing before its commit leaves staged blocks that no block list names, as a crash would.
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(5 * 1024 * 1024, 1);
      throw new Error('source failed');
    }
    await assert.rejects(store.put('c/crashed.bin', Readable.from(failing())), /source failed/);
    const blocks = await container.getBlockBlobClient('c/crashed.bin').getBlockList('uncommitted');
    assert.equal(blocks.uncommittedBlocks?.length, 1);
    assert.equal(await store.stat('c/foreign.bin'), undefined);
    assert.equal(await store.stat('c/crashed.bin'), undefined);
    await assert.rejects(readAll(store.read('c/foreign.bin')), { code: 'BlobNotFound' });
    assert.deepEqual(
      (await store.list('c/')).map((info) => info.key),
      ['c/sealed.bin'],
    );
    await store.put('c/crashed.bin', Buffer.from('whole'));
    assert.equal((await readAll(store.read('c/crashed.bin'))).toString(), 'whole');
  });

  it('keeps staging page blobs apart from sealed blobs and refuses keys among them', async () => {
    const { store, container } = open();
    await store.createStaging('disks/a.vhd', 4096);
    const names: string[] = [];
    for await (const item of container.listBlobsFlat()) names.push(`${item.properties.blobType} ${item.name}`);
    assert.deepEqual(names, [`PageBlob .staging/${sha256(Buffer.from('disks/a.vhd'))}`]);
    assert.deepEqual(await store.list(''), []);
    await assert.rejects(store.put('.staging/x', Buffer.from('x')), { code: 'InvalidBlobKey' });
  });

  it('refuses staging sizes and offsets that are not whole 512-byte pages', async () => {
    const { store } = open();
    await assert.rejects(store.createStaging('disks/odd.vhd', 1000), /512-byte pages/);
    await store.createStaging('disks/b.vhd', 2048);
    await assert.rejects(store.writeStaging('disks/b.vhd', 100, Buffer.alloc(512)), /multiples of 512/);
    await assert.rejects(store.writeStaging('disks/b.vhd', 0, Buffer.alloc(100)), { code: 'InvalidPageRange' });
    await assert.rejects(store.writeStaging('disks/b.vhd', 1536, Buffer.alloc(1024)), { code: 'InvalidPageRange' });
  });

  it('refuses page writes and a second seal while a staging blob is being sealed', async () => {
    const { store, container } = open();
    await store.createStaging('disks/c.vhd', 1024);
    // The lease a seal in another process would hold.
    const staging = container.getPageBlobClient(`.staging/${sha256(Buffer.from('disks/c.vhd'))}`);
    const lease = staging.getBlobLeaseClient();
    await lease.acquireLease(15);
    await assert.rejects(store.writeStaging('disks/c.vhd', 0, Buffer.alloc(512)), { code: 'BlobBeingSealed' });
    await assert.rejects(store.seal('disks/c.vhd'), { code: 'BlobBeingSealed' });
    await lease.releaseLease();
    await store.writeStaging('disks/c.vhd', 0, Buffer.alloc(512, 1));
    const info = await store.seal('disks/c.vhd');
    assert.equal(info.sha256, sha256(Buffer.concat([Buffer.alloc(512, 1), Buffer.alloc(512)])));
  });

  it('reports a missing blob as BlobNotFound', async () => {
    const { store } = open();
    await assert.rejects(store.copy('c/none.bin', 'c/copy.bin'), { code: 'BlobNotFound' });
    await assert.rejects(store.writeStaging('c/none.vhd', 0, Buffer.alloc(512)), { code: 'BlobNotFound' });
    await assert.rejects(store.seal('c/none.vhd'), { code: 'BlobNotFound' });
    await assert.rejects(readAll(store.readStaging('c/none.vhd')), { code: 'BlobNotFound' });
  });
});
