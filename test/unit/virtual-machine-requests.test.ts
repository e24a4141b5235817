// VM requests at the domain level, against a real data folder (SQLite, region folders) with the VM
// jobs run by real workers whose machine host boots through a scripted driver (it shows a login
// prompt at once, or when the test lets it), so what is checked is Kiln's own logic, without QEMU:
//  - every bad data disk field at its JSON path with Azure's code, and nothing made or marked;
//  - a VM made from a managed image with a data disk gets that disk FromImage at its LUN;
//  - a change of an existing VM: each fixed field refused at its path (409 PropertyChangeNotAllowed),
//    tags and settings written at once, sizes checked against the table and the host's capacity;
//  - the host's capacity taken in the request's own batch: two creates checked against the same
//    allocations cannot both land, nor can a start or a resize past what a create took meanwhile;
//  - a delete that overtakes a create mid-boot: the create's job stops the machine it started.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { defaultConfig } from '../../src/app/config.ts';
import { openKiln, type Kiln } from '../../src/app/kiln.ts';
import { createFixedVhdFooter } from '../../src/core/vhd.ts';
import type { DomainContext } from '../../src/domain/context.ts';
import { DISKS } from '../../src/domain/disks/disk.ts';
import { fillDisk, failDisk } from '../../src/domain/disks/fill.ts';
import { createOrUpdateDisk, getDisk } from '../../src/domain/disks/operations.ts';
import { createImageData, failImageCreation } from '../../src/domain/images/create-image.ts';
import { createOrUpdateImage, getImage } from '../../src/domain/images/operations.ts';
import { createOrUpdateNetworkInterface } from '../../src/domain/network-interfaces/operations.ts';
import { getOperation } from '../../src/domain/operations/get-operation.ts';
import { addPlatformImage } from '../../src/domain/platform-images/catalog.ts';
import { createOrUpdateResourceGroup } from '../../src/domain/resource-groups/operations.ts';
import type { TaskPayloads } from '../../src/domain/task-payloads.ts';
import {
  createOrUpdateVirtualMachine,
  deleteVirtualMachine,
  getVirtualMachine,
  updateVirtualMachine,
  virtualMachineAction,
} from '../../src/domain/virtual-machines/operations.ts';
import { createOrUpdateVirtualNetwork } from '../../src/domain/virtual-networks/operations.ts';
import { MachineHost } from '../../src/imaging/machines/machine-host.ts';
import { deleteBlobsTask } from '../../src/jobs/tasks/delete-blobs.ts';
import { virtualMachineTask } from '../../src/jobs/tasks/virtual-machine.ts';
import type { TaskHandlers } from '../../src/jobs/task.ts';
import { startWorker, type Worker } from '../../src/jobs/worker.ts';
import type { MetadataStore } from '../../src/ports/metadata-store.ts';
import type { Vm, VmDriver, VmExit } from '../../src/ports/vm-driver.ts';
import { ArmError } from '../../src/core/arm-error.ts';

const RG = 'rg';

/** An `assert.rejects` check of a domain refusal: its status, code, message and target. */
const armRefusal = (status: number, code: string, pattern?: RegExp, target?: string) => (error: unknown) => {
  assert.ok(error instanceof ArmError, String(error));
  assert.deepEqual([error.status, error.code], [status, code], error.message);
  if (pattern) assert.match(error.message, pattern);
  if (target !== undefined) assert.equal(error.target, target, error.message);
  return true;
};
const LOCATION = 'westus';

/** A driver whose VMs show a login prompt once `gate` (when set) lets their boot return. */
function scriptedDriver() {
  const vms: Array<{ stopped: boolean; disks: string[]; memoryMiB: number; ended?: 'shutdown' | 'stop' }> = [];
  const state = { gate: undefined as Promise<void> | undefined, booting: () => {} };
  const driver: VmDriver = {
    boot: async (_disk, options) => {
      state.booting();
      await state.gate;
      const record: (typeof vms)[number] = {
        stopped: false,
        disks: (options.dataDisks ?? []).map((d) => d.name),
        memoryMiB: options.memoryMiB,
      };
      vms.push(record);
      let end!: (exit: VmExit) => void;
      const exited = new Promise<VmExit>((resolve) => (end = resolve));
      const stop = async () => {
        record.stopped = true;
        end({ code: null, signal: 'SIGKILL', stderr: '' });
      };
      options.serial('kiln-vm login: ');
      const vm: Vm = {
        accelerator: 'tcg',
        exited,
        stop: async () => {
          record.ended ??= 'stop';
          await stop();
        },
        shutdown: async () => {
          record.ended ??= 'shutdown';
          await stop();
          return 'clean';
        },
        hostPort: () => 22,
        lastSerialLines: () => ['kiln-vm login: '],
        waitFor: async () => ({ seconds: 1 }),
        attachDisk: async (disk) => void record.disks.push(disk.name),
        detachDisk: async (name) => void record.disks.splice(record.disks.indexOf(name), 1),
      };
      return vm;
    },
  };
  return { driver, vms, state };
}

describe('virtual machine requests (domain, scripted driver)', () => {
  let dataDir: string;
  let kiln: Kiln;
  let ctx: DomainContext;
  let workers: Worker[] = [];
  let host: MachineHost;
  const script = scriptedDriver();
  const ref = (name: string) => ({ subscription: kiln.domain.settings.subscriptions[0].id, resourceGroup: RG, name });
  const id = (type: string, name: string) =>
    `/subscriptions/${ref(name).subscription}/resourceGroups/${RG}/providers/${type}/${name}`;
  const nicId = (name: string) => id('Microsoft.Network/networkInterfaces', name);
  const diskId = (name: string) => id('Microsoft.Compute/disks', name);
  const body = (nic: string, more: Record<string, unknown> = {}, size = 'Standard_B1s') => ({
    location: LOCATION,
    properties: {
      hardwareProfile: { vmSize: size },
      storageProfile: {
        imageReference: { publisher: 'Kiln', offer: 'test', sku: '1', version: 'latest' },
        osDisk: { createOption: 'FromImage', deleteOption: 'Delete' },
        ...more,
      },
      osProfile: {
        adminUsername: 'azureuser',
        linuxConfiguration: {
          disablePasswordAuthentication: true,
          ssh: { publicKeys: [{ keyData: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKiln test' }] },
        },
      },
      networkProfile: { networkInterfaces: [{ id: nicId(nic) }] },
    },
  });
  /** Waits for the VM's job to end, answering the VM. */
  const settled = async (name: string) => {
    for (;;) {
      const vm = await getVirtualMachine(ctx, ref(name));
      if (!vm.data.internal.operation) return vm;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const disk = async (name: string, size = 1) => {
    await createOrUpdateDisk(ctx, DISKS, ref(name), {
      location: LOCATION,
      properties: { creationData: { createOption: 'Empty' }, diskSizeGB: size },
    });
    for (;;) {
      const made = await getDisk(ctx, DISKS, ref(name));
      if (made.data.resource.properties.provisioningState === 'Succeeded') return made;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kiln-vm-domain-'));
    await writeFile(
      join(dataDir, 'config.json'),
      JSON.stringify({ ...defaultConfig(), virtualMachines: { maxCores: 2, maxMemoryMiB: 16384 } }),
    );
    kiln = await openKiln({ dataDir });
    ctx = kiln.domain;
    // The platform image: 1 MiB of zeros as a fixed VHD.
    const region = ctx.settings.regions[0].name;
    const bytes = Buffer.concat([Buffer.alloc(1024 * 1024), createFixedVhdFooter(1024 * 1024)]);
    const stored = await ctx.regions.get(region)!.put('platformimages/test.vhd', Readable.from([bytes]));
    await addPlatformImage(
      ctx,
      {
        publisher: 'Kiln',
        offer: 'test',
        sku: '1',
        version: '1.0.0',
        blob: { region, key: 'platformimages/test.vhd' },
        sizeBytes: stored.size,
        sha256: stored.sha256,
        importedAt: new Date().toISOString(),
      },
      false,
    );
    await createOrUpdateResourceGroup(ctx, { subscription: ref('').subscription, name: RG }, { location: LOCATION });
    await createOrUpdateVirtualNetwork(ctx, ref('vnet'), {
      location: LOCATION,
      properties: {
        addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
        subnets: [{ name: 'default', properties: { addressPrefix: '10.0.0.0/24' } }],
      },
    });
    for (const nic of ['a', 'b', 'c', 'd', 'e'])
      await createOrUpdateNetworkInterface(ctx, ref(nic), {
        location: LOCATION,
        properties: {
          ipConfigurations: [
            {
              name: 'ip',
              properties: { subnet: { id: `${id('Microsoft.Network/virtualNetworks', 'vnet')}/subnets/default` } },
            },
          ],
        },
      });
    host = new MachineHost(script.driver);
    const tasks = {
      'virtualMachine.run': virtualMachineTask(ctx, {
        host,
        node: 'node-a',
        onError: (error) => {
          throw error;
        },
        root: join(dataDir, 'machines'),
        bootTimeoutSeconds: 60,
        communicator: {
          name: 'scripted',
          prepare: async () => {
            throw new Error('not used');
          },
          agent: async () => ({
            user: 'kiln-agent',
            authorizedKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKiln agent',
            privateKey: 'not a key',
            guestPort: 22,
            connect: async () => {
              throw new Error('not used');
            },
          }),
        },
      }),
      'image.create': {
        run: (payload) => createImageData(ctx, payload),
        fail: (payload, error) => failImageCreation(ctx, payload, error),
      },
      'disk.fill': {
        run: (payload) => fillDisk(ctx, payload),
        fail: (payload, error) => failDisk(ctx, payload, error, false),
      },
      'blobs.delete': deleteBlobsTask(ctx),
    } as Partial<TaskHandlers<TaskPayloads>> as TaskHandlers<TaskPayloads>;
    // Two workers: a delete can overtake a create that is booting.
    workers = [1, 2].map(() =>
      startWorker({
        store: ctx.store,
        queue: kiln.queue,
        tasks,
        clock: ctx.clock,
        pollMs: 20,
        leaseMs: 5000,
        node: 'node-a',
      }),
    );
  });
  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await host?.stopAll();
    await kiln?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses each bad data disk at its JSON path with Azure codes, making and marking nothing', async () => {
    const owned = await disk('owned');
    await disk('free');
    const at = 'properties.storageProfile.dataDisks';
    const refuse = async (dataDisks: unknown, matches: ReturnType<typeof armRefusal>) => {
      await assert.rejects(createOrUpdateVirtualMachine(ctx, ref('bad'), body('a', { dataDisks })), matches);
      await assert.rejects(getVirtualMachine(ctx, ref('bad')), armRefusal(404, 'ResourceNotFound'));
    };
    await refuse(
      [{ lun: 64, createOption: 'Empty', diskSizeGB: 1 }],
      armRefusal(
        400,
        'InvalidParameter',
        /The value '64' of parameter '.*dataDisks\[0\]\.lun' is out of range/,
        `${at}[0].lun`,
      ),
    );
    await refuse(
      [
        { lun: 0, createOption: 'Empty', diskSizeGB: 1 },
        { lun: 0, createOption: 'Empty', diskSizeGB: 2 },
      ],
      armRefusal(400, 'InvalidParameter', /A disk at LUN 0 already exists/, `${at}[1].lun`),
    );
    await refuse(
      [{ lun: 0, createOption: 'Empty' }],
      armRefusal(400, 'InvalidParameter', /diskSizeGB/, `${at}[0].diskSizeGB`),
    );
    await refuse(
      [{ lun: 0, createOption: 'Empty', diskSizeGB: 1, managedDisk: { id: diskId('free') } }],
      armRefusal(
        400,
        'InvalidParameterConflictingProperties',
        /cannot have the value 'Empty'/,
        `${at}[0].managedDisk.id`,
      ),
    );
    await refuse(
      [{ lun: 0, createOption: 'Attach' }],
      armRefusal(400, 'InvalidParameter', /missing/, `${at}[0].managedDisk.id`),
    );
    await refuse(
      [{ lun: 0, createOption: 'Attach', managedDisk: { id: diskId('nope') } }],
      armRefusal(400, 'NotFound', /nope/, `${at}[0].managedDisk.id`),
    );
    await refuse(
      [{ lun: 0, createOption: 'FromImage' }],
      armRefusal(400, 'InvalidParameter', /The image has no data disk at LUN 0/, `${at}[0].lun`),
    );
    await refuse(
      [{ lun: 0, createOption: 'Copy', writeAcceleratorEnabled: true }],
      armRefusal(400, 'InvalidParameter', /2 invalid parameters/),
    );
    await refuse(
      [0, 1, 2].map((lun) => ({ lun, createOption: 'Empty', diskSizeGB: 1 })),
      armRefusal(409, 'OperationNotAllowed', /maximum number of data disks .* is 2/, at),
    );

    // A disk another VM holds.
    const { data } = owned;
    await ctx.store.apply([
      {
        op: 'put',
        record: {
          ...owned,
          data: {
            ...data,
            resource: { ...data.resource, managedBy: id('Microsoft.Compute/virtualMachines', 'other') },
          },
        },
        expect: { etag: owned.etag },
      },
    ]);
    await refuse(
      [
        { lun: 0, createOption: 'Attach', managedDisk: { id: diskId('free') } },
        { lun: 1, createOption: 'Attach', managedDisk: { id: diskId('owned') } },
      ],
      armRefusal(
        409,
        'ConflictingUserInput',
        /cannot be attached as the disk is already owned by VM .*other/,
        `${at}[1].managedDisk.id`,
      ),
    );
    const free = await getDisk(ctx, DISKS, ref('free'));
    assert.equal(free.data.resource.managedBy, undefined, 'the refused request marked no disk');
    assert.equal(free.data.resource.properties.diskState, 'Unattached');
  });

  it('makes a VM with an empty and an attached data disk, and changes it: fixed fields refused, the rest taken', async () => {
    await createOrUpdateVirtualMachine(
      ctx,
      ref('vm1'),
      body('a', {
        dataDisks: [
          { lun: 0, createOption: 'Empty', diskSizeGB: 2, caching: 'ReadOnly' },
          { lun: 3, createOption: 'Attach', managedDisk: { id: diskId('free') }, deleteOption: 'Delete' },
        ],
      }),
    );
    const vm = await settled('vm1');
    assert.equal(vm.data.internal.power, 'running');
    const disks = vm.data.resource.properties.storageProfile.dataDisks;
    assert.deepEqual(
      disks.map((d) => [d.lun, d.createOption, d.diskSizeGB, d.caching, d.deleteOption]),
      [
        [0, 'Empty', 2, 'ReadOnly', 'Detach'],
        [3, 'Attach', 1, 'None', 'Delete'],
      ],
    );
    for (const d of disks) {
      const held = (await getDisk(ctx, DISKS, ref(d.name))).data.resource;
      assert.deepEqual([held.managedBy, held.properties.diskState], [vm.data.resource.id, 'Attached'], d.name);
    }
    assert.deepEqual(script.vms.at(-1)!.disks, ['lun0', 'lun3'], 'booted with its data disks in LUN order');

    // Fixed fields: every one named, at its path; nothing changes.
    const shown = structuredClone(vm.data.resource) as unknown as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    shown.properties.osProfile.computerName = 'someoneelse';
    (shown.properties.storageProfile.imageReference as Record<string, unknown>).sku = '2';
    shown.location = 'eastus' as never;
    await assert.rejects(
      createOrUpdateVirtualMachine(ctx, ref('vm1'), shown),
      (error: Error & { status: number; code: string; details: Array<{ target: string }> }) => {
        assert.equal(error.status, 409, `${error.message} ${JSON.stringify(error.details)}`);
        assert.equal(error.code, 'PropertyChangeNotAllowed');
        assert.deepEqual(
          error.details.map((d) => d.target),
          ['location', 'properties.storageProfile.imageReference.sku', 'properties.osProfile.computerName'],
        );
        return true;
      },
    );
    await assert.rejects(
      updateVirtualMachine(ctx, ref('vm1'), { properties: { osProfile: { customData: 'ZWNobwo=' } } }),
      armRefusal(409, 'PropertyChangeNotAllowed', /customData/, 'properties.osProfile.customData'),
    );
    await assert.rejects(
      updateVirtualMachine(ctx, ref('vm1'), { properties: { storageProfile: { osDisk: { name: 'other' } } } }),
      armRefusal(409, 'PropertyChangeNotAllowed', /osDisk\.name/, 'properties.storageProfile.osDisk.name'),
    );
    await assert.rejects(
      updateVirtualMachine(ctx, ref('vm1'), { properties: { hardwareProfile: { vmSize: 'Standard_Huge' } } }),
      armRefusal(400, 'InvalidParameter', /Standard_Huge is not available/, 'properties.hardwareProfile.vmSize'),
    );
    // What may change without the host is written at once: a GET's body sent back with tags and settings.
    const again = structuredClone(vm.data.resource) as unknown as Record<string, unknown>;
    const changed = await createOrUpdateVirtualMachine(ctx, ref('vm1'), {
      ...again,
      tags: { env: 'test' },
      properties: {
        ...(again.properties as object),
        diagnosticsProfile: { bootDiagnostics: { enabled: false } },
      },
    });
    assert.equal(changed.status, 200);
    assert.equal(changed.operation, undefined);
    assert.deepEqual(changed.vm.tags, { env: 'test' });
    assert.equal(changed.vm.properties.diagnosticsProfile.bootDiagnostics.enabled, false);
    const patched = await updateVirtualMachine(ctx, ref('vm1'), { tags: { env: 'prod' } });
    assert.deepEqual([patched.vm.tags, patched.operation], [{ env: 'prod' }, undefined]);
    assert.equal(patched.vm.properties.storageProfile.dataDisks.length, 2, 'a PATCH keeps what it does not name');

    // Detach one (hot, the VM runs), attach another: the job's work.
    const detaching = await updateVirtualMachine(ctx, ref('vm1'), {
      properties: {
        storageProfile: {
          dataDisks: [disks[0], { lun: 5, createOption: 'Empty', diskSizeGB: 1 }],
        },
      },
    });
    assert.ok(detaching.operation);
    const after = await settled('vm1');
    assert.equal(after.data.resource.properties.provisioningState, 'Succeeded', after.data.internal.failure);
    assert.deepEqual(
      after.data.resource.properties.storageProfile.dataDisks.map((d) => d.lun),
      [0, 5],
    );
    assert.deepEqual(script.vms.at(-1)!.disks, ['lun0', 'lun5'], 'lun3 unplugged, lun5 plugged');
    const let_go = (await getDisk(ctx, DISKS, ref('free'))).data.resource;
    assert.deepEqual([let_go.managedBy, let_go.properties.diskState], [undefined, 'Unattached']);

    // A running VM takes a new size by restarting.
    const running = script.vms.at(-1)!;
    const resized = await updateVirtualMachine(ctx, ref('vm1'), {
      properties: { hardwareProfile: { vmSize: 'Standard_B1ms' } },
    });
    assert.ok(resized.operation, 'a running VM restarts: its job');
    assert.equal((await settled('vm1')).data.internal.power, 'running');
    assert.equal(running.stopped, true, 'the VM of the old size stopped');
    assert.deepEqual([script.vms.at(-1)!.memoryMiB, script.vms.at(-1)!.disks], [2048, ['lun0', 'lun5']]);

    // A stopped VM lets a disk go and takes another at its next start (its size holds 2).
    await virtualMachineAction(ctx, ref('vm1'), 'powerOff');
    const off = await settled('vm1');
    assert.equal(off.data.internal.power, 'stopped');
    const [lun0, lun5] = off.data.resource.properties.storageProfile.dataDisks;
    const booted = script.vms.length;
    await updateVirtualMachine(ctx, ref('vm1'), {
      properties: {
        storageProfile: {
          dataDisks: [lun0, { lun: 7, createOption: 'Attach', managedDisk: { id: diskId('free') } }],
        },
      },
    });
    const stopped = await settled('vm1');
    assert.deepEqual([stopped.data.internal.power, script.vms.length], ['stopped', booted], 'no boot while stopped');
    assert.equal((await getDisk(ctx, DISKS, ref('free'))).data.resource.properties.diskState, 'Attached');
    assert.equal((await getDisk(ctx, DISKS, ref(lun5.name))).data.resource.properties.diskState, 'Unattached');
    await virtualMachineAction(ctx, ref('vm1'), 'start');
    assert.equal((await settled('vm1')).data.internal.power, 'running');
    assert.deepEqual(script.vms.at(-1)!.disks, ['lun0', 'lun7']);
    assert.equal(script.vms.at(-2)!.ended, 'shutdown', 'a power-off asks the guest first');

    // skipShutdown: the VM stops at once.
    await virtualMachineAction(ctx, ref('vm1'), 'powerOff', { skipShutdown: true });
    assert.equal((await settled('vm1')).data.internal.power, 'stopped');
    assert.equal(script.vms.at(-1)!.ended, 'stop');
  });

  it('takes capacity in the request batch: two creates against the same allocations cannot both land', async () => {
    // Both creates read the allocations before either writes (the first write waits for the second's attempt).
    let waiting: (() => void) | undefined;
    let attempts = 0;
    const gated: MetadataStore = {
      ...ctx.store,
      get: (key) => ctx.store.get(key),
      list: (query) => ctx.store.list(query),
      close: () => ctx.store.close(),
      apply: async (writes) => {
        if (writes.some((w) => w.op === 'put' && w.record.kind === 'kiln/virtualmachineallocations')) {
          attempts++;
          if (attempts === 1) await new Promise<void>((resolve) => ((waiting = resolve), setTimeout(resolve, 3000)));
          else waiting?.();
        }
        return ctx.store.apply(writes);
      },
    };
    const racing = { ...ctx, store: gated };
    // vm1 holds 1 core of 2: each 1-core create fits alone, not both.
    const results = await Promise.allSettled([
      createOrUpdateVirtualMachine(racing, ref('race1'), body('b')),
      createOrUpdateVirtualMachine(racing, ref('race2'), body('c')),
    ]);
    assert.ok(attempts >= 2, 'both reached their batch');
    const made = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    assert.equal(made.length, 1);
    assert.equal(refused.length, 1);
    assert.match(refused[0].reason.message, /Total Regional Cores quota.*Current Limit: 2, Current Usage: 2/);
    const winner = made[0].status === 'fulfilled' ? made[0].value.vm.name : '';
    await settled(winner);

    // A start of a deallocated VM and a resize are checked the same way.
    await virtualMachineAction(ctx, ref(winner), 'deallocate');
    assert.equal((await settled(winner)).data.internal.power, 'deallocated');
    const other = winner === 'race1' ? 'race2' : 'race1';
    await createOrUpdateVirtualMachine(ctx, ref(other), body(other === 'race1' ? 'b' : 'c'));
    await settled(other);
    await assert.rejects(
      virtualMachineAction(ctx, ref(winner), 'start'),
      armRefusal(409, 'OperationNotAllowed', /quota/),
    );
    await assert.rejects(
      updateVirtualMachine(ctx, ref('vm1'), { properties: { hardwareProfile: { vmSize: 'Standard_B2s' } } }),
      armRefusal(409, 'OperationNotAllowed', /quota/),
    );
    // Deallocated, it may take any size of the table: capacity is its next start's.
    const resized = await updateVirtualMachine(ctx, ref(winner), {
      properties: { hardwareProfile: { vmSize: 'standard_b2s' } },
    });
    assert.deepEqual([resized.vm.properties.hardwareProfile.vmSize, resized.operation], ['Standard_B2s', undefined]);
    await deleteVirtualMachine(ctx, ref(other));
    await deleteVirtualMachine(ctx, ref(winner));
    for (const name of [other, winner])
      for (;;) {
        if (!(await ctx.store.get(id('microsoft.compute/virtualmachines', name).toLowerCase()))) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
  });

  it('stops the machine a create started when a delete took the VM over while it booted', async () => {
    let release!: () => void;
    script.state.gate = new Promise<void>((resolve) => (release = resolve));
    const booting = new Promise<void>((resolve) => (script.state.booting = resolve));
    const created = await createOrUpdateVirtualMachine(ctx, ref('overtaken'), body('d'));
    const vmId = created.vm.properties.vmId;
    await booting;
    // The machine is not on the host yet (its driver has not returned): the delete finds nothing to stop.
    await deleteVirtualMachine(ctx, ref('overtaken'));
    const key = id('microsoft.compute/virtualmachines', 'overtaken').toLowerCase();
    while (await ctx.store.get(key)) await new Promise((resolve) => setTimeout(resolve, 20));
    const before = script.vms.length;
    release();
    script.state.gate = undefined;
    for (let waited = 0; (await getOperation(ctx, created.operation!)).status === 'InProgress'; waited++) {
      assert.ok(waited < 500, 'the create job ends');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal((await getOperation(ctx, created.operation!)).status, 'Canceled');
    assert.equal(script.vms.length, before + 1, 'the boot went on');
    assert.equal(script.vms.at(-1)!.stopped, true, 'and its machine was stopped');
    assert.equal(host.isRunning(vmId), false);
    assert.equal(existsSync(join(dataDir, 'machines', vmId)), false, 'its folder is gone');
  });

  it("gives a VM made from a managed image the image's data disks, FromImage at their LUNs", async () => {
    await disk('image-os');
    await disk('image-data', 2);
    await createOrUpdateImage(ctx, ref('image'), {
      location: LOCATION,
      properties: {
        storageProfile: {
          osDisk: { osType: 'Linux', osState: 'Generalized', managedDisk: { id: diskId('image-os') } },
          dataDisks: [{ lun: 2, managedDisk: { id: diskId('image-data') } }],
        },
      },
    });
    while ((await getImage(ctx, ref('image'))).data.resource.properties.provisioningState !== 'Succeeded')
      await new Promise((resolve) => setTimeout(resolve, 20));
    const fromImage = (more: Record<string, unknown> = {}) => {
      const made = body('e', more) as { properties: { storageProfile: Record<string, unknown> } };
      made.properties.storageProfile.imageReference = { id: id('Microsoft.Compute/images', 'image') };
      return made;
    };
    await assert.rejects(
      createOrUpdateVirtualMachine(
        ctx,
        ref('imaged'),
        fromImage({ dataDisks: [{ lun: 2, createOption: 'Empty', diskSizeGB: 4 }] }),
      ),
      armRefusal(
        400,
        'InvalidParameter',
        /LUN 2 holds the image's data disk/,
        'properties.storageProfile.dataDisks[0].lun',
      ),
    );
    await assert.rejects(
      createOrUpdateVirtualMachine(
        ctx,
        ref('imaged'),
        fromImage({ dataDisks: [{ lun: 3, createOption: 'FromImage' }] }),
      ),
      armRefusal(
        400,
        'InvalidParameter',
        /no data disk at LUN 3 \(it has LUNs 2\)/,
        'properties.storageProfile.dataDisks[0].lun',
      ),
    );
    await createOrUpdateVirtualMachine(ctx, ref('imaged'), fromImage());
    const vm = await settled('imaged');
    assert.equal(vm.data.resource.properties.provisioningState, 'Succeeded', vm.data.internal.failure);
    const [data] = vm.data.resource.properties.storageProfile.dataDisks;
    assert.deepEqual([data.lun, data.createOption, data.diskSizeGB], [2, 'FromImage', 2]);
    const made = (await getDisk(ctx, DISKS, ref(data.name))).data.resource;
    assert.deepEqual(made.properties.creationData.imageReference, {
      id: id('Microsoft.Compute/images', 'image'),
      lun: 2,
    });
    assert.equal(made.managedBy, vm.data.resource.id);
    assert.deepEqual(script.vms.at(-1)!.disks, ['lun2']);
    await deleteVirtualMachine(ctx, ref('imaged'));
  });
});
