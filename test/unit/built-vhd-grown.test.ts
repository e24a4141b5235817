// A build whose disk grew past its source (vmProfile.osDiskSizeGB) stores its image from the source's
// chunks (domain/image-templates/run/built-vhd.ts): the source's chunk list, zero chunks past it, and
// only what the build changed put, the chunk the source's footer was in among them; the stored VHD
// reads byte for byte as the grown image.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createFsBlobStore } from '../../src/adapters/fs-blob-store.ts';
import { CHUNK_SIZE } from '../../src/core/content-id.ts';
import { createFixedVhdFooter, VHD_FOOTER_SIZE } from '../../src/core/vhd.ts';
import type { DomainContext } from '../../src/domain/context.ts';
import { readAll } from '../../src/domain/disks/disk-source.ts';
import type { ImageTemplate } from '../../src/domain/image-templates/image-template.ts';
import { storeBuiltVhd } from '../../src/domain/image-templates/run/built-vhd.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import { MIB, makeVhd } from '../support/disk-data.ts';

describe('a grown build image stored from its source', () => {
  let dir: string;
  let store: BlobStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-built-vhd-grown-'));
    store = createFsBlobStore('westus', dir);
    await store.open();
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('puts only the changed chunks and the one the old footer was in; the VHD reads as the grown disk', async () => {
    // 22 MiB of data: the source's footer sits inside its sixth chunk, with 2 MiB of data before it.
    const source = makeVhd(22, 'grown-source');
    await store.put('platform/source.vhd', source);
    const grownData = 64 * MIB;
    const image = Buffer.alloc(grownData + VHD_FOOTER_SIZE);
    source.copy(image, 0, 0, 22 * MIB);
    image.write('written by the build', MIB + 7);
    image.write('and past the source', 40 * MIB);
    createFixedVhdFooter(grownData).copy(image, grownData);
    // What the write image step lists for an overlay: the chunks writes reached, and the footer's.
    const changedChunks = [0, 10, grownData / CHUNK_SIZE];
    let built = -1;
    const ctx = {
      regions: new Map([['westus', store]]),
      settings: {},
      clock: { now: () => new Date('2026-12-07T00:00:00Z') },
      blobUrls: { signed: () => 'https://localhost/signed', plain: () => 'https://localhost/plain' },
      meters: { replicatedBytes: () => {}, builtBytes: (_: string, bytes: number) => (built = bytes) },
    } as unknown as DomainContext;
    const template = { location: 'westus', name: 'grown', properties: { distribute: [] } } as unknown as ImageTemplate;
    const stored = await storeBuiltVhd(
      ctx,
      template,
      'run-1',
      {
        path: '/nowhere',
        size: image.length,
        changedChunks,
        read: async (offset, length) => image.subarray(offset, offset + length),
      },
      {
        description: 'source',
        size: source.length,
        open: () => Readable.from([source]),
        readRange: async (offset, length) => source.subarray(offset, offset + length),
        stored: { region: 'westus', runs: async () => store.chunks('platform/source.vhd') },
      },
    );
    assert.equal(stored.key, 'imagetemplates/run-1/grown.vhd');
    assert.equal((await store.stat(stored.key))?.size, image.length);
    assert.ok((await readAll(store.read(stored.key))).equals(image), 'the stored VHD is the grown image');
    // Chunks 0, 5 (the old footer's) and 10 of 4 MiB, and the 512-byte footer: not the 64 MiB image.
    assert.ok(built > 0 && built <= 3 * CHUNK_SIZE + VHD_FOOTER_SIZE, `put ${built} bytes`);
  });
});
