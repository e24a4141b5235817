// The block cache over an overlay's source (block-cache.ts): small reads come back byte for byte from
// aligned blocks fetched once (missing neighbours in one read), large reads pass straight through,
// memory stays within its block count, a failed fetch is asked again, and a caller's buffer is its own.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { blockCached } from '../../src/imaging/disk/block-cache.ts';

const KIB = 1024;

function diskOf(bytes: Buffer) {
  const reads: Array<[number, number]> = [];
  let failNext = false;
  return {
    reads,
    failOnce: () => (failNext = true),
    disk: {
      size: bytes.length,
      read: async (offset: number, length: number) => {
        reads.push([offset, length]);
        if (failNext) {
          failNext = false;
          throw new Error('EIO');
        }
        return Buffer.from(bytes.subarray(offset, offset + length));
      },
    },
  };
}

describe('block cache', () => {
  const bytes = randomBytes(1024 * KIB + 512);

  it('answers small reads byte for byte from whole blocks, each fetched once', async () => {
    const { disk, reads } = diskOf(bytes);
    const cached = blockCached(disk, { blockSize: 64 * KIB });
    for (const [offset, length] of [
      [0, 4 * KIB],
      [4 * KIB, 4 * KIB],
      [60 * KIB, 8 * KIB], // across two blocks
      [100, 1],
      [1024 * KIB, 512], // the short last block
    ])
      assert.deepEqual(await cached.read(offset, length), bytes.subarray(offset, offset + length));
    assert.deepEqual(reads, [
      [0, 64 * KIB],
      [64 * KIB, 64 * KIB],
      [1024 * KIB, 512],
    ]);
  });

  it('fetches missing neighbours with one read and shares a fetch under way', async () => {
    const { disk, reads } = diskOf(bytes);
    const cached = blockCached(disk, { blockSize: 64 * KIB });
    const [a, b] = await Promise.all([cached.read(10 * KIB, 200 * KIB), cached.read(70 * KIB, KIB)]);
    assert.deepEqual(a, bytes.subarray(10 * KIB, 210 * KIB));
    assert.deepEqual(b, bytes.subarray(70 * KIB, 71 * KIB));
    assert.deepEqual(reads, [[0, 256 * KIB]]);
  });

  it('passes large reads through uncached', async () => {
    const { disk, reads } = diskOf(bytes);
    const cached = blockCached(disk, { blockSize: 64 * KIB, bypassBytes: 256 * KIB });
    assert.deepEqual(await cached.read(0, 512 * KIB), bytes.subarray(0, 512 * KIB));
    assert.deepEqual(await cached.read(0, 512 * KIB), bytes.subarray(0, 512 * KIB));
    assert.equal(reads.length, 2);
  });

  it('keeps at most its block count, the least recently used going first', async () => {
    const { disk, reads } = diskOf(bytes);
    const cached = blockCached(disk, { blockSize: 64 * KIB, maxBlocks: 2 });
    await cached.read(0, 1); // block 0
    await cached.read(64 * KIB, 1); // block 1
    await cached.read(0, 1); // block 0 again: used last
    await cached.read(128 * KIB, 1); // block 2 drops block 1
    await cached.read(0, 1);
    await cached.read(64 * KIB, 1);
    assert.deepEqual(
      reads.map(([offset]) => offset / (64 * KIB)),
      [0, 1, 2, 1],
    );
  });

  it('forgets a failed fetch and hands out copies', async () => {
    const { disk, reads, failOnce } = diskOf(bytes);
    const cached = blockCached(disk, { blockSize: 64 * KIB });
    failOnce();
    await assert.rejects(cached.read(0, KIB), /EIO/);
    const first = await cached.read(0, KIB);
    first.fill(0);
    assert.deepEqual(await cached.read(0, KIB), bytes.subarray(0, KIB));
    assert.equal(reads.length, 2);
  });
});
