// The boot check step alone, over a scripted VM driver (a console that prints given lines, then
// waits): the built VHD is what it boots, its console goes to the log prefixed with the step's name,
// the prompt's time and accelerator are logged, a console without a login prompt fails the step
// naming the image and the last lines, a cancel is a cancel, and the VM is stopped every time.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bootCheckStep } from '../../../src/imaging/image-template/boot-check-step.ts';
import type { Vm, VmDisk, VmDriver, VmExit } from '../../../src/ports/vm-driver.ts';
import { imageBuildFixture } from '../../support/image-build.ts';

const root = mkdtempSync(join(tmpdir(), 'kiln-boot-check-step-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A driver whose VMs print `console` at once and then wait, never ending on their own. */
function scriptedDriver(console: string[]) {
  const booted: Array<{ disk: VmDisk; stopped: boolean }> = [];
  const driver: VmDriver = {
    boot: async (disk, options) => {
      const record = { disk, stopped: false };
      booted.push(record);
      for (const line of console) options.serial(line);
      let end!: (exit: VmExit) => void;
      const exited = new Promise<VmExit>((resolve) => (end = resolve));
      const stop = async () => {
        record.stopped = true;
        end({ code: null, signal: 'SIGKILL', stderr: '' });
      };
      options.signal?.addEventListener('abort', () => void stop(), { once: true });
      const vm: Vm = {
        accelerator: 'tcg',
        exited,
        stop,
        shutdown: async () => (await stop(), 'forced'),
        hostPort: (port) => {
          throw new Error(`guest port ${port} is not forwarded`);
        },
        lastSerialLines: (n) => console.slice(-n),
        attachDisk: async () => {
          throw new Error('a build VM has no data disks');
        },
        detachDisk: async () => {
          throw new Error('a build VM has no data disks');
        },
        waitFor: (pattern, timeoutMs) =>
          console.some((line) => pattern.test(line))
            ? Promise.resolve({ seconds: 1.25 })
            : new Promise((_, reject) => {
                const timer = setTimeout(() => reject(new Error(`no ${pattern}; last: ${console.at(-1)}`)), timeoutMs);
                void exited.then(() => {
                  clearTimeout(timer);
                  reject(new Error('the VM ended'));
                });
              }),
      };
      return vm;
    },
  };
  return { driver, booted };
}

describe('boot check step', () => {
  it('boots the built VHD to its login prompt, logging its console and the time it took', async () => {
    const { state, log, ctx } = imageBuildFixture(root, 1);
    state.image = { path: state.vhd, format: 'vpc', size: 32 * 1024 * 1024 + 512 };
    const { driver, booted } = scriptedDriver(['KILN-BOOT: hello', 'kiln login: ']);
    const step = bootCheckStep({ driver, timeoutSeconds: 5, image: 'web' });
    assert.equal(step.name, 'boot check');
    await step.run(state, ctx);
    log.close();
    assert.deepEqual(booted[0].disk, { path: state.vhd, format: 'vpc' });
    assert.equal(booted[0].stopped, true, 'the VM is stopped once the prompt showed');
    const written = readFileSync(log.path, 'utf8');
    assert.match(written, /\[boot-check\] KILN-BOOT: hello/);
    assert.match(written, /Boot check: login prompt after 1\.3 s \(tcg\)/);
  });

  it('fails naming the image and the console when no login prompt shows in time', async () => {
    const { state, ctx } = imageBuildFixture(root, 2);
    state.image = { path: state.vhd, format: 'vpc', size: 32 * 1024 * 1024 + 512 };
    const { driver, booted } = scriptedDriver(['Booting from Hard Disk...', 'No bootable device.']);
    await assert.rejects(
      bootCheckStep({ driver, timeoutSeconds: 0.2, image: 'web' }).run(state, ctx),
      /Boot check of image web failed: no \/login:\/; last: No bootable device\./,
    );
    assert.equal(booted[0].stopped, true);
  });

  it('ends as canceled, not as a failed boot, when the run is canceled', async () => {
    const { state, ctx, controller } = imageBuildFixture(root, 3);
    state.image = { path: state.vhd, format: 'vpc', size: 32 * 1024 * 1024 + 512 };
    const { driver, booted } = scriptedDriver(['Booting...']);
    const running = bootCheckStep({ driver, timeoutSeconds: 60, image: 'web' }).run(state, ctx);
    setTimeout(() => controller.abort(new Error('run canceled')), 50);
    await assert.rejects(running, /run canceled/);
    assert.equal(booted[0].stopped, true);
  });
});
