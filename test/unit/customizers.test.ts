import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FileBuildLog } from '../../src/imaging/build-log.ts';
import { CustomizerError } from '../../src/imaging/customizers/customizer-command.ts';
import type { CustomizerDeps } from '../../src/imaging/customizers/customizer-deps.ts';
import { fileStep } from '../../src/imaging/customizers/file.ts';
import { powerShellStep } from '../../src/imaging/customizers/powershell.ts';
import { shellStep } from '../../src/imaging/customizers/shell.ts';
import { downloadPolicy } from '../../src/imaging/download-policy.ts';
import { policyFetch } from '../../src/imaging/policy-fetch.ts';
import type { RootFsState } from '../../src/imaging/sandbox.ts';
import type { BuildStep, StepContext } from '../../src/imaging/step-runner.ts';
import { freshStepFixture } from '../support/rootfs.ts';

// A SAS-like signature: long, base64 with characters that URL encoding changes.
const SIG = 'q1w2e3r4t5y6u7i8o9p0+ASDFGHJKLzxcvbnm/1234567=';
const SAS = `sv=2022-11-02&sr=b&sp=r&sig=${encodeURIComponent(SIG)}`;
const SCRIPT = `echo downloaded-ok\necho token=${SIG}\necho "args:$0" > /root/script-ran\n`;
const BASH_SCRIPT = '#!/bin/sh\necho "shebang-ok $0"\n';
const FILE = 'payload for the image\n';
const PS_SCRIPT = 'Write-Host downloaded\n';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const work = mkdtempSync(join(tmpdir(), 'kiln-customizers-'));
after(() => rmSync(work, { recursive: true, force: true }));

let server: Server;
let base: string;
let downloads: CustomizerDeps;
before(async () => {
  const files: Record<string, string> = {
    '/script.sh': SCRIPT,
    '/shebang.sh': BASH_SCRIPT,
    '/payload.txt': FILE,
    '/setup.ps1': PS_SCRIPT,
  };
  server = createServer((req, res) => {
    const body = files[new URL(req.url!, 'http://x').pathname];
    res.statusCode = body === undefined ? 404 : 200;
    res.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The default download policy refuses loopback: this test's file server is allowed by name.
  downloads = { fetch: policyFetch(downloadPolicy({ allowHosts: [new URL(base).host] })) };
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

let state: RootFsState;
let log: FileBuildLog;
let ctx: StepContext;
let runs = 0;
beforeEach(() => {
  ({ state, log, ctx } = freshStepFixture(work, ++runs));
});
const run = (step: BuildStep<RootFsState>) => step.run(state, ctx);
const logText = () => readFileSync(log.path, 'utf8');
const inImage = (path: string) => join(state.rootfs, path);

describe('Shell customizer', () => {
  it('runs inline commands as one sh -e script whose writes appear in the directory', async () => {
    await run(
      shellStep({
        type: 'Shell',
        name: 'setup',
        inline: ['mkdir -p /opt/app', 'echo hello > /opt/app/hi', 'echo done-setup'],
      }),
    );
    assert.equal(readFileSync(inImage('opt/app/hi'), 'utf8'), 'hello\n');
    assert.match(logText(), /\[setup\] done-setup\n/);
  });

  it('stops inline commands at the first failure (sh -e)', async () => {
    await assert.rejects(run(shellStep({ type: 'Shell', name: 'strict', inline: ['false', 'touch /after'] })), {
      exitCode: 1,
    });
    assert.ok(!existsSync(inImage('after')));
  });

  it('downloads a scriptUri, checks its sha256, runs it with sh and removes it', async () => {
    await run(
      shellStep(
        {
          type: 'Shell',
          name: 'remote',
          scriptUri: `${base}/script.sh?${SAS}`,
          sha256Checksum: sha256(SCRIPT).toUpperCase(),
        },
        downloads,
      ),
    );
    assert.equal(readFileSync(inImage('root/script-ran'), 'utf8'), 'args:/tmp/kiln-script-1.sh\n');
    assert.deepEqual(readdirSync(inImage('tmp')), []);
    const text = logText();
    assert.match(text, /\[remote\] downloaded-ok/);
    assert.match(
      text,
      new RegExp(
        `downloaded ${Buffer.byteLength(SCRIPT)} bytes from http://127\\.0\\.0\\.1:\\d+/script\\.sh\\?\\*\\*\\*, sha256 ${sha256(SCRIPT)}`,
      ),
    );
  });

  it('runs a script with a #! line by its interpreter', async () => {
    await run(shellStep({ type: 'Shell', name: 'shebang', scriptUri: `${base}/shebang.sh` }, downloads));
    assert.match(logText(), /\[shebang\] shebang-ok \/tmp\/kiln-script-1\.sh/);
  });

  it('refuses a script whose sha256 does not match, naming both sums, and runs nothing', async () => {
    const wrong = 'ab'.repeat(32);
    await assert.rejects(
      run(
        shellStep(
          { type: 'Shell', name: 'tampered', scriptUri: `${base}/script.sh?${SAS}`, sha256Checksum: wrong },
          downloads,
        ),
      ),
      (error: Error) => {
        assert.match(
          error.message,
          /^Shell customizer 'tampered': sha256 of http:\/\/127\.0\.0\.1:\d+\/script\.sh\?\*\*\* is /,
        );
        assert.ok(error.message.includes(sha256(SCRIPT)) && error.message.includes(wrong), error.message);
        assert.ok(!error.message.includes(encodeURIComponent(SIG)));
        return true;
      },
    );
    assert.ok(!existsSync(inImage('root/script-ran')));
    assert.deepEqual(readdirSync(inImage('tmp')), [], 'no script or partial download left behind');
    assert.ok(!logText().includes('downloaded-ok'));
  });

  it('fails with the name, exit code and last 20 lines of output of a failing script', async () => {
    const inline = [...Array.from({ length: 25 }, (_, i) => `echo line-${i + 1}`), 'exit 3'];
    await assert.rejects(run(shellStep({ type: 'Shell', name: 'broken', inline })), (error: CustomizerError) => {
      assert.ok(error instanceof CustomizerError);
      assert.equal(error.customizer, 'broken');
      assert.equal(error.exitCode, 3);
      assert.deepEqual(
        error.lastLines,
        Array.from({ length: 20 }, (_, i) => `line-${i + 6}`),
      );
      assert.match(
        error.message,
        /^Shell customizer 'broken' failed with exit code 3\. Last lines of its output:\nline-6\n/,
      );
      assert.match(error.message, /line-25$/);
      return true;
    });
  });

  it('fails clearly on a download error', async () => {
    await assert.rejects(
      run(shellStep({ type: 'Shell', name: 'gone', scriptUri: `${base}/missing.sh?${SAS}` }, downloads)),
      /^Error: Shell customizer 'gone': downloading http:\/\/127\.0\.0\.1:\d+\/missing\.sh\?\*\*\* failed: HTTP 404/,
    );
    await assert.rejects(
      run(shellStep({ type: 'Shell', name: 'ftp', scriptUri: 'ftp://example.com/x.sh' })),
      /only http and https/,
    );
  });

  it('uses the injected fetch', async () => {
    const asked: string[] = [];
    const fetch = async (url: string) => {
      asked.push(url);
      return new Response('echo from-injected-fetch\n');
    };
    await run(shellStep({ type: 'Shell', name: 'blob', scriptUri: 'https://kiln.invalid/c/s.sh?sig=abc' }, { fetch }));
    assert.deepEqual(asked, ['https://kiln.invalid/c/s.sh?sig=abc']);
    assert.match(logText(), /\[blob\] from-injected-fetch/);
  });
});

describe('File customizer', () => {
  it('downloads to a destination under /tmp, creating its folder', async () => {
    await run(
      fileStep(
        {
          type: 'File',
          name: 'copy',
          sourceUri: `${base}/payload.txt?${SAS}`,
          destination: '/tmp/app/payload.txt',
          sha256Checksum: sha256(FILE),
        },
        downloads,
      ),
    );
    assert.equal(readFileSync(inImage('tmp/app/payload.txt'), 'utf8'), FILE);
    assert.deepEqual(readdirSync(inImage('tmp/app')), ['payload.txt']);
  });

  it("refuses destinations outside /tmp with Azure's rule", () => {
    for (const destination of ['/etc/payload.txt', '/tmp/../etc/passwd', '/tmp', '/tmpfoo/x']) {
      assert.throws(
        () => fileStep({ type: 'File', name: 'etc', sourceUri: `${base}/payload.txt`, destination }),
        /File customizer 'etc': destination .* is not allowed\. On Linux the File customizer can only write under \/tmp/,
      );
    }
  });

  it('writes through a link the image holds only inside the image', async () => {
    // A hostile image pointing /tmp/app at a host directory must not make Kiln write there.
    const host = mkdtempSync(join(work, 'host-'));
    symlinkSync(host, inImage('tmp/app'));
    await run(
      fileStep(
        { type: 'File', name: 'copy', sourceUri: `${base}/payload.txt`, destination: '/tmp/app/payload.txt' },
        downloads,
      ),
    );
    assert.deepEqual(readdirSync(host), []);
    assert.equal(readFileSync(join(state.rootfs, host, 'payload.txt'), 'utf8'), FILE);
  });
});

describe('PowerShell customizer', () => {
  it('fails clearly when the image has no pwsh', async () => {
    await assert.rejects(
      run(powerShellStep({ type: 'PowerShell', name: 'ps', inline: ['Write-Host hi'] })),
      /^Error: PowerShell customizer 'ps' needs pwsh inside the image \(\/usr\/bin\/pwsh or \/opt\/microsoft\/powershell\/7\/pwsh\)/,
    );
  });

  /** A stand-in pwsh where Microsoft's package puts it, linked from /usr/bin like the package does. */
  const installPwsh = (script: string) => {
    mkdirSync(inImage('opt/microsoft/powershell/7'), { recursive: true });
    writeFileSync(inImage('opt/microsoft/powershell/7/pwsh'), script);
    chmodSync(inImage('opt/microsoft/powershell/7/pwsh'), 0o755);
    mkdirSync(inImage('usr/bin'), { recursive: true });
    symlinkSync('/opt/microsoft/powershell/7/pwsh', inImage('usr/bin/pwsh'));
  };

  it("runs the image's pwsh, honouring validExitCodes", async () => {
    installPwsh('#!/bin/sh\necho "pwsh args: $*"\nexit 5\n');
    await run(powerShellStep({ type: 'PowerShell', name: 'ps', inline: ['Write-Host hi'], validExitCodes: [0, 5] }));
    assert.match(logText(), /\[ps\] pwsh args: -NoProfile -NonInteractive -Command Write-Host hi/);
    await assert.rejects(run(powerShellStep({ type: 'PowerShell', name: 'strict', inline: ['Write-Host hi'] })), {
      customizer: 'strict',
      exitCode: 5,
    });
  });

  it('downloads a scriptUri as a .ps1, runs it with pwsh -File and removes it', async () => {
    // The stand-in shows the script it was given exists while it runs.
    installPwsh('#!/bin/sh\necho "pwsh args: $*"\ncat "$4"\n');
    await run(
      powerShellStep(
        { type: 'PowerShell', name: 'remote', scriptUri: `${base}/setup.ps1`, sha256Checksum: sha256(PS_SCRIPT) },
        downloads,
      ),
    );
    assert.match(
      logText(),
      /\[remote\] pwsh args: -NoProfile -NonInteractive -File \/tmp\/kiln-script-1\.ps1\n.*\[remote\] Write-Host downloaded\n/s,
    );
    assert.deepEqual(readdirSync(inImage('tmp')), []);
  });
});

describe('customization log', () => {
  it('redacts SAS query strings and their values from everything written', async () => {
    await run(shellStep({ type: 'Shell', name: 'remote', scriptUri: `${base}/script.sh?${SAS}` }, downloads));
    const text = logText();
    assert.match(text, /\[remote\] token=\*\*\*\n/);
    for (const leak of [SIG, encodeURIComponent(SIG), SAS]) assert.ok(!text.includes(leak), `log contains ${leak}`);
    assert.ok(log.tail(50).every((line) => !line.includes(SIG)));
  });

  it('line-buffers raw output, prefixes it, and tails the file', () => {
    log.redact(['hunter2']);
    const stream = log.stream('child');
    stream.write('first li');
    stream.write(Buffer.from('ne\r\nsecond hun'));
    stream.write('ter2 line\npartial');
    assert.deepEqual(stream.tail(5), ['first line', 'second *** line']);
    stream.end();
    log.line('after');
    assert.deepEqual(
      log.tail(3).map((line) => line.replace(/^\S+ /, '')),
      ['[child] second *** line', '[child] partial', 'after'],
    );
    assert.deepEqual(log.tail(0), []);
    assert.equal(log.tail(100).length, 4);
  });
});
