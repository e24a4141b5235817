/**
 * PUT on an existing disk or snapshot and PATCH: the changes one takes after creation (tags, OS type
 * and generation, what it says of its OS, the platform key's encryption, a disk's tier, IOPS and MBps)
 * made at once, and a larger size, which answers 202 with the operation growing the bytes (grow.ts).
 */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { parseResourceId } from '../../core/resource-id.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { requireResource, resourceRecord } from '../shared/arm-resource.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import type { ResourceRef } from '../shared/resource-ref.ts';
import { checkTags } from '../shared/scope.ts';
import { booleanAt, enumValue, integerIn, isObject } from '../shared/validate.ts';
import { GIB, type Disk, type DiskFamily, type DiskInternal, type DiskRecord } from './disk.ts';
import {
  checkEncryption,
  checkOsDescription,
  checkPerformance,
  describeOs,
  performanceOf,
  type OsDescription,
} from './disk-settings.ts';
import { checkRegionTakes, conflictOnRace, diskId, propertiesOf, type DiskWriteResult } from './disk-writes.ts';
import { checkGrowable, shrinkRefusal, startGrowth } from './grow.ts';
import { HYPERV_GENERATIONS, OS_TYPES } from './validate-disk.ts';

/** Creation data a PUT on an existing disk must repeat as it is, if it names them at all. */
const FIXED_CREATION = ['createOption', 'logicalSectorSize'] as const;

/** PUT on an existing disk: the same creation data, with the mutable fields changed. */
export async function replaceDisk(
  ctx: DomainContext,
  family: DiskFamily,
  existing: DiskRecord,
  body: Record<string, unknown>,
): Promise<DiskWriteResult> {
  const props = propertiesOf(body);
  const creation = isObject(props.creationData) ? props.creationData : undefined;
  const current = existing.data.resource.properties.creationData;
  for (const field of FIXED_CREATION) {
    const asked = creation?.[field];
    const had = current[field];
    const same =
      typeof asked === 'string' && typeof had === 'string' ? asked.toLowerCase() === had.toLowerCase() : asked === had;
    if (creation && (field === 'createOption' || (asked !== undefined && asked !== null)) && !same)
      throw new ArmError(
        409,
        'PropertyChangeNotAllowed',
        `Changing property 'creationData.${field}' is not allowed.`,
        `properties.creationData.${field}`,
      );
  }
  return applyDiskUpdate(ctx, family, existing, { tags: body.tags, properties: props });
}

/** PATCH: tags and the properties a disk may change after creation. */
export async function updateDisk(
  ctx: DomainContext,
  family: DiskFamily,
  ref: ResourceRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
): Promise<DiskWriteResult> {
  const existing = await requireResource<Disk, DiskInternal>(ctx, diskId(family, ref));
  checkConditions(conditions, existing.etag);
  return applyDiskUpdate(ctx, family, existing, body);
}

/** Applies an update body to `existing`: at once, or (a larger size) through a growth job. */
async function applyDiskUpdate(
  ctx: DomainContext,
  family: DiskFamily,
  existing: DiskRecord,
  body: Record<string, unknown>,
): Promise<DiskWriteResult> {
  const problems = new Problems();
  const props = propertiesOf(body);
  const current = existing.data.resource;
  const next: Disk = structuredClone(current);
  if (body.tags !== undefined) next.tags = checkTags(body.tags, problems);
  const osType = enumValue(props.osType, OS_TYPES, 'properties.osType', problems);
  const generation = enumValue(props.hyperVGeneration, HYPERV_GENERATIONS, 'properties.hyperVGeneration', problems);
  const size = integerIn(props.diskSizeGB, 1, 32767, 'properties.diskSizeGB', problems);
  checkEncryption(props.encryption, problems);
  const os = checkOsDescription(props, problems);
  if (family.collection === 'snapshots') checkSnapshotUpdate(props, os, current, problems);
  const grows = size !== undefined && size > current.properties.diskSizeGB;
  if (size !== undefined && size < current.properties.diskSizeGB) throw shrinkRefusal(current, size);
  const sizeGB = grows ? size : current.properties.diskSizeGB;
  if (family.collection === 'disks')
    Object.assign(next.properties, checkPerformance(props, current.sku.name, sizeGB, problems, performanceOf(current)));
  problems.throwIfAny();
  if (osType) next.properties.osType = osType;
  if (generation) next.properties.hyperVGeneration = generation;
  Object.assign(next.properties, describeOs(current.properties, os));
  const apply = async (writes: Write[]) => {
    const [stored] = await ctx.store.apply(writes).catch((error) => {
      throw conflictOnRace(error, parseResourceId(current.id)!);
    });
    return stored.etag;
  };
  if (!grows) {
    const put: Write = {
      op: 'put',
      record: resourceRecord(next, existing.data.internal),
      expect: { etag: existing.etag },
    };
    return { status: 200, disk: next, etag: await apply([put]) };
  }
  checkGrowable(current);
  checkRegionTakes(ctx, current.location, sizeGB * GIB, 'Empty');
  next.properties.diskSizeGB = sizeGB;
  const growth = startGrowth(ctx, family, existing, next);
  const etag = await apply(growth.writes);
  ctx.jobs.nudge();
  return { status: 202, disk: next, etag, operation: growth.operation };
}

/** What a snapshot cannot change after creation: whether it is incremental, and its purchase plan. */
function checkSnapshotUpdate(props: Record<string, unknown>, os: OsDescription, current: Disk, problems: Problems) {
  const incremental = booleanAt(props.incremental, 'properties.incremental', problems);
  const unchangeable: Array<[string, boolean]> = [
    ['incremental', incremental !== undefined && incremental !== (current.properties.incremental ?? false)],
    [
      'purchasePlan',
      os.purchasePlan !== undefined &&
        JSON.stringify(os.purchasePlan) !== JSON.stringify(current.properties.purchasePlan),
    ],
  ];
  for (const [field, changed] of unchangeable)
    if (changed)
      problems.add(
        `properties.${field}`,
        `Changing property '${field}' of a snapshot is not allowed.`,
        'PropertyChangeNotAllowed',
      );
}
