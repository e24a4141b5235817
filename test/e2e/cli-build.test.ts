// `kiln validate` and `kiln build` as a user runs them: spawned processes, real output, a real disk.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openKiln } from '../../src/app/kiln.ts';
import { withDiskImage } from '../support/disk-inspection.ts';

const KILN = resolve('bin/kiln.js');
/** The CLI run in the test's folder, so builds put their output-NAME folders there. */
const kiln = (...args: string[]) => spawnSync(process.execPath, [KILN, ...args], { encoding: 'utf8', cwd: work });

let work: string;
let data: string;
let subscription: string;

/** An Azure-sample-shaped deployment template: placeholders and parameters to fill with --var. */
function deploymentTemplate(customize: unknown[], distribute: unknown[]) {
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters: { imageTemplateName: { type: 'string' }, svclocation: { type: 'string', defaultValue: 'westus' } },
    resources: [
      {
        name: "[parameters('imageTemplateName')]",
        type: 'Microsoft.VirtualMachineImages/imageTemplates',
        apiVersion: '2022-02-14',
        location: "[parameters('svclocation')]",
        properties: {
          source: { type: 'PlatformImage', publisher: 'kiln', offer: 'busybox', sku: 'busybox', version: 'latest' },
          customize,
          distribute,
        },
      },
    ],
  };
}

/** A deployment template of one Shell step `name` running `inline`, distributed as a VHD. */
function shellToVhd(name: string, inline: string[]) {
  return deploymentTemplate([{ type: 'Shell', name, inline }], [{ type: 'VHD', runOutputName: 'vhd' }]);
}

async function templateFile(name: string, content: unknown): Promise<string> {
  const path = join(work, name);
  await writeFile(path, JSON.stringify(content, null, 2));
  return path;
}

/** Starts the CLI as a long-running process; `output()` is what it has printed so far, stdout and stderr. */
function startKiln(...args: string[]) {
  const child = spawn(process.execPath, [KILN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: work });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => out, exited };
}

/**
 * Resolves once `child`'s output so far (`output()`) matches `pattern`; rejects if it exits first.
 * It waits on the process, not on a clock, so a busy machine makes it slower but not wrong.
 */
function outputMatching(child: ChildProcess, output: () => string, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', exited);
    };
    const check = () => {
      if (!pattern.test(output())) return;
      stop();
      resolve();
    };
    const exited = (code: number | null) => {
      stop();
      reject(new Error(`exited with ${code} before printing ${pattern}: ${output()}`));
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', exited);
    check();
  });
}

/** What a run leaves in the data folder: working files, staging groups, blobs being written. */
async function leftovers(): Promise<string[]> {
  const found: string[] = [];
  if (existsSync(join(data, 'work'))) found.push(...(await readdir(join(data, 'work'))).map((f) => `work/${f}`));
  for (const region of await readdir(join(data, 'regions'))) {
    const tmp = join(data, 'regions', region, '.tmp');
    if (existsSync(tmp)) found.push(...(await readdir(tmp)).map((f) => `regions/${region}/.tmp/${f}`));
  }
  const opened = await openKiln({ dataDir: data });
  try {
    const groups = await opened.store.list<{ resource: { name: string } }>({
      kind: 'microsoft.resources/resourcegroups',
      limit: 1000,
    });
    found.push(
      ...groups
        .map((g) => g.data.resource.name)
        .filter((name) => name.startsWith('IT_'))
        .map((name) => `group ${name}`),
    );
  } finally {
    await opened.close();
  }
  return found;
}

describe('kiln validate and kiln build', () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'kiln-cli-build-'));
    data = join(work, 'data');
    const bootstrap = kiln('platform-image', 'bootstrap', 'busybox', '--data', data, '--size-mib', '48');
    assert.equal(bootstrap.status, 0, bootstrap.stderr);
    subscription = JSON.parse(await readFile(join(data, 'config.json'), 'utf8')).subscriptions[0].id;
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('validate accepts a good template with --var values, warning about deprecated fields', async () => {
    const file = await templateFile(
      'good.json',
      deploymentTemplate(
        [{ type: 'shell', name: 'motd', inline: 'echo hi > /etc/motd' }],
        [{ type: 'VHD', runOutputName: 'vhd' }],
      ),
    );
    const result = kiln('validate', file, '--data', data, '--var', 'imageTemplateName=web');
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /good\.json: 0 errors, 1 warning/);
    assert.match(result.stdout, /warning {2}resources\[0\]\.properties\.customize\[0\]\.inline\n.*deprecated/);
  });

  it('validate reports every error at once with its JSON path and a hint, and exits 1', async () => {
    const file = await templateFile(
      'broken.json',
      deploymentTemplate(
        [
          { type: 'Shell', name: 'a', inline: ['true'] },
          { type: 'Shell', name: 'a', inline: ['true'] },
          { type: 'File', name: 'f', sourceUri: 'https://example.test/x', destination: '/etc/x' },
        ],
        [
          {
            type: 'ManagedImage',
            runOutputName: 'img',
            imageId: '/subscriptions/<subscriptionID>/resourceGroups/g/providers/Microsoft.Compute/images/i',
            location: 'mars',
          },
        ],
      ),
    );
    const result = kiln(
      'validate',
      file,
      '--data',
      data,
      '--var',
      'imageTemplateName=web',
      '--var',
      `subscriptionID=${subscription}`,
    );
    assert.equal(result.status, 1);
    for (const path of [
      'properties.customize[1].name',
      'properties.customize[2].destination',
      'properties.distribute[0].location',
    ]) {
      assert.match(
        result.stdout,
        new RegExp(`error {4}resources\\[0\\]\\.${path.replace(/[[\].]/g, '\\$&')}\\n`),
        `${path} in:\n${result.stdout}`,
      );
    }
    assert.match(result.stdout, /broken\.json: 3 errors/);
    assert.equal(result.stdout.match(/hint: /g)?.length, 3);

    const json = kiln('validate', file, '--data', data, '-o', 'json');
    assert.equal(json.status, 1);
    const report = JSON.parse(json.stdout);
    assert.equal(report.valid, false);
    assert.deepEqual(report.errors.map((e: { target: string }) => e.target).sort(), [
      'resources[0].name',
      'resources[0].properties.distribute[0].imageId',
    ]);
    assert.ok(
      report.errors.every(
        (e: { code: string; hint: string }) => e.code === 'MissingTemplateValue' && /--var/.test(e.hint),
      ),
    );

    const targets = kiln('validate', file, '--data', data, '-o', 'tsv', '--query', 'errors[].target');
    assert.equal(targets.status, 1);
    assert.deepEqual(targets.stdout.trim().split('\n').sort(), [
      'resources[0].name',
      'resources[0].properties.distribute[0].imageId',
    ]);
  });

  it('platform-image list takes -o and --query like every command', () => {
    const table = kiln('platform-image', 'list', '--data', data, '-o', 'table');
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^HyperVGeneration +ImportedAt +Offer +Publisher +Sha256 +SizeBytes +Sku +Version\n/);
    assert.match(table.stdout, /busybox +kiln /);
    const versions = kiln(
      'platform-image',
      'list',
      '--data',
      data,
      '--query',
      "[?offer=='busybox'].version",
      '-o',
      'tsv',
    );
    assert.match(versions.stdout, /^0\.\d{8}\.0\n$/);
  });

  it('validate names the line and column of a JSON syntax error', async () => {
    const path = join(work, 'syntax.json');
    await writeFile(path, '{\n  "location": "westus",\n  "properties": { "source": , }\n}\n');
    const result = kiln('validate', path, '--data', data);
    assert.equal(result.status, 1);
    assert.match(result.stdout, /line 3, column \d+/);
    assert.match(result.stdout, /InvalidTemplate/);
  });

  it('build runs the template here: live steps, run outputs, and the customization inside the VHD', async () => {
    const file = await templateFile(
      'web.json',
      deploymentTemplate(
        [
          {
            type: 'Shell',
            name: 'motd',
            inline: ['echo "built by <who>" > /etc/motd', 'echo step output for the user'],
          },
        ],
        [
          { type: 'VHD', runOutputName: 'vhd' },
          {
            type: 'SharedImage',
            runOutputName: 'sig',
            galleryImageId: `/subscriptions/${subscription}/resourceGroups/images/providers/Microsoft.Compute/galleries/shelf/images/web`,
            targetRegions: [{ name: 'westus' }, { name: 'eastus' }],
          },
        ],
      ),
    );
    const result = kiln('build', file, '--data', data, '--var', 'imageTemplateName=web', '--var', 'who=kiln-test');
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const out = result.stdout;
    for (const step of ['stage', 'source', 'motd', 'generalize', 'write image'])
      assert.match(out, new RegExp(`==> ${step}\\n[\\s\\S]*✓ ${step} \\(\\d+\\.\\d s\\)`), `${step} in:\n${out}`);
    assert.match(out, /==> motd\n(.*\n)*? {4}step output for the user\n/);
    assert.match(out, /created gallery shelf/);
    assert.match(out, /Run Succeeded in \d+\.\d s/);
    assert.match(out, /run output sig \(Succeeded\): .*\/galleries\/shelf\/images\/web\/versions\/1\.0\.0/);
    const vhd = /run output vhd \(Succeeded\): (\S+)/.exec(out)![1];
    assert.equal(vhd, join(work, 'output-web', 'vhd.vhd'), "a copy in ./output-NAME, not the data folder's own file");
    assert.match(out, new RegExp(`look inside: qemu-img info .*file\\.filename=${vhd}`));

    await withDiskImage(vhd, async ({ rootfs }) => {
      assert.equal(await readFile(join(rootfs, 'etc', 'motd'), 'utf8'), 'built by kiln-test\n');
      assert.equal(await readFile(join(rootfs, 'etc', 'machine-id'), 'utf8'), '', 'generalized');
    });
    assert.deepEqual(await leftovers(), []);

    const quiet = kiln(
      'build',
      file,
      '--data',
      data,
      '--var',
      'imageTemplateName=web',
      '--var',
      'who=again',
      '--quiet',
    );
    assert.equal(quiet.status, 0, quiet.stdout + quiet.stderr);
    assert.doesNotMatch(quiet.stdout, /step output for the user/);
    assert.match(quiet.stdout, /replaced image template web/);
    assert.match(quiet.stdout, /versions\/1\.0\.1/);

    // The same build's disk written raw: the VHD's bytes without its footer, sparse.
    const raw = kiln(
      ...['build', file, '--data', data, '--var', 'imageTemplateName=web', '--var', 'who=raw'],
      ...['--output-format', 'raw', '--quiet'],
    );
    assert.equal(raw.status, 0, raw.stdout + raw.stderr);
    const rawPath = join(work, 'output-web', 'vhd.raw');
    assert.match(
      raw.stdout,
      new RegExp(`run output vhd \\(Succeeded\\): ${rawPath}\n {4}look inside: qemu-img info -f raw`),
    );
    const rawStat = await stat(rawPath);
    assert.equal(rawStat.size, 48 * 1024 * 1024);
    assert.ok(rawStat.blocks * 512 < rawStat.size, 'sparse');
    await withDiskImage(rawPath, async ({ rootfs, format }) => {
      assert.equal(format, 'raw');
      assert.equal(await readFile(join(rootfs, 'etc', 'motd'), 'utf8'), 'built by raw\n');
    });
  });

  it('a failing build exits 1 naming the step, its exit code and its last output, and cleans up', async () => {
    const file = await templateFile('fails.json', shellToVhd('breaks', ['echo about to fail', 'exit 3']));
    const result = kiln('build', file, '--data', data, '--var', 'imageTemplateName=fails');
    assert.equal(result.status, 1);
    assert.match(result.stdout, /✗ breaks failed after/);
    assert.match(result.stdout, /Run Failed in/);
    assert.match(result.stdout, /Step 'breaks' failed: .*exit(ed with)? (code )?3/i);
    assert.match(result.stdout, /about to fail/);
    assert.deepEqual(await leftovers(), []);
  });

  it("a source that does not exist stops the build before it starts, with Azure's provisioning error", async () => {
    const document = shellToVhd('x', ['true']);
    document.resources[0].properties.source = {
      type: 'ManagedImage',
      imageId: `/subscriptions/${subscription}/resourceGroups/images/providers/Microsoft.Compute/images/missing`,
    } as never;
    const result = kiln(
      'build',
      await templateFile('missing-source.json', document),
      '--data',
      data,
      '--var',
      'imageTemplateName=missing-source',
    );
    assert.equal(result.status, 1);
    assert.match(result.stderr, /BadManagedImageSource/);
    assert.match(result.stderr, /images\/missing/);
    assert.deepEqual(await leftovers(), []);
  });

  it('--on-error abort keeps the working disk as the failed step left it and says how to open a shell in it', async () => {
    const file = await templateFile(
      'abort.json',
      shellToVhd('half', ['echo written-before-failing > /root/evidence', 'false']),
    );
    const result = kiln('build', file, '--data', data, '--var', 'imageTemplateName=abort', '--on-error', 'abort');
    assert.equal(result.status, 1);
    const [, disk, offset] =
      /The working disk is kept \(--on-error abort\): (\S+) \(root file system at byte (\d+)\)/.exec(result.stdout) ??
      [];
    assert.ok(disk, result.stdout);
    // Closed cleanly when kept: the disk holds what the failed step wrote, and passes e2fsck.
    await withDiskImage(disk, async ({ rootfs, partition }) => {
      assert.equal(partition.start, Number(offset));
      assert.equal(await readFile(join(rootfs, 'root', 'evidence'), 'utf8'), 'written-before-failing\n');
    });
    assert.match(result.stdout, new RegExp(`debugfs -R 'ls -l /' '${disk}\\?offset=${offset}'`));
    assert.match(result.stdout, new RegExp(`fuse2fs -o offset=${offset} ${disk} \\S+`));
    assert.match(result.stdout, /bwrap --bind \S+ \/ .* \/bin\/sh/);
    assert.match(result.stdout, /When done, remove it: umount \S+ && rm -rf \S+/);

    // The next build of the template takes away what the aborted run kept.
    const fixed = await templateFile('abort.json', shellToVhd('half', ['true']));
    const again = kiln('build', fixed, '--data', data, '--var', 'imageTemplateName=abort');
    assert.equal(again.status, 0, again.stdout + again.stderr);
    assert.match(
      again.stdout,
      /removed what an earlier --on-error abort run kept \(IT_kiln-local_abort_\w+ and its working image\)/,
    );
    assert.equal(existsSync(disk), false);
    assert.deepEqual(await leftovers(), []);
  });

  it("a build leaves what another template's aborted run kept, even when that template's name starts like its own", async () => {
    const failing = await templateFile('keep_x.json', shellToVhd('half', ['false']));
    const aborted = kiln('build', failing, '--data', data, '--var', 'imageTemplateName=keep_x', '--on-error', 'abort');
    assert.equal(aborted.status, 1);
    const rootfs = /The working disk is kept \(--on-error abort\): (\S+)/.exec(aborted.stdout)![1];

    const other = await templateFile('keep.json', shellToVhd('fine', ['true']));
    const built = kiln('build', other, '--data', data, '--var', 'imageTemplateName=keep');
    assert.equal(built.status, 0, built.stdout + built.stderr);
    assert.doesNotMatch(built.stdout, /removed what an earlier --on-error abort run kept/);
    assert.equal(existsSync(rootfs), true, "keep_x's working image is still there");

    const fixed = await templateFile('keep_x.json', shellToVhd('half', ['true']));
    const again = kiln('build', fixed, '--data', data, '--var', 'imageTemplateName=keep_x');
    assert.match(again.stdout, /removed what an earlier --on-error abort run kept \(IT_kiln-local_keep_x_\w+/);
    assert.deepEqual(await leftovers(), []);
  });

  it('a build killed with -9 is ended by the next build of the template, which then runs', async () => {
    const slow = await templateFile('killed.json', shellToVhd('slow', ['echo sleeping now', 'sleep 60']));
    const { child, output, exited } = startKiln('build', slow, '--data', data, '--var', 'imageTemplateName=killed');
    await outputMatching(child, output, /sleeping now/);
    child.kill('SIGKILL');
    await exited;

    const quick = await templateFile('killed.json', shellToVhd('quick', ['true']));
    const again = kiln('build', quick, '--data', data, '--var', 'imageTemplateName=killed');
    assert.equal(again.status, 0, again.stdout + again.stderr);
    assert.match(
      again.stdout,
      /an earlier build of this template was stopped before it ended: canceling that run first/,
    );
    assert.match(again.stdout, /Run Succeeded/);
    assert.deepEqual(await leftovers(), []);
  });

  it('refuses to build beside a kiln serve that owns the data folder, changing nothing', async () => {
    const { child: server, output, exited } = startKiln('serve', '--data', data, '--port', '0', '--http');
    try {
      await outputMatching(server, output, /Kiln is serving/);
      const file = await templateFile('beside.json', shellToVhd('x', ['true']));
      const result = kiln('build', file, '--data', data, '--var', 'imageTemplateName=beside');
      assert.equal(result.status, 1);
      assert.match(result.stderr, new RegExp(`in use by another Kiln process \\(pid ${server.pid}\\)`));
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
    const opened = await openKiln({ dataDir: data });
    try {
      const templates = await opened.store.list<{ resource: { name: string } }>({
        kind: 'microsoft.virtualmachineimages/imagetemplates',
        limit: 1000,
      });
      assert.ok(!templates.some((t) => t.data.resource.name === 'beside'), 'no template was stored');
    } finally {
      await opened.close();
    }
  });

  it('Ctrl-C cancels the build and leaves nothing behind', async () => {
    const file = await templateFile('slow.json', shellToVhd('slow', ['echo sleeping now', 'sleep 60']));
    const { child, output, exited } = startKiln('build', file, '--data', data, '--var', 'imageTemplateName=slow');
    await outputMatching(child, output, /sleeping now/);
    child.kill('SIGINT');
    const code = await exited;
    const out = output();
    assert.equal(code, 130, out);
    assert.match(out, /✗ slow failed after \d+\.\d s: .*canceled/);
    assert.match(out, /canceling \(Ctrl-C\)/);
    assert.match(out, /Run Canceled/);
    assert.deepEqual(await leftovers(), []);
  });
});
