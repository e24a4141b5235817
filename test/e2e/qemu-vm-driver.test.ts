// The QEMU VM driver (src/adapters/qemu-vm-driver.ts) on the small disk that really boots
// (test/support/bootable-disk.ts): it reaches the login prompt, a wait that times out names the
// console's last lines, and no QEMU outlives a stop, an abort, or a kill -9 of the process that
// booted it. Each test boots its own copy, so `pgrep -f` on the copy's path finds its QEMU alone.
// The driver is set up as Kiln sets it up (app/workers.ts): each QEMU confined (app/vm-confinement.ts).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readdir, readFile } from 'node:fs/promises';
import { createQemuVmDriver, type QemuVmDriverOptions } from '../../src/adapters/qemu-vm-driver.ts';
import { confineQemu } from '../../src/app/vm-confinement.ts';
import { bootableDisk } from '../support/bootable-disk.ts';

const VM = { memoryMiB: 256, cpus: 1 };
const driverOf = (options: QemuVmDriverOptions = {}) => createQemuVmDriver({ confine: confineQemu, ...options });
let work: string;
let fixture: string;
let copies = 0;

async function diskCopy(): Promise<string> {
  const path = join(work, `disk-${++copies}.raw`);
  await copyFile(fixture, path);
  return path;
}

const qemuRunning = (disk: string) => spawnSync('pgrep', ['-f', `file=${disk}`]).status === 0;

async function gone(disk: string, withinMs: number): Promise<boolean> {
  for (const end = Date.now() + withinMs; Date.now() < end; await sleep(100)) if (!qemuRunning(disk)) return true;
  return !qemuRunning(disk);
}

describe('the QEMU VM driver', { skip: process.getuid?.() !== 0 && 'the bootable disk needs root to make' }, () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'kiln-vm-driver-'));
    fixture = (await bootableDisk()).path;
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('boots to the login prompt, names the last console lines when a wait times out, and stops', async () => {
    const disk = await diskCopy();
    const notices: string[] = [];
    const serial: string[] = [];
    const driver = driverOf({ onNotice: (text) => notices.push(text) });
    const vm = await driver.boot({ path: disk, format: 'raw' }, { ...VM, serial: (line) => serial.push(line) });
    try {
      const { seconds } = await vm.waitFor(/login:/, 120_000);
      assert.ok(seconds > 0 && seconds < 120, `${seconds} s`);
      assert.ok(qemuRunning(disk), 'QEMU runs until stopped');
      assert.ok(['kvm', 'tcg'].includes(vm.accelerator));
      // Which accelerator, and why, is said; a fallback from KVM adds one more line, never one per VM.
      assert.ok(notices.length >= 1 && notices.length <= 2, notices.join('\n'));
      assert.match(notices.at(-1)!, vm.accelerator === 'tcg' ? /TCG/ : /KVM/);
      assert.ok(
        serial.some((line) => line.includes('KILN-BOOT:')),
        serial.join('\n'),
      );
      // QEMU is confined: nobody, no capabilities, a view of the host holding only programs and its own
      // files, and a cgroup of its own.
      const pid = spawnSync('pgrep', ['-f', `^/usr/bin/qemu-system-x86_64 .*file=${disk}`], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')[0];
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      assert.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m, 'QEMU runs as nobody');
      assert.match(status, /^CapEff:\s+0+$/m, 'with no capability');
      const seen = await readdir(`/proc/${pid}/root`);
      for (const absent of ['root', 'home', 'var', 'work']) assert.ok(!seen.includes(absent), `no /${absent}: ${seen}`);
      const etc = await readdir(`/proc/${pid}/root/etc`);
      const allowed = ['e2fsck.conf', 'group', 'ld.so.cache', 'ld.so.conf', 'mke2fs.conf', 'passwd'];
      assert.ok(etc.includes('passwd') && etc.every((name) => allowed.includes(name)), `of /etc, only ${etc}`);
      assert.match(await readFile(`/proc/${pid}/cgroup`, 'utf8'), /kiln-sandbox-/);

      const started = Date.now();
      await assert.rejects(vm.waitFor(/never shown/, 1000), (error: Error) => {
        assert.match(error.message, /showed no \/never shown\/: 1 s passed/);
        assert.match(error.message, /login:/, 'the last lines are in the message');
        assert.match(error.message, new RegExp(disk));
        return true;
      });
      assert.ok(Date.now() - started >= 900);
    } finally {
      await vm.stop();
    }
    assert.ok(!qemuRunning(disk), 'no QEMU left after stop()');
    const exit = await vm.exited;
    assert.equal(exit.signal, 'SIGKILL');
  });

  it('stops the VM when its signal aborts, failing a wait at once', async () => {
    const disk = await diskCopy();
    const abort = new AbortController();
    const vm = await driverOf().boot({ path: disk, format: 'raw' }, { ...VM, serial: () => {}, signal: abort.signal });
    const waiting = vm.waitFor(/login:/, 120_000);
    await sleep(500);
    assert.ok(qemuRunning(disk));
    abort.abort();
    await assert.rejects(waiting, /the VM ended \(SIGKILL\)/);
    await vm.exited;
    assert.ok(!qemuRunning(disk), 'no QEMU left after an abort');
  });

  it('runs as many VMs at once as its capacity holds; the next waits its turn', async () => {
    const [first, second] = [await diskCopy(), await diskCopy()];
    const driver = driverOf({ capacity: { vms: 1 } });
    const vm = await driver.boot({ path: first, format: 'raw' }, { ...VM, serial: () => {} });
    let booted = false;
    const next = driver.boot({ path: second, format: 'raw' }, { ...VM, serial: () => {} }).then((vm) => {
      booted = true;
      return vm;
    });
    await sleep(700);
    assert.equal(booted, false, 'the second VM waits while the first runs');
    assert.ok(!qemuRunning(second));
    await vm.stop();
    const vm2 = await next;
    assert.ok(qemuRunning(second));
    await vm2.stop();
    assert.ok(!qemuRunning(second));
  });

  it('leaves no QEMU running when the process that booted it is killed with SIGKILL', async () => {
    const disk = await diskCopy();
    const script = join(work, 'boot-and-wait.mts');
    const driverPath = resolve('src/adapters/qemu-vm-driver.ts');
    await writeFile(
      script,
      `import { createQemuVmDriver } from ${JSON.stringify(driverPath)};
import { confineQemu } from ${JSON.stringify(resolve('src/app/vm-confinement.ts'))};
await createQemuVmDriver({ confine: confineQemu }).boot({ path: ${JSON.stringify(disk)}, format: 'raw' }, { memoryMiB: 256, cpus: 1, serial: () => {} });
console.log('booted');
setInterval(() => {}, 1000);
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('booted') && resolve());
      child.once('exit', (code) => reject(new Error(`the child ended (${code}) before booting`)));
    });
    await sleep(300);
    assert.ok(qemuRunning(disk), 'QEMU runs while its parent does');
    child.kill('SIGKILL');
    assert.ok(await gone(disk, 5000), 'QEMU died with the process that booted it');
  });
});
