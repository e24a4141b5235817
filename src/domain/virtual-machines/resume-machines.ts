/**
 * After Kiln starts, VMs run again that were running when it stopped: each VM whose power state is
 * `running` and whose last operation finished gets a `start` job (and its operation) in one batch,
 * as a user's start would. A VM with an operation under way needs nothing: its job is durable and
 * runs again once its lease expires, doing the same work from the start.
 */
import type { DomainContext } from '../context.ts';
import { startOperationOn } from '../operations/operation.ts';
import { resourceRecord } from '../shared/arm-resource.ts';
import { VIRTUAL_MACHINE_KIND, type VirtualMachineRecord } from './virtual-machine.ts';

export async function resumeMachines(ctx: DomainContext): Promise<number> {
  const vms = (await ctx.store.list<VirtualMachineRecord['data']>({
    kind: VIRTUAL_MACHINE_KIND,
    limit: 100_000,
  })) as VirtualMachineRecord[];
  let resumed = 0;
  for (const record of vms) {
    const { power, operation } = record.data.internal;
    if (power !== 'running' || operation) continue;
    const vm = record.data.resource;
    const started = startOperationOn(
      vm,
      { subscription: record.subscription, namespace: 'Microsoft.Compute' },
      ctx.clock.now(),
    );
    await ctx.store
      .apply([
        {
          op: 'put',
          record: resourceRecord(vm, { ...record.data.internal, power: 'starting', operation: started.data }),
          expect: { etag: record.etag },
        },
        started.write,
        ctx.jobs.enqueueWrite({
          task: 'virtualMachine.run',
          payload: { key: record.key, action: 'start', operation: started.data, vmId: vm.properties.vmId },
        }),
      ])
      // Changed meanwhile: whoever changed it decides what runs.
      .then(
        () => resumed++,
        () => undefined,
      );
  }
  if (resumed > 0) ctx.jobs.nudge();
  return resumed;
}
