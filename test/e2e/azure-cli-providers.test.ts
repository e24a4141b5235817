// Debian's azure-cli (2.45), unmodified, against Kiln: `az provider` and `az feature` as the gallery
// FAQ runs them, and azure-mgmt-core's automatic registration, which answers a write refused with
// MissingSubscriptionRegistration by registering the namespace itself and sending the write again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hasAz, signedInAzureCli, type AzureCli } from '../support/azure-cli.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/** The feature these tests register, as az's flags name it. */
const ENCRYPTION_AT_HOST = ['--namespace', 'Microsoft.Compute', '-n', 'EncryptionAtHost'];

describe(
  'az provider and az feature against Kiln',
  { skip: hasAz ? false : 'az is not installed (scripts/ensure-azure-cli.sh installs it as root)' },
  () => {
    let server: TestServer;
    let cli: AzureCli;
    const providerState = (namespace: string) =>
      cli.az('provider', 'show', '-n', namespace, '--query', 'registrationState');
    const featureState = (namespace: string, name: string) =>
      cli.az('feature', 'show', '--namespace', namespace, '-n', name, '--query', 'properties.state');

    before(async () => {
      server = await startTestServer();
      cli = await signedInAzureCli(server);
    });
    after(async () => {
      await cli?.close();
      await server?.stop();
    });

    it('az provider list and show: Kiln’s namespaces, types, api-versions and regions', async () => {
      const namespaces: string[] = await cli.az('provider', 'list', '--query', '[].namespace');
      for (const namespace of ['Microsoft.Compute', 'Microsoft.VirtualMachineImages', 'Microsoft.Network'])
        assert.ok(namespaces.includes(namespace), namespace);
      const compute = await cli.az('provider', 'show', '-n', 'Microsoft.Compute');
      assert.equal(compute.registrationState, 'Registered');
      const versions = compute.resourceTypes.find(
        (t: { resourceType: string }) => t.resourceType === 'galleries/images/versions',
      );
      assert.ok(versions.locations.includes('West US'));
      assert.ok(versions.apiVersions.includes('2022-03-03'), 'the version az 2.45 sends for galleries');
      const missing = await cli.run('provider', 'show', '-n', 'Microsoft.Storage');
      assert.notEqual(missing.status, 0);
      assert.match(
        missing.stderr,
        /\(InvalidResourceNamespace\) The resource namespace 'Microsoft\.Storage' is invalid\./,
      );
    });

    it('az provider unregister and register; a write to an unregistered namespace registers it again, as az does', async () => {
      await cli.az('provider', 'unregister', '-n', 'Microsoft.VirtualMachineImages');
      assert.equal(await providerState('Microsoft.VirtualMachineImages'), 'Unregistered');
      await cli.az('provider', 'register', '-n', 'Microsoft.VirtualMachineImages');
      assert.equal(await providerState('Microsoft.VirtualMachineImages'), 'Registered');

      await cli.az('provider', 'unregister', '-n', 'Microsoft.Compute');
      await cli.az('group', 'create', '-n', 'images', '-l', 'westus');
      // 409 MissingSubscriptionRegistration, then azure-mgmt-core POSTs register, polls (after 10 s) and sends the PUT again.
      const gallery = await cli.az('sig', 'create', '-g', 'images', '-r', 'shelf');
      assert.equal(gallery.provisioningState, 'Succeeded');
      assert.equal(await providerState('Microsoft.Compute'), 'Registered');
    });

    it('az feature register, show, list and unregister; az feature registration', async () => {
      const registered = await cli.az('feature', 'register', ...ENCRYPTION_AT_HOST);
      assert.deepEqual(registered, {
        id: `/subscriptions/${server.subscriptionId}/providers/Microsoft.Features/providers/Microsoft.Compute/features/EncryptionAtHost`,
        name: 'Microsoft.Compute/EncryptionAtHost',
        properties: { state: 'Registered' },
        type: 'Microsoft.Features/providers/features',
      });
      assert.equal(await featureState('Microsoft.Compute', 'EncryptionAtHost'), 'Registered');
      assert.equal(await featureState('Microsoft.Compute', 'Unheard'), 'NotRegistered');
      assert.deepEqual(await cli.az('feature', 'list', '--namespace', 'Microsoft.Compute', '--query', '[].name'), [
        'Microsoft.Compute/EncryptionAtHost',
      ]);
      assert.equal((await cli.az('feature', 'unregister', ...ENCRYPTION_AT_HOST)).properties.state, 'Unregistered');

      const made = await cli.az(
        'feature',
        'registration',
        'create',
        '--namespace',
        'Microsoft.Network',
        '-n',
        'AllowBastion',
      );
      assert.equal(made.properties.state, 'Registered');
      assert.equal(made.properties.providerNamespace, 'Microsoft.Network');
      assert.deepEqual(await cli.az('feature', 'registration', 'list', '--query', '[].name'), [
        'EncryptionAtHost',
        'AllowBastion',
      ]);
      await cli.az(
        'feature',
        'registration',
        'delete',
        '--namespace',
        'Microsoft.Network',
        '-n',
        'AllowBastion',
        '--yes',
      );
      assert.equal(await featureState('Microsoft.Network', 'AllowBastion'), 'NotRegistered');
    });
  },
);
