import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { createAzureBlobStore } from '../../src/adapters/azure-blob-store.ts';
import { CHUNK_SIZE, contentId, zeroChunkSha } from '../../src/core/content-id.ts';
import { startAzurite, type Azurite } from '../support/azurite.ts';
import { describeBlobStoreContract } from './blob-store.contract.ts';

let azurite: Azurite;
before(async () => {
  azurite = await startAzurite();
});
after(() => azurite?.stop());

/** A store on a container of its own, and that container as the SDK sees it. */
function open(connectionString = azurite.connectionString) {
  const container = `kiln-${randomUUID()}`;
  const store = createAzureBlobStore('test', { connectionString, container });
  return {
    store,
    container: BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container),
  };
}

/** A download seen on the wire: the range asked for and the body bytes Azurite sent. */
interface Download {
  path: string;
  range: string | undefined;
  bytes: number;
}

/**
 * Azurite behind a proxy on loopback that records every download (a GET of blob bytes, not of a
 * listing or properties), so a test sees what a store really reads.
 */
async function recordingDownloads(): Promise<{
  connectionString: string;
  downloads: Download[];
  close(): Promise<void>;
}> {
  const endpoint = new URL(/BlobEndpoint=([^;]+)/.exec(azurite.connectionString)![1]);
  const downloads: Download[] = [];
  const proxy = http.createServer((request, response) => {
    const upstream = http.request(
      {
        host: endpoint.hostname,
        port: endpoint.port,
        path: request.url,
        method: request.method,
        headers: request.headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode!, answer.headers);
        if (request.method === 'GET' && !new URL(request.url!, endpoint).searchParams.has('comp')) {
          const download: Download = { path: request.url!, range: request.headers['x-ms-range'] as string, bytes: 0 };
          downloads.push(download);
          answer.on('data', (data: Buffer) => (download.bytes += data.length));
        }
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    connectionString: azurite.connectionString.replace(endpoint.origin, `http://127.0.0.1:${port}`),
    downloads,
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
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
  it('stores put blobs as block blobs carrying their content name, under their key', async () => {
    const { store, container } = open();
    await store.put('c/a.bin', Buffer.from('sealed'));
    const properties = await container.getBlobClient('c/a.bin').getProperties();
    assert.equal(properties.blobType, 'BlockBlob');
    assert.deepEqual(properties.metadata, { sha256: sha256(Buffer.from('sealed')), kilnsealed: '1' });

    // Past one chunk the name is that of the chunk list, whatever the pieces the content streamed in.
    const chunks = [Buffer.alloc(CHUNK_SIZE, 1), Buffer.alloc(CHUNK_SIZE, 1), Buffer.alloc(100, 2)];
    const info = await store.put(
      'c/long.bin',
      Readable.from([Buffer.concat(chunks).subarray(0, 3), Buffer.concat(chunks).subarray(3)]),
    );
    const name = contentId(2 * CHUNK_SIZE + 100, chunks.map(sha256));
    assert.equal(info.sha256, name);
    assert.equal((await container.getBlobClient('c/long.bin').getProperties()).metadata?.sha256, name);
  });

  it('seals a staging blob with a few written pages under the name of the same content put whole', async () => {
    const { store, container } = open();
    // Three chunks and a short fourth; pages written in the first and the last, none in between.
    const size = 3 * CHUNK_SIZE + 4096;
    const content = Buffer.alloc(size);
    await store.createStaging('disks/few.vhd', size);
    for (const [offset, fill] of [
      [512, 7],
      [CHUNK_SIZE - 512, 8],
      [3 * CHUNK_SIZE + 1024, 9],
    ]) {
      await store.writeStaging('disks/few.vhd', offset, Buffer.alloc(512, fill));
      content.fill(fill, offset, offset + 512);
    }
    const sealed = await store.seal('disks/few.vhd');
    const put = await store.put('c/few.bin', content);
    assert.equal(sealed.sha256, put.sha256);
    const chunk = (index: number) => content.subarray(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE);
    assert.equal(
      sealed.sha256,
      contentId(size, [sha256(chunk(0)), { sha: zeroChunkSha(CHUNK_SIZE), count: 2 }, sha256(chunk(3))]),
    );
    // The sealed blob is the staging page blob copied server-side, with the seal metadata.
    const properties = await container.getBlobClient('disks/few.vhd').getProperties();
    assert.equal(properties.blobType, 'PageBlob');
    assert.deepEqual(properties.metadata, { sha256: sealed.sha256, kilnsealed: '1' });
    assert.deepEqual(await readAll(store.read('disks/few.vhd')), content);
    const copy = await store.copy('disks/few.vhd', 'disks/copy.vhd');
    assert.equal(copy.sha256, sealed.sha256);
  });

  it('seals an 8 TiB staging blob reading only the chunks that hold written pages', async () => {
    const proxy = await recordingDownloads();
    try {
      const { store } = open(proxy.connectionString);
      const size = 8 * 1024 ** 4;
      await store.createStaging('disks/huge.vhd', size);
      // Pages across the border of chunks 4 and 5, which one download reads, and the last page.
      await store.writeStaging('disks/huge.vhd', 5 * CHUNK_SIZE - 512, Buffer.alloc(1024, 1));
      await store.writeStaging('disks/huge.vhd', size - 512, Buffer.alloc(512, 2));
      proxy.downloads.length = 0;
      const started = Date.now();
      const info = await store.seal('disks/huge.vhd');
      const elapsed = Date.now() - started;
      const before = Buffer.alloc(CHUNK_SIZE);
      before.fill(1, CHUNK_SIZE - 512);
      const after = Buffer.alloc(CHUNK_SIZE);
      after.fill(1, 0, 512);
      const last = Buffer.alloc(CHUNK_SIZE);
      last.fill(2, CHUNK_SIZE - 512);
      const chunks = size / CHUNK_SIZE;
      const zeros = (count: number) => ({ sha: zeroChunkSha(CHUNK_SIZE), count });
      assert.equal(
        info.sha256,
        contentId(size, [zeros(4), sha256(before), sha256(after), zeros(chunks - 7), sha256(last)]),
      );
      assert.deepEqual(
        proxy.downloads.map(({ range, bytes }) => ({ range, bytes })),
        [
          { range: `bytes=${4 * CHUNK_SIZE}-${6 * CHUNK_SIZE - 1}`, bytes: 2 * CHUNK_SIZE },
          { range: `bytes=${size - CHUNK_SIZE}-${size - 1}`, bytes: CHUNK_SIZE },
        ],
      );
      assert.ok(elapsed < 10_000, `sealing took ${elapsed} ms`);
    } finally {
      await proxy.close();
    }
  });

  it('refuses a staging blob over 8 TiB, the largest page blob Azure makes, saying so', async () => {
    const { store } = open();
    await assert.rejects(store.createStaging('disks/32t.vhd', 32767 * 1024 ** 3 + 512), (error: Error) => {
      assert.equal((error as Error & { code?: string }).code, 'StagingBlobTooLarge');
      assert.match(error.message, /limit of 8 TiB \(8796093022208 bytes\)/);
      assert.match(error.message, /embedded folder store has no such limit/);
      return true;
    });
    assert.equal(await store.stagingSize('disks/32t.vhd'), undefined);
  });

  it('replaces a sealed disk (a page blob) with a put that overwrites it', async () => {
    const { store, container } = open();
    await store.createStaging('disks/old.vhd', 1024);
    await store.seal('disks/old.vhd');
    await assert.rejects(store.put('disks/old.vhd', Buffer.from('new')), { code: 'BlobAlreadyExists' });
    const info = await store.put('disks/old.vhd', Buffer.from('new'), { overwrite: true });
    assert.equal(info.sha256, sha256(Buffer.from('new')));
    assert.equal((await container.getBlobClient('disks/old.vhd').getProperties()).blobType, 'BlockBlob');
    assert.equal((await readAll(store.read('disks/old.vhd'))).toString(), 'new');
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

  it('fails a probe at once where the account does not answer or the container is gone', async () => {
    const { store, container } = open();
    await store.open();
    await store.probe();
    await container.delete();
    await assert.rejects(store.probe(), { code: 'ContainerNotFound' });
    // A loopback port nobody listens on: refused at once, not retried for tens of seconds.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const endpoint = /BlobEndpoint=([^;]+)/.exec(azurite.connectionString)![1];
    const unreachable = createAzureBlobStore('test', {
      connectionString: azurite.connectionString.replace(new URL(endpoint).origin, `http://127.0.0.1:${port}`),
      container: `kiln-${randomUUID()}`,
    });
    const started = Date.now();
    await assert.rejects(unreachable.probe(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ECONNREFUSED');
      return true;
    });
    assert.ok(Date.now() - started < 5000, `the probe took ${Date.now() - started} ms`);
  });

  it('reports a missing blob as BlobNotFound', async () => {
    const { store } = open();
    await assert.rejects(store.copy('c/none.bin', 'c/copy.bin'), { code: 'BlobNotFound' });
    await assert.rejects(store.writeStaging('c/none.vhd', 0, Buffer.alloc(512)), { code: 'BlobNotFound' });
    await assert.rejects(store.seal('c/none.vhd'), { code: 'BlobNotFound' });
    await assert.rejects(readAll(store.readStaging('c/none.vhd')), { code: 'BlobNotFound' });
  });
});
