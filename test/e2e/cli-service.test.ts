// The Azure-CLI-shaped `kiln` commands against a real server, each run as its own process as a user
// runs them: login and its cache, groups, disks, snapshots, images, galleries (a version replicated
// to two regions with progress), the output formats, --query, --no-wait, errors and exit codes, help.
import assert from 'node:assert/strict';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { root } from '../../src/cli/commands/azure.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { kilnCli, loginArgs, type Cli } from '../support/kiln-cli.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

interface Resource {
  id: string;
  name: string;
  location: string;
  resourceGroup: string;
  provisioningState?: string;
  [key: string]: unknown;
}

describe('kiln CLI against a server (az-style commands)', () => {
  let kiln: TestServer;
  let cli: Cli;

  before(async () => {
    kiln = await startTestServer();
    cli = await kilnCli(kiln);
  });
  after(async () => {
    await kiln.stop();
    await rm(cli.configDir, { recursive: true, force: true });
  });

  it('logs in with the CA given by --ca-cert, caches the profile (secret mode 0600) and renews an expired token', async () => {
    const untrusted = await cli.run(...loginArgs(kiln, { caCert: null }));
    assert.equal(untrusted.status, 1);
    assert.match(untrusted.stderr, /^ERROR: Could not reach .*not trusted.*--ca-cert/s);

    const wrongSecret = await cli.run(...loginArgs(kiln, { password: 'nope' }));
    assert.equal(wrongSecret.status, 1);
    assert.match(wrongSecret.stderr, /^ERROR: \(invalid_client\) /);

    const accounts = JSON.parse(await cli.login()) as Array<Record<string, unknown>>;
    assert.deepEqual(
      accounts.map((a) => [a.id, a.isDefault, a.tenantId, (a.user as { name: string }).name]),
      [[kiln.subscriptionId, true, kiln.tenantId, kiln.admin.appId]],
    );

    const secretFile = join(cli.configDir, 'service-principal.json');
    assert.equal((await stat(secretFile)).mode & 0o777, 0o600);
    assert.equal((await stat(join(cli.configDir, 'profile.json'))).mode & 0o777, 0o600);
    assert.equal((await stat(cli.configDir)).mode & 0o777, 0o700);
    assert.doesNotMatch(
      await readFile(join(cli.configDir, 'profile.json'), 'utf8'),
      new RegExp(kiln.admin.password),
      'the secret is kept in the 0600 file only',
    );

    assert.equal((await cli.ok('account', 'show', '--query', 'id', '-o', 'tsv')).trim(), kiln.subscriptionId);
    // An expired token is renewed from the saved secret.
    const cached = JSON.parse(await readFile(secretFile, 'utf8'));
    await writeFile(secretFile, JSON.stringify({ ...cached, accessToken: 'expired', expiresOn: 1 }), { mode: 0o600 });
    assert.deepEqual(await cli.json('group', 'list'), []);
    const renewed = JSON.parse(await readFile(secretFile, 'utf8'));
    assert.notEqual(renewed.accessToken, 'expired');
    assert.ok(renewed.expiresOn > Date.now() / 1000 + 600);
    // A token the server refuses (401) though not expired is renewed once and the call made again.
    await writeFile(secretFile, JSON.stringify({ ...renewed, accessToken: 'not-a-token' }), { mode: 0o600 });
    assert.deepEqual(await cli.json('group', 'list'), []);
    assert.notEqual(JSON.parse(await readFile(secretFile, 'utf8')).accessToken, 'not-a-token');
    // --subscription by name or id; an unknown one is the server's error.
    assert.deepEqual(await cli.json('group', 'list', '--subscription', 'Kiln'), []);
    const unknown = await cli.run('group', 'list', '--subscription', '00000000-0000-0000-0000-000000000000');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /^ERROR: \(SubscriptionNotFound\) /);
  });

  it('creates, shows, lists, checks and deletes resource groups, in every output format', async () => {
    const created = await cli.json<
      Resource & { tags: Record<string, string>; properties: { provisioningState: string } }
    >('group', 'create', '-n', 'cli-rg', '-l', 'westus', '--tags', 'team=images', 'scratch');
    assert.deepEqual(
      [created.name, created.location, created.tags, created.properties.provisioningState],
      ['cli-rg', 'westus', { team: 'images', scratch: '' }, 'Succeeded'],
    );
    assert.equal(
      (await cli.json<Resource>('group', 'show', '-g', 'cli-rg')).id,
      `/subscriptions/${kiln.subscriptionId}/resourceGroups/cli-rg`,
    );
    await cli.ok('group', 'create', '-n', 'cli-rg2', '-l', 'eastus');

    const [table, tsv, names, yaml, jsonc, exists, missing] = await Promise.all([
      cli.ok('group', 'list', '-o', 'table'),
      cli.ok('group', 'show', '-n', 'cli-rg', '-o', 'tsv'),
      cli.ok('group', 'list', '--query', '[].name', '-o', 'tsv'),
      cli.ok('group', 'show', '-n', 'cli-rg', '-o', 'yaml'),
      cli.ok('group', 'show', '-n', 'cli-rg', '-o', 'jsonc'),
      cli.ok('group', 'exists', '-n', 'cli-rg'),
      cli.ok('group', 'exists', '-n', 'no-such-group'),
    ]);
    assert.deepEqual(table.trimEnd().split('\n'), [
      'Name     Location  Status',
      '-------  --------  ---------',
      'cli-rg   westus    Succeeded',
      'cli-rg2  eastus    Succeeded',
    ]);
    // az's tsv: the values sorted by key; objects are empty cells.
    assert.equal(
      tsv,
      `/subscriptions/${kiln.subscriptionId}/resourceGroups/cli-rg\twestus\tcli-rg\t\tcli-rg\t\tMicrosoft.Resources/resourceGroups\n`,
    );
    assert.equal(names, 'cli-rg\ncli-rg2\n');
    assert.deepEqual(parseYaml(yaml).tags, { team: 'images', scratch: '' });
    assert.match(jsonc, /\x1b\[\d+m"name"\x1b\[0m: \x1b\[\d+m"cli-rg"/);
    assert.equal(exists.trim(), 'true');
    assert.equal(missing.trim(), 'false');
    assert.equal(
      await cli.ok('group', 'list', '--query', "[?location=='eastus'].{group: name, where: location}", '-o', 'table'),
      'Group    Where\n-------  ------\ncli-rg2  eastus\n',
    );

    const notFound = await cli.run('group', 'show', '-n', 'no-such-group');
    assert.equal(notFound.status, 3, 'a show of a missing resource exits 3, as az');
    assert.match(
      notFound.stderr,
      /^ERROR: \(ResourceGroupNotFound\) Resource group 'no-such-group' could not be found\.$/m,
    );
    assert.equal(notFound.stdout, '');

    const unconfirmed = await cli.run('group', 'delete', '-n', 'cli-rg2');
    assert.equal(unconfirmed.status, 2);
    assert.match(unconfirmed.stderr, /Use --yes/);
    const noWait = await cli.run('group', 'delete', '-n', 'cli-rg2', '--yes', '--no-wait');
    assert.equal(noWait.status, 0, noWait.stderr);
    assert.equal(noWait.stdout, '');
    for (let i = 0; i < 50 && (await cli.ok('group', 'exists', '-n', 'cli-rg2')).trim() === 'true'; i++)
      await new Promise((r) => setTimeout(r, 200));
    assert.equal((await cli.ok('group', 'exists', '-n', 'cli-rg2')).trim(), 'false');
  });

  it('publishes a managed image to a gallery, replicated to two regions with progress, and adds a third', async () => {
    const golden = ['-g', 'images', '-r', 'golden'];
    const web = [...golden, '-i', 'web'];
    const version100 = [...web, '-e', '1.0.0'];
    const webIdentity = ['--publisher', 'kiln', '--offer', 'web', '--sku', '1', '--os-type', 'Linux'];
    await cli.ok('group', 'create', '-n', 'images', '-l', 'westus');
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/cli-os.vhd', makeVhd(8, 'cli'));
    const image = await cli.json<Resource & { storageProfile: { osDisk: { osType: string; blobUri: string } } }>(
      'image',
      'create',
      '-g',
      'images',
      '-n',
      'base',
      '--source',
      blobUri,
      '--os-type',
      'Linux',
    );
    assert.deepEqual(
      [
        image.provisioningState,
        image.storageProfile.osDisk.osType,
        image.storageProfile.osDisk.blobUri,
        image.location,
      ],
      ['Succeeded', 'Linux', blobUri, 'westus'],
    );
    assert.equal(await cli.ok('image', 'list', '-g', 'images', '--query', '[].name', '-o', 'tsv'), 'base\n');

    const gallery = await cli.json<Resource>('sig', 'create', ...golden, '--description', 'from the CLI');
    assert.deepEqual([gallery.name, gallery.location, gallery.description], ['golden', 'westus', 'from the CLI']);
    const definition = await cli.json<Resource & { identifier: Record<string, string>; osState: string }>(
      'sig',
      'image-definition',
      'create',
      ...web,
      ...webIdentity,
    );
    assert.deepEqual(
      [definition.identifier, definition.osState, definition.location],
      [{ publisher: 'kiln', offer: 'web', sku: '1' }, 'Generalized', 'westus'],
    );
    const duplicate = await cli.run('sig', 'image-definition', 'create', ...golden, '-i', 'web2', ...webIdentity);
    assert.equal(duplicate.status, 1);
    assert.match(duplicate.stderr, /^ERROR: \(Conflict\) .*already has an image definition/);

    const created = await cli.run(
      'sig',
      'image-version',
      'create',
      ...version100,
      '--managed-image',
      'base',
      '--target-regions',
      'westus',
      'eastus=2',
    );
    assert.equal(created.status, 0, created.stderr);
    const version = JSON.parse(created.stdout) as Resource & {
      publishingProfile: { targetRegions: Array<{ name: string; regionalReplicaCount: number }> };
      storageProfile: { source: { id: string } };
    };
    assert.equal(version.provisioningState, 'Succeeded');
    assert.equal(version.storageProfile.source.id, image.id);
    assert.deepEqual(
      version.publishingProfile.targetRegions.map((r) => [r.name, r.regionalReplicaCount]),
      [
        ['West US', 1],
        ['East US', 2],
      ],
    );
    // Progress on stderr, per region, up to the end.
    assert.match(created.stderr, /Replication: West US 100% Completed, East US 100% Completed\n/);

    const status = await cli.json<{
      aggregatedState: string;
      summary: Array<{ region: string; state: string; progress: number }>;
    }>('sig', 'image-version', 'show', ...version100, '--expand', 'ReplicationStatus', '--query', 'replicationStatus');
    assert.equal(status.aggregatedState, 'Completed');
    assert.deepEqual(
      status.summary.map((s) => [s.region, s.progress]),
      [
        ['West US', 100],
        ['East US', 100],
      ],
    );

    const updated = await cli.run(
      'sig',
      'image-version',
      'update',
      ...version100,
      '--target-regions',
      'westus',
      'eastus=2',
      'westus2',
      '--exclude-from-latest',
    );
    assert.equal(updated.status, 0, updated.stderr);
    assert.match(
      updated.stderr,
      /Replication: West US 100% Completed, East US 100% Completed, West US 2 100% Completed\n/,
    );
    const after = JSON.parse(updated.stdout) as {
      publishingProfile: { excludeFromLatest: boolean; targetRegions: Array<{ name: string }> };
    };
    assert.deepEqual(
      after.publishingProfile.targetRegions.map((r) => r.name),
      ['West US', 'East US', 'West US 2'],
    );
    assert.equal(after.publishingProfile.excludeFromLatest, true);

    // --no-wait returns before the replication ends; the version then completes on its own.
    const started = await cli.run(
      'sig',
      'image-version',
      'create',
      ...web,
      '-e',
      '1.0.1',
      '--managed-image',
      image.id,
      '--no-wait',
    );
    assert.equal(started.status, 0, started.stderr);
    assert.equal(started.stdout, '');
    let state = '';
    for (let i = 0; i < 50 && state !== 'Succeeded'; i++) {
      state = (
        await cli.ok('sig', 'image-version', 'show', ...web, '-e', '1.0.1', '--query', 'provisioningState', '-o', 'tsv')
      ).trim();
      if (state !== 'Succeeded') await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(state, 'Succeeded');
    const table = await cli.ok('sig', 'image-version', 'list', ...web, '-o', 'table');
    assert.match(
      table,
      /^Location +Name +ProvisioningState +ResourceGroup\n-+ +-+ +-+ +-+\nwestus +1\.0\.0 +Succeeded +images\nwestus +1\.0\.1 +Succeeded +images\n$/,
    );

    const noSource = await cli.run('sig', 'image-version', 'create', ...web, '-e', '1.0.2');
    assert.equal(noSource.status, 2);
    assert.match(noSource.stderr, /--managed-image/);
    const inUse = await cli.run('sig', 'image-definition', 'delete', ...web);
    assert.equal(inUse.status, 1, 'a definition with versions cannot be deleted');
    assert.match(inUse.stderr, /^ERROR: \(\w+\) /);
    for (const v of ['1.0.0', '1.0.1']) await cli.ok('sig', 'image-version', 'delete', ...web, '-e', v);
    await cli.ok('sig', 'image-definition', 'delete', ...web);
    await cli.ok('sig', 'delete', ...golden);
    assert.deepEqual(await cli.json('sig', 'list', '-g', 'images'), []);
  });

  it('makes disks (empty, imported from a VHD blob, copied) and snapshots, grants and revokes access, deletes', async () => {
    await cli.ok('group', 'create', '-n', 'disks', '-l', 'westus');
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/cli-data.vhd', makeVhd(4, 'cli-data'));
    const disk = await cli.json<
      Resource & { diskSizeBytes: number; creationData: { createOption: string; sourceUri: string } }
    >('disk', 'create', '-g', 'disks', '-n', 'data', '--source', blobUri);
    assert.deepEqual(
      [disk.location, disk.creationData, disk.provisioningState, disk.resourceGroup],
      ['westus', { createOption: 'Import', sourceUri: blobUri }, 'Succeeded', 'disks'],
    );
    const snapshot = await cli.json<Resource & { creationData: { createOption: string; sourceResourceId: string } }>(
      'snapshot',
      'create',
      '-g',
      'disks',
      '-n',
      'data-snap',
      '--source',
      'data',
    );
    assert.deepEqual(
      [snapshot.creationData.createOption, snapshot.creationData.sourceResourceId, snapshot.provisioningState],
      ['Copy', disk.id, 'Succeeded'],
    );
    const copy = await cli.json<Resource & { creationData: { sourceResourceId: string } }>(
      'disk',
      'create',
      '-g',
      'disks',
      '-n',
      'from-snap',
      '--source',
      snapshot.id,
      '-l',
      'eastus',
    );
    assert.deepEqual(
      [copy.location, copy.creationData.sourceResourceId, copy.provisioningState],
      ['eastus', snapshot.id, 'Succeeded'],
    );
    // An empty disk, without waiting for its 1 GiB to be written and sealed.
    assert.equal(
      await cli.ok('disk', 'create', '-g', 'disks', '-n', 'empty', '--size-gb', '1', '--no-wait'),
      '',
      '--no-wait prints nothing',
    );
    const shown = await cli.json<{
      diskSizeGB: number;
      creationData: { createOption: string };
      provisioningState: string;
    }>('disk', 'show', '-g', 'disks', '-n', 'empty');
    assert.deepEqual([shown.diskSizeGB, shown.creationData.createOption], [1, 'Empty']);

    const sas = (
      await cli.ok(
        'disk',
        'grant-access',
        '-g',
        'disks',
        '-n',
        'data',
        '--duration-in-seconds',
        '600',
        '--query',
        'accessSas',
        '-o',
        'tsv',
      )
    ).trim();
    assert.match(sas, /^https:\/\/.*\/blob\/westus\/.*sig=/);
    assert.equal(
      (await cli.json<{ diskState: string }>('disk', 'show', '-g', 'disks', '-n', 'data')).diskState,
      'ActiveSAS',
    );
    await cli.ok('disk', 'revoke-access', '-g', 'disks', '-n', 'data');
    assert.equal(
      (await cli.json<{ diskState: string }>('disk', 'show', '-g', 'disks', '-n', 'data')).diskState,
      'Unattached',
    );

    assert.deepEqual(await cli.json('disk', 'list', '-g', 'disks', '--query', 'sort([].name)'), [
      'data',
      'empty',
      'from-snap',
    ]);
    assert.deepEqual(
      await cli.json('snapshot', 'list', '--query', '[].name'),
      ['data-snap'],
      'without -g: the whole subscription',
    );

    const noSource = await cli.run('snapshot', 'create', '-g', 'disks', '-n', 'empty');
    assert.equal(noSource.status, 2);
    assert.match(noSource.stderr, /--source/);
    const badSource = await cli.run('disk', 'create', '-g', 'disks', '-n', 'x', '--source', 'no-such-disk');
    assert.equal(badSource.status, 2);
    assert.match(badSource.stderr, /no managed disk or snapshot named 'no-such-disk'/);

    await cli.ok('disk', 'delete', '-g', 'disks', '-n', 'from-snap', '--yes');
    await cli.ok('snapshot', 'delete', '-g', 'disks', '-n', 'data-snap');
    const gone = await cli.run('snapshot', 'show', '-g', 'disks', '-n', 'data-snap');
    assert.equal(gone.status, 3);
    assert.match(gone.stderr, /^ERROR: \(ResourceNotFound\) /);
  });

  it('refuses bad command lines with exit code 2 and argparse-style messages', async () => {
    const [missing, unknownFlag, badChoice, unknownCommand] = await Promise.all([
      cli.run('disk', 'show', '-g', 'x'),
      cli.run('group', 'list', '--frobnicate'),
      cli.run('group', 'list', '-o', 'xml'),
      cli.run('disk', 'frobnicate'),
    ]);
    assert.deepEqual([missing.status, unknownFlag.status, badChoice.status, unknownCommand.status], [2, 2, 2, 2]);
    assert.match(missing.stderr, /the following arguments are required: --name\/-n/);
    assert.match(unknownFlag.stderr, /unrecognized arguments: --frobnicate/);
    assert.match(badChoice.stderr, /invalid choice: 'xml'/);
    assert.match(unknownCommand.stderr, /'frobnicate' is misspelled or not recognized/);
  });

  it('prints help with examples for kiln, every group and every command', async () => {
    const groups: string[][] = [];
    const walk = (group: typeof root, path: string[]) => {
      for (const sub of group.groups ?? []) {
        groups.push([...path, sub.name]);
        walk(sub, [...path, sub.name]);
      }
    };
    walk(root, []);
    const [top, ...helps] = await Promise.all([
      cli.run('--help'),
      ...groups.map((path) => cli.run(...path, '--help')),
      cli.run('login', '--help'),
    ]);
    assert.equal(top.status, 0);
    for (const entry of [...root.commands, ...root.groups!])
      assert.match(top.stdout, new RegExp(`^  ${entry.name} `, 'm'));
    for (const [i, path] of groups.entries()) {
      const help = helps[i];
      assert.equal(help.status, 0, path.join(' '));
      assert.match(help.stdout, new RegExp(`^    kiln ${path.join(' ')} : `, 'm'));
      assert.match(help.stdout, /\nExamples\n/);
    }
    assert.match(
      helps[helps.length - 1].stdout,
      /^Command\n    kiln login : [\s\S]*--service-principal[\s\S]*Examples\n/,
    );

    // Each command's own help (rendered from the same tables the parser uses) has its flags and examples.
    const { commandHelp } = await import('../../src/cli/arm/help.ts');
    const commands: Array<[string[], (typeof root.commands)[number]]> = [];
    const collect = (group: typeof root, path: string[]) => {
      for (const command of group.commands) commands.push([[...path, command.name], command]);
      for (const sub of group.groups ?? []) collect(sub, [...path, sub.name]);
    };
    collect(root, ['kiln']);
    assert.ok(commands.length >= 40, `${commands.length} commands`);
    for (const [path, command] of commands) {
      assert.ok(command.examples.length > 0, `${path.join(' ')} has examples`);
      const text = commandHelp(path, command);
      for (const flag of command.flags)
        assert.match(text, new RegExp(`--${flag.name}\\b`), `${path.join(' ')} shows --${flag.name}`);
      for (const example of command.examples)
        assert.ok(text.includes(example.command), `${path.join(' ')} shows its example`);
    }
    const spawned = await cli.run('sig', 'image-version', 'create', '--help');
    assert.equal(spawned.status, 0);
    assert.match(
      spawned.stdout,
      /--target-regions[\s\S]*--no-wait[\s\S]*Global Arguments[\s\S]*--query[\s\S]*Examples/,
    );
  });

  it('logs out', async () => {
    await cli.ok('logout');
    const after = await cli.run('group', 'list');
    assert.equal(after.status, 1);
    assert.match(after.stderr, /kiln login/);
    await cli.login();
  });
});
