// A build's working disk grown to the template's vmProfile.osDiskSizeGB (grown-disk.ts): Azure's rules
// for the size (0 or the source's own keeps it, a smaller one is refused naming the field, GB are GiB),
// an overlay's base read past the source as zeros, and a fetched raw disk extended sparse.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { grownDiskSize, growRawDisk, zeroExtendedDisk } from '../../src/imaging/disk/grown-disk.ts';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const root = mkdtempSync(join(tmpdir(), 'kiln-grown-disk-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('grown disk', () => {
  it("keeps the source's size for 0, unset or the same size, and grows to whole GiB otherwise", () => {
    assert.equal(grownDiskSize(0, 2 * GIB - MIB), undefined);
    assert.equal(grownDiskSize(undefined, 2 * GIB - MIB), undefined);
    assert.equal(grownDiskSize(2, 2 * GIB), undefined);
    assert.equal(grownDiskSize(2, 2 * GIB - MIB), 2 * GIB);
    assert.equal(grownDiskSize(30, 32 * MIB), 30 * GIB);
  });

  it('refuses a size below the source, naming the field and the least size that would do', () => {
    assert.throws(
      () => grownDiskSize(1, GIB + 128 * MIB),
      (error: Error) =>
        /^properties\.vmProfile\.osDiskSizeGB is 1 \(1073741824 bytes\), smaller than the source's disk of 1207959552 bytes/.test(
          error.message,
        ) && /at least 2\.$/.test(error.message),
    );
  });

  it("reads an overlay's base as the source, then zeros past its end", async () => {
    const bytes = randomBytes(3 * MIB);
    const reads: Array<[number, number]> = [];
    const disk = zeroExtendedDisk(
      {
        size: bytes.length,
        read: async (offset, length) => (reads.push([offset, length]), bytes.subarray(offset, offset + length)),
      },
      8 * MIB,
    );
    assert.equal(disk.size, 8 * MIB);
    assert.ok((await disk.read(MIB, MIB)).equals(bytes.subarray(MIB, 2 * MIB)), 'inside the source');
    const across = await disk.read(3 * MIB - 512, 1024);
    assert.ok(across.subarray(0, 512).equals(bytes.subarray(-512)), "the source's last bytes");
    assert.ok(across.subarray(512).equals(Buffer.alloc(512)), 'then zeros');
    assert.ok((await disk.read(5 * MIB, MIB)).equals(Buffer.alloc(MIB)), 'past the source');
    assert.deepEqual(
      reads,
      [
        [MIB, MIB],
        [3 * MIB - 512, 512],
      ],
      'the source is never asked for what it does not hold',
    );
    assert.throws(() => zeroExtendedDisk({ size: 2 * MIB, read: async () => Buffer.alloc(0) }, MIB), RangeError);
  });

  it('extends a raw disk file sparse, its bytes kept', async () => {
    const path = join(root, 'disk.raw');
    const bytes = randomBytes(MIB);
    await writeFile(path, bytes);
    await growRawDisk(path, MIB, GIB);
    const grown = await stat(path);
    assert.equal(grown.size, GIB);
    assert.ok(grown.blocks * 512 < 8 * MIB, `the new space takes no host disk (${grown.blocks} blocks)`);
    const file = await open(path, 'r');
    try {
      const { buffer } = await file.read(Buffer.alloc(MIB), 0, MIB, 0);
      assert.ok(buffer.equals(bytes), 'the old bytes where they were');
    } finally {
      await file.close();
    }
    await assert.rejects(growRawDisk(path, GIB, MIB), RangeError);
  });
});
