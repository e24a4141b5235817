/**
 * The sandbox is what stands between a user's build scripts and the Kiln host: each test tries a way
 * out (host files, host network, host paths to write) and checks both that it failed inside and that
 * nothing changed outside, with a control showing the same command works where it is allowed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { imagePath, runInSandbox, type SandboxOptions } from '../../src/imaging/sandbox.ts';
import { makeBusyboxRootFs } from '../support/rootfs.ts';

const work = mkdtempSync(join(tmpdir(), 'kiln-sandbox-'));
const rootfs = makeBusyboxRootFs(join(work, 'rootfs'));
// A host directory the sandbox must neither read nor write, holding a file only the host knows.
const hostDir = mkdtempSync(join(tmpdir(), 'kiln-host-'));
const marker = join(hostDir, 'marker');
const secret = `host-only-${randomUUID()}`;
writeFileSync(marker, secret);
after(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(hostDir, { recursive: true, force: true });
});

async function sh(
  script: string,
  options: Partial<SandboxOptions> = {},
): Promise<{ exitCode: number; output: string[] }> {
  const output: string[] = [];
  const { exitCode } = await runInSandbox(rootfs, ['/bin/sh', '-c', script], {
    ...options,
    onOutput: (line) => output.push(line),
  });
  return { exitCode, output };
}

describe('sandbox', () => {
  let server: Server;
  let port: number;
  let connections = 0;
  before(async () => {
    server = createServer((_req, res) => res.end('reached-host-server\n'));
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('cannot read a host file by its absolute path, while image files are readable', async () => {
    const inside = await sh('cat /etc/machine-id');
    assert.equal(inside.exitCode, 0);
    assert.deepEqual(inside.output, ['0123456789abcdef0123456789abcdef']);

    const { exitCode, output } = await sh(`cat ${marker}`);
    assert.notEqual(exitCode, 0);
    assert.ok(!output.join('\n').includes(secret), 'the host file leaked into the sandbox');
    assert.match(output.join('\n'), /No such file or directory/);
  });

  it('cannot connect to a server on the host loopback unless network is enabled', async () => {
    // busybox nc rather than wget: the static busybox's wget crashes on some hosts.
    const request = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 127.0.0.1 ${port}`;
    const before = connections;
    const { exitCode, output } = await sh(request);
    assert.notEqual(exitCode, 0);
    assert.ok(!output.join('\n').includes('reached-host-server'));
    assert.equal(connections, before, 'the host server saw a connection from the sandbox');

    const shared = await sh(request, { network: true });
    assert.equal(shared.exitCode, 0, shared.output.join('\n'));
    assert.ok(shared.output.includes('reached-host-server'), shared.output.join('\n'));
    assert.equal(connections, before + 1);
  });

  it('cannot write to host paths; writes land in the image only', async () => {
    const { exitCode, output } = await sh(
      [
        `echo pwned > ${marker} && echo wrote-marker`,
        `echo pwned > ${hostDir}/new && echo wrote-new`,
        `mkdir -p ${hostDir} && echo pwned > ${hostDir}/inside-copy`,
        'echo written-inside > /root/inside',
      ].join('; '),
    );
    assert.equal(exitCode, 0, output.join('\n'));
    assert.ok(!output.includes('wrote-marker') && !output.includes('wrote-new'), output.join('\n'));
    assert.equal(readFileSync(marker, 'utf8'), secret);
    assert.deepEqual(readdirSync(hostDir), ['marker']);
    // The same absolute path, created by the script, is a directory of the image.
    assert.equal(readFileSync(join(rootfs, hostDir, 'inside-copy'), 'utf8'), 'pwned\n');
    assert.equal(readFileSync(join(rootfs, 'root/inside'), 'utf8'), 'written-inside\n');
  });

  it('runs as uid 0 with only a minimal environment', async () => {
    process.env.KILN_SANDBOX_TEST_SECRET = 'must-not-leak';
    try {
      const { exitCode, output } = await sh('id -u; pwd; env | sort', { env: { GREETING: 'hello' }, cwd: '/tmp' });
      assert.equal(exitCode, 0);
      assert.equal(output[0], '0');
      assert.equal(output[1], '/tmp');
      const names = output.slice(2).map((line) => line.split('=')[0]);
      assert.deepEqual(
        names.filter((name) => !['PWD', 'SHLVL', 'OLDPWD'].includes(name)),
        ['GREETING', 'HOME', 'PATH', 'TERM'],
      );
      assert.ok(output.includes('HOME=/root') && output.includes('TERM=dumb') && output.includes('GREETING=hello'));
    } finally {
      delete process.env.KILN_SANDBOX_TEST_SECRET;
    }
  });

  it('sees its own processes only and no host devices', async () => {
    const { output } = await sh('ls /proc | grep -c "^[0-9]"; ls /dev');
    assert.ok(Number(output[0]) <= 4, `sandbox sees ${output[0]} processes`);
    assert.ok(!output.some((name) => /^(sd|vd|nvme|loop|xvd)/.test(name)), output.join(' '));
  });

  it(
    'as root: keeps file ownership working but cannot make device nodes, mount or enter namespaces',
    { skip: process.getuid?.() !== 0 },
    async () => {
      const { output } = await sh(
        [
          'touch /tmp/owned && chown 1000:1000 /tmp/owned && echo chown-ok',
          '/bin/busybox mknod /tmp/disk b 8 0 && echo mknod-ok',
          'mkdir -p /mnt && mount -t tmpfs none /mnt && echo mount-ok',
          'nsenter -t 1 -m true && echo nsenter-ok',
        ].join('; '),
      );
      assert.ok(output.includes('chown-ok'), output.join('\n'));
      assert.equal(statSync(join(rootfs, 'tmp/owned')).uid, 1000);
      for (const escape of ['mknod-ok', 'mount-ok', 'nsenter-ok'])
        assert.ok(!output.includes(escape), output.join('\n'));
    },
  );

  it('passes the exit code through', async () => {
    assert.equal((await sh('exit 7')).exitCode, 7);
  });

  it('kills the whole sandbox, background processes included, on timeout', async () => {
    const started = Date.now();
    await assert.rejects(
      sh('sleep 4243 & setsid sleep 4244 & sleep 4245', { timeoutMs: 300 }),
      /timed out after 300 ms/,
    );
    assert.ok(Date.now() - started < 3000);
    assert.deepEqual(hostProcesses(/^sleep\0(4243|4244|4245)\0$/), []);
  });

  it('ends processes the command left running when it exits', async () => {
    const started = Date.now();
    assert.equal((await sh('sleep 4247 & setsid sleep 4248 & echo started')).exitCode, 0);
    assert.ok(Date.now() - started < 3000);
    assert.deepEqual(hostProcesses(/^sleep\0(4247|4248)\0$/), []);
  });

  it('kills the sandbox on abort', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(sh('sleep 4246', { signal: controller.signal }), /canceled/);
    assert.deepEqual(hostProcesses(/^sleep\0(4246)\0$/), []);
  });
});

describe('imagePath', () => {
  it('follows links inside the image and never out of it', async () => {
    mkdirSync(join(rootfs, 'data/logs'), { recursive: true });
    symlinkSync('/data/logs', join(rootfs, 'var/applogs'));
    symlinkSync('../../../../../..', join(rootfs, 'var/up'));
    symlinkSync(hostDir, join(rootfs, 'var/host'));
    assert.equal(await imagePath(rootfs, '/var/applogs/x.log'), join(rootfs, 'data/logs/x.log'));
    assert.equal(await imagePath(rootfs, '/var/up/etc/passwd'), join(rootfs, 'etc/passwd'));
    assert.equal(await imagePath(rootfs, '/no/such/../../var/applogs/x.log'), join(rootfs, 'data/logs/x.log'));
    assert.equal(await imagePath(rootfs, `/var/host/marker`), join(rootfs, hostDir, 'marker'));
    assert.equal(
      await imagePath(rootfs, '/var/applogs'),
      join(rootfs, 'var/applogs'),
      'the last link is kept unless followLast',
    );
    assert.equal(await imagePath(rootfs, '/var/applogs', { followLast: true }), join(rootfs, 'data/logs'));
    assert.ok(!existsSync(join(rootfs, hostDir, 'marker')));
  });

  it('gives up on link loops', async () => {
    symlinkSync('/loop-b', join(rootfs, 'loop-a'));
    symlinkSync('/loop-a', join(rootfs, 'loop-b'));
    await assert.rejects(imagePath(rootfs, '/loop-a/x'), /Too many levels of symbolic links/);
  });
});

/** Host processes whose command line matches, read from /proc (the sandbox's processes appear there too). */
function hostProcesses(cmdline: RegExp): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return cmdline.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
      } catch {
        return false;
      }
    });
}
