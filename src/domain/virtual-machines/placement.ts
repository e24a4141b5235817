/**
 * Which node (`kiln serve` process) runs a VM: the one that holds its disk files and, while it runs,
 * its QEMU process. The first job that needs a host for the VM (its create, or a start after a
 * deallocate) places it on the node that runs the job; it stays there while allocated (stopped
 * included: its files stay) and leaves when deallocated (its files go, written back) or deleted. Its
 * jobs run on that node only (`JobOptions.node`): a request sent to any node reaches it.
 *
 * When a node dies (jobs/node-watch.ts), the node that takes it over takes its VMs: each is placed
 * there; one that ran is started again there from its disks' stored bytes, as Azure's service healing
 * restarts a VM on a healthy host. What the dead node's files held beyond the stored bytes (the
 * guest's writes since it last stopped) is lost with that node: a VM's disks are written back when it
 * stops, deallocates or lets a disk go, not continuously. A stopped VM loses nothing.
 *
 * Invariants: every placement is a write expecting the VM as read, so a VM is never placed on two
 * nodes; a node that gains a VM it did not hold without a break forgets whatever files it kept of
 * it before (`forget`), which are older than the stored bytes.
 */
import { ExpectationFailedError, type Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { startOperationOn } from '../operations/operation.ts';
import { resourceRecord } from '../shared/arm-resource.ts';
import { VIRTUAL_MACHINE_KIND, type VirtualMachineInternal, type VirtualMachineRecord } from './virtual-machine.ts';

/** Every VM: read where placements are reviewed (a node's start, a takeover), never per request. */
export async function listMachines(ctx: DomainContext): Promise<VirtualMachineRecord[]> {
  return (await ctx.store.list<VirtualMachineRecord['data']>({
    kind: VIRTUAL_MACHINE_KIND,
    limit: 100_000,
  })) as VirtualMachineRecord[];
}

/** The VM placed on `node` (with `changes`), as stored; fails (ExpectationFailedError) when it changed since read. */
export async function placeOn(
  ctx: DomainContext,
  record: VirtualMachineRecord,
  node: string,
  changes: Partial<VirtualMachineInternal> = {},
): Promise<VirtualMachineRecord> {
  const [stored] = await ctx.store.apply([
    {
      op: 'put',
      record: resourceRecord(record.data.resource, { ...record.data.internal, ...changes, node }),
      expect: { etag: record.etag },
    },
  ]);
  return stored as VirtualMachineRecord;
}

/**
 * The writes that place the VM on `node` (with `changes`) and start it there, as a user's start
 * would: a `start` operation and its job on that node.
 */
export function startOnWrites(
  ctx: DomainContext,
  record: VirtualMachineRecord,
  node: string,
  changes: Partial<VirtualMachineInternal> = {},
): Write[] {
  const vm = record.data.resource;
  const started = startOperationOn(
    vm,
    { subscription: record.subscription, namespace: 'Microsoft.Compute' },
    ctx.clock.now(),
  );
  return [
    {
      op: 'put',
      record: resourceRecord(vm, {
        ...record.data.internal,
        ...changes,
        node,
        power: 'starting',
        operation: started.data,
      }),
      expect: { etag: record.etag },
    },
    started.write,
    ctx.jobs.enqueueWrite({
      task: 'virtualMachine.run',
      node,
      payload: { key: record.key, action: 'start', operation: started.data, vmId: vm.properties.vmId },
    }),
  ];
}

/**
 * Places the VMs of the dead node `dead` on `node`, each started again there if it ran and no job
 * was changing it (a job under way keeps its operation: it runs again on `node`). Answers how many
 * moved. `forget` removes what `node` kept of a VM before.
 */
export async function takeOverMachines(
  ctx: DomainContext,
  dead: string,
  node: string,
  forget: (vmId: string) => Promise<void>,
): Promise<number> {
  let moved = 0;
  for (const listed of await listMachines(ctx)) {
    let record: VirtualMachineRecord | undefined = listed;
    while (record?.data.internal.node === dead) {
      const { power, operation } = record.data.internal;
      await forget(record.data.resource.properties.vmId);
      const restarted = !operation && (power === 'running' || power === 'starting');
      const takenOver = { from: dead, to: node, at: ctx.clock.now().toISOString(), restarted };
      try {
        if (restarted) await ctx.store.apply(startOnWrites(ctx, record, node, { takenOver, reachable: undefined }));
        else await placeOn(ctx, record, node, { takenOver });
        moved++;
        break;
      } catch (error) {
        if (!(error instanceof ExpectationFailedError)) throw error;
        record = (await ctx.store.get(record.key)) as VirtualMachineRecord | undefined;
      }
    }
  }
  if (moved > 0) ctx.jobs.nudge();
  return moved;
}
