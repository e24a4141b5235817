/**
 * Issue 10, point 1, for the tools themselves: a disk tool that a crafted image has taken over (here
 * stood in for by a shell given the same confinement a tool gets) must not reach the host kernel's
 * settings, and must be held to resource limits, as customizer scripts are. fuse2fs, which serves a
 * build's root file system for all of the build, gets /dev/fuse but can mount nothing, and writes its
 * disk file alone; qemu-storage-daemon, which serves the build's disk as a copy-on-write overlay,
 * likewise reaches only its overlay and the NBD socket.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fuseServerAccess } from '../../src/imaging/disk/root-in-place.ts';
import { overlayDaemonAccess } from '../../src/imaging/disk/overlay-disk.ts';
import { runConfined } from '../../src/imaging/disk/run.ts';

const SWAPPINESS = '/proc/sys/vm/swappiness';

describe(
  'disk tools taken over by a crafted image',
  { skip: process.getuid?.() !== 0 && 'disk tools keep host uid 0 only when Kiln runs as root' },
  () => {
    it('cannot change a host sysctl, even holding DAC_OVERRIDE', async () => {
      const before = readFileSync(SWAPPINESS, 'utf8');
      const attempt = before.trim() === '17' ? '18' : '17';
      try {
        await assert.rejects(
          runConfined('sh', ['-c', `echo ${attempt} > ${SWAPPINESS}`], { capabilities: ['DAC_OVERRIDE'] }),
          /Read-only file system/,
        );
        assert.equal(readFileSync(SWAPPINESS, 'utf8'), before);
      } finally {
        if (readFileSync(SWAPPINESS, 'utf8') !== before) writeFileSync(SWAPPINESS, before);
      }
    });

    it("fuse2fs's confinement: /dev/fuse, but no mount, and no write but its disk file", async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kiln-fuse-grant-'));
      try {
        const disk = join(dir, 'disk.raw');
        writeFileSync(disk, '');
        const grant = fuseServerAccess(disk, false);
        await runConfined('sh', ['-c', `test -c /dev/fuse && echo written > ${disk}`], grant);
        assert.equal(readFileSync(disk, 'utf8'), 'written\n');
        await assert.rejects(runConfined('mount', ['-t', 'tmpfs', 'none', '/kiln/mnt'], grant), /permission denied/i);
        await assert.rejects(
          runConfined('sh', ['-c', `echo x > ${join(dir, 'beside')}`], grant),
          /Read-only file system/,
        );
        await assert.rejects(runConfined('cat', ['/etc/shadow'], grant), /No such file or directory/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("qemu-storage-daemon's confinement: its overlay and the NBD socket, /dev/fuse, no mount, nothing else", async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kiln-overlay-grant-'));
      try {
        const overlay = join(dir, 'overlay.qcow2');
        const socket = join(dir, 'source');
        writeFileSync(overlay, '');
        writeFileSync(socket, '');
        const grant = overlayDaemonAccess(overlay, socket);
        await runConfined('sh', ['-c', `test -c /dev/fuse && test -f /kiln/disk && echo written > ${overlay}`], grant);
        assert.equal(readFileSync(overlay, 'utf8'), 'written\n');
        await assert.rejects(runConfined('sh', ['-c', 'echo x > /kiln/disk'], grant), /Read-only file system/);
        await assert.rejects(runConfined('mount', ['-t', 'tmpfs', 'none', '/kiln'], grant), /permission denied/i);
        await assert.rejects(
          runConfined('sh', ['-c', `echo x > ${join(dir, 'beside')}`], grant),
          /Read-only file system/,
        );
        await assert.rejects(runConfined('cat', ['/etc/shadow'], grant), /No such file or directory/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('is stopped at the memory limit of its own cgroup', async () => {
      // dd allocates its whole block before reading: 3 GiB is past the 2 GiB every disk tool gets.
      await assert.rejects(
        runConfined('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=3G', 'count=1'], {}),
        /dd was stopped at the limit every disk tool runs under, 2048 MiB of memory: an image that needs more is damaged or hostile/,
      );
    });
  },
);
