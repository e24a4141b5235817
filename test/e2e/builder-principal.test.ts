// Builds act as Kiln's image builder principal. With `build.builderGrants: "none"` it starts with no
// access: a run whose target or source group it may not use fails before any work, naming the
// action, the scope and the `kiln role assignment create` command that fixes it; that command, pasted
// into the CLI, makes the next run succeed. Also `kiln role` itself, and the default install's grant.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IMAGE_BUILDER_APP_ID } from '../../src/domain/identity/service-principals.ts';
import { RESOURCE_GROUP_KIND } from '../../src/domain/resource-groups/resource-group.ts';
import { busyboxManagedImage } from '../support/busybox-image.ts';
import { kilnCli, type Cli } from '../support/kiln-cli.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

interface Template {
  lastRunStatus?: { runState: string; message: string };
}

interface Assignment {
  id: string;
  principalId: string;
  roleDefinitionName: string;
  scope: string;
}

/** `kiln role assignment create|delete` of `role` for `assignee`; the scope's flags follow. */
function assignment(verb: 'create' | 'delete', assignee: string, role: string): string[] {
  return ['role', 'assignment', verb, '--assignee', assignee, '--role', role];
}

describe('the image builder principal with builderGrants "none"', () => {
  let kiln: TestServer;
  let cli: Cli;
  let work: string;
  let builder: string;
  let sourceImage: string;
  const group = (name: string) => `/subscriptions/${kiln.subscriptionId}/resourceGroups/${name}`;

  before(async () => {
    kiln = await startTestServer({ config: { build: { builderGrants: 'none' } } });
    builder = kiln.server.builder.objectId;
    cli = await kilnCli(kiln);
    await cli.login();
    work = await mkdtemp(join(tmpdir(), 'kiln-builder-principal-'));
    for (const name of ['templates', 'dist']) await cli.ok('group', 'create', '-n', name, '-l', 'westus');
    sourceImage = await busyboxManagedImage(kiln, 'sources');
  });
  after(async () => {
    await kiln.stop();
    await rm(work, { recursive: true, force: true });
    await rm(cli.configDir, { recursive: true, force: true });
  });

  async function createTemplate(name: string, distribute: unknown[]) {
    const file = join(work, `${name}.json`);
    const properties = {
      source: { type: 'ManagedImage', imageId: sourceImage },
      customize: [{ type: 'Shell', name: 'hello', inline: ['echo hello > /etc/motd'] }],
      distribute,
    };
    await writeFile(file, JSON.stringify({ location: 'westus', identity: { type: 'None' }, properties }));
    await cli.ok('image', 'builder', 'create', '-g', 'templates', '-n', name, '--image-template', file);
  }

  /** Runs the template, watching for a staging group meanwhile; returns how the run ended. */
  async function run(
    name: string,
  ): Promise<{ status: NonNullable<Template['lastRunStatus']>; stagingSeen: boolean; exit: number | null }> {
    const started = cli.run('image', 'builder', 'run', '-g', 'templates', '-n', name);
    let stagingSeen = false;
    let ended = false;
    void started.then(() => (ended = true));
    while (!ended) {
      const groups = await kiln.server.kiln.store.list<{ resource: { name: string } }>({
        kind: RESOURCE_GROUP_KIND,
        limit: 1000,
      });
      stagingSeen ||= groups.some((g) => g.data.resource.name.startsWith('IT_'));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { status: exit } = await started;
    const template = await cli.json<Template>('image', 'builder', 'show', '-g', 'templates', '-n', name);
    return { status: template.lastRunStatus!, stagingSeen, exit };
  }

  /** The fix the message names, run as a user pastes it. */
  async function runFix(message: string, role: string, scope: string) {
    const command = `kiln role assignment create --assignee ${builder} --role ${role} --scope ${scope}`;
    const line = message.split('\n').find((l) => l.startsWith('kiln role assignment create'));
    assert.equal(line, command, message);
    const created = await cli.json<Assignment>(...line!.split(' ').slice(1));
    assert.equal(created.principalId, builder);
    assert.equal(created.scope, scope);
  }

  it('starts with no access at all, and is found by its appId', async () => {
    assert.deepEqual(await cli.json('role', 'assignment', 'list', '--assignee', builder, '--all'), []);
    assert.equal(kiln.server.builder.appId, IMAGE_BUILDER_APP_ID);
    // Azure's own instructions name the builder by appId; Kiln resolves it to the install's object id.
    const reader = await cli.json<Assignment>(...assignment('create', IMAGE_BUILDER_APP_ID, 'Reader'), '-g', 'sources');
    assert.equal(reader.principalId, builder);
  });

  it('fails a run whose distribution group it may not write to before any work; the named command fixes it', async () => {
    const target = `${group('dist')}/providers/Microsoft.Compute/images/app`;
    await createTemplate('app', [
      { type: 'ManagedImage', runOutputName: 'image', imageId: target, location: 'westus' },
    ]);
    const failed = await run('app');
    assert.equal(failed.status.runState, 'Failed');
    assert.equal(failed.exit, 1);
    assert.equal(failed.stagingSeen, false, 'no staging group was made');
    assert.deepEqual(
      existsSync(join(kiln.dataDir, 'work')) ? await readdir(join(kiln.dataDir, 'work')) : [],
      [],
      'no working files',
    );
    assert.match(failed.status.message, /Microsoft\.Compute\/images\/write/);
    assert.ok(failed.status.message.includes(`'${target}'`), failed.status.message);
    assert.doesNotMatch(failed.status.message, /images\/read' on '[^']*sources/, 'the source is readable');
    const log = await cli.ok('image', 'builder', 'logs', '-g', 'templates', '-n', 'app');
    assert.match(log, /Run Failed: .*images\/write/);

    await runFix(failed.status.message, 'Contributor', group('dist'));
    const succeeded = await run('app');
    assert.equal(succeeded.status.runState, 'Succeeded', succeeded.status.message);
    assert.equal(succeeded.stagingSeen, true, 'this run staged');
  });

  it('fails a run whose source group it may not read; Reader there fixes it', async () => {
    await cli.ok('role', 'assignment', 'delete', '--assignee', builder, '--role', 'Reader', '-g', 'sources');
    await createTemplate('vhd', [{ type: 'VHD', runOutputName: 'vhd' }]);
    const failed = await run('vhd');
    assert.equal(failed.status.runState, 'Failed');
    assert.equal(failed.stagingSeen, false);
    assert.match(
      failed.status.message,
      /'Microsoft\.Compute\/images\/read' on '[^']+\/sources\/providers\/Microsoft\.Compute\/images\/busybox' \(properties\.source\.imageId\)/,
    );
    await runFix(failed.status.message, 'Reader', group('sources'));
    assert.equal((await run('vhd')).status.runState, 'Succeeded');
  });

  it('lists assignments with their role names, as a table too, and deletes them', async () => {
    const mine = await cli.json<Assignment[]>('role', 'assignment', 'list', '--assignee', builder, '--all');
    assert.deepEqual(mine.map((a) => [a.roleDefinitionName, a.scope]).sort(), [
      ['Contributor', group('dist')],
      ['Reader', group('sources')],
    ]);
    // Without --all only what is at the subscription itself, as az.
    assert.deepEqual(await cli.json('role', 'assignment', 'list', '--assignee', builder), []);
    assert.deepEqual(await cli.json('role', 'assignment', 'list', '-g', 'dist', '--query', '[].roleDefinitionName'), [
      'Contributor',
    ]);
    const inherited = await cli.json<string[]>(
      'role',
      'assignment',
      'list',
      '-g',
      'dist',
      '--include-inherited',
      '--query',
      '[].roleDefinitionName',
    );
    assert.ok(inherited.includes('Owner') && inherited.includes('Contributor'), inherited.join());
    const table = await cli.ok('role', 'assignment', 'list', '--assignee', builder, '--all', '-o', 'table');
    assert.match(table, /^Principal\s+Role\s+Scope/);
    assert.match(table, new RegExp(`${builder}\\s+Reader\\s+${group('sources')}`));
    // Granting again is done already: the same assignment.
    const again = await cli.json<Assignment>(...assignment('create', builder, 'Reader'), '--scope', group('sources'));
    assert.equal(again.id, mine.find((a) => a.roleDefinitionName === 'Reader')!.id);
    await cli.ok('role', 'assignment', 'delete', '--ids', again.id);
    assert.deepEqual(
      await cli.json('role', 'assignment', 'list', '--assignee', builder, '--all', '--query', '[].roleDefinitionName'),
      ['Contributor'],
    );
    const none = await cli.run(...assignment('delete', builder, 'Reader'), '-g', 'sources');
    assert.equal(none.status, 0);
    assert.match(none.stderr, /No matched assignments were found to delete/);
    const unknown = await cli.run(...assignment('create', builder, 'Nobody'), '-g', 'dist');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /Role 'Nobody' doesn't exist/);
  });

  it('lists and creates role definitions as az shows them', async () => {
    const [contributor] = await cli.json<Array<Record<string, unknown>>>(
      'role',
      'definition',
      'list',
      '--name',
      'Contributor',
    );
    assert.equal(contributor.roleName, 'Contributor');
    assert.equal(contributor.roleType, 'BuiltInRole');
    assert.equal(contributor.type, 'Microsoft.Authorization/roleDefinitions');
    assert.equal(contributor.name, 'b24988ac-6180-42a0-ab88-20f7382dd24c');
    assert.deepEqual(
      await cli.json(
        'role',
        'definition',
        'list',
        '--name',
        'b24988ac-6180-42a0-ab88-20f7382dd24c',
        '--query',
        '[].roleName',
      ),
      ['Contributor'],
    );
    assert.match(
      await cli.ok('role', 'definition', 'list', '-o', 'table'),
      /^Name\s+Type\s+Description[\s\S]*Reader\s+BuiltInRole/,
    );
    assert.deepEqual(await cli.json('role', 'definition', 'list', '--custom-role-only'), []);
    const definition = {
      Name: 'Image Publisher',
      Actions: ['Microsoft.Compute/images/*', 'Microsoft.Compute/galleries/images/versions/*'],
      AssignableScopes: [`/subscriptions/${kiln.subscriptionId}`],
    };
    const created = await cli.json<Record<string, unknown>>(
      'role',
      'definition',
      'create',
      '--role-definition',
      JSON.stringify(definition),
    );
    assert.equal(created.roleName, 'Image Publisher');
    assert.equal(created.roleType, 'CustomRole');
    assert.deepEqual(await cli.json('role', 'definition', 'list', '--custom-role-only', '--query', '[].roleName'), [
      'Image Publisher',
    ]);
    // A custom role with the builder's needs is enough for it, named as any role.
    const assigned = await cli.json<Assignment>(...assignment('create', builder, 'Image Publisher'), '-g', 'sources');
    assert.equal(assigned.scope, group('sources'));
    assert.equal((await run('vhd')).status.runState, 'Succeeded');
  });
});

describe('the image builder principal on a default install', () => {
  let kiln: TestServer;
  let cli: Cli;
  before(async () => {
    kiln = await startTestServer();
    cli = await kilnCli(kiln);
    await cli.login();
  });
  after(async () => {
    await kiln.stop();
    await rm(cli.configDir, { recursive: true, force: true });
  });

  it('holds Contributor at the subscription, so builds work without a grant', async () => {
    const held = await cli.json<Assignment[]>('role', 'assignment', 'list', '--assignee', IMAGE_BUILDER_APP_ID);
    assert.deepEqual(
      held.map((a) => [a.principalId, a.roleDefinitionName, a.scope]),
      [[kiln.server.builder.objectId, 'Contributor', `/subscriptions/${kiln.subscriptionId}`]],
    );
  });

  it('cannot get a token: it has no secret', async () => {
    const response = await fetch(`${kiln.url}/${kiln.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: IMAGE_BUILDER_APP_ID,
        client_secret: 'guess',
        scope: 'https://management.azure.com/.default',
      }),
    });
    assert.notEqual(response.status, 200);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_client');
  });
});
