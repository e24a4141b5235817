// Debian's azure-cli (2.45), unmodified, making VMs on Kiln: `az vm create` builds an ARM template
// (network security group, public IP, virtual network, interface, VM) and submits it as a deployment,
// so this is Kiln's deployments and VMs together, with `--generate-ssh-keys`. From a platform URN, the
// bootstrapped Debian: SSH in as the admin, the host name the VM's, then `az vm list/show -d/delete`.
// From a gallery image version id: the version holds the small bootable disk
// (test/support/bootable-disk.ts), whose boot on the VM's serial console proves the VM runs the
// version's bytes; it boots in seconds where Debian takes over a minute under TCG, and what
// provisioning and SSH prove of az's VMs the URN VM has shown. Debian's azure-cli package lacks the
// compute models of the latest profile, so az runs with the 2020-09-01-hybrid profile (as the README
// says).
import { ComputeManagementClient } from '@azure/arm-compute';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importPlatformImage } from '../../src/app/platform-images.ts';
import { hasAz, signedInAzureCli, type AzureCli } from '../support/azure-cli.ts';
import { bootableDisk } from '../support/bootable-disk.ts';
import { DEBIAN_REFERENCE, importDebian, sshTo } from '../support/reachable-vm.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const RG = 'az-vms';

describe(
  'az vm create against Kiln',
  {
    skip:
      (!hasAz && 'az is not installed (scripts/ensure-azure-cli.sh installs it as root)') ||
      (process.getuid?.() !== 0 && 'VMs need root'),
  },
  () => {
    let server: TestServer;
    let cli: AzureCli;
    /** The key pair `--generate-ssh-keys` made in az's home. */
    const keys = () => ({ publicKey: '', privateKeyFile: join(cli.work, '.ssh', 'id_rsa'), remove: async () => {} });

    before(async () => {
      // Each VM test file has a public IP pool of its own: files may run at once.
      server = await startTestServer({ config: { network: { publicIpAddressPool: '127.105.0.0/24' } } });
      await importDebian(server);
      cli = await signedInAzureCli(server, '2020-09-01-hybrid');
      await cli.az('group', 'create', '-n', RG, '-l', 'westus');
    });
    after(async () => {
      await cli?.close();
      await server?.stop();
    });

    const create = (name: string, image: string) =>
      cli.az(
        'vm',
        'create',
        ...['-g', RG, '-n', name, '--image', image, '--size', 'Standard_B1s'],
        ...['--admin-username', 'azureuser', '--generate-ssh-keys'],
      );

    it('az vm create from a platform URN: a deployment makes the network and the VM, reachable by SSH', async () => {
      const { publisher, offer, sku } = DEBIAN_REFERENCE;
      const vm = await create('urn-vm', `${publisher}:${offer}:${sku}:latest`);
      assert.equal(vm.powerState, 'VM running');
      assert.match(vm.publicIpAddress, /^127\.105\.0\.\d+$/);
      const { sshWhenUp } = sshTo(vm.publicIpAddress, keys());
      const hostname = await sshWhenUp('hostname');
      assert.equal(hostname.status, 0, hostname.stderr);
      assert.equal(hostname.stdout.trim(), 'urn-vm');
      const deployments = await cli.az(
        'deployment',
        'group',
        'list',
        '-g',
        RG,
        '--query',
        '[].properties.provisioningState',
      );
      assert.deepEqual(deployments, ['Succeeded'], 'az vm create submitted one deployment');
    });

    it('az vm list, show -d and delete', async () => {
      assert.deepEqual(await cli.az('vm', 'list', '-g', RG, '--query', '[].name'), ['urn-vm']);
      const shown = await cli.az('vm', 'show', '-d', '-g', RG, '-n', 'urn-vm');
      assert.equal(shown.powerState, 'VM running');
      assert.equal(shown.storageProfile.imageReference.offer, DEBIAN_REFERENCE.offer);
      await cli.az('vm', 'delete', '-g', RG, '-n', 'urn-vm', '--yes');
      assert.deepEqual(await cli.az('vm', 'list', '-g', RG, '--query', '[].name'), []);
    });

    it('az vm create from a gallery image version id: the VM boots what the version holds', async () => {
      const compute = new ComputeManagementClient(server.credential, server.subscriptionId, { endpoint: server.url });
      const bootable = { publisher: 'kiln', offer: 'bootable', sku: 'busybox', version: '1.0.0' };
      await importPlatformImage(server.server.kiln, {
        ...bootable,
        hyperVGeneration: 'V1',
        file: (await bootableDisk()).path,
      });
      const disk = await compute.disks.beginCreateOrUpdateAndWait(RG, 'bootable-os', {
        location: 'westus',
        creationData: {
          createOption: 'FromImage',
          imageReference: {
            id: `/Subscriptions/${server.subscriptionId}/Providers/Microsoft.Compute/Locations/westus/Publishers/${bootable.publisher}/ArtifactTypes/VMImage/Offers/${bootable.offer}/Skus/${bootable.sku}/Versions/${bootable.version}`,
          },
        },
      });
      const image = await compute.images.beginCreateOrUpdateAndWait(RG, 'bootable-image', {
        location: 'westus',
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', managedDisk: { id: disk.id } } },
      });
      await compute.galleries.beginCreateOrUpdateAndWait(RG, 'gal', { location: 'westus' });
      await compute.galleryImages.beginCreateOrUpdateAndWait(RG, 'gal', 'bootable', {
        location: 'westus',
        osType: 'Linux',
        osState: 'Generalized',
        hyperVGeneration: 'V1',
        identifier: { publisher: 'kiln', offer: 'bootable', sku: 'busybox' },
      });
      const version = await compute.galleryImageVersions.beginCreateOrUpdateAndWait(RG, 'gal', 'bootable', '1.0.0', {
        location: 'westus',
        storageProfile: { source: { id: image.id } },
      });
      const vm = await create('version-vm', version.id!);
      assert.equal(vm.powerState, 'VM running');
      const shown = await cli.az(
        'vm',
        'show',
        '-g',
        RG,
        '-n',
        'version-vm',
        '--query',
        'storageProfile.imageReference.id',
      );
      assert.equal(shown.toLowerCase(), version.id!.toLowerCase());
      // The disk's own init prints its marker line and /etc/issue (each console line after the time Kiln
      // read it); its login prompt, which ends no line, Kiln waited for before the VM showed running.
      const diagnostics = await compute.virtualMachines.retrieveBootDiagnosticsData(RG, 'version-vm', {
        sasUriExpirationTimeInMinutes: 10,
      });
      const console = await (await fetch(diagnostics.serialConsoleLogBlobUri!)).text();
      assert.match(console, /Z KILN-BOOT: *$/m);
      assert.match(console, /Z Kiln bootable test disk$/m);
    });
  },
);
