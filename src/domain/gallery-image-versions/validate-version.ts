/** Checks a gallery image version body (create or update), every bad field with its JSON path. */
import { Problems } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { CACHING } from '../images/image.ts';
import { checkLocation, checkTags, findRegion } from '../shared/scope.ts';
import { enumValue, integerIn, isObject } from '../shared/validate.ts';
import {
  REPLICATION_MODES,
  STORAGE_ACCOUNT_STRATEGIES,
  type StorageAccountStrategy,
  type GalleryDiskImage,
  type GalleryImageVersion,
  type ReplicationMode,
  type SafetyProfile,
  type TargetRegion,
} from './gallery-image-version.ts';
import {
  checkRegionEncryption,
  checkVersionSecurity,
  type RegionEncryption,
  type VersionSecurityProfile,
} from './version-security.ts';

export const REPLICA_STORAGE_TYPES = ['Standard_LRS', 'Standard_ZRS', 'Premium_LRS'] as const;
const PP = 'properties.publishingProfile';
const SP = 'properties.storageProfile';

export interface PublishingSpec {
  targetRegions: TargetRegion[];
  replicaCount: number;
  excludeFromLatest: boolean;
  endOfLifeDate?: string;
  storageAccountType: string;
  replicationMode?: ReplicationMode;
  storageAccountStrategy?: StorageAccountStrategy;
}

export interface VersionSpec {
  location: string;
  tags?: Record<string, string>;
  publishing: PublishingSpec;
  storage: GalleryImageVersion['properties']['storageProfile'];
  safety: SafetyProfile;
  security?: VersionSecurityProfile;
}

export function validateVersionBody(ctx: DomainContext, body: Record<string, unknown>): VersionSpec {
  const problems = new Problems();
  const location = checkLocation(ctx, body.location, problems);
  const tags = checkTags(body.tags, problems);
  const props = isObject(body.properties) ? body.properties : {};
  const publishing = checkPublishing(ctx, props.publishingProfile, location, problems);
  const storage = checkStorage(props.storageProfile, problems);
  const safety = checkSafety(props, problems);
  const security = checkVersionSecurity(props.securityProfile, problems);
  problems.throwIfAny();
  return {
    location,
    tags,
    publishing,
    storage,
    ...(security ? { security } : {}),
    safety: {
      allowDeletionOfReplicatedLocations: safety.allowDeletionOfReplicatedLocations !== false,
      blockDeletionBeforeEndOfLife: safety.blockDeletionBeforeEndOfLife === true,
    },
  };
}

/** The `safetyProfile` of `properties`: each flag a boolean, or absent when not given. */
export function checkSafety(props: Record<string, unknown>, problems: Problems): Partial<SafetyProfile> {
  const safety = isObject(props.safetyProfile) ? props.safetyProfile : {};
  const flag = (name: keyof SafetyProfile) => checkBoolean(safety[name], `properties.safetyProfile.${name}`, problems);
  const given = {
    allowDeletionOfReplicatedLocations: flag('allowDeletionOfReplicatedLocations'),
    blockDeletionBeforeEndOfLife: flag('blockDeletionBeforeEndOfLife'),
  };
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
}

export function checkPublishing(
  ctx: DomainContext,
  raw: unknown,
  location: string,
  problems: Problems,
): PublishingSpec {
  const profile = isObject(raw) ? raw : {};
  const replicaCount = integerIn(profile.replicaCount, 1, 100, `${PP}.replicaCount`, problems) ?? 1;
  const strategy = enumValue(
    profile.storageAccountStrategy,
    Object.keys(STORAGE_ACCOUNT_STRATEGIES) as StorageAccountStrategy[],
    `${PP}.storageAccountStrategy`,
    problems,
  );
  // A version read back shows both; only a type other than the strategy's pick contradicts it.
  if (
    strategy &&
    profile.storageAccountType !== undefined &&
    profile.storageAccountType !== STORAGE_ACCOUNT_STRATEGIES[strategy]
  )
    problems.add(
      `${PP}.storageAccountStrategy`,
      `Give '${PP}.storageAccountStrategy' or '${PP}.storageAccountType', not both.`,
    );
  const storageAccountType =
    enumValue(profile.storageAccountType, REPLICA_STORAGE_TYPES, `${PP}.storageAccountType`, problems) ??
    (strategy ? STORAGE_ACCOUNT_STRATEGIES[strategy] : 'Standard_LRS');
  if (Array.isArray(profile.targetExtendedLocations) && profile.targetExtendedLocations.length > 0)
    problems.add(
      `${PP}.targetExtendedLocations`,
      'Kiln has no extended locations (edge zones): replicate to target regions only.',
      'PropertyNotSupported',
    );
  const excludeFromLatest = checkBoolean(profile.excludeFromLatest, `${PP}.excludeFromLatest`, problems) ?? false;
  const replicationMode = enumValue(profile.replicationMode, REPLICATION_MODES, `${PP}.replicationMode`, problems);
  const spec: PublishingSpec = {
    targetRegions: [],
    replicaCount,
    excludeFromLatest,
    storageAccountType,
    ...(replicationMode ? { replicationMode } : {}),
    ...(strategy ? { storageAccountStrategy: strategy } : {}),
  };
  if (profile.endOfLifeDate !== undefined && profile.endOfLifeDate !== null) {
    const date = typeof profile.endOfLifeDate === 'string' ? new Date(profile.endOfLifeDate) : new Date(NaN);
    if (Number.isNaN(date.getTime()))
      problems.add(`${PP}.endOfLifeDate`, `'${PP}.endOfLifeDate' must be an ISO 8601 date-time.`);
    else spec.endOfLifeDate = date.toISOString();
  }
  if (profile.targetRegions === undefined || profile.targetRegions === null) {
    spec.targetRegions = location
      ? [{ name: location, regionalReplicaCount: replicaCount, storageAccountType, excludeFromLatest: false }]
      : [];
    return spec;
  }
  if (!Array.isArray(profile.targetRegions)) {
    problems.add(`${PP}.targetRegions`, "'targetRegions' must be an array.");
    return spec;
  }
  const seen = new Set<string>();
  profile.targetRegions.forEach((raw, i) => {
    const target = `${PP}.targetRegions[${i}]`;
    const entry = isObject(raw) ? raw : {};
    const region = typeof entry.name === 'string' ? findRegion(ctx, entry.name) : undefined;
    if (!region) {
      problems.add(
        `${target}.name`,
        `The target region '${String(entry.name)}' is not available. Available regions: ${ctx.settings.regions.map((r) => r.name).join(', ')}.`,
      );
      return;
    }
    if (seen.has(region.name))
      problems.add(`${target}.name`, `The region '${region.name}' is listed more than once in targetRegions.`);
    if (replicationMode === 'Shallow' && location && region.name !== location)
      problems.add(
        `${target}.name`,
        `A version with replicationMode 'Shallow' stays in its own region '${location}'; it cannot target '${region.name}'.`,
      );
    seen.add(region.name);
    spec.targetRegions.push({
      name: region.name,
      regionalReplicaCount:
        integerIn(entry.regionalReplicaCount, 1, 100, `${target}.regionalReplicaCount`, problems) ?? replicaCount,
      storageAccountType:
        enumValue(entry.storageAccountType, REPLICA_STORAGE_TYPES, `${target}.storageAccountType`, problems) ??
        storageAccountType,
      excludeFromLatest: checkBoolean(entry.excludeFromLatest, `${target}.excludeFromLatest`, problems) ?? false,
      ...withEncryption(checkRegionEncryption(entry.encryption, `${target}.encryption`, problems)),
    });
  });
  if (location && !seen.has(location)) {
    problems.add(
      `${PP}.targetRegions`,
      `The list of target regions must include the image version's own region '${location}'.`,
    );
  }
  return spec;
}

function checkStorage(raw: unknown, problems: Problems): VersionSpec['storage'] {
  const storage = isObject(raw) ? raw : {};
  if (!isObject(raw)) problems.add(SP, `Required parameter '${SP}' is missing (null).`);
  const result: VersionSpec['storage'] = {};
  if (storage.source !== undefined) result.source = checkSource(storage.source, problems);
  if (storage.osDiskImage !== undefined)
    result.osDiskImage = checkDiskImage(storage.osDiskImage, `${SP}.osDiskImage`, false, problems);
  if (storage.dataDiskImages !== undefined) {
    if (!Array.isArray(storage.dataDiskImages))
      problems.add(`${SP}.dataDiskImages`, "'dataDiskImages' must be an array.");
    const luns = new Map<number, number>();
    result.dataDiskImages = (Array.isArray(storage.dataDiskImages) ? storage.dataDiskImages : []).map((entry, i) => {
      const target = `${SP}.dataDiskImages[${i}]`;
      const lun = integerIn(isObject(entry) ? entry.lun : undefined, 0, 63, `${target}.lun`, problems);
      if (lun === undefined && !(isObject(entry) && entry.lun !== undefined))
        problems.add(`${target}.lun`, `Required parameter '${target}.lun' is missing (null).`);
      if (lun !== undefined && luns.has(lun))
        problems.add(
          `${target}.lun`,
          `The LUN ${lun} of data disk image ${i} is already used by data disk image ${luns.get(lun)}.`,
          'DuplicateLun',
        );
      if (lun !== undefined) luns.set(lun, i);
      return { lun: lun ?? -1, ...checkDiskImage(entry, target, true, problems) };
    });
  }
  const osSources = [result.source, result.osDiskImage?.source].filter(Boolean).length;
  if (isObject(raw) && osSources !== 1) {
    problems.add(
      SP,
      osSources === 0
        ? `An image version needs one OS source: '${SP}.source' (a managed image, an image version or a VM) or '${SP}.osDiskImage.source' (a disk, a snapshot or a VHD uri).`
        : `Give only one OS source: '${SP}.source' or '${SP}.osDiskImage.source', not both.`,
    );
  }
  return result;
}

/**
 * `source`: exactly one of `id` (a managed image or version, or a VM as older clients name it),
 * `virtualMachineId` and `communityGalleryImageId` (community-galleries/community-source.ts).
 */
function checkSource(raw: unknown, problems: Problems): VersionSpec['storage']['source'] {
  const source = isObject(raw) ? raw : {};
  const fields = ['id', 'virtualMachineId', 'communityGalleryImageId'] as const;
  const given = fields.filter((field) => source[field] !== undefined && source[field] !== null);
  for (const field of given)
    if (typeof source[field] !== 'string' || source[field] === '')
      problems.add(`${SP}.source.${field}`, `'${SP}.source.${field}' must be a resource id.`);
  if (given.length > 1)
    problems.add(`${SP}.source`, `Give only one of ${given.map((f) => `'${SP}.source.${f}'`).join(', ')}.`);
  else if (given.length === 0)
    problems.add(
      `${SP}.source.id`,
      `'${SP}.source' needs an 'id' (a managed image or gallery image version), a 'virtualMachineId' or a 'communityGalleryImageId'.`,
    );
  const [field] = given;
  return field && typeof source[field] === 'string' ? { [field]: source[field] } : undefined;
}

function checkDiskImage(raw: unknown, target: string, dataDisk: boolean, problems: Problems): GalleryDiskImage {
  const entry = isObject(raw) ? raw : {};
  const image: GalleryDiskImage = {
    hostCaching: enumValue(entry.hostCaching, CACHING, `${target}.hostCaching`, problems) ?? 'None',
  };
  const source = isObject(entry.source) ? entry.source : undefined;
  if (source) {
    if (typeof source.id === 'string' && source.id !== '') image.source = { id: source.id };
    else if (typeof source.uri === 'string' && source.uri !== '') {
      image.source = {
        uri: source.uri,
        ...(typeof source.storageAccountId === 'string' ? { storageAccountId: source.storageAccountId } : {}),
      };
    } else
      problems.add(`${target}.source`, `'${target}.source' needs an 'id' (disk or snapshot) or a 'uri' (VHD blob).`);
  } else if (dataDisk) {
    problems.add(`${target}.source`, `Required parameter '${target}.source' is missing (null).`);
  }
  return image;
}

const withEncryption = (encryption: RegionEncryption | undefined) => (encryption ? { encryption } : {});

function checkBoolean(value: unknown, target: string, problems: Problems): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') problems.add(target, `'${target}' must be true or false.`);
  return typeof value === 'boolean' ? value : undefined;
}
