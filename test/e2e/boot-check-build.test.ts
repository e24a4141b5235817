// `kiln build --boot-check` on an image that cannot boot: the busybox platform image has a root
// file system but no kernel or boot loader, so its console never shows a login prompt. With a short
// `build.bootCheckTimeoutSeconds`, the build fails in the boot check step, naming the image, and no
// QEMU is left running. (test/e2e/in-place-build.test.ts checks the boot check of an image that boots.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

const KILN = resolve('bin/kiln.js');
let work: string;
let data: string;
const kiln = (...args: string[]) => spawnSync(process.execPath, [KILN, ...args], { encoding: 'utf8', cwd: work });

describe('kiln build --boot-check', { skip: process.getuid?.() !== 0 && 'builds need root' }, () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'kiln-boot-check-'));
    data = join(work, 'data');
    const bootstrap = kiln('platform-image', 'bootstrap', 'busybox', '--data', data, '--size-mib', '48');
    assert.equal(bootstrap.status, 0, bootstrap.stderr);
    const config = JSON.parse(await readFile(join(data, 'config.json'), 'utf8'));
    config.build = { ...config.build, bootCheckTimeoutSeconds: 3 };
    await writeFile(join(data, 'config.json'), JSON.stringify(config, null, 2));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('fails a build whose image shows no login prompt, naming the image and the boot check', async () => {
    const template = {
      type: 'Microsoft.VirtualMachineImages/imageTemplates',
      apiVersion: '2022-02-14',
      location: 'westus',
      properties: {
        source: { type: 'PlatformImage', publisher: 'kiln', offer: 'busybox', sku: 'busybox', version: 'latest' },
        customize: [{ type: 'Shell', name: 'touch', inline: ['touch /etc/checked'] }],
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      },
    };
    await writeFile(join(work, 'no-kernel.json'), JSON.stringify(template));
    const started = Date.now();
    const built = kiln('build', join(work, 'no-kernel.json'), '--data', data, '--boot-check');
    const output = built.stdout + built.stderr;
    assert.equal(built.status, 1, output);
    assert.match(output, /boot check failed after/, output);
    assert.match(
      output,
      // A boot sector of zeros sends the CPU through memory: it spins (the wait times out) or resets (QEMU ends).
      /Boot check of image no-kernel failed: the serial console of .* showed no \/login:\/: (3 s passed|the VM ended)/,
    );
    assert.match(output, /Run Failed/);
    assert.ok(Date.now() - started < 60_000, 'the short timeout holds');
    const qemu = spawnSync('pgrep', ['-f', `qemu-system-x86_64.*${work}`]);
    assert.notEqual(qemu.status, 0, 'no QEMU left running');
  });
});
