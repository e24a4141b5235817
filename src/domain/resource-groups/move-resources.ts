/**
 * Resources - Move Resources and Validate Move Resources. Kiln does not move resources between groups
 * or subscriptions: a resource's id names its group, and so do the records that own its bytes, the
 * role assignments under it and the references other resources keep to it. Both calls check the
 * request as ARM does, then answer ARM's refusal of a move (409 ResourceMoveValidationFailed) naming
 * every resource and the way to get them there; nothing changes.
 */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { parseResourceId } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import type { ResourceGroupRef } from '../shared/resource-ref.ts';
import { requireResourceGroup } from '../shared/scope.ts';

export async function refuseMoveResources(
  ctx: DomainContext,
  { subscription, name }: ResourceGroupRef,
  body: Record<string, unknown>,
): Promise<never> {
  const group = (await requireResourceGroup(ctx, subscription, name)).data.resource.name;
  const problems = new Problems();
  const { resources, targetResourceGroup } = body;
  const ids = Array.isArray(resources) ? resources : [];
  if (ids.length === 0)
    problems.add(
      'resources',
      "The 'resources' property must list the ids of the resources to move.",
      'InvalidRequestContent',
    );
  const types = ids.map((raw: unknown, i) => {
    const id = typeof raw === 'string' ? parseResourceId(raw) : undefined;
    if (id?.namespace === undefined || id.resourceGroup?.toLowerCase() !== group.toLowerCase()) {
      problems.add(
        `resources[${i}]`,
        `'${String(raw)}' is not the id of a resource in resource group '${group}'.`,
        'InvalidResourceId',
      );
      return '';
    }
    return [id.namespace, ...id.types.map(([type]) => type)].join('/');
  });
  const target = typeof targetResourceGroup === 'string' ? parseResourceId(targetResourceGroup) : undefined;
  if (target?.resourceGroup === undefined || target.namespace !== undefined)
    problems.add(
      'targetResourceGroup',
      "The 'targetResourceGroup' property must be the id of a resource group.",
      'InvalidRequestContent',
    );
  problems.throwIfAny();
  throw new ArmError(
    409,
    'ResourceMoveValidationFailed',
    `Resource move is not supported for resource types '${[...new Set(types)].join("', '")}'. Kiln does not move resources between resource groups or subscriptions; nothing was changed. Export this group's template (POST .../exportTemplate), deploy it to '${targetResourceGroup as string}', then delete these resources.`,
    'resources',
    (ids as string[]).map((id) => ({
      code: 'ResourceMoveNotSupported',
      target: id,
      message: `Kiln does not move '${id}'.`,
    })),
  );
}
