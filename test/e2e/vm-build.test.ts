// Issue 13: builds that boot. The bootstrapped Debian (GRUB, cloud-init, sshd: test/support/debian-image.ts)
// is imported as a platform image and built by `kiln build`:
// - in the VM build mode, which its WindowsRestart step picks by itself: its Shell customizer runs
//   inside the booted image through the SSH communicator, installs and enables a systemd unit, the VM
//   restarts (a new boot id, the unit running, the check command passing), and a File customizer copies a
//   file in; the validate stage then boots the customized image and its in-VM validations, run through
//   the communicator, see the unit running after that next boot and the file in place; the run passes,
//   and the built image carries none of the build's SSH key. Its vmProfile is honoured: the build VM
//   has the vCPUs and memory of its vmSize (Standard_B1ms: one vCPU, as a TCG guest sharing a 2-core
//   host should have, and twice the default memory), and its disk is osDiskSizeGB, a GiB more than
//   the source, into which the guest's cloud-init grew the root; the image is that size;
// - with `sourceValidationOnly` and a failing validation: the run fails naming the validation, and with
//   `continueDistributeOnFailure` the image is distributed anyway, as Azure does;
// - from the same Debian with its root on xfs, which Kiln cannot open in place: the build switches to
//   the VM build mode by itself, and the image's xfs root holds the step's change and passes xfs_repair -n.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findRootPartition, readPartitionTable } from '../../src/imaging/disk/partitions.ts';
import { debianImage } from '../support/debian-image.ts';
import { xfsDebianImage } from '../support/xfs-debian-image.ts';
import { withReadOnlyMount } from '../support/disk-inspection.ts';
import { run } from '../../src/imaging/disk/run.ts';

const KILN = resolve('bin/kiln.js');
const UNIT = `[Unit]
Description=Kiln test service installed in the VM build mode
[Service]
ExecStart=/bin/sh -c 'echo kiln-hello > /run/kiln-hello; exec sleep infinity'
[Install]
WantedBy=multi-user.target
`;

/** A stand-in for PowerShell: records its arguments and runs `-Command`'s text with sh. */
const PWSH = `#!/bin/sh
printf '%s\\n' "$@" > /var/lib/kiln-pwsh-args
[ "$1 $2 $3" = "-NoProfile -NonInteractive -Command" ] && exec sh -c "$4"
exit 64
`;

let work: string;
let server: Server;
let base: string;
/** The Debian disk's bytes: the in-VM build's vmProfile.osDiskSizeGB is a GiB more. */
let debianBytes: number;
const GIB = 1024 ** 3;

/** `kiln` with its output collected; the build's live log goes to the test's stderr only on failure. */
function kiln(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [KILN, ...args], { cwd: work });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

const DEBIAN = { type: 'PlatformImage', publisher: 'Debian', offer: 'debian-12', sku: '12', version: 'latest' };

function template(properties: Record<string, unknown>) {
  return {
    type: 'Microsoft.VirtualMachineImages/imageTemplates',
    apiVersion: '2024-02-01',
    location: 'westus',
    properties: {
      source: DEBIAN,
      distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      ...properties,
    },
  };
}

async function build(name: string, properties: Record<string, unknown>) {
  const file = join(work, `${name}.json`);
  await writeFile(file, JSON.stringify(template(properties)));
  return kiln('build', file, '--data', join(work, 'data'), '--output-dir', join(work, name));
}

describe('builds that boot the image', { skip: process.getuid?.() !== 0 && 'builds need root' }, () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'kiln-vm-build-'));
    // The File customizer's source: a loopback server the test runs (downloads are made on the host).
    server = createServer((_, response) => response.end('carried into the VM by a File customizer\n'));
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    // The one Debian disk boots both ways; as 12-gen2 (V2) its VMs start UEFI, as Azure's Generation 2.
    for (const [sku, generation, file] of [
      ['12', 'V1', await debianImage()],
      ['12-gen2', 'V2', await debianImage()],
      ['12-xfs', 'V1', await xfsDebianImage()],
    ]) {
      const imported = await kiln(
        'platform-image',
        'import',
        '--data',
        join(work, 'data'),
        ...['--publisher', 'Debian', '--offer', 'debian-12', '--sku', sku, '--version', '1.0.0'],
        ...['--hyper-v-generation', generation, '--file', file],
      );
      assert.equal(imported.status, 0, imported.stdout + imported.stderr);
      if (sku === '12') debianBytes = (await stat(file)).size;
    }
    // Downloads from loopback are refused unless the operator allows them, as for any private address.
    const config = join(work, 'data', 'config.json');
    const settings = JSON.parse(await readFile(config, 'utf8'));
    await writeFile(config, JSON.stringify({ ...settings, build: { downloads: { allowAddresses: ['loopback'] } } }));
  });
  after(async () => {
    server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('runs customizers inside the booted image, then validates the image it made', async () => {
    // No kilnBuildMode: the restart alone puts the build in the VM.
    const osDiskSizeGB = Math.ceil(debianBytes / GIB) + 1;
    const built = await build('in-vm', {
      vmProfile: { vmSize: 'Standard_B1ms', osDiskSizeGB },
      customize: [
        {
          type: 'Shell',
          name: 'build-vm',
          inline: [
            'echo "build vm: nproc=$(nproc)"',
            'echo "build vm: $(grep MemTotal /proc/meminfo)"',
            'part=$(basename "$(findmnt -no SOURCE /)")',
            'disk=$(basename "$(readlink -f "/sys/class/block/$part/..")")',
            'echo "build vm: disk=$(( $(cat "/sys/class/block/$disk/size") * 512 )) root=$(df -B1 --output=size / | tail -1 | tr -d " ")"',
          ],
        },
        {
          type: 'Shell',
          name: 'install-unit',
          inline: [
            `cat > /etc/systemd/system/kiln-hello.service <<'UNIT'\n${UNIT}UNIT`,
            'systemctl daemon-reload',
            'systemctl enable kiln-hello.service',
            'cat /proc/sys/kernel/random/boot_id > /var/lib/kiln-boot-before',
          ],
        },
        // Debian has no PowerShell: a stand-in pwsh shows how Kiln finds and calls the image's own.
        {
          type: 'Shell',
          name: 'stand-in-pwsh',
          inline: [`cat > /usr/local/bin/pwsh <<'PWSH'\n${PWSH}PWSH`, 'chmod +x /usr/local/bin/pwsh'],
        },
        {
          type: 'PowerShell',
          name: 'ps-step',
          inline: ['echo from-powershell-step', 'exit 3'],
          validExitCodes: [0, 3],
        },
        {
          type: 'WindowsRestart',
          name: 'restart',
          restartCheckCommand: 'systemctl is-active kiln-hello.service',
          restartTimeout: '15m',
        },
        {
          type: 'Shell',
          name: 'after-restart',
          inline: [
            'test "$(cat /proc/sys/kernel/random/boot_id)" != "$(cat /var/lib/kiln-boot-before)"',
            'rm /var/lib/kiln-boot-before',
            'echo "pwsh was called with: $(tr "\\n" " " < /var/lib/kiln-pwsh-args)"',
            'rm /usr/local/bin/pwsh /var/lib/kiln-pwsh-args',
            'echo "came back: $(cat /run/kiln-hello)"',
          ],
        },
        { type: 'File', name: 'note', sourceUri: `${base}/note.txt`, destination: '/tmp/note.txt' },
        { type: 'Shell', name: 'keep-note', inline: ['mv /tmp/note.txt /etc/kiln-note.txt'] },
      ],
      validate: {
        inVMValidations: [
          {
            type: 'Shell',
            name: 'unit-running',
            inline: ['systemctl is-active kiln-hello.service', 'cat /run/kiln-hello'],
          },
          { type: 'Shell', name: 'note-there', inline: ['grep -q "File customizer" /etc/kiln-note.txt'] },
        ],
      },
    });
    assert.equal(built.status, 0, built.stdout + built.stderr);
    assert.match(built.stdout, /VM build mode\): the template restarts the VM \(WindowsRestart customizer 'restart'\)/);
    assert.match(built.stdout, /WindowsRestart customizer 'restart': restarting the VM with: reboot/);
    assert.match(built.stdout, /WindowsRestart customizer 'restart': the VM restarted/);
    assert.match(built.stdout, /came back: kiln-hello/, 'the unit enabled before the restart runs after it');
    assert.match(
      built.stdout,
      /PowerShell customizer 'ps-step': running 2 inline command\(s\) in the VM with \/usr\/local\/bin\/pwsh/,
    );
    assert.match(built.stdout, /^\s+from-powershell-step$/m, "the step's output");
    assert.match(built.stdout, /PowerShell customizer 'ps-step': exit code 3/, 'a valid exit code of its own');
    assert.match(
      built.stdout,
      /pwsh was called with: -NoProfile -NonInteractive -Command echo from-powershell-step exit 3/,
    );
    assert.match(built.stdout, /ssh answered after \d+\.\d s \((kvm|tcg), BIOS\)/);
    assert.match(built.stdout, /the VM powered off/);
    assert.match(built.stdout, /kiln-hello/, "the validator's output is in the log");
    assert.match(built.stdout, /all 2 validator\(s\) passed/);
    // vmProfile: the build VM (and the validation's) has the size's vCPUs and memory, and the grown disk.
    assert.match(
      built.stdout,
      /vm: booting as Standard_B1ms \(properties\.vmProfile\.vmSize\) with 1 vCPUs? and 2048 MiB/,
    );
    assert.match(built.stdout, /validate vm: booting as Standard_B1ms/);
    assert.match(built.stdout, new RegExp(`OS disk grown from ${debianBytes} to ${osDiskSizeGB * GIB} bytes`));
    assert.match(built.stdout, /build vm: nproc=1$/m);
    const memKiB = Number(/build vm: MemTotal:\s+(\d+) kB/.exec(built.stdout)?.[1]);
    assert.ok(memKiB > 1.5 * 1024 * 1024 && memKiB <= 2 * 1024 * 1024, `MemTotal ${memKiB} kB`);
    const [, disk, rootBytes] = /build vm: disk=(\d+) root=(\d+)/.exec(built.stdout) ?? [];
    assert.equal(Number(disk), osDiskSizeGB * GIB, "the guest's disk is osDiskSizeGB");
    assert.ok(Number(rootBytes) > debianBytes, `cloud-init grew the root (${rootBytes} bytes) past the source's disk`);

    // The image carries what the steps made and nothing of the build's own machine.
    const vhd = join(work, 'in-vm', 'vhd.vhd');
    assert.equal((await stat(vhd)).size, osDiskSizeGB * GIB + 512, 'the image is osDiskSizeGB');
    await withReadOnlyMount(vhd, await findRootPartition(vhd), async (root) => {
      assert.match(await readFile(join(root, 'etc/kiln-note.txt'), 'utf8'), /File customizer/);
      // The enabling link, read as a link: its absolute target names a path inside the image.
      assert.equal(
        await readlink(join(root, 'etc/systemd/system/multi-user.target.wants/kiln-hello.service')),
        '/etc/systemd/system/kiln-hello.service',
      );
      const keys = await readFile(join(root, 'root/.ssh/authorized_keys'), 'utf8').catch(() => '');
      assert.doesNotMatch(keys, /kiln-build/, "the build's SSH key is gone");
      assert.equal(await readFile(join(root, 'etc/machine-id'), 'utf8'), '', 'machine-id emptied');
      assert.ok(!existsSync(join(root, 'var/lib/cloud/instances')), "cloud-init's instance state is gone");
      assert.deepEqual(
        (await readdir(join(root, 'etc/ssh'))).filter((f) => f.startsWith('ssh_host_')),
        [],
      );
    });
  });

  it('fails a run whose validation fails, naming it, and distributes anyway when told to', async () => {
    const built = await build('failing', {
      source: { ...DEBIAN, sku: '12-gen2' },
      validate: {
        sourceValidationOnly: true,
        continueDistributeOnFailure: true,
        inVMValidations: [
          { type: 'Shell', name: 'passes', inline: ['true'] },
          { type: 'Shell', name: 'needs-nginx', inline: ['echo looking for nginx', 'command -v nginx'] },
        ],
      },
    });
    assert.notEqual(built.status, 0, built.stdout + built.stderr);
    assert.match(built.stdout + built.stderr, /Shell validator 'needs-nginx' failed with exit code \d+/);
    assert.match(built.stdout, /looking for nginx/);
    assert.match(built.stdout, /ssh answered after \d+\.\d s \((kvm|tcg), UEFI\)/, 'a V2 image boots with UEFI');
    assert.match(built.stdout, /distributed anyway/);
  });

  it('builds a root it cannot open in place (xfs) inside the booted image', async () => {
    const built = await build('xfs', {
      source: { ...DEBIAN, sku: '12-xfs' },
      customize: [{ type: 'Shell', name: 'mark', inline: ['echo built on xfs > /etc/kiln-xfs-marker'] }],
    });
    assert.equal(built.status, 0, built.stdout + built.stderr);
    assert.match(built.stdout, /Customizers run inside the booted image \(VM build mode\): .*xfs/);
    assert.match(built.stdout, /ssh answered after/, 'the xfs root booted');
    // No validation boot here (the first test boots a built image): the image's xfs root is read
    // instead. xfs_repair -n finds nothing to mend (the guest powered off cleanly), and the step's
    // file is there.
    const vhd = join(work, 'xfs', 'vhd.vhd');
    const layout = await readPartitionTable(vhd);
    const [root] = layout!.partitions.filter((p) => p.number === 1); // as the xfs fixture leaves it
    await withReadOnlyMount(
      vhd,
      { ...root, table: layout!.table },
      async (dir, device) => {
        assert.equal(await readFile(join(dir, 'etc/kiln-xfs-marker'), 'utf8'), 'built on xfs\n');
        await run('xfs_repair', ['-n', device]); // allowed on a read-only mount; fails on what it would mend
      },
      'xfs',
    );
  });
});
