import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import {
  chmod,
  chown,
  copyFile,
  lchown,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BASE_IMAGE_LABEL, BASE_MACHINE_ID, makeBusyboxBaseImage } from '../../src/imaging/disk/base-image.ts';
import { DamagedFileSystem } from '../../src/imaging/disk/damaged-fs.ts';
import { writeSparseFile } from '../../src/imaging/disk/sparse-file.ts';
import { NeedsVmBuild, partitionName, readPartitionTable } from '../../src/imaging/disk/partitions.ts';
import {
  checkImage,
  findRootPartition,
  moveToRaw,
  openRootInPlace,
  toFixedVhd,
  toRaw,
  writeRootFs,
  type RootPartition,
} from '../../src/imaging/disk/disk-image.ts';

const MIB = 1024 * 1024;
const PATH = `${process.env.PATH}:/usr/sbin:/sbin`;
const tool = (command: string, args: string[], input?: string) =>
  execFileSync(command, args, {
    encoding: 'utf8',
    input,
    env: { ...process.env, PATH },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
const qemuInfo = (args: string[]) =>
  JSON.parse(tool('qemu-img', ['info', '--output=json', ...args])) as { format: string; 'virtual-size': number };
/** dumpe2fs -h fields of the file system at the partition. */
function extFields(raw: string, partition: RootPartition): Map<string, string> {
  const out = tool('dumpe2fs', ['-h', `${raw}?offset=${partition.start}`]);
  return new Map(
    out.split('\n').flatMap((line) => {
      const m = /^([^:]+):\s*(.*)$/.exec(line);
      return m ? [[m[1], m[2].trim()] as [string, string]] : [];
    }),
  );
}
async function sha256(file: string, start = 0, size?: number): Promise<string> {
  const hash = createHash('sha256');
  const end = size === undefined ? undefined : start + size - 1;
  for await (const chunk of createReadStream(file, { start, end })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
const mode = async (path: string) => (await lstat(path)).mode & 0o7777;

/** The file system's identity and shape, which neither writing in place nor writeRootFs may change. */
function assertSameFileSystem(after: Map<string, string>, before: Map<string, string>): void {
  assert.equal(after.get('Filesystem UUID'), before.get('Filesystem UUID'));
  assert.equal(after.get('Filesystem volume name'), BASE_IMAGE_LABEL);
  for (const field of ['Filesystem features', 'Block size', 'Inode size', 'Inode count', 'Block count']) {
    assert.equal(after.get(field), before.get(field), field);
  }
}

const SPARSE_SIZE = 8 * MIB;

/** Makes under `dir` what a root file system must carry beyond plain files (a customizer may make any of it). */
async function makeSpecialFiles(dir: string): Promise<void> {
  await mkdir(join(dir, 'usr/bin'), { recursive: true });
  await mkdir(join(dir, 'dev'), { recursive: true });
  await mkdir(join(dir, 'srv/shared'), { recursive: true });
  await writeFile(join(dir, 'usr/bin/su'), 'su');
  await chmod(join(dir, 'usr/bin/su'), 0o4755);
  await chmod(join(dir, 'srv/shared'), 0o2775);
  await chown(join(dir, 'srv/shared'), 0, 50);
  await writeFile(join(dir, 'usr/bin/gzip'), 'gzip');
  await link(join(dir, 'usr/bin/gzip'), join(dir, 'usr/bin/gunzip'));
  await writeFile(join(dir, 'usr/bin/ping'), 'ping');
  tool('setcap', ['cap_net_raw=ep', join(dir, 'usr/bin/ping')]);
  tool('mknod', ['-m', '0666', join(dir, 'dev/null'), 'c', '1', '3']);
  tool('mknod', ['-m', '0660', join(dir, 'dev/sda'), 'b', '8', '0']);
  tool('mknod', ['-m', '0600', join(dir, 'dev/initctl'), 'p']);
  await writeFile(join(dir, 'srv/owned'), 'x');
  await chown(join(dir, 'srv/owned'), 1000, 1001);
  await symlink('owned', join(dir, 'srv/link'));
  await lchown(join(dir, 'srv/link'), 1000, 1001);
  await writeFile(join(dir, 'srv/sparse'), '');
  await truncate(join(dir, 'srv/sparse'), SPARSE_SIZE);
  await utimes(join(dir, 'srv/owned'), 1_000_000_000, 1_200_000_000);
  await utimes(join(dir, 'usr/bin'), 1_000_000_000, 1_300_000_000);
}

/** What `makeSpecialFiles` made, read back under `dir`. */
async function assertSpecialFiles(dir: string): Promise<void> {
  assert.equal(await mode(join(dir, 'usr/bin/su')), 0o4755);
  assert.equal(await mode(join(dir, 'srv/shared')), 0o2775);
  assert.equal((await lstat(join(dir, 'srv/shared'))).gid, 50);
  const [gzip, gunzip] = [await lstat(join(dir, 'usr/bin/gzip')), await lstat(join(dir, 'usr/bin/gunzip'))];
  assert.equal(gzip.ino, gunzip.ino);
  assert.equal(gzip.nlink, 2);
  assert.match(tool('/usr/sbin/getcap', [join(dir, 'usr/bin/ping')]), /\bcap_net_raw=ep$/m, 'the file capability');
  const nul = await lstat(join(dir, 'dev/null'));
  assert.ok(nul.isCharacterDevice());
  assert.equal(nul.rdev, (1 << 8) | 3);
  assert.equal(nul.mode & 0o7777, 0o666);
  const sda = await lstat(join(dir, 'dev/sda'));
  assert.ok(sda.isBlockDevice());
  assert.equal(sda.rdev, 8 << 8);
  assert.ok((await lstat(join(dir, 'dev/initctl'))).isFIFO());
  assert.equal(await mode(join(dir, 'dev/initctl')), 0o600);
  const owned = await lstat(join(dir, 'srv/owned'));
  assert.deepEqual([owned.uid, owned.gid, owned.mtimeMs], [1000, 1001, 1_200_000_000_000]);
  const link_ = await lstat(join(dir, 'srv/link'));
  assert.deepEqual([link_.uid, link_.gid], [1000, 1001]);
  const sparse = await lstat(join(dir, 'srv/sparse'));
  assert.equal(sparse.size, SPARSE_SIZE);
  assert.equal(sparse.blocks, 0, 'a hole stays a hole');
  assert.equal((await lstat(join(dir, 'usr/bin'))).mtimeMs, 1_300_000_000_000, 'the directory time');
}

describe('disk images', () => {
  let work: string;
  let base: string;
  let n = 0;
  /** A fresh path in the test's temp dir. */
  const fresh = (name: string) => join(work, `${n++}-${name}`);
  /** A scratch copy of the base disk, as builds work on one. */
  const baseCopy = async () => {
    const copy = fresh('disk.raw');
    await copyFile(base, copy);
    return copy;
  };
  /** Gives `use` the partition's root file system opened in place, as builds open it, and closes it afterwards. */
  const inPlace = async <T>(
    raw: string,
    partition: RootPartition,
    options: { readOnly?: boolean },
    use: (root: string) => Promise<T>,
  ): Promise<T> => {
    const root = await openRootInPlace(raw, partition, fresh('mnt'), options);
    try {
      return await use(root.path);
    } finally {
      await root.close();
    }
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'kiln-disk-'));
    base = join(work, 'base.raw');
    await makeBusyboxBaseImage(base);
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('makes a raw 64 MiB busybox disk with one dos Linux partition at 1 MiB', async () => {
    const info = qemuInfo([base]);
    assert.equal(info.format, 'raw');
    assert.equal(info['virtual-size'], 64 * MIB);
    assert.deepEqual(await findRootPartition(base), { start: MIB, size: 63 * MIB, type: '83', table: 'dos' });
    assert.deepEqual(await checkImage(base), { format: 'raw', virtualSize: 64 * MIB });
  });

  it('numbers partitions of a disk whose file name ends in a digit as sfdisk names them (disk-7p14)', async () => {
    // A bootable disk made under a temporary name ending in a digit failed: sfdisk read `<name>14` as partition 714.
    const disk = fresh('disk-7');
    await writeFile(disk, '');
    await truncate(disk, 64 * 1024 * 1024);
    const script = [
      'label: gpt',
      `${partitionName(disk, 14)} : start=2048, size=6144`,
      `${partitionName(disk, 1)} : start=8192`,
    ];
    execFileSync('sfdisk', ['--quiet', disk], { input: `${script.join('\n')}\n` });
    const table = await readPartitionTable(disk);
    assert.deepEqual(
      table?.partitions.map((p) => [p.number, p.start / 512]).sort((a, b) => a[0] - b[0]),
      [
        [1, 8192],
        [14, 2048],
      ],
    );
  });

  it('opens the root file system in place, read-only, with its modes, symlinks and files, changing no byte', async () => {
    const partition = await findRootPartition(base);
    const before = await sha256(base);
    await inPlace(base, partition, { readOnly: true }, async (dir) => {
      assert.equal(await mode(join(dir, 'tmp')), 0o1777);
      assert.equal(await mode(join(dir, 'root')), 0o700);
      assert.equal(await mode(join(dir, 'etc/ssh/ssh_host_ed25519_key')), 0o600);
      assert.equal(await mode(join(dir, 'bin/busybox')), 0o755);
      assert.equal(await readlink(join(dir, 'bin/sh')), 'busybox');
      assert.equal(await readlink(join(dir, 'usr/bin/awk')), '../../bin/busybox');
      assert.equal(await readlink(join(dir, 'var/lib/cloud/instance')), 'instances/iid-kiln-base');
      assert.ok((await stat(join(dir, 'var/lib/cloud/instance/boot-finished'))).isFile());
      assert.equal((await readFile(join(dir, 'etc/machine-id'), 'utf8')).trim(), BASE_MACHINE_ID);
      for (const file of ['etc/passwd', 'etc/group', 'etc/hostname', 'var/log/messages', 'root/.bash_history']) {
        assert.ok((await stat(join(dir, file))).size > 0, file);
      }
      assert.deepEqual(await readFile(join(dir, 'bin/busybox')), await readFile('/bin/busybox'));
      assert.equal(tool(join(dir, 'bin/busybox'), ['echo', 'runs']).trim(), 'runs');
      await assert.rejects(writeFile(join(dir, 'etc/motd'), 'no\n'), { code: 'EROFS' });
    });
    assert.equal(await sha256(base), before, 'a read-only root leaves the disk as it was');
  });

  it('writes changes in place, keeping the UUID, label, file system features and partition table', async () => {
    const disk = await baseCopy();
    const partition = await findRootPartition(disk);
    const before = extFields(disk, partition);
    await inPlace(disk, partition, {}, async (dir) => {
      await writeFile(join(dir, 'etc/motd'), 'built by kiln\n');
      await rm(join(dir, 'etc/ssh/ssh_host_ed25519_key'));
    });

    await inPlace(disk, partition, { readOnly: true }, async (again) => {
      assert.equal(await readFile(join(again, 'etc/motd'), 'utf8'), 'built by kiln\n');
      await assert.rejects(stat(join(again, 'etc/ssh/ssh_host_ed25519_key')), { code: 'ENOENT' });
      assert.equal(await readlink(join(again, 'bin/sh')), 'busybox', 'what the change did not touch is there');
    });
    assertSameFileSystem(extFields(disk, partition), before);
    tool('e2fsck', ['-fn', `${disk}?offset=${partition.start}`]);
    assert.equal(await sha256(disk, 0, MIB), await sha256(base, 0, MIB), 'the partition table is untouched');
  });

  it('writes a changed directory into a partition as a new file system with the old UUID, label and features', async () => {
    const disk = await baseCopy();
    const partition = await findRootPartition(disk);
    const before = extFields(disk, partition);
    const dir = fresh('root');
    await inPlace(disk, partition, { readOnly: true }, async (root) => tool('cp', ['-a', `${root}/.`, dir]));
    await writeFile(join(dir, 'etc/motd'), 'built by kiln\n');
    await rm(join(dir, 'etc/ssh/ssh_host_ed25519_key'));

    await writeRootFs(dir, disk, partition);
    await inPlace(disk, partition, { readOnly: true }, async (again) => {
      assert.equal(await readFile(join(again, 'etc/motd'), 'utf8'), 'built by kiln\n');
      await assert.rejects(stat(join(again, 'etc/ssh/ssh_host_ed25519_key')), { code: 'ENOENT' });
      assert.deepEqual(await readFile(join(again, 'bin/busybox')), await readFile('/bin/busybox'));
    });
    assertSameFileSystem(extFields(disk, partition), before);
    tool('e2fsck', ['-fn', `${disk}?offset=${partition.start}`]);
    assert.equal(await sha256(disk, 0, MIB), await sha256(base, 0, MIB), 'the partition table is untouched');
  });

  it('writes setuid/setgid bits, hard links, device nodes, FIFOs, owners, times, capabilities and holes from a directory', async () => {
    const disk = await baseCopy();
    const partition = await findRootPartition(disk);
    const dir = fresh('root');
    await mkdir(dir);
    await makeSpecialFiles(dir);
    await chmod(dir, 0o750);

    await writeRootFs(dir, disk, partition);
    await inPlace(disk, partition, { readOnly: true }, async (out) => {
      await assertSpecialFiles(out);
      assert.equal(await mode(out), 0o750, "the root directory's mode");
    });
  });

  it('keeps setuid/setgid bits, hard links, device nodes, FIFOs, owners, times, capabilities and holes made in place', async () => {
    const disk = await baseCopy();
    const partition = await findRootPartition(disk);
    await inPlace(disk, partition, {}, async (dir) => {
      await makeSpecialFiles(dir);
      await chmod(dir, 0o750);
    });
    await inPlace(disk, partition, { readOnly: true }, async (out) => {
      await assertSpecialFiles(out);
      assert.equal(await mode(out), 0o750, "the root directory's mode");
      assert.equal(await readlink(join(out, 'usr/bin/awk')), '../../bin/busybox', 'the rest of the root is there');
    });
    tool('e2fsck', ['-fn', `${disk}?offset=${partition.start}`]);
  });

  it('makes an Azure-sized fixed VHD, and every format converts back to the same partition', async () => {
    const vhd = fresh('disk.vhd');
    assert.deepEqual(await toFixedVhd(base, vhd), { size: 64 * MIB + 512 });
    assert.equal((await stat(vhd)).size, 64 * MIB + 512);
    assert.equal(qemuInfo(['-f', 'vpc', vhd]).format, 'vpc');
    assert.deepEqual(await checkImage(vhd), { format: 'vpc', virtualSize: 64 * MIB });

    const partition = await findRootPartition(base);
    const expected = await sha256(base, partition.start, partition.size);
    const images: [string, string][] = [['vpc', vhd]];
    // qemu's dynamic VHDs round the size up to a whole CHS geometry, hence the larger size below.
    for (const format of ['qcow2', 'vmdk', 'vhdx', 'vpc']) {
      const image = fresh(`disk.${format}`);
      tool('qemu-img', ['convert', '-f', 'raw', '-O', format, base, image]);
      images.push([format, image]);
    }
    for (const [format, image] of images) {
      const raw = fresh('back.raw');
      const { virtualSize } = await toRaw(image, raw);
      assert.equal((await stat(raw)).size, virtualSize);
      assert.equal(virtualSize, image.endsWith('.vpc') ? 67125248 : 64 * MIB, image);
      assert.deepEqual(await checkImage(image), { format, virtualSize });
      assert.deepEqual(await findRootPartition(raw), partition);
      assert.equal(await sha256(raw, partition.start, partition.size), expected, image);
    }
  });

  it('takes a fetched raw disk or fixed VHD as the working disk in place, converting only other formats', async () => {
    const expected = await sha256(base);
    // Fetched as the source step fetches (sparse-file.ts): the working disk stays sparse, with no copy.
    const fetchedAs = async (name: string, bytes: Buffer) => {
      const file = fresh(name);
      await writeSparseFile(Readable.from([bytes]), file);
      return { file, inode: (await stat(file)).ino };
    };
    const vhd = fresh('disk.vhd');
    await toFixedVhd(base, vhd);
    const qcow2 = fresh('disk.qcow2');
    tool('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', base, qcow2]);
    const cases: [string, { file: string; inode: number }, boolean][] = [
      ['raw', await fetchedAs('fetched.raw', await readFile(base)), true],
      ['vpc', await fetchedAs('fetched.vhd', await readFile(vhd)), true],
      ['qcow2', await fetchedAs('fetched.qcow2', await readFile(qcow2)), false],
    ];
    for (const [format, fetched, inPlace] of cases) {
      const raw = fresh('working.raw');
      assert.deepEqual(await moveToRaw(fetched.file, raw), { format, virtualSize: 64 * MIB, inPlace }, format);
      const result = await stat(raw);
      assert.equal(
        result.ino === fetched.inode,
        inPlace,
        `${format}: the same file, not a copy, exactly when in place`,
      );
      await assert.rejects(stat(fetched.file), { code: 'ENOENT' }, `${format}: the fetched file is consumed`);
      assert.equal(result.size, 64 * MIB, format);
      assert.ok(
        result.blocks * 512 < result.size / 2,
        `${format}: sparse (${result.blocks * 512} of ${result.size} bytes allocated)`,
      );
      assert.equal(await sha256(raw), expected, format);
    }
  });

  it('pads a GPT disk to a whole MiB and moves its backup header to the new end', async () => {
    const raw = fresh('gpt.raw');
    await writeFile(raw, '');
    await truncate(raw, 40 * MIB + 64 * 1024);
    tool(
      'sfdisk',
      ['--quiet', raw],
      [
        'label: gpt',
        'size=8MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
        'size=4MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4',
        'size=20MiB, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709',
      ].join('\n'),
    );
    const dir = fresh('root');
    await mkdir(dir);
    await writeFile(join(dir, 'hello'), 'gpt');
    await writeRootFs(dir, raw, { start: 13 * MIB, size: 20 * MIB, type: '', table: 'gpt' });
    await writeRootFs(dir, raw, { start: 9 * MIB, size: 4 * MIB, type: '', table: 'gpt' });
    // The root-typed partition wins over the (here smaller) generic Linux one.
    assert.deepEqual(await findRootPartition(raw), {
      start: 13 * MIB,
      size: 20 * MIB,
      type: '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709',
      table: 'gpt',
    });

    const vhd = fresh('gpt.vhd');
    assert.deepEqual(await toFixedVhd(raw, vhd), { size: 41 * MIB + 512 });
    const back = fresh('back.raw');
    await toRaw(vhd, back);
    assert.equal((await stat(back)).size, 41 * MIB);
    assert.match(tool('sfdisk', ['--verify', back]), /No errors detected/);
    await checkImage(vhd);
  });

  it('takes a disk that is one bare ext4 file system', async () => {
    const raw = fresh('bare.raw');
    await writeFile(raw, '');
    await truncate(raw, 16 * MIB);
    tool('mkfs.ext4', ['-q', '-F', raw]);
    assert.deepEqual(await findRootPartition(raw), { start: 0, size: 16 * MIB, type: 'none', table: 'none' });
  });

  it('says what a disk without an ext2/3/4 root holds', async () => {
    const blank = fresh('blank.raw');
    await writeFile(blank, '');
    await truncate(blank, 8 * MIB);
    await assert.rejects(findRootPartition(blank), (err: Error) => {
      assert.match(err.message, new RegExp(`${blank} has no partition table and no file system Kiln recognizes`));
      return true;
    });

    const swapOnly = fresh('swap.raw');
    await writeFile(swapOnly, '');
    await truncate(swapOnly, 8 * MIB);
    tool('sfdisk', ['--quiet', swapOnly], 'label: dos\nstart=2048, size=4MiB, type=82\nstart=10240, type=83\n');
    const swap = Buffer.from('SWAPSPACE2');
    execFileSync('dd', [`of=${swapOnly}`, 'bs=1', `seek=${MIB + 4086}`, 'conv=notrunc', 'status=none'], {
      input: swap,
    });
    await assert.rejects(findRootPartition(swapOnly), (err: Error) => {
      assert.equal(
        err.message,
        `${swapOnly} has no Linux partition with an ext2/3/4 file system; its dos partition table holds ` +
          '1 (type 82, 4 MiB, swap), 2 (type 83, 3 MiB, no known file system).',
      );
      return true;
    });
  });

  it('tells roots it cannot open in place (xfs, btrfs, LVM, LUKS) apart, naming the VM build mode', async () => {
    const roots = [
      { name: 'xfs', offset: 0, magic: Buffer.from('XFSB') },
      { name: 'btrfs', offset: 0x10040, magic: Buffer.from('_BHRfS_M') },
      { name: 'LVM2 physical volume', offset: 512 + 24, magic: Buffer.from('LVM2 001') },
      { name: 'LUKS encrypted volume', offset: 0, magic: Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe]) },
    ];
    for (const root of roots) {
      const raw = fresh(`${root.name.split(' ')[0]}.raw`);
      await writeFile(raw, '');
      await truncate(raw, 8 * MIB);
      tool('sfdisk', ['--quiet', raw], 'label: dos\nstart=2048, type=83\n');
      execFileSync('dd', [`of=${raw}`, 'bs=1', `seek=${MIB + root.offset}`, 'conv=notrunc', 'status=none'], {
        input: root.magic,
      });
      await assert.rejects(findRootPartition(raw), (err: Error) => {
        assert.ok(err instanceof NeedsVmBuild, 'builds switch to the VM build mode on this error');
        assert.match(err.message, new RegExp(`1 \\(type 83, 7 MiB, ${root.name}\\)`));
        assert.match(err.message, /Kiln opens only ext2\/3\/4 root file systems in place/);
        assert.match(err.message, /is built inside the booted image \(the VM build mode\)/);
        return true;
      });
    }
  });

  it('says when the root file system does not fit its partition', async () => {
    const disk = await baseCopy();
    const dir = fresh('root');
    await mkdir(dir);
    await writeFile(join(dir, 'big'), Buffer.alloc(70 * MIB, 1));
    await assert.rejects(writeRootFs(dir, disk, await findRootPartition(disk)), (err: Error) => {
      assert.match(
        err.message,
        /^The root file system in .* \(70\.0 MiB\) does not fit its 63\.0 MiB partition at 1048576 in /,
      );
      assert.match(err.message, /Could not allocate block/);
      return true;
    });
  });

  it('refuses images that refer to other host files', async () => {
    const overlay = fresh('overlay.qcow2');
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'raw', overlay]);
    await assert.rejects(
      toRaw(overlay, fresh('x.raw')),
      /refers to other files \(.*base\.raw\); Kiln takes self-contained images only/,
    );
  });

  it('reports what e2fsck finds wrong', async () => {
    const disk = await baseCopy();
    const partition = await findRootPartition(disk);
    tool('debugfs', ['-w', '-R', 'set_inode_field /etc/hostname links_count 7', `${disk}?offset=${partition.start}`]);
    await assert.rejects(checkImage(disk), /e2fsck -fn .* failed \(exit 4\): .*Inode \d+ ref count is 7, should be 1/s);
    const mountPoint = fresh('mnt');
    await assert.rejects(openRootInPlace(disk, partition, mountPoint, { readOnly: true }), (err: Error) => {
      assert.ok(err instanceof DamagedFileSystem, String(err));
      assert.match(err.message, /^The source image's root file system is damaged or hostile: e2fsck -fn found: /);
      return true;
    });
    assert.doesNotMatch(readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(` ${mountPoint} `), 'nothing mounted');
  });
});
