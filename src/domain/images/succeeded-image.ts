/** A managed image another resource is made from (a gallery version, a disk): it must exist and be Succeeded. */
import { ArmError } from '../../core/arm-error.ts';
import type { ResourceId } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { getResource, resourceNotFound } from '../shared/arm-resource.ts';
import type { Image, ImageInternal, ImageRecord } from './image.ts';

/** The image `id` names; 404 NotFound or 409 InvalidResourceState at `target`, the field naming it, otherwise. */
export async function requireSucceededImage(ctx: DomainContext, id: ResourceId, target: string): Promise<ImageRecord> {
  const record = await getResource<Image, ImageInternal>(ctx, id);
  if (!record) throw new ArmError(404, 'NotFound', resourceNotFound(id).message, target);
  const image = record.data.resource;
  if (image.properties.provisioningState !== 'Succeeded')
    throw new ArmError(
      409,
      'InvalidResourceState',
      `The managed image '${image.id}' is ${image.properties.provisioningState}, not Succeeded.`,
      target,
    );
  return record;
}
