import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  checkAzureDiskUploadSize,
  createFixedVhdFooter,
  DISK_TYPE_FIXED,
  parseVhdFooter,
  vhdGeometry,
} from '../../src/core/vhd.ts';

const MIB = 1024 * 1024;

describe('fixed VHD footer', () => {
  it('round-trips through the parser with the spec fields', () => {
    const footer = createFixedVhdFooter(30 * MIB);
    assert.equal(footer.length, 512);
    const parsed = parseVhdFooter(footer);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
    const f = parsed.footer;
    assert.equal(footer.toString('ascii', 0, 8), 'conectix');
    assert.equal(f.features, 2);
    assert.equal(f.formatVersion, 0x00010000);
    assert.equal(f.dataOffset, 0xffffffffffffffffn);
    assert.equal(f.creatorApplication, 'kiln');
    assert.equal(f.creatorHostOs, 'Wi2k');
    assert.equal(f.originalSize, 30 * MIB);
    assert.equal(f.currentSize, 30 * MIB);
    assert.equal(f.diskType, DISK_TYPE_FIXED);
    assert.deepEqual(f.geometry, vhdGeometry(30 * MIB));
    assert.ok(Math.abs(f.timestamp.getTime() - Date.now()) < 5000);
    assert.equal(f.uniqueId, footer.toString('hex', 68, 84));
    assert.notEqual(f.uniqueId, createFixedVhdFooter(30 * MIB).toString('hex', 68, 84), 'ids are random');
  });

  it('computes CHS geometry as the spec does', () => {
    // 20 MiB: 40960 sectors -> 17 sectors/track, 4 heads, 602 cylinders.
    assert.deepEqual(vhdGeometry(20 * MIB), { cylinders: 602, heads: 4, sectorsPerTrack: 17 });
    // 1 GiB needs more than 16 heads at 17 sectors/track, then more than 1024 cylinders at 31.
    assert.deepEqual(vhdGeometry(1024 * MIB), { cylinders: 2080, heads: 16, sectorsPerTrack: 63 });
    // From 65535*16*63 sectors on, 255 sectors/track; the largest geometry caps bigger disks.
    assert.deepEqual(vhdGeometry(127 * 1024 * MIB), { cylinders: 65278, heads: 16, sectorsPerTrack: 255 });
    assert.deepEqual(vhdGeometry(4 * 1024 * 1024 * MIB), { cylinders: 65535, heads: 16, sectorsPerTrack: 255 });
  });

  it('refuses sizes that are not whole sectors', () => {
    assert.throws(() => createFixedVhdFooter(1000), RangeError);
    assert.throws(() => createFixedVhdFooter(-512), RangeError);
  });

  it('reports a wrong cookie, a wrong checksum and a wrong length', () => {
    const footer = createFixedVhdFooter(MIB);
    const badCookie = Buffer.from(footer);
    badCookie.write('cxsparse', 0, 'ascii');
    const badSum = Buffer.from(footer);
    badSum[48] ^= 1;
    for (const [buf, word] of [
      [badCookie, 'cookie'],
      [badSum, 'checksum'],
      [footer.subarray(0, 511), '512'],
    ] as const) {
      const parsed = parseVhdFooter(buf);
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.reason, new RegExp(word));
    }
  });

  it('is accepted by qemu-img as a fixed vpc image', async (t) => {
    if (spawnSync('qemu-img', ['--version']).error !== undefined) {
      t.skip('qemu-img is not on the PATH (apt-get install qemu-utils to run this test)');
      return;
    }
    const dir = await mkdtemp(path.join(tmpdir(), 'kiln-vhd-'));
    try {
      const file = path.join(dir, 'disk.vhd');
      const dataSize = 20 * MIB;
      await writeFile(file, '');
      await truncate(file, dataSize);
      await appendFile(file, createFixedVhdFooter(dataSize));
      const info = JSON.parse(
        execFileSync('qemu-img', ['info', '-f', 'vpc', '--output', 'json', file], { encoding: 'utf8' }),
      );
      assert.equal(info.format, 'vpc');
      // qemu sizes images from an unknown creator by their CHS geometry, Azure by current size.
      const { cylinders, heads, sectorsPerTrack } = vhdGeometry(dataSize);
      assert.equal(info['virtual-size'], cylinders * heads * sectorsPerTrack * 512);
      const bySize = JSON.parse(
        execFileSync(
          'qemu-img',
          ['info', '--output', 'json', '--image-opts', `driver=vpc,force_size_calc=current_size,file.filename=${file}`],
          { encoding: 'utf8' },
        ),
      );
      assert.equal(bySize['virtual-size'], dataSize);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Azure disk upload size', () => {
  it('accepts MiB multiples plus the footer from 20 MiB to 32,767 GiB', () => {
    for (const data of [20 * MIB, 127 * 1024 * MIB, 32767 * 1024 * MIB]) {
      assert.equal(checkAzureDiskUploadSize(data + 512), undefined, `${data}`);
    }
  });

  it('words a misaligned size as Azure does', () => {
    assert.equal(
      checkAzureDiskUploadSize(44716382720),
      'The upload size in bytes 44716382720 - 512 bytes for the VHD footer (44716382208 in this case) must be a multiple of MiB.',
    );
    assert.match(checkAzureDiskUploadSize(30 * MIB) ?? '', /multiple of MiB/);
  });

  it('names the allowed range for sizes outside it', () => {
    for (const total of [19 * MIB + 512, 20 * MIB, 32 * 1024 * 1024 * MIB + 512, 0]) {
      assert.match(checkAzureDiskUploadSize(total) ?? '', /between 20972032 .* and 35183298347520 bytes/, `${total}`);
    }
  });
});
