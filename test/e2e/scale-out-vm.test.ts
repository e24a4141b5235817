// VMs across nodes: two `kiln serve` processes, each with its own data folder, on one PostgreSQL
// database and one Azure Blob region (Azurite). A VM runs on the node whose worker created it; every
// request about it, sent to either node, is done there (its jobs wait in that node's lane), and its
// serial console is read through either. Its node is killed (-9) while a restart request waits for it:
// the other node takes the dead one over within a minute (nodes.deadAfterSeconds) and runs the
// restart itself, booting the VM from its stored disks. The killed node comes back as itself, forgets
// the VM's stale files, and when the node now running the VM is killed with nothing under way, it
// takes the VM over and starts it again, as Azure's service healing does.
//
// The VM boots the small disk that powers off on ACPI's power button (power-button-disk.ts): seconds
// under TCG.
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { toFixedVhd } from '../../src/imaging/disk/disk-image.ts';
import { putRegionBlob } from '../support/disk-data.ts';
import { killKiln, type KilnProcess } from '../support/kiln-process.ts';
import { jobEvents, startNodeCluster, waitFor, type NodeClients } from '../support/node-cluster.ts';
import { powerButtonDisk } from '../support/power-button-disk.ts';
import { makeReachableNetwork } from '../support/reachable-vm.ts';
import { smallVm } from '../support/small-vm.ts';

const RG = 'vm-nodes';
const LOCATION = 'westus';

/** The jobs of the VM's task a node finished. */
const finishedVmJobs = (node: KilnProcess) =>
  jobEvents(node)
    .filter((e) => e.task === 'virtualMachine.run' && e.event === 'finished')
    .map((e) => e.job);

it(
  'runs each VM on its node, reached through any node, and takes it over when its node dies',
  { skip: process.getuid?.() !== 0 && 'VMs need root', timeout: 480_000 },
  async () => {
    const cluster = await startNodeCluster({
      name: 'vm-nodes',
      nodes: 2,
      regions: [LOCATION],
      configure: (config) => {
        config.network = { publicIpAddressPool: '127.122.0.0/24' };
        config.nodes = { heartbeatSeconds: 1, deadAfterSeconds: 8 };
      },
    });
    const { nodes, dataDirs } = cluster;
    const scratch = await mkdtemp(join(tmpdir(), 'kiln-vm-nodes-'));
    try {
      const first = await cluster.through(nodes[0]);
      await new ResourceManagementClient(first.credential, first.subscriptionId, {
        endpoint: first.url,
      }).resourceGroups.createOrUpdate(RG, { location: LOCATION });
      await toFixedVhd((await powerButtonDisk()).path, join(scratch, 'os.vhd'));
      const blobUri = await putRegionBlob(
        first,
        LOCATION,
        'vhds/power-button.vhd',
        await readFile(join(scratch, 'os.vhd')),
      );
      const image = await first.compute.images.createOrUpdate(RG, 'power-button', {
        location: LOCATION,
        hyperVGeneration: 'V1',
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
      });
      const { nicIds } = await makeReachableNetwork(
        new NetworkManagementClient(first.credential, first.subscriptionId, { endpoint: first.url }),
        { subscription: first.subscriptionId, name: RG, location: LOCATION },
        ['nic1'],
      );
      await first.compute.virtualMachines.beginCreateOrUpdateAndWait(
        RG,
        'vm1',
        smallVm({
          location: LOCATION,
          computerName: 'vm1',
          nicId: nicIds.nic1,
          imageReference: { id: image.id },
          bootDiagnostics: true,
        }),
      );
      const vmId = (await first.compute.virtualMachines.get(RG, 'vm1')).vmId!;
      const hostIndex = nodes.findIndex((node) => finishedVmJobs(node).length > 0);
      assert.ok(hostIndex >= 0, 'one node created the VM');
      const host = nodes[hostIndex];
      const other = nodes[1 - hostIndex];
      assert.ok(existsSync(join(dataDirs[hostIndex], 'machines', vmId)), 'the VM’s files are on its node');
      assert.ok(!existsSync(join(dataDirs[1 - hostIndex], 'machines', vmId)), 'and nowhere else');

      const viaOther = await cluster.through(other);
      const view = async (client: NodeClients) => {
        const statuses = (await client.compute.virtualMachines.instanceView(RG, 'vm1')).statuses ?? [];
        return {
          power: statuses.find((s) => s.code?.startsWith('PowerState/'))?.code,
          takenOver: statuses.find((s) => s.code === 'Kiln/NodeTakenOver'),
        };
      };
      const serialConsole = async (client: NodeClients) => {
        const { serialConsoleLogBlobUri } = await client.compute.virtualMachines.retrieveBootDiagnosticsData(RG, 'vm1');
        return (await fetch(serialConsoleLogBlobUri!)).text();
      };

      // The other node serves the console (its node's mirror of it) and has the VM's node do what is asked.
      const seen = await waitFor('the console through the other node', 30, async () => {
        const text = await serialConsole(viaOther);
        // The disk's last whole line before its prompt (a line without its end is not in the file yet).
        if (!text.includes('Kiln bootable test disk')) throw new Error(`the console so far:\n${text}`);
        return text;
      });
      assert.match(seen, /Kiln boots the VM/);
      const before = finishedVmJobs(host).length;
      await viaOther.compute.virtualMachines.beginPowerOffAndWait(RG, 'vm1');
      assert.equal((await view(viaOther)).power, 'PowerState/stopped');
      await viaOther.compute.virtualMachines.beginStartAndWait(RG, 'vm1');
      assert.equal((await view(viaOther)).power, 'PowerState/running');
      assert.equal(finishedVmJobs(host).length, before + 2, 'the stop and the start ran on the VM’s node');
      assert.deepEqual(finishedVmJobs(other), [], 'none on the other');

      // The VM's node dies while a restart waits in its lane: the other takes the node over and restarts the VM itself.
      await killKiln(host);
      const killedAt = Date.now();
      await viaOther.compute.virtualMachines.beginRestartAndWait(RG, 'vm1');
      const tookSeconds = (Date.now() - killedAt) / 1000;
      assert.ok(tookSeconds < 60, `restarted within a minute of the kill (${tookSeconds} s)`);
      assert.equal(finishedVmJobs(other).length, 1, 'the restart ran on the surviving node');
      const moved = await view(viaOther);
      assert.equal(moved.power, 'PowerState/running');
      assert.equal(moved.takenOver?.displayStatus, 'VM moved to another node');
      assert.ok(existsSync(join(dataDirs[1 - hostIndex], 'machines', vmId)));
      const continued = await serialConsole(viaOther);
      assert.equal(
        continued.split('Kiln boots the VM').length - 1,
        3,
        'the console goes on across nodes:\n' + continued,
      );

      // The killed node comes back as itself and forgets the VM's files, which are stale now.
      const back = await cluster.start(hostIndex);
      await waitFor('the stale files to go', 30, async () =>
        existsSync(join(dataDirs[hostIndex], 'machines', vmId)) ? undefined : true,
      );

      // The node running the VM dies with nothing under way: the one that came back starts it again.
      await killKiln(other);
      const secondKill = Date.now();
      const viaBack = await cluster.through(back);
      const healed = await waitFor('the VM started again on the node that came back', 90, async () => {
        const now = await view(viaBack);
        return now.power === 'PowerState/running' && now.takenOver?.displayStatus === 'VM restarted on another node'
          ? now
          : undefined;
      });
      assert.ok(Date.now() - secondKill < 60_000, 'taken over within a minute');
      assert.match(healed.takenOver!.message!, /writes since then were lost/);
      assert.ok(existsSync(join(dataDirs[hostIndex], 'machines', vmId)));
      await viaBack.compute.virtualMachines.beginDeleteAndWait(RG, 'vm1');
      await waitFor('the VM’s files to go', 30, async () =>
        existsSync(join(dataDirs[hostIndex], 'machines', vmId)) ? undefined : true,
      );
    } finally {
      await cluster.close();
      await rm(scratch, { recursive: true, force: true });
    }
  },
);
