// The bootable test disk that build-and-boot tests start from: made from Debian's kernel package
// (or reused from the cache), it holds the file features a build must keep, and a copy of it boots
// under QEMU (TCG) to the root's marker line and a login prompt.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { debugfs } from '../../src/imaging/disk/debugfs.ts';
import { run } from '../../src/imaging/disk/run.ts';
import { bootableDisk, ROOT_FEATURES } from '../support/bootable-disk.ts';
import { bootToPrompt } from '../support/serial-boot.ts';

const work = await mkdtemp(join(tmpdir(), 'kiln-bootable-test-'));
after(() => rm(work, { recursive: true, force: true }));

const inode = (stat: string) => /^Inode: (\d+)/m.exec(stat)?.[1];

it('makes a disk that holds a capability, an xattr and a hard link, and boots to a login prompt', async (t) => {
  const disk = await bootableDisk();
  const { capability, xattr, hardLink } = ROOT_FEATURES;

  const [attribute, capabilityValue, linkStat, targetStat] = await debugfs(
    { file: disk.path, offset: disk.partition.start },
    [
      `ea_get ${xattr.path} ${xattr.name}`,
      `ea_get -x ${capability.path} security.capability`,
      `stat ${hardLink.path}`,
      `stat ${hardLink.target}`,
    ],
  );
  assert.match(attribute, new RegExp(`= "${xattr.value}"`));
  // vfs_cap_data revision 2 with the effective bit, permitting CAP_NET_RAW (bit 13): cap_net_raw+ep.
  assert.match(capabilityValue, /= 01 00 00 02 00 20 00 00 (00 ){12}/);
  assert.ok(inode(linkStat) !== undefined && inode(linkStat) === inode(targetStat), 'one inode, two names');
  assert.match(targetStat, /Links: 2\b/);

  // Booting runs with snapshot=on, but callers boot and build on copies all the same: the cache is shared.
  const copy = join(work, 'disk.raw');
  await run('cp', ['--reflink=auto', '--sparse=always', disk.path, copy]);
  const { serial, seconds } = await bootToPrompt(copy);
  assert.match(serial, /Linux version 6\.1\.0-\d+-amd64 .*Debian/);
  assert.match(serial, /^KILN-BOOT: *$/m, 'the root init ran and found no marker file');
  assert.match(serial, /^Kiln bootable test disk$/m, "it printed the root's /etc/issue");
  assert.match(serial, /^kiln-boot login:/m);
  t.diagnostic(`booted to login: in ${seconds.toFixed(1)} s`);
});
