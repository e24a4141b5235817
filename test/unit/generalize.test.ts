import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import type { FileBuildLog } from '../../src/imaging/build-log.ts';
import { shellStep } from '../../src/imaging/customizers/shell.ts';
import { generalizeStep } from '../../src/imaging/generalize.ts';
import type { RootFsState } from '../../src/imaging/sandbox.ts';
import type { StepContext } from '../../src/imaging/step-runner.ts';
import { freshStepFixture } from '../support/rootfs.ts';

const work = mkdtempSync(join(tmpdir(), 'kiln-generalize-'));
after(() => rmSync(work, { recursive: true, force: true }));

let state: RootFsState;
let log: FileBuildLog;
let ctx: StepContext;
let runs = 0;
beforeEach(() => {
  ({ state, log, ctx } = freshStepFixture(work, ++runs));
});
const inImage = (path: string) => join(state.rootfs, path);
const logText = () => readFileSync(log.path, 'utf8');
const write = (path: string, content: string, mode = 0o644) => {
  mkdirSync(join(inImage(path), '..'), { recursive: true });
  writeFileSync(inImage(path), content);
  chmodSync(inImage(path), mode);
};

describe('generalize', () => {
  it('deprovisions an image without waagent from the host side and logs each change', async () => {
    write('var/lib/dbus/machine-id', '0123456789abcdef0123456789abcdef\n');
    write('etc/ssh/sshd_config', 'PermitRootLogin no\n');
    write('etc/ssh/ssh_host_ed25519_key', 'key\n');
    write('var/log/apt/history.log', 'Start-Date: 2030\n');
    write('var/log/cloud-init.log', 'cloud-init ran\n');
    write('var/log/cloud-init-output.log', 'cloud-init output\n');
    write('home/alice/.bash_history', 'ls\n');
    write('home/alice/notes.txt', 'keep me\n');
    write('tmp/build-leftover', 'x\n');
    write('var/log/journal/0123456789abcdef0123456789abcdef/system.journal', 'LPKSHHRH');
    write('var/lib/systemd/random-seed', 'entropy', 0o600);
    write('var/lib/cloud/data/instance-id', 'iid-build\n');
    write('var/lib/cloud/sem/config_scripts_per_once.once', '');
    write('var/lib/cloud/seed/nocloud/meta-data', 'instance-id: iid-seed\n');
    write('var/lib/cloud/scripts/per-instance/greet.sh', '#!/bin/sh\necho hello\n', 0o755);
    symlinkSync('/var/lib/cloud/instances/x', inImage('var/lib/cloud/instance'));
    // A hostile image: links to host files where deprovisioning empties and deletes things.
    const hostFile = join(work, `host-file-${runs}`);
    writeFileSync(hostFile, 'host data\n');
    symlinkSync(hostFile, inImage('var/log/evil.log'));
    symlinkSync(work, inImage('var/lib/cloud/instances/evil'));

    await generalizeStep().run(state, ctx);

    assert.equal(readFileSync(inImage('etc/machine-id'), 'utf8'), '');
    assert.ok(!existsSync(inImage('var/lib/dbus/machine-id')));
    assert.deepEqual(readdirSync(inImage('etc/ssh')), ['sshd_config']);
    assert.equal(readFileSync(inImage('var/log/messages'), 'utf8'), '');
    assert.equal(readFileSync(inImage('var/log/apt/history.log'), 'utf8'), '');
    assert.ok(!existsSync(inImage('var/log/cloud-init.log')) && !existsSync(inImage('var/log/cloud-init-output.log')));
    assert.ok(!existsSync(inImage('root/.bash_history')) && !existsSync(inImage('home/alice/.bash_history')));
    assert.equal(readFileSync(inImage('home/alice/notes.txt'), 'utf8'), 'keep me\n');
    assert.deepEqual(readdirSync(inImage('var/lib/cloud/instances')), []);
    assert.ok(!existsSync(inImage('var/lib/cloud/instance')));
    assert.deepEqual(readdirSync(inImage('var/lib/cloud')).sort(), ['instances', 'scripts', 'seed']);
    assert.equal(readFileSync(inImage('var/lib/cloud/seed/nocloud/meta-data'), 'utf8'), 'instance-id: iid-seed\n');
    assert.ok(existsSync(inImage('var/lib/cloud/scripts/per-instance/greet.sh')), 'the image keeps its scripts');
    assert.deepEqual(readdirSync(inImage('var/log/journal')), []);
    assert.ok(!existsSync(inImage('var/lib/systemd/random-seed')));
    assert.deepEqual(readdirSync(inImage('tmp')), []);

    assert.equal(readFileSync(hostFile, 'utf8'), 'host data\n', 'a host file behind an image link was changed');
    assert.ok(
      existsSync(join(work, `run-${runs}`, 'customization.log')),
      'a host directory behind an image link was removed',
    );
    assert.ok(lstatSync(inImage('var/log/evil.log')).isSymbolicLink());

    const text = logText();
    assert.match(
      text,
      /no \/tmp\/DeprovisioningScript\.sh and no \/usr\/sbin\/waagent in the image; Kiln deprovisions the root file system itself/,
    );
    for (const done of [
      'emptied /etc/machine-id',
      'removed /var/lib/dbus/machine-id',
      'removed /etc/ssh/ssh_host_rsa_key',
      'removed /etc/ssh/ssh_host_rsa_key.pub',
      'removed /etc/ssh/ssh_host_ed25519_key',
      'emptied /var/log/messages (37 bytes)',
      'emptied /var/log/apt/history.log (17 bytes)',
      'removed /var/log/cloud-init.log',
      'removed /var/log/cloud-init-output.log',
      'removed /root/.bash_history',
      'removed /home/alice/.bash_history',
      'removed /var/lib/cloud/instances/x',
      'removed /var/lib/cloud/instances/evil',
      'removed /var/lib/cloud/instance',
      'removed /var/lib/cloud/data',
      'removed /var/lib/cloud/sem',
      'removed /var/log/journal/0123456789abcdef0123456789abcdef',
      'removed /var/lib/systemd/random-seed',
      'removed /tmp/build-leftover',
    ])
      assert.ok(text.includes(`Generalization: ${done}\n`), `log lacks "${done}":\n${text}`);
  });

  it('keeps what the build asks to keep in /tmp', async () => {
    write('tmp/keep-me', 'x\n');
    write('tmp/drop-me', 'x\n');
    await generalizeStep({ keepInTmp: ['keep-me'] }).run(state, ctx);
    assert.deepEqual(readdirSync(inImage('tmp')), ['keep-me']);
  });

  it('runs a DeprovisioningScript.sh written by a customizer instead, even when waagent exists', async () => {
    write('usr/sbin/waagent', '#!/bin/sh\ntouch /waagent-ran\n', 0o755);
    await shellStep({
      type: 'Shell',
      name: 'write-deprovision',
      inline: ['printf "echo custom-deprovision\\nrm -f /etc/ssh/ssh_host_*\\n" > /tmp/DeprovisioningScript.sh'],
    }).run(state, ctx);

    await generalizeStep().run(state, ctx);

    assert.deepEqual(readdirSync(inImage('etc/ssh')), []);
    assert.equal(
      readFileSync(inImage('etc/machine-id'), 'utf8'),
      '0123456789abcdef0123456789abcdef\n',
      'the default ran too',
    );
    assert.ok(!existsSync(inImage('waagent-ran')));
    assert.match(
      logText(),
      /a customizer wrote \/tmp\/DeprovisioningScript\.sh; running: \/bin\/sh \/tmp\/DeprovisioningScript\.sh\n/,
    );
    assert.match(logText(), /\[generalize\] custom-deprovision\n/);
  });

  it('fails with the exit code when the DeprovisioningScript.sh fails', async () => {
    write('tmp/DeprovisioningScript.sh', 'echo cannot-deprovision\nexit 4\n');
    await assert.rejects(generalizeStep().run(state, ctx), (error: Error & { exitCode: number }) => {
      assert.equal(error.exitCode, 4);
      assert.match(
        error.message,
        /^Generalization \(\/tmp\/DeprovisioningScript\.sh\) failed with exit code 4\. Last lines of its output:\ncannot-deprovision$/,
      );
      return true;
    });
  });

  it("runs waagent's Azure command when the image has /usr/sbin/waagent", async () => {
    write(
      'usr/sbin/waagent',
      '#!/bin/sh\necho "$@" > /waagent-args\necho "HISTSIZE before: ${HISTSIZE:-unset}"\n',
      0o755,
    );

    await generalizeStep().run(state, ctx);

    assert.equal(readFileSync(inImage('waagent-args'), 'utf8'), '-force -deprovision+user\n');
    assert.equal(
      readFileSync(inImage('etc/machine-id'), 'utf8'),
      '0123456789abcdef0123456789abcdef\n',
      'the default ran too',
    );
    assert.match(
      logText(),
      /Generalization: running: \/usr\/sbin\/waagent -force -deprovision\+user && export HISTSIZE=0 && sync\n/,
    );
    assert.match(logText(), /\[generalize\] HISTSIZE before: unset\n/);
  });
});
