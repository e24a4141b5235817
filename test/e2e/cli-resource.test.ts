// `kiln resource`, `kiln tag` and `kiln group export` against a real server, each run as its own process
// as a user runs them: az's filters and table, resources by id and by their names (api-versions found
// through the provider, as az finds them), tags replaced and added, a missing resource's exit code, a
// usage mistake's, and a group's template.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { linuxDefinition } from '../support/gallery-image.ts';
import { kilnCli, type Cli } from '../support/kiln-cli.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('kiln resource, kiln tag and kiln group export', () => {
  let kiln: TestServer;
  let cli: Cli;
  let gallery: string;
  const tsv = async (...args: string[]) => (await cli.ok(...args, '-o', 'tsv')).trim();

  before(async () => {
    kiln = await startTestServer();
    cli = await kilnCli(kiln);
    await cli.login();
    const options = { endpoint: kiln.url };
    await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, options).resourceGroups.createOrUpdate(
      'cli-res',
      { location: 'westus' },
    );
    const compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, options);
    gallery = (await compute.galleries.beginCreateOrUpdateAndWait('cli-res', 'shelf', { location: 'westus' })).id!;
    await compute.galleryImages.beginCreateOrUpdateAndWait('cli-res', 'shelf', 'debian', linuxDefinition('westus'));
  });
  after(async () => {
    await kiln.stop();
    await rm(cli.configDir, { recursive: true, force: true });
  });

  it('lists with az’s filters and table', async () => {
    const table = await cli.ok('resource', 'list', '-g', 'cli-res', '-o', 'table');
    assert.match(table.split('\n')[0], /^Name\s+ResourceGroup\s+Location\s+Type\s+Status$/);
    assert.match(table, /^shelf\/debian\s+cli-res\s+westus\s+Microsoft\.Compute\/galleries\/images\s+Succeeded$/m);
    assert.equal(
      await tsv('resource', 'list', '--resource-type', 'Microsoft.Compute/galleries', '--query', '[].name'),
      'shelf',
    );
    assert.equal(
      await tsv(
        'resource',
        'list',
        '--namespace',
        'Microsoft.Compute',
        '--resource-type',
        'galleries/images',
        '--query',
        '[].id',
      ),
      `${gallery}/images/debian`,
    );
    assert.equal(await tsv('resource', 'list', '-l', 'eastus'), '');
    const refused = await cli.run('resource', 'list', '--tag', 'env', '-g', 'cli-res');
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /you cannot use '--tag' with '--resource-group'/);
    const missing = await cli.run('resource', 'list', '-g', 'nope');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /ResourceGroupNotFound/);
  });

  it('shows by id and by names, tags (replacing, then adding) and deletes', async () => {
    const definition = `${gallery}/images/debian`;
    assert.equal(await tsv('resource', 'show', '--ids', definition, '--query', 'properties.osType'), 'Linux');
    const byNames = await cli.json<{ id: string }>(
      'resource',
      'show',
      '-g',
      'cli-res',
      '-n',
      'debian',
      '--resource-type',
      'Microsoft.Compute/images',
      '--parent',
      'galleries/shelf',
    );
    assert.equal(byNames.id, definition);
    const both = await cli.json<{ name: string }[]>('resource', 'show', '--ids', gallery, definition);
    assert.deepEqual(
      both.map((r) => r.name),
      ['shelf', 'debian'],
    );

    const tagged = await cli.json<{ tags: object }>(
      'resource',
      'tag',
      '--ids',
      gallery,
      '--tags',
      'env=prod',
      'team=images',
    );
    assert.deepEqual(tagged.tags, { env: 'prod', team: 'images' });
    const added = await cli.json<{ tags: object }>('resource', 'tag', '--ids', gallery, '--tags', 'owner=me', '-i');
    assert.deepEqual(added.tags, { env: 'prod', team: 'images', owner: 'me' });
    assert.equal(await tsv('resource', 'list', '--tag', 'env=prod', '--query', '[].name'), 'shelf');

    assert.equal(await cli.ok('resource', 'delete', '--ids', definition), '');
    const gone = await cli.run('resource', 'show', '--ids', definition);
    assert.equal(gone.status, 3, gone.stderr);
    const unknown = await cli.run('resource', 'show', '--ids', `${gallery}/widgets/w`);
    assert.equal(unknown.status, 2, unknown.stderr);
    assert.match(unknown.stderr, /could not be resolved/);
  });

  it('lists tag names and changes the tags of a group and predefined names', async () => {
    const group = `/subscriptions/${kiln.subscriptionId}/resourceGroups/cli-res`;
    assert.equal(await tsv('tag', 'list', '--query', "[?tagName=='env'].count.value"), '1');
    await cli.ok('tag', 'create', '--name', 'release');
    await cli.ok('tag', 'add-value', '--name', 'release', '--value', '2024');
    assert.equal(await tsv('tag', 'list', '--query', "[?tagName=='release'].values[].tagValue"), '2024');
    await cli.ok('tag', 'create', '--resource-id', group, '--tags', 'cost=42');
    await cli.ok('tag', 'update', '--resource-id', group, '--operation', 'merge', '--tags', 'owner=ops');
    assert.deepEqual(await cli.json('tag', 'list', '--resource-id', group, '--query', 'properties.tags'), {
      cost: '42',
      owner: 'ops',
    });
    await cli.ok('tag', 'delete', '--resource-id', group, '--yes');
    assert.equal(await cli.ok('group', 'show', '-n', 'cli-res', '--query', 'tags'), '', 'no tags left');
    await cli.ok('tag', 'remove-value', '--name', 'release', '--value', '2024');
    await cli.ok('tag', 'delete', '--name', 'release', '--yes');
    assert.equal(await tsv('tag', 'list', '--query', "[?tagName=='release']"), '');
  });

  it('exports a group as a template', async () => {
    const template = await cli.json<{ parameters: object; resources: { type: string; name: string }[] }>(
      'group',
      'export',
      '-n',
      'cli-res',
      '--include-parameter-default-value',
    );
    assert.deepEqual(template.parameters, { galleries_shelf_name: { defaultValue: 'shelf', type: 'String' } });
    assert.deepEqual(
      template.resources.map((r) => [r.type, r.name]),
      [['Microsoft.Compute/galleries', "[parameters('galleries_shelf_name')]"]],
    );
  });
});
