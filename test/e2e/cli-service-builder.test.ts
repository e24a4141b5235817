// `kiln image builder` against a real server, run as a user runs it: a template from a file, a
// build with live progress, run outputs, the customization log (also followed while a run started
// with --no-wait goes on), a failing build's error and exit code, cancel and delete.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxManagedImage } from '../support/busybox-image.ts';
import { kilnCli, type Cli } from '../support/kiln-cli.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

interface Template {
  name: string;
  provisioningState: string;
  lastRunStatus?: { runState: string; runSubState?: string; message: string };
}

describe('kiln image builder against a server', () => {
  let kiln: TestServer;
  let cli: Cli;
  let work: string;
  let imageId: string;
  const names = ['-g', 'build'];

  /** Writes a template file as users keep them: the resource body, here in an ARM deployment's resource shape. */
  async function templateFile(
    name: string,
    inline: string[],
    distribute: unknown[] = [{ type: 'VHD', runOutputName: 'vhd' }],
    more: unknown[] = [],
  ): Promise<string> {
    const file = join(work, `${name}.json`);
    const template = {
      type: 'Microsoft.VirtualMachineImages/imageTemplates',
      apiVersion: '2022-02-14',
      name,
      location: 'westus',
      identity: { type: 'None' },
      properties: {
        source: { type: 'ManagedImage', imageId },
        customize: [{ type: 'Shell', name: 'steps', inline }, ...more],
        distribute,
      },
    };
    await writeFile(file, JSON.stringify(template, null, 2));
    return file;
  }

  async function waitForRunEnd(name: string): Promise<Template> {
    for (let i = 0; i < 300; i++) {
      const template = await cli.json<Template>('image', 'builder', 'show', ...names, '-n', name);
      if (template.lastRunStatus && !['Running', 'Canceling'].includes(template.lastRunStatus.runState))
        return template;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the run of ${name} did not end`);
  }

  before(async () => {
    kiln = await startTestServer();
    cli = await kilnCli(kiln);
    await cli.login();
    work = await mkdtemp(join(tmpdir(), 'kiln-cli-build-'));
    imageId = await busyboxManagedImage(kiln, 'build');
  });
  after(async () => {
    await kiln.stop();
    await rm(work, { recursive: true, force: true });
    await rm(cli.configDir, { recursive: true, force: true });
  });

  it('creates a template from a file, builds it showing state and steps, lists run outputs and prints the log', async () => {
    const distribute = [
      { type: 'VHD', runOutputName: 'vhd' },
      {
        type: 'ManagedImage',
        runOutputName: 'image',
        imageId: `/subscriptions/${kiln.subscriptionId}/resourceGroups/build/providers/Microsoft.Compute/images/app-image`,
        location: 'westus',
      },
    ];
    // A single-string 'inline' is an older spelling: accepted, with a warning the CLI prints.
    const file = await templateFile('app', ['echo "hello from the kiln cli"'], distribute, [
      { type: 'Shell', name: 'mark', inline: 'echo built > /etc/cli-built' },
    ]);
    const created = await cli.run('image', 'builder', 'create', ...names, '-n', 'app', '--image-template', file);
    assert.equal(created.status, 0, created.stderr);
    assert.deepEqual(((t: Template) => [t.name, t.provisioningState])(JSON.parse(created.stdout)), [
      'app',
      'Succeeded',
    ]);
    assert.match(
      created.stderr,
      /^WARNING: properties\.customize\[1\]\.inline: 'inline' as a single string is deprecated/m,
    );

    const run = await cli.run('image', 'builder', 'run', ...names, '-n', 'app');
    assert.equal(run.status, 0, run.stderr);
    const done = JSON.parse(run.stdout) as Template;
    assert.equal(done.lastRunStatus?.runState, 'Succeeded', done.lastRunStatus?.message);
    // Progress on stderr: the run state as it moves, and the build log's step lines.
    assert.match(run.stderr, /^Run Running(: \w+)?$/m);
    assert.match(run.stderr, /==> .*steps.*: started/);
    assert.match(run.stderr, /==> .*: succeeded in /);
    assert.match(run.stderr, /^Run Succeeded$/m);

    assert.equal(
      (
        await cli.ok(
          'image',
          'builder',
          'show',
          ...names,
          '-n',
          'app',
          '--query',
          'lastRunStatus.runState',
          '-o',
          'tsv',
        )
      ).trim(),
      'Succeeded',
    );
    assert.deepEqual(await cli.json('image', 'builder', 'list', ...names, '--query', '[].name'), ['app']);
    const showRuns = ['image', 'builder', 'show-runs', ...names, '-n', 'app'];
    const runs = await cli.ok(...showRuns, '-o', 'table');
    // Columns in the order tabulate gives az's rows: each row's keys sorted, new ones appended.
    assert.match(runs, /^ArtifactUri +Name +ProvisioningState +ResourceGroup +ArtifactId\n-+ +-+/);
    assert.match(runs, /\nhttps:\/\/\S+\.vhd +vhd +Succeeded +build\n/);
    assert.match(runs, /\n +image +Succeeded +build +\/subscriptions\/\S+\/images\/app-image\n/);
    const vhdUri = (await cli.ok(...showRuns, '--output-name', 'vhd', '--query', 'artifactUri', '-o', 'tsv')).trim();
    assert.match(vhdUri, /^https:\/\/127\.0\.0\.1:\d+\/blob\/westus\//);
    const missingOutput = await cli.run(...showRuns, '--output-name', 'nope');
    assert.equal(missingOutput.status, 3);
    assert.match(missingOutput.stderr, /^ERROR: \(ResourceNotFound\) The run output 'nope'/);

    const log = await cli.ok('image', 'builder', 'logs', ...names, '-n', 'app');
    assert.match(log, /hello from the kiln cli/);
    assert.match(log, /==> /);
    assert.match(log, /Run Succeeded/);
  });

  it('follows the log of a run started with --no-wait until the run ends', async () => {
    const file = await templateFile('follow', ['echo "first line"', 'sleep 2', 'echo "after the pause"']);
    await cli.ok('image', 'builder', 'create', ...names, '-n', 'follow', '--image-template', file);
    const started = await cli.run('image', 'builder', 'run', ...names, '-n', 'follow', '--no-wait');
    assert.equal(started.status, 0, started.stderr);
    assert.equal(started.stdout, '');
    assert.equal(
      (await cli.json<Template>('image', 'builder', 'show', ...names, '-n', 'follow')).lastRunStatus?.runState,
      'Running',
      '--no-wait returned before the run ended',
    );

    const followed = await cli.ok('image', 'builder', 'logs', ...names, '-n', 'follow', '--follow');
    assert.match(followed, /first line[\s\S]*after the pause[\s\S]*Run Succeeded/);
    // Printed once each: following reads only what is new.
    assert.equal(followed.split('after the pause').length, 2);
    assert.equal((await waitForRunEnd('follow')).lastRunStatus?.runState, 'Succeeded');
  });

  it('reports a failing build with the error code and message and exit code 1', async () => {
    const file = await templateFile('broken', ['echo "about to fail"', 'exit 3']);
    await cli.ok('image', 'builder', 'create', ...names, '-n', 'broken', '--image-template', file);
    const run = await cli.run('image', 'builder', 'run', ...names, '-n', 'broken');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^ERROR: \(\w+\) .*steps/m);
    assert.match(run.stderr, /==> .*steps.*: failed/);
    assert.equal(
      (await cli.json<Template>('image', 'builder', 'show', ...names, '-n', 'broken')).lastRunStatus?.runState,
      'Failed',
    );
  });

  it('cancels a run, reports a template whose source is missing, deletes templates, refuses a file that is not JSON', async () => {
    const file = await templateFile('slow', ['echo "sleeping"', 'sleep 60']);
    await cli.ok('image', 'builder', 'create', ...names, '-n', 'slow', '--image-template', file);
    await cli.ok('image', 'builder', 'run', ...names, '-n', 'slow', '--no-wait');
    for (let i = 0; i < 100 && !/sleeping/.test(await cli.ok('image', 'builder', 'logs', ...names, '-n', 'slow')); i++)
      await new Promise((r) => setTimeout(r, 200));
    const canceled = await cli.run('image', 'builder', 'cancel', ...names, '-n', 'slow');
    assert.equal(canceled.status, 0, canceled.stderr);
    assert.equal((await waitForRunEnd('slow')).lastRunStatus?.runState, 'Canceled');

    for (const name of ['slow', 'broken']) await cli.ok('image', 'builder', 'delete', ...names, '-n', name);
    const gone = await cli.run('image', 'builder', 'show', ...names, '-n', 'slow');
    assert.equal(gone.status, 3);

    // What the template names is checked after the PUT, as Azure does: create waits and reports it.
    const missingSource = JSON.parse(await readFile(await templateFile('orphan', ['true']), 'utf8'));
    missingSource.properties.source.imageId = imageId.replace(/busybox$/, 'no-such-image');
    await writeFile(join(work, 'orphan.json'), JSON.stringify(missingSource));
    const orphan = await cli.run(
      'image',
      'builder',
      'create',
      ...names,
      '-n',
      'orphan',
      '--image-template',
      join(work, 'orphan.json'),
    );
    assert.equal(orphan.status, 1);
    assert.match(orphan.stderr, /^ERROR: \(\w+\) .*no-such-image/m);

    await writeFile(join(work, 'bad.json'), '{ not json');
    const bad = await cli.run(
      'image',
      'builder',
      'create',
      ...names,
      '-n',
      'bad',
      '--image-template',
      join(work, 'bad.json'),
    );
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--image-template: .*is not JSON/);
  });
});
