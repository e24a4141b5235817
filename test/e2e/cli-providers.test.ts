// `kiln provider` and `kiln feature` against a real server, each run as its own process as a user
// runs them: az's shapes and tables, registration state changing what the server lets through, a
// missing namespace's error and exit code.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { kilnCli, type Cli } from '../support/kiln-cli.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/** The feature these tests register, as az's flags name it. */
const ENCRYPTION_AT_HOST = ['--namespace', 'Microsoft.Compute', '-n', 'EncryptionAtHost'];

interface Provider {
  namespace: string;
  registrationState: string;
  resourceTypes: { resourceType: string; apiVersions: string[]; locations: string[] }[];
}

describe('kiln provider and kiln feature', () => {
  let kiln: TestServer;
  let cli: Cli;
  /** What `--query` picks, as tsv. */
  const picked = async (...args: string[]) => (await cli.ok(...args, '-o', 'tsv')).trim();

  before(async () => {
    kiln = await startTestServer();
    cli = await kilnCli(kiln);
    await cli.login();
  });
  after(async () => {
    await kiln.stop();
    await rm(cli.configDir, { recursive: true, force: true });
  });

  it('lists and shows providers, unregisters one (its writes refused) and registers it again', async () => {
    const providers = await cli.json<Provider[]>('provider', 'list');
    assert.ok(providers.some((p) => p.namespace === 'Microsoft.VirtualMachineImages'));
    assert.ok(providers.every((p) => p.registrationState === 'Registered'));
    const table = await cli.ok('provider', 'list', '-o', 'table');
    assert.match(table.split('\n')[0], /^Namespace\s+RegistrationPolicy\s+RegistrationState$/);
    assert.match(table, /^Microsoft\.Compute\s+RegistrationRequired\s+Registered$/m);

    const compute = await cli.json<Provider>('provider', 'show', '-n', 'microsoft.compute');
    assert.equal(compute.namespace, 'Microsoft.Compute');
    const galleries = compute.resourceTypes.find((t) => t.resourceType === 'galleries')!;
    assert.ok(galleries.locations.includes('West US'));
    assert.deepEqual(
      await cli.json(
        'provider',
        'show',
        '-n',
        'Microsoft.Compute',
        '--query',
        "resourceTypes[?resourceType=='galleries'].apiVersions | [0]",
      ),
      galleries.apiVersions,
    );

    assert.equal(await cli.ok('provider', 'unregister', '-n', 'Microsoft.Compute'), '');
    assert.equal(
      await picked('provider', 'show', '-n', 'Microsoft.Compute', '--query', 'registrationState'),
      'Unregistered',
    );
    await cli.ok('group', 'create', '-n', 'images', '-l', 'westus');
    const refused = await cli.run('sig', 'create', '-g', 'images', '-r', 'shelf');
    assert.equal(refused.status, 1);
    assert.match(
      refused.stderr,
      /^ERROR: \(MissingSubscriptionRegistration\) The subscription is not registered to use namespace 'Microsoft\.Compute'/,
    );
    assert.equal(await cli.ok('provider', 'register', '-n', 'Microsoft.Compute', '--wait'), '');
    assert.equal((await cli.json<{ name: string }>('sig', 'create', '-g', 'images', '-r', 'shelf')).name, 'shelf');

    const missing = await cli.run('provider', 'show', '-n', 'Microsoft.Storage');
    assert.equal(missing.status, 3, 'a show of something missing exits 3, as az');
    assert.match(
      missing.stderr,
      /\(InvalidResourceNamespace\) The resource namespace 'Microsoft\.Storage' is invalid\./,
    );
  });

  it('registers, shows, lists and unregisters features', async () => {
    const shown = await cli.json('feature', 'show', ...ENCRYPTION_AT_HOST);
    assert.deepEqual(shown, {
      id: `/subscriptions/${kiln.subscriptionId}/providers/Microsoft.Features/providers/Microsoft.Compute/features/EncryptionAtHost`,
      name: 'Microsoft.Compute/EncryptionAtHost',
      type: 'Microsoft.Features/providers/features',
      properties: { state: 'NotRegistered' },
    });
    const registered = await cli.run('feature', 'register', ...ENCRYPTION_AT_HOST);
    assert.equal(registered.status, 0, registered.stderr);
    assert.equal(JSON.parse(registered.stdout).properties.state, 'Registered');
    assert.match(registered.stderr, /kiln provider register -n Microsoft\.Compute/);
    await cli.ok('feature', 'register', '--namespace', 'Microsoft.Network', '-n', 'AllowBastion');
    assert.match(
      await cli.ok('feature', 'list', '-o', 'table'),
      /^Name\s+RegistrationState\n-+\s+-+\nMicrosoft\.Compute\/EncryptionAtHost\s+Registered\nMicrosoft\.Network\/AllowBastion\s+Registered\n$/,
    );
    assert.deepEqual(await cli.json('feature', 'list', '--namespace', 'Microsoft.Network', '--query', '[].name'), [
      'Microsoft.Network/AllowBastion',
    ]);
    await cli.ok('feature', 'unregister', ...ENCRYPTION_AT_HOST);
    assert.equal(await picked('feature', 'show', ...ENCRYPTION_AT_HOST, '--query', 'properties.state'), 'Unregistered');
  });
});
