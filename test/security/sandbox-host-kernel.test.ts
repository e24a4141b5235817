/**
 * Issue 10, points 2 and 3: a customizer script runs as root in the sandbox and tries to reach the
 * host kernel (sysctls, sysrq, a fresh sysfs or procfs, a kernel module) and to read Kiln's own
 * environment through /proc. Each attempt must fail inside and leave the host as it was.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runInSandbox } from '../../src/imaging/sandbox.ts';
import { makeBusyboxRootFs } from '../support/rootfs.ts';

const work = mkdtempSync(join(tmpdir(), 'kiln-sandbox-kernel-'));
const rootfs = makeBusyboxRootFs(join(work, 'rootfs'));
after(() => rmSync(work, { recursive: true, force: true }));

async function sh(script: string): Promise<{ exitCode: number; output: string }> {
  const lines: string[] = [];
  const { exitCode } = await runInSandbox(rootfs, ['/bin/sh', '-c', script], { onOutput: (line) => lines.push(line) });
  return { exitCode, output: lines.join('\n') };
}

/**
 * Runs `script`, which tries to set the host sysctl at `path` to `attempt`; restores the host's value
 * should the attempt get through, so a broken sandbox fails this test without breaking the machine.
 */
async function tryHostSysctl(path: string, attempt: string, script: string) {
  const host = `/proc/sys/${path}`;
  const before = readFileSync(host, 'utf8');
  assert.notEqual(before.trim(), attempt, 'the attempt must differ from the host value to be seen');
  try {
    const result = await sh(script);
    return { ...result, after: readFileSync(host, 'utf8'), before };
  } finally {
    if (readFileSync(host, 'utf8') !== before) writeFileSync(host, before);
  }
}

describe(
  'sandboxed scripts and the host kernel',
  { skip: process.getuid?.() !== 0 && 'the sandbox keeps host uid 0 only when Kiln runs as root' },
  () => {
    it('cannot change a host sysctl: /proc/sys is read-only', async () => {
      const swappiness = await tryHostSysctl('vm/swappiness', '13', 'echo 13 > /proc/sys/vm/swappiness && echo wrote');
      assert.doesNotMatch(swappiness.output, /wrote/);
      assert.match(swappiness.output, /Read-only file system/);
      assert.equal(swappiness.after, swappiness.before);

      const pattern = `|/tmp/kiln-pwned-${randomUUID()} %p`;
      const core = await tryHostSysctl(
        'kernel/core_pattern',
        pattern,
        `echo '${pattern}' > /proc/sys/kernel/core_pattern && echo wrote`,
      );
      assert.doesNotMatch(core.output, /wrote/);
      assert.equal(core.after, core.before);
    });

    it('cannot remount /proc/sys writable, unmount it, or mount a fresh procfs or sysfs', async () => {
      const { output } = await sh(
        [
          'mount -o remount,rw /proc/sys && echo remounted',
          'umount /proc/sys && echo unmounted',
          'mkdir -p /sys /mnt/proc',
          'mount -t sysfs sysfs /sys && echo sysfs-mounted',
          'mount -t proc proc /mnt/proc && echo proc-mounted',
          'ls /sys | wc -l',
        ].join('; '),
      );
      for (const escape of ['remounted', 'unmounted', 'sysfs-mounted', 'proc-mounted'])
        assert.doesNotMatch(output, new RegExp(escape), output);
      assert.match(output, /Operation not permitted|Permission denied/);
      assert.match(output.split('\n').at(-1)!, /^0$/, "the image's /sys stays empty");
    });

    it('cannot trigger sysrq', async () => {
      const { output } = await sh('echo h > /proc/sysrq-trigger && echo triggered');
      assert.doesNotMatch(output, /triggered/);
      // On a kernel with sysrq the file is a read-only bind; on one without (as CI's), it cannot be created.
      assert.match(output, existsSync('/proc/sysrq-trigger') ? /Read-only file system/ : /can't create/);
    });

    it('cannot read kernel state files: they are masked', async () => {
      assert.match(readFileSync('/proc/timer_list', 'utf8'), /Timer List/, 'the host shows its timers');
      const { output } = await sh(
        'cat /proc/timer_list; echo "acpi entries: $(ls -A /proc/acpi | wc -l)"; echo x > /proc/acpi/x && echo wrote',
      );
      assert.doesNotMatch(output, /Timer List/);
      assert.match(output, /acpi entries: 0/);
      assert.doesNotMatch(output, /wrote/);
    });

    it('cannot load a kernel module: the capability is never held', async () => {
      const { output } = await sh(
        'printf "\\177ELFnot-a-module" > /tmp/evil.ko; insmod /tmp/evil.ko && echo loaded; grep CapEff /proc/self/status',
      );
      assert.doesNotMatch(output, /loaded/);
      // Without CAP_SYS_MODULE (bit 16) init_module is refused whatever the file, also on kernels built with modules.
      const effective = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(output)![1]}`);
      assert.equal(effective & (1n << 16n), 0n, `CapEff ${effective.toString(16)} holds CAP_SYS_MODULE`);
      assert.equal(effective & (1n << 21n), 0n, 'CAP_SYS_ADMIN (mount) is not held either');
    });

    it("does not see Kiln's environment in any /proc/*/environ", async () => {
      const secret = `kiln-secret-${randomUUID()}`;
      process.env.KILN_SECURITY_TEST_SECRET = secret;
      try {
        const { exitCode, output } = await sh(
          'for f in /proc/[0-9]*/environ /proc/self/environ; do echo "== $f"; tr "\\0" "\\n" < "$f"; done',
        );
        assert.equal(exitCode, 0, output);
        assert.match(output, /== \/proc\/1\/environ/, "the sandbox's pid 1 (bubblewrap) was read");
        assert.ok(!output.includes(secret), "Kiln's environment reached the sandbox");
        assert.doesNotMatch(output, /KILN_SECURITY_TEST_SECRET/);
      } finally {
        delete process.env.KILN_SECURITY_TEST_SECRET;
      }
    });
  },
);
