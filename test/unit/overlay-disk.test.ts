// The build's copy-on-write disk: Kiln's read-only NBD server serves a source's bytes to QEMU
// (checked against qemu-img reading it, and against requests past the end or writes), and the
// overlay over it (qemu-storage-daemon's FUSE export, confined) reads as the source, takes writes
// without touching the source, names exactly the chunks a write reached, and reads back what the build
// left without going through its own export. Also the chunk-list
// arithmetic a build's image is stored with (`replaceChunks`).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { replaceChunks, toRuns } from '../../src/core/content-id.ts';
import { serveNbd } from '../../src/imaging/disk/nbd-server.ts';
import { openOverlayDisk } from '../../src/imaging/disk/overlay-disk.ts';
import { runConfined } from '../../src/imaging/disk/run.ts';

const root = mkdtempSync(join(tmpdir(), 'kiln-overlay-'));
after(() => rmSync(root, { recursive: true, force: true }));
const MIB = 1024 * 1024;
const asRoot = { skip: process.getuid?.() !== 0 && 'FUSE mounts need root' };

function diskOf(bytes: Buffer) {
  const reads: Array<[number, number]> = [];
  return {
    reads,
    disk: {
      size: bytes.length,
      read: async (offset: number, length: number) => (
        reads.push([offset, length]),
        bytes.subarray(offset, offset + length)
      ),
    },
  };
}

describe('NBD server', () => {
  it('serves the disk read-only to QEMU: qemu-img copies it byte for byte', async () => {
    const bytes = randomBytes(8 * MIB + 4096);
    const { disk } = diskOf(bytes);
    const socket = join(root, 'copy.sock');
    const server = await serveNbd(socket, disk);
    try {
      const out = join(root, 'copy.raw');
      await runConfined('qemu-img', ['convert', '-f', 'raw', '-O', 'raw', `nbd+unix:///?socket=${socket}`, out], {
        write: [root],
      });
      assert.ok(readFileSync(out).equals(bytes));
      // A write through QEMU is refused: the export says read-only.
      await assert.rejects(
        runConfined('qemu-io', ['-f', 'raw', '-c', 'write 0 512', `nbd+unix:///?socket=${socket}`], { write: [root] }),
        /read-only|Permission denied|Operation not permitted/i,
      );
    } finally {
      await server.close();
    }
  });

  it('answers a request past the end with an error, reading nothing, and keeps serving', async () => {
    const { disk, reads } = diskOf(Buffer.alloc(MIB, 7));
    const socket = join(root, 'edge.sock');
    const server = await serveNbd(socket, disk);
    try {
      const client = connect(socket);
      const received: Buffer[] = [];
      client.on('data', (data) => received.push(data));
      const bytes = () => Buffer.concat(received);
      const until = async (n: number) => {
        while (bytes().length < n) await new Promise((wake) => setTimeout(wake, 5));
      };
      await until(18); // NBDMAGIC, IHAVEOPT, handshake flags
      assert.equal(bytes().readBigUInt64BE(0), 0x4e42444d41474943n);
      const option = Buffer.alloc(16);
      option.writeBigUInt64BE(0x49484156454f5054n, 0);
      option.writeUInt32BE(1, 8); // NBD_OPT_EXPORT_NAME, empty name
      client.write(Buffer.concat([Buffer.from([0, 0, 0, 2]), option])); // client flags: no zeroes
      await until(18 + 10);
      assert.equal(Number(bytes().readBigUInt64BE(18)), MIB, 'the export says its size');
      const request = (offset: number, length: number, handle: number) => {
        const r = Buffer.alloc(28);
        r.writeUInt32BE(0x25609513, 0);
        r.writeBigUInt64BE(BigInt(handle), 8);
        r.writeBigUInt64BE(BigInt(offset), 16);
        r.writeUInt32BE(length, 24);
        return r;
      };
      client.write(request(MIB - 512, 1024, 1));
      await until(28 + 16);
      assert.equal(bytes().readUInt32BE(28 + 4), 22, 'EINVAL');
      assert.deepEqual(reads, [], 'nothing was read for it');
      client.write(request(512, 16, 2));
      await until(28 + 16 + 16 + 16);
      assert.equal(bytes().readUInt32BE(28 + 16 + 4), 0);
      assert.ok(
        bytes()
          .subarray(28 + 32, 28 + 48)
          .equals(Buffer.alloc(16, 7)),
      );
      client.destroy();
    } finally {
      await server.close();
    }
  });
});

describe('overlay disk', asRoot, () => {
  it('reads as the source, keeps writes in the overlay and names the chunks they reached', async () => {
    const bytes = randomBytes(16 * MIB);
    const source = Buffer.from(bytes);
    const { disk } = diskOf(source);
    const dir = mkdtempSync(join(root, 'disk-'));
    const overlay = await openOverlayDisk(dir, disk);
    try {
      assert.equal(overlay.path, join(dir, 'disk.raw'));
      assert.ok((await readFile(overlay.path)).equals(bytes), 'unwritten, it reads as the source');
      assert.deepEqual((await overlay.changes()).chunks(4 * MIB), []);
      const file = await open(overlay.path, 'r+');
      await file.write(Buffer.from('changed'), 0, 7, 9 * MIB + 100);
      await file.write(Buffer.alloc(8192, 1), 0, 8192, 4 * MIB - 4096); // across the chunk 0 / 1 boundary
      await file.close();
      const changes = await overlay.changes();
      assert.deepEqual(changes.chunks(4 * MIB), [0, 1, 2]);
      const now = await readFile(overlay.path);
      // Kiln's own reads put the same bytes together from the source and the overlay file.
      assert.ok((await changes.read(0, 16 * MIB)).equals(now));
      assert.ok((await changes.read(9 * MIB + 96, 16)).equals(now.subarray(9 * MIB + 96, 9 * MIB + 112)));
      assert.equal(now.subarray(9 * MIB + 100, 9 * MIB + 107).toString(), 'changed');
      assert.ok(now.subarray(12 * MIB).equals(bytes.subarray(12 * MIB)));
      assert.ok(source.equals(bytes), 'the source was never written');
    } finally {
      await overlay.close();
    }
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(join(dir, 'disk.raw')), 'nothing stays mounted');
  });
});

describe('replaceChunks', () => {
  it('splits runs around the replaced chunks and merges what ends up equal', () => {
    const runs = toRuns([
      { sha: 'a', count: 3 },
      { sha: 'z', count: 4 },
      { sha: 'f', count: 1 },
    ]);
    assert.deepEqual(
      replaceChunks(
        runs,
        new Map([
          [0, 'x'],
          [4, 'y'],
          [7, 'g'],
        ]),
      ),
      [
        { sha: 'x', count: 1 },
        { sha: 'a', count: 2 },
        { sha: 'z', count: 1 },
        { sha: 'y', count: 1 },
        { sha: 'z', count: 2 },
        { sha: 'g', count: 1 },
      ],
    );
    assert.deepEqual(replaceChunks(runs, new Map([[1, 'a']])), runs, 'the same content changes nothing');
    assert.throws(() => replaceChunks(runs, new Map([[8, 'x']])), /past the last of 8 chunks/);
  });
});
