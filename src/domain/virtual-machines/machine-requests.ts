/**
 * The request side of a VM's jobs: a request that needs the host writes, in one batch, the VM in the
 * state it shows while its job works (naming the job's operation), the operation, the job and what
 * else the request changes (an allocation, the disks it attaches), each write expecting what it read.
 * A VM that a job is moving takes no other request but a delete.
 */
import { ArmError } from '../../core/arm-error.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { startOperationOn, type OperationData } from '../operations/operation.ts';
import { resourceRecord } from '../shared/arm-resource.ts';
import type { MachineAction, MachinePayload } from './machine-jobs.ts';
import type { PowerState, VirtualMachine, VirtualMachineInternal, VirtualMachineRecord } from './virtual-machine.ts';

export function refuseWhileBusy(record: VirtualMachineRecord, action: string) {
  const state = record.data.resource.properties.provisioningState;
  if (state === 'Creating' || state === 'Updating' || state === 'Deleting')
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `Operation '${action}' is not allowed on VM '${record.data.resource.name}' while it is ${state.toLowerCase()}; wait for it to finish.`,
    );
}

export interface MachineRequest extends Pick<MachinePayload, 'command' | 'restart' | 'hard'> {
  /** The VM as the request leaves it (its record's resource otherwise). */
  vm?: VirtualMachine;
  /** What the request changes of the VM's internal state besides its power and operation. */
  internal?: Partial<VirtualMachineInternal>;
  /** The request's other writes, in its batch. */
  writes?: Write[];
}

/** Writes the VM in the state it shows while its job works, the operation, and the job, in one batch; answers the operation and the VM's new etag. */
export async function enqueueMachineJob(
  ctx: DomainContext,
  record: VirtualMachineRecord,
  action: MachineAction,
  during: PowerState,
  { vm = record.data.resource, internal = {}, writes = [], ...extra }: MachineRequest = {},
): Promise<{ operation: OperationData; etag: string }> {
  const operation = startOperationOn(
    vm,
    { subscription: record.subscription, namespace: 'Microsoft.Compute' },
    ctx.clock.now(),
  );
  const provisioningState = action === 'delete' ? 'Deleting' : 'Updating';
  const from = record.data.internal.power;
  const [stored] = await ctx.store.apply([
    {
      op: 'put',
      record: resourceRecord(
        { ...vm, properties: { ...vm.properties, provisioningState } },
        { ...record.data.internal, ...internal, power: during, operation: operation.data },
      ),
      expect: { etag: record.etag },
    },
    ...writes,
    operation.write,
    ctx.jobs.enqueueWrite({
      task: 'virtualMachine.run',
      // Where the VM is placed (placement.ts); a VM on no node yet is any node's.
      ...(record.data.internal.node ? { node: record.data.internal.node } : {}),
      payload: {
        key: record.key,
        action,
        operation: operation.data,
        vmId: vm.properties.vmId,
        from,
        ...extra,
      },
    }),
  ]);
  ctx.jobs.nudge();
  return { operation: operation.data, etag: stored.etag };
}
