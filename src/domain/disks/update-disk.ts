/**
 * PUT on an existing disk or snapshot and PATCH: the changes one takes after creation (tags, OS type
 * and generation, what it says of its OS, the platform key's encryption, its data access settings, the
 * SKU, a disk's tier, IOPS and MBps, maxShares and on-demand bursting) made at once, and a larger size, which answers 202 with
 * the operation growing the bytes (grow.ts). Changes Azure makes only while no running VM holds the
 * disk (a size, a SKU, bursting turned on; maxShares: no VM at all) are refused otherwise, as Azure
 * refuses them.
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
import { GIB, skuTier, type Disk, type DiskFamily, type DiskInternal, type DiskRecord } from './disk.ts';
import {
  checkEncryption,
  checkOsDescription,
  checkPerformance,
  describeOs,
  performanceOf,
  type OsDescription,
} from './disk-settings.ts';
import { refuseUnknownMembers } from './body-members.ts';
import { checkDataAccess } from './data-access.ts';
import { checkRegionTakes, conflictOnRace, diskId, propertiesOf, type DiskWriteResult } from './disk-writes.ts';
import { checkOffline, shrinkRefusal, startGrowth } from './grow.ts';
import { BURSTING_MIN_MS, checkSharesAndBursting } from './shares-and-bursting.ts';
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
  return applyDiskUpdate(ctx, family, existing, { tags: body.tags, sku: body.sku, properties: props });
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
  const problems = new Problems();
  refuseUnknownMembers(body, family, true, problems);
  problems.throwIfAny();
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
  const sku = checkSkuChange(body.sku, family, current, problems);
  const osType = enumValue(props.osType, OS_TYPES, 'properties.osType', problems);
  const generation = enumValue(props.hyperVGeneration, HYPERV_GENERATIONS, 'properties.hyperVGeneration', problems);
  const size = integerIn(props.diskSizeGB, 1, 32767, 'properties.diskSizeGB', problems);
  checkEncryption(props.encryption, problems);
  Object.assign(next.properties, checkDataAccess(props, family, problems));
  const os = checkOsDescription(props, problems);
  if (family.collection === 'snapshots') checkSnapshotUpdate(props, os, current, problems);
  const grows = size !== undefined && size > current.properties.diskSizeGB;
  if (size !== undefined && size < current.properties.diskSizeGB) throw shrinkRefusal(current, size);
  const sizeGB = grows ? size : current.properties.diskSizeGB;
  const skuName = sku ?? current.sku.name;
  if (family.collection === 'disks') {
    const { maxShares, burstingEnabled, burstingEnabledTime } = current.properties;
    const performance = checkPerformance(props, skuName, sizeGB, problems, performanceOf(current));
    const kept = { maxShares, burstingEnabled, burstingEnabledTime };
    Object.assign(
      next.properties,
      performance,
      checkSharesAndBursting(props, skuName, sizeGB, ctx.clock.now(), problems, kept),
    );
    // A disk changed to a SKU without performance tiers has none.
    if (performance.tier === undefined) delete next.properties.tier;
  }
  problems.throwIfAny();
  if (sku !== undefined) next.sku = { name: sku, tier: skuTier(sku) };
  checkStateAllows(ctx, current, next);
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
  checkOffline(current);
  checkRegionTakes(ctx, current.location, sizeGB * GIB, 'Empty');
  next.properties.diskSizeGB = sizeGB;
  const growth = startGrowth(ctx, family, existing, next);
  const etag = await apply(growth.writes);
  ctx.jobs.nudge();
  return { status: 202, disk: next, etag, operation: growth.operation };
}

/** SKUs Azure does not convert a disk to or from in place: their disks move through a snapshot. */
const UNCONVERTIBLE = ['UltraSSD_LRS', 'PremiumV2_LRS'];

/** A new `sku.name`, or undefined when the body keeps the SKU; changes Azure does not make are refused. */
function checkSkuChange(value: unknown, family: DiskFamily, current: Disk, problems: Problems): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    problems.add('sku', "'sku' must be an object with the SKU's 'name'.");
    return undefined;
  }
  const sku = enumValue(value.name, family.skus, 'sku.name', problems);
  if (sku === undefined || sku === current.sku.name) return undefined;
  const fixed = [current.sku.name, sku].find((name) => UNCONVERTIBLE.includes(name));
  if (family.collection === 'disks' && fixed !== undefined) {
    problems.add(
      'sku.name',
      `The storage type of a disk cannot be changed ${fixed === sku ? 'to' : 'from'} ${fixed} in place; make a snapshot of the disk and a new ${sku} disk from it.`,
    );
    return undefined;
  }
  return sku;
}

/**
 * Azure's refusals of changes the disk's state does not allow, once the body is valid: a new SKU or
 * bursting turned on need no running VM holding the disk, maxShares needs it detached from every VM,
 * and bursting stays on for 12 hours.
 */
function checkStateAllows(ctx: DomainContext, current: Disk, next: Disk): void {
  const was = current.properties;
  const now = next.properties;
  if (next.sku.name !== current.sku.name)
    checkOffline(current, {
      verb: 'change the storage type of disk',
      doing: 'Changing the storage type (SKU) of a disk',
      what: 'the SKU',
      target: 'sku.name',
    });
  if (now.burstingEnabled && !was.burstingEnabled)
    checkOffline(current, {
      verb: 'enable on-demand bursting on disk',
      doing: 'Enabling on-demand bursting on a disk',
      what: 'bursting',
      target: 'properties.burstingEnabled',
    });
  if ((now.maxShares ?? 1) !== (was.maxShares ?? 1) && current.managedBy)
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `The maxShares of disk ${current.name} can only be set or changed while it is detached from all VMs; it is attached to VM ${current.managedBy}.`,
      'properties.maxShares',
    );
  const since = was.burstingEnabledTime ? Date.parse(was.burstingEnabledTime) : undefined;
  if (
    was.burstingEnabled &&
    now.burstingEnabled === false &&
    next.sku.name === current.sku.name &&
    since !== undefined
  ) {
    const allowed = since + BURSTING_MIN_MS;
    if (ctx.clock.now().getTime() < allowed)
      throw new ArmError(
        409,
        'OperationNotAllowed',
        `On-demand bursting of disk ${current.name} was enabled at ${was.burstingEnabledTime}; it can be disabled 12 hours after it was enabled, from ${new Date(allowed).toISOString()}.`,
        'properties.burstingEnabled',
      );
  }
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
