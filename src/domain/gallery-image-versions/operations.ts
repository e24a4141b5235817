/** Microsoft.Compute/galleries/images/versions: one function per REST operation. */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { formatResourceId, resourceKey, type ResourceId } from '../../core/resource-id.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { getGallery } from '../galleries/operations.ts';
import { galleryImageId, getGalleryImage, type GalleryImageRef } from '../gallery-images/operations.ts';
import { startOperation, startOperationOn, type OperationData } from '../operations/operation.ts';
import { getResource, requireResourceUnder, resourceRecord } from '../shared/arm-resource.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import { listResources } from '../shared/list-resources.ts';
import type { PageRequest } from '../shared/paging.ts';
import { checkQuota } from '../shared/quota.ts';
import { checkTags } from '../shared/scope.ts';
import { isObject } from '../shared/validate.ts';
import {
  GALLERY_IMAGE_VERSION_KIND,
  checkVersionName,
  type GalleryImageVersion,
  type GalleryImageVersionInternal,
  type GalleryImageVersionRecord,
  type SafetyProfile,
} from './gallery-image-version.ts';
import { statusRecord, type ReplicationStatusData } from './replication-status.ts';
import { asksRestore, deleteVersionWrites, refuseWhileKept, restoreVersion } from './restore-version.ts';
import { resolveVersionSources } from './version-sources.ts';
import { checkPublishing, checkSafety, validateVersionBody, type PublishingSpec } from './validate-version.ts';

export interface VersionRef extends Omit<GalleryImageRef, 'name'> {
  image: string;
  version: string;
}

export const versionId = (ref: VersionRef): ResourceId => {
  const definition = galleryImageId({ ...ref, name: ref.image });
  return { ...definition, types: [...definition.types, ['versions', ref.version]] };
};

const definitionRef = (ref: VersionRef): GalleryImageRef => ({
  subscription: ref.subscription,
  resourceGroup: ref.resourceGroup,
  gallery: ref.gallery,
  name: ref.image,
});

export interface VersionWriteResult {
  status: 200 | 201;
  version: GalleryImageVersion;
  etag: string;
  operation?: OperationData;
}

export async function createOrUpdateVersion(
  ctx: DomainContext,
  ref: VersionRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
): Promise<VersionWriteResult> {
  checkVersionName(ref.version);
  const definition = await getGalleryImage(ctx, definitionRef(ref));
  const id = { ...versionId(ref), resourceGroup: definition.data.resource.id.split('/')[4] };
  const existing = await getResource<GalleryImageVersion, GalleryImageVersionInternal>(ctx, id);
  checkConditions(conditions, existing?.etag);
  if (asksRestore(body)) return restoreOnly(ctx, existing, id);
  if (!existing) await refuseWhileKept(ctx, id);
  const spec = validateVersionBody(
    ctx,
    existing && !namesSource(body) ? withStorage(body, existing.data.resource.properties.storageProfile) : body,
  );
  if (spec.location !== definition.data.resource.location) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `The image version must be created in its gallery's region '${definition.data.resource.location}', not '${spec.location}'.`,
      'location',
    );
  }
  if (existing) {
    if (
      JSON.stringify(normalizeStorage(spec.storage)) !==
      JSON.stringify(normalizeStorage(existing.data.resource.properties.storageProfile))
    ) {
      throw storageChange();
    }
    return applyPublishingChange(ctx, existing, spec.publishing, spec.tags, spec.safety);
  }

  await checkQuota(ctx, 'galleryImageVersions', ref.subscription, spec.location);
  const sources = await resolveVersionSources(ctx, spec.storage, definition.data.resource);
  if (sources.sourceImageKey) await refuseWhileSourceImageReplicates(ctx, sources.sourceImageKey);
  const version: GalleryImageVersion = {
    id: formatResourceId(id),
    name: ref.version,
    type: 'Microsoft.Compute/galleries/images/versions',
    location: spec.location,
    ...(spec.tags ? { tags: spec.tags } : {}),
    properties: {
      publishingProfile: { ...spec.publishing, publishedDate: ctx.clock.now().toISOString() },
      storageProfile: withSizes(spec.storage, sources.sizes),
      safetyProfile: spec.safety,
      ...(spec.security ? { securityProfile: spec.security } : {}),
      provisioningState: 'Creating',
    },
  };
  const record = resourceRecord<GalleryImageVersion, GalleryImageVersionInternal>(version, {
    disks: sources.disks,
    ...(sources.sourceImageKey ? { sourceImageKey: sources.sourceImageKey } : {}),
  });
  const status: ReplicationStatusData = {
    regions: Object.fromEntries(
      spec.publishing.targetRegions.map((t) => [t.name, { state: 'Unknown' as const, progress: 0 }]),
    ),
  };
  const operation = startOperation(
    { subscription: ref.subscription, namespace: 'Microsoft.Compute', location: spec.location, resourceId: version.id },
    ctx.clock.now(),
  );
  const [stored] = await ctx.store.apply([
    { op: 'put', record, expect: { absent: true } },
    { op: 'put', record: statusRecord(record, status) },
    operation.write,
    ctx.jobs.enqueueWrite({
      task: 'galleryVersion.replicate',
      payload: { key: record.key, operation: operation.data },
    }),
  ]);
  ctx.jobs.nudge();
  return { status: 201, version, etag: stored.etag, operation: operation.data };
}

/** A write that asks to restore restores a soft-deleted version, and only that: a live version is not soft-deleted. */
async function restoreOnly(
  ctx: DomainContext,
  existing: GalleryImageVersionRecord | undefined,
  id: ResourceId,
): Promise<VersionWriteResult> {
  if (existing)
    throw new ArmError(
      400,
      'InvalidParameter',
      `The image version '${existing.data.resource.name}' is not soft-deleted: 'properties.restore' applies to a soft-deleted version only.`,
      'properties.restore',
    );
  return restoreVersion(ctx, id);
}

/**
 * Whether a PUT names where the version's disks come from. An update that names none keeps the
 * version's own (its sources cannot change anyway): the Azure CLI's `sig image-version update` GETs
 * the version and PUTs it back without `storageProfile.source`.
 */
function namesSource(body: Record<string, unknown>): boolean {
  const storage =
    isObject(body.properties) && isObject(body.properties.storageProfile) ? body.properties.storageProfile : {};
  const hasSource = (disk: unknown) =>
    isObject(disk) && isObject(disk.source) && Object.values(disk.source).some((v) => v !== null && v !== undefined);
  return (
    hasSource(storage) ||
    hasSource(storage.osDiskImage) ||
    (Array.isArray(storage.dataDiskImages) && storage.dataDiskImages.some(hasSource))
  );
}

function withStorage(
  body: Record<string, unknown>,
  storageProfile: GalleryImageVersion['properties']['storageProfile'],
): Record<string, unknown> {
  const properties = isObject(body.properties) ? body.properties : {};
  return { ...body, properties: { ...properties, storageProfile } };
}

function withSizes(storage: GalleryImageVersion['properties']['storageProfile'], sizes: Map<'os' | number, number>) {
  const gb = (lun: 'os' | number) => Math.ceil((sizes.get(lun) ?? 0) / 1024 ** 3);
  const result = structuredClone(storage);
  result.osDiskImage = { ...(result.osDiskImage ?? { hostCaching: 'None' }), sizeInGB: gb('os') };
  result.dataDiskImages = (result.dataDiskImages ?? []).map((d) => ({ ...d, sizeInGB: gb(d.lun) }));
  for (const lun of sizes.keys()) {
    if (lun !== 'os' && !result.dataDiskImages.some((d) => d.lun === lun))
      result.dataDiskImages.push({ lun, hostCaching: 'None', sizeInGB: gb(lun) });
  }
  return result;
}

const storageChange = () =>
  new ArmError(
    409,
    'PropertyChangeNotAllowed',
    "Changing property 'galleryImageVersion.properties.storageProfile' is not allowed.",
    'properties.storageProfile',
  );

/** Whether a PATCH's `storageProfile` leaves the version's as it is: it names no source, or the same ones. */
function sameStorage(given: unknown, version: GalleryImageVersion): boolean {
  if (!isObject(given)) return false;
  if (!namesSource({ properties: { storageProfile: given } })) return true;
  if (given.dataDiskImages !== undefined && !Array.isArray(given.dataDiskImages)) return false;
  const asStored = given as GalleryImageVersion['properties']['storageProfile'];
  return (
    JSON.stringify(normalizeStorage(asStored)) === JSON.stringify(normalizeStorage(version.properties.storageProfile))
  );
}

/** The storage profile as the user wrote it, without what Kiln adds, for "did it change?" checks. */
function normalizeStorage(storage: GalleryImageVersion['properties']['storageProfile']) {
  return {
    source: storage.source?.id?.toLowerCase(),
    virtualMachine: storage.source?.virtualMachineId?.toLowerCase(),
    community: storage.source?.communityGalleryImageId?.toLowerCase(),
    os: storage.osDiskImage?.source,
    data: (storage.dataDiskImages ?? []).filter((d) => d.source).map((d) => ({ lun: d.lun, source: d.source })),
  };
}

/** Azure's rule: a managed image feeds one replicating version at a time. */
async function refuseWhileSourceImageReplicates(ctx: DomainContext, sourceImageKey: string): Promise<void> {
  const versions = (await ctx.store.list<GalleryImageVersionRecord['data']>({
    kind: GALLERY_IMAGE_VERSION_KIND,
    limit: 1_000_000,
  })) as GalleryImageVersionRecord[];
  const busy = versions.find(
    (v) =>
      v.data.internal.sourceImageKey === sourceImageKey &&
      ['Creating', 'Updating'].includes(v.data.resource.properties.provisioningState),
  );
  if (busy) {
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `The managed image is the source of image version '${busy.data.resource.id}', which is still replicating. Wait for it to finish before making another version from the same image.`,
      'properties.storageProfile.source.id',
    );
  }
}

/**
 * Applies new target regions, replica counts, exclude-from-latest, end of life, tags and the safety
 * profile. Regions that gain replicas are replicated by a job; regions left behind lose their replicas
 * when the safety profile, as this change leaves it, allows deleting replicated locations.
 */
async function applyPublishingChange(
  ctx: DomainContext,
  existing: GalleryImageVersionRecord,
  publishing: PublishingSpec,
  tags: Record<string, string> | undefined,
  safety: SafetyProfile,
): Promise<VersionWriteResult> {
  const current = existing.data.resource;
  const { replicationMode: mode, storageAccountStrategy: strategy } = current.properties.publishingProfile;
  for (const [field, was, given] of [
    ['replicationMode', mode ?? 'Full', publishing.replicationMode],
    ['storageAccountStrategy', strategy, publishing.storageAccountStrategy],
  ] as const) {
    if (given && given !== was) {
      throw new ArmError(
        409,
        'PropertyChangeNotAllowed',
        `Changing property 'galleryImageVersion.properties.publishingProfile.${field}' is not allowed.`,
        `properties.publishingProfile.${field}`,
      );
    }
  }
  if (['Creating', 'Updating'].includes(current.properties.provisioningState)) {
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `The image version '${current.name}' is still replicating; wait for it to finish before changing it.`,
    );
  }
  const before = new Map(current.properties.publishingProfile.targetRegions.map((t) => [t.name, t]));
  const removed = [...before.keys()].filter((name) => !publishing.targetRegions.some((t) => t.name === name));
  if (removed.length > 0 && !safety.allowDeletionOfReplicatedLocations) {
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `Removing replicated regions (${removed.join(', ')}) is not allowed: 'safetyProfile.allowDeletionOfReplicatedLocations' is false.`,
      'properties.publishingProfile.targetRegions',
    );
  }
  const grows = publishing.targetRegions.some(
    (t) => (before.get(t.name)?.regionalReplicaCount ?? 0) < t.regionalReplicaCount,
  );
  const shrinks =
    removed.length > 0 ||
    publishing.targetRegions.some((t) => (before.get(t.name)?.regionalReplicaCount ?? 0) > t.regionalReplicaCount);
  const version: GalleryImageVersion = structuredClone(current);
  version.properties.publishingProfile = {
    ...publishing,
    publishedDate: current.properties.publishingProfile.publishedDate,
    ...(mode ? { replicationMode: mode } : {}),
    ...(strategy ? { storageAccountStrategy: strategy } : {}),
  };
  if (tags) version.tags = tags;
  else delete version.tags;
  version.properties.safetyProfile = safety;
  if (grows) version.properties.provisioningState = 'Updating';

  const writes: Write[] = [
    { op: 'put', record: resourceRecord(version, existing.data.internal), expect: { etag: existing.etag } },
  ];
  let operation: OperationData | undefined;
  if (grows) {
    const started = startOperationOn(
      current,
      { subscription: existing.subscription, namespace: 'Microsoft.Compute' },
      ctx.clock.now(),
    );
    operation = started.data;
    writes.push(
      started.write,
      ctx.jobs.enqueueWrite({
        task: 'galleryVersion.replicate',
        payload: { key: existing.key, operation: started.data },
      }),
    );
  }
  if (shrinks)
    for (const region of new Set([...removed, ...publishing.targetRegions.map((t) => t.name)]))
      writes.push(ctx.jobs.enqueueWrite({ task: 'chunks.gc', payload: { region }, maxAttempts: 100 }));
  const [stored] = await ctx.store.apply(writes);
  ctx.jobs.nudge();
  return { status: 200, version, etag: stored.etag, operation };
}

/** PATCH: the publishing profile (regions, replica counts, exclude from latest, end of life), tags and the safety profile. */
export async function updateVersion(
  ctx: DomainContext,
  ref: VersionRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
): Promise<VersionWriteResult> {
  if (asksRestore(body)) {
    await getGalleryImage(ctx, definitionRef(ref));
    const id = versionId(ref);
    const live = await getResource<GalleryImageVersion, GalleryImageVersionInternal>(ctx, id);
    checkConditions(conditions, live?.etag);
    return restoreOnly(ctx, live, id);
  }
  const existing = await getVersion(ctx, ref);
  checkConditions(conditions, existing.etag);
  const props = isObject(body.properties) ? body.properties : {};
  const problems = new Problems();
  // A PATCH may send the storage profile back as a GET showed it (az does), or empty: only a change is
  // refused, with the 409 a PUT that changes it gets.
  if (props.storageProfile !== undefined && !sameStorage(props.storageProfile, existing.data.resource))
    throw storageChange();
  const current = existing.data.resource.properties.publishingProfile;
  const patch = isObject(props.publishingProfile) ? props.publishingProfile : {};
  const publishing = checkPublishing(ctx, { ...current, ...patch }, existing.data.resource.location, problems);
  const tags = body.tags === undefined ? existing.data.resource.tags : checkTags(body.tags, problems);
  const safety = checkSafety(props, problems);
  problems.throwIfAny();
  return applyPublishingChange(ctx, existing, publishing, tags, {
    ...existing.data.resource.properties.safetyProfile,
    ...safety,
  });
}

export async function getVersion(ctx: DomainContext, ref: VersionRef): Promise<GalleryImageVersionRecord> {
  return requireResourceUnder<GalleryImageVersion, GalleryImageVersionInternal>(ctx, versionId(ref), () =>
    getGalleryImage(ctx, definitionRef(ref)),
  );
}

export async function listVersions(ctx: DomainContext, ref: Omit<VersionRef, 'version'>, page: PageRequest) {
  await getGalleryImage(ctx, definitionRef({ ...ref, version: '' }));
  return listResources<GalleryImageVersion>(
    ctx,
    { kind: GALLERY_IMAGE_VERSION_KIND, parent: resourceKey(galleryImageId({ ...ref, name: ref.image })) },
    page,
  );
}

/**
 * Removes the version now: its chunks go when garbage collection finds them unreferenced, or, when its
 * gallery's soft delete policy is on, the version is kept, restorable, for the retention (restore-version.ts).
 */
export async function deleteVersion(ctx: DomainContext, ref: VersionRef, conditions?: Conditions): Promise<boolean> {
  await getGalleryImage(ctx, definitionRef(ref));
  const id = versionId(ref);
  const existing = await getResource<GalleryImageVersion, GalleryImageVersionInternal>(ctx, id);
  checkConditions(conditions, existing?.etag);
  if (!existing) return false;
  refuseBeforeEndOfLife(ctx, existing.data.resource);
  const gallery = await getGallery(ctx, { ...ref, name: ref.gallery });
  const keep = gallery.data.resource.properties.softDeletePolicy?.isSoftDeleteEnabled === true;
  await ctx.store.apply(await deleteVersionWrites(ctx, existing, id, keep));
  ctx.jobs.nudge();
  return true;
}

/** `safetyProfile.blockDeletionBeforeEndOfLife`: no DELETE until the end of life has passed; none set never passes. */
function refuseBeforeEndOfLife(ctx: DomainContext, version: GalleryImageVersion): void {
  if (!version.properties.safetyProfile.blockDeletionBeforeEndOfLife) return;
  const endOfLife = version.properties.publishingProfile.endOfLifeDate;
  if (endOfLife && new Date(endOfLife) <= ctx.clock.now()) return;
  throw new ArmError(
    409,
    'OperationNotAllowed',
    endOfLife
      ? `The image version '${version.name}' cannot be deleted before its end of life (${endOfLife}): 'safetyProfile.blockDeletionBeforeEndOfLife' is true.`
      : `The image version '${version.name}' has no end of life date and 'safetyProfile.blockDeletionBeforeEndOfLife' is true: clear it (or set an end of life that has passed) to delete it.`,
    'properties.safetyProfile.blockDeletionBeforeEndOfLife',
  );
}
