/**
 * Reading a VM's serial console (retrieveBootDiagnosticsData) while its create, stop and start run
 * never stalls them: the read writes only its own grant, not the VM's record, which the job's last
 * write expects unchanged (a read during a start once left the VM "VM starting" for good). The
 * console's blob is the VM's from its creation and goes with it when the VM is deleted.
 *
 * The VM boots the small disk that powers off on ACPI's power button (power-button-disk.ts): seconds
 * under TCG, and a stop that does not wait out Kiln's 60 s.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { importPlatformImage } from '../../src/app/platform-images.ts';
import { powerButtonDisk } from '../support/power-button-disk.ts';
import { makeReachableNetwork } from '../support/reachable-vm.ts';
import { smallVm } from '../support/small-vm.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const RG = 'serial';
const LOCATION = 'westus';
const IMAGE = { publisher: 'kiln', offer: 'serial', sku: 'busybox', version: '1.0.0' };

describe(
  'boot diagnostics beside the jobs that move a VM',
  { skip: process.getuid?.() !== 0 && 'VMs need root' },
  () => {
    let kiln: TestServer;
    let compute: ComputeManagementClient;

    before(async () => {
      kiln = await startTestServer({ config: { network: { publicIpAddressPool: '127.118.0.0/24' } } });
      compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
      await importPlatformImage(kiln.server.kiln, {
        ...IMAGE,
        hyperVGeneration: 'V1',
        file: (await powerButtonDisk()).path,
      });
      await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
        endpoint: kiln.url,
      }).resourceGroups.createOrUpdate(RG, { location: LOCATION });
    });
    after(() => kiln?.stop());

    /** Reads the console as fast as a client would poll until `work` ends; answers how many reads were served. */
    async function readingWhile(work: Promise<unknown>): Promise<number> {
      let done = false;
      let served = 0;
      const reader = (async () => {
        while (!done) {
          try {
            await compute.virtualMachines.retrieveBootDiagnosticsData(RG, 'vm1');
            served++;
          } catch (error) {
            // Before the first boot there is no console yet (404); anything else is a failure.
            if ((error as { statusCode?: number }).statusCode !== 404) throw error;
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      try {
        await work;
      } finally {
        done = true;
        await reader;
      }
      return served;
    }

    it('create, stop and start end while the console is read throughout; deleting the VM deletes its console blob', async () => {
      const network = new NetworkManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
      const { nicIds } = await makeReachableNetwork(
        network,
        { subscription: kiln.subscriptionId, name: RG, location: LOCATION },
        ['nic1'],
      );
      const create = compute.virtualMachines.beginCreateOrUpdateAndWait(
        RG,
        'vm1',
        smallVm({
          location: LOCATION,
          computerName: 'vm1',
          nicId: nicIds.nic1,
          imageReference: IMAGE,
          bootDiagnostics: true,
        }),
      );
      const power = async () =>
        (await compute.virtualMachines.instanceView(RG, 'vm1')).statuses?.find((s) => s.code?.startsWith('PowerState/'))
          ?.code;
      await readingWhile(create);
      assert.equal(await power(), 'PowerState/running');
      assert.ok((await readingWhile(compute.virtualMachines.beginPowerOffAndWait(RG, 'vm1'))) > 0, 'reads were served');
      assert.equal(await power(), 'PowerState/stopped');
      assert.ok((await readingWhile(compute.virtualMachines.beginStartAndWait(RG, 'vm1'))) > 0, 'reads were served');
      assert.equal(await power(), 'PowerState/running');
      const vm = await compute.virtualMachines.get(RG, 'vm1');
      assert.equal(vm.provisioningState, 'Succeeded');

      const blobKey = `bootdiagnostics/${vm.vmId}/serial.log`;
      const region = kiln.server.kiln.domain.regions.get(LOCATION)!;
      assert.ok(await region.stat(blobKey), 'the console was copied into the VM’s blob');
      await compute.virtualMachines.beginDeleteAndWait(RG, 'vm1');
      for (let i = 0; i < 100 && (await region.stat(blobKey)); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await region.stat(blobKey), undefined, 'the console blob went with the VM');
    });
  },
);
