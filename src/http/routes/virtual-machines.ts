/**
 * Routes of Microsoft.Compute/virtualMachines: PUT and PATCH (a new VM, or a change of one), GET (with
 * `$expand=instanceView`), DELETE (202, a job stops the VM), the lists, `instanceView`, the power
 * actions and `runCommand` (202), `generalize`, `retrieveBootDiagnosticsData`, the sizes of a VM and
 * of a location, and the run commands of a location.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ArmError } from '../../core/arm-error.ts';
import type { DiskRecord } from '../../domain/disks/disk.ts';
import { getResource } from '../../domain/shared/arm-resource.ts';
import type { ListScope, ResourceRef } from '../../domain/shared/resource-ref.ts';
import { retrieveBootDiagnosticsData } from '../../domain/virtual-machines/boot-diagnostics.ts';
import { vmSettings } from '../../domain/virtual-machines/capacity.ts';
import { RUN_COMMANDS_TYPE, VIRTUAL_MACHINE_TYPE, VM_SIZES_TYPE } from '../../domain/virtual-machines/descriptor.ts';
import { instanceView } from '../../domain/virtual-machines/instance-view.ts';
import { osDiskId } from '../../domain/virtual-machines/machine-jobs.ts';
import { runCommand } from '../../domain/virtual-machines/run-command.ts';
import {
  getRunCommand,
  listRunCommands,
  requireLocation,
} from '../../domain/virtual-machines/run-command-documents.ts';
import {
  createOrUpdateVirtualMachine,
  deleteVirtualMachine,
  generalizeVirtualMachine,
  getVirtualMachine,
  listVirtualMachines,
  updateVirtualMachine,
  virtualMachineAction,
  type VmWriteResult,
} from '../../domain/virtual-machines/operations.ts';
import type { VirtualMachineRecord } from '../../domain/virtual-machines/virtual-machine.ts';
import { armRoute, jsonBody, params, refOf, routePath } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest, sendAccepted, sendLongRunning, sendPage, sendResource } from '../arm/reply.ts';
import { apiVersionOf, booleanQuery, publicBaseUrl } from '../arm/urls.ts';
import { isShapedAt, refuseNewerMembers, shapeFor } from '../../domain/shared/version-shape.ts';
import type { AppDeps } from '../deps.ts';

const ACTIONS = ['start', 'powerOff', 'restart', 'deallocate'] as const;

export function registerVirtualMachineRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  const path = routePath(VIRTUAL_MACHINE_TYPE.path);
  const ref = (request: FastifyRequest) => refOf<ResourceRef>(request);
  const view = async (record: VirtualMachineRecord) => {
    const vm = record.data.resource;
    const ids = [osDiskId(vm), ...vm.properties.storageProfile.dataDisks.map((disk) => disk.managedDisk.id)];
    const disks = await Promise.all(ids.map((id) => getResource(domain, id)));
    return instanceView(record, disks.filter((disk) => disk !== undefined) as DiskRecord[]);
  };
  // Each answer in the shape of its request's api-version, and a write carrying a member that version
  // lacks refused (version-shape.ts), as the types of registerResourceRoutes.
  const shape = (vm: unknown, request: FastifyRequest) =>
    shapeFor(VIRTUAL_MACHINE_TYPE.type, vm, apiVersionOf(request));
  const checkBody = (request: FastifyRequest) =>
    refuseNewerMembers(VIRTUAL_MACHINE_TYPE.type, request.body, apiVersionOf(request));
  /** A new VM is 201 once made; a change is 200, at once or once its job is done. */
  const written = (request: FastifyRequest, reply: FastifyReply, result: VmWriteResult) => {
    const body = shape(result.vm, request);
    if (!result.operation) return sendResource(reply, result.status, body, result.etag);
    return sendLongRunning(
      request,
      reply,
      deps,
      { status: result.status, operation: result.operation, body, etag: result.etag },
      200,
    );
  };
  const shown = async (record: VirtualMachineRecord, request: FastifyRequest) => {
    const expand = (request.query as Record<string, string | undefined>).$expand;
    // userData adds nothing: a VM takes none (a write giving it is refused), so it has none to show.
    if (expand === undefined || expand.toLowerCase() === 'userdata') return record.data.resource;
    if (expand.toLowerCase() !== 'instanceview')
      throw new ArmError(
        400,
        'InvalidParameter',
        `The value '${expand}' of '$expand' is not valid. Allowed values: instanceView, userData.`,
        '$expand',
      );
    return {
      ...record.data.resource,
      properties: { ...record.data.resource.properties, instanceView: await view(record) },
    };
  };

  // PUT makes or changes a VM, PATCH changes one.
  for (const [method, write] of [
    ['PUT', createOrUpdateVirtualMachine],
    ['PATCH', updateVirtualMachine],
  ] as const)
    armRoute(scope, method, path, VIRTUAL_MACHINE_TYPE, async (request, reply) => {
      checkBody(request);
      return written(request, reply, await write(domain, ref(request), jsonBody(request), conditionsOf(request)));
    });
  armRoute(scope, 'GET', path, VIRTUAL_MACHINE_TYPE, async (request, reply) => {
    const record = await getVirtualMachine(domain, ref(request));
    return sendResource(reply, 200, shape(await shown(record, request), request), record.etag);
  });
  armRoute(scope, 'DELETE', path, VIRTUAL_MACHINE_TYPE, async (request, reply) => {
    const operation = await deleteVirtualMachine(domain, ref(request));
    if (!operation) return reply.status(204).send();
    return sendLongRunning(request, reply, deps, { status: 202, operation }, 200);
  });
  for (const collection of VIRTUAL_MACHINE_TYPE.collections)
    armRoute(scope, 'GET', routePath(collection), VIRTUAL_MACHINE_TYPE, async (request, reply) => {
      const page = await listVirtualMachines(domain, refOf<ListScope>(request), pageRequest(request));
      const shaped = isShapedAt(VIRTUAL_MACHINE_TYPE.type, apiVersionOf(request));
      return sendPage(request, reply, shaped ? { ...page, value: page.value.map((vm) => shape(vm, request)) } : page);
    });
  armRoute(scope, 'GET', `${path}/instanceView`, VIRTUAL_MACHINE_TYPE, async (request, reply) =>
    sendResource(reply, 200, await view(await getVirtualMachine(domain, ref(request)))),
  );
  for (const action of ACTIONS)
    armRoute(scope, 'POST', `${path}/${action}`, VIRTUAL_MACHINE_TYPE, async (request, reply) =>
      sendAccepted(
        request,
        reply,
        202,
        await virtualMachineAction(domain, ref(request), action, {
          skipShutdown: action === 'powerOff' && booleanQuery(request, 'skipShutdown'),
        }),
      ),
    );
  armRoute(scope, 'POST', `${path}/runCommand`, VIRTUAL_MACHINE_TYPE, async (request, reply) =>
    sendAccepted(request, reply, 202, await runCommand(domain, ref(request), jsonBody(request))),
  );
  armRoute(scope, 'POST', `${path}/generalize`, VIRTUAL_MACHINE_TYPE, async (request, reply) => {
    await generalizeVirtualMachine(domain, ref(request));
    return reply.status(200).send();
  });
  armRoute(scope, 'POST', `${path}/retrieveBootDiagnosticsData`, VIRTUAL_MACHINE_TYPE, async (request, reply) => {
    const minutes = (request.query as Record<string, string | undefined>).sasUriExpirationTimeInMinutes;
    return sendResource(
      reply,
      200,
      await retrieveBootDiagnosticsData(domain, ref(request), minutes, publicBaseUrl(request)),
    );
  });
  armRoute(scope, 'GET', `${path}/vmSizes`, VIRTUAL_MACHINE_TYPE, async (request, reply) => {
    await getVirtualMachine(domain, ref(request));
    return sendResource(reply, 200, { value: vmSettings(domain).sizes });
  });
  armRoute(scope, 'GET', routePath(VM_SIZES_TYPE.collections[0]), VM_SIZES_TYPE, async (request, reply) => {
    const { subscription, location } = params(request);
    requireLocation(domain, subscription, location);
    return sendResource(reply, 200, { value: vmSettings(domain).sizes });
  });
  armRoute(scope, 'GET', routePath(RUN_COMMANDS_TYPE.collections[0]), RUN_COMMANDS_TYPE, async (request, reply) => {
    const { subscription, location } = params(request);
    return sendResource(reply, 200, { value: listRunCommands(domain, subscription, location) });
  });
  armRoute(scope, 'GET', routePath(RUN_COMMANDS_TYPE.path!), RUN_COMMANDS_TYPE, async (request, reply) => {
    const { subscription, location, commandId } = params(request);
    return sendResource(reply, 200, getRunCommand(domain, subscription, location, commandId));
  });
}
