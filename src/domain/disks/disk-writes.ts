/** What every write of a disk or snapshot shares: its id, its answer, its checks of the region and of races. */
import { ArmError } from '../../core/arm-error.ts';
import { formatResourceId, type ResourceId } from '../../core/resource-id.ts';
import { VHD_FOOTER_SIZE } from '../../core/vhd.ts';
import type { DomainContext } from '../context.ts';
import type { OperationData } from '../operations/operation.ts';
import type { ResourceRef } from '../shared/resource-ref.ts';
import { isObject } from '../shared/validate.ts';
import { GIB, type Disk, type DiskFamily } from './disk.ts';

export interface DiskWriteResult {
  /** The disk RP answers 200 (done) or 202 (accepted), never 201. */
  status: 200 | 202;
  disk: Disk;
  etag: string;
  /** Present when the bytes are still being produced by a job. */
  operation?: OperationData;
}

export const diskId = (family: DiskFamily, ref: ResourceRef): ResourceId => ({
  subscription: ref.subscription,
  resourceGroup: ref.resourceGroup,
  namespace: 'Microsoft.Compute',
  types: [[family.collection, ref.name]],
});

export const propertiesOf = (body: Record<string, unknown>) => (isObject(body.properties) ? body.properties : {});

export function conflictOnRace(error: unknown, id: ResourceId): unknown {
  return (error as Error)?.name === 'ExpectationFailedError'
    ? new ArmError(
        409,
        'Conflict',
        `Another operation created or changed '${formatResourceId(id)}' at the same time; retry.`,
      )
    : error;
}

/**
 * A region whose store cannot hold a disk of this size (an Azure Blob region: 8 TiB page blobs)
 * refuses it now, naming the field, rather than failing the disk later.
 */
export function checkRegionTakes(ctx: DomainContext, region: string, dataSize: number, option: string): void {
  const limit = ctx.regions.get(region)?.maxStagingBytes;
  if (limit === undefined || dataSize + VHD_FOOTER_SIZE <= limit) return;
  const field = option === 'Upload' ? 'properties.creationData.uploadSizeBytes' : 'properties.diskSizeGB';
  throw new ArmError(
    400,
    'InvalidParameter',
    `A disk of ${dataSize} bytes is over what region '${region}' stores, ${Math.floor((limit - VHD_FOOTER_SIZE) / GIB)} GiB (its blob store's largest page blob); choose a smaller size.`,
    field,
  );
}
