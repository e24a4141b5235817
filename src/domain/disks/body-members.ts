/**
 * Which members a disk or snapshot body may carry (DiskRP 2025-01-02's Disk, Snapshot, DiskUpdate and
 * SnapshotUpdate), so that a member Kiln does not act on is refused at its JSON path instead of being
 * dropped; members Azure sets are let through, as clients send a GET's answer back. Also the two
 * members only a new disk takes that need no check of their own elsewhere: its `zones` (stored: Kiln
 * has one zone per region, and a zonal disk is as good as any there) and its `securityProfile`
 * (stored, but for what needs a disk encryption set, which Kiln does not serve).
 */
import type { Problems } from '../../core/arm-error.ts';
import { enumValue, objectAt, refuseUnknownFields } from '../shared/validate.ts';
import type { Disk, DiskFamily } from './disk.ts';
import { refuseEncryptionSet } from './encryption-sets.ts';

/** What Azure sets on a disk or snapshot, read back by GET. */
const READ_ONLY = [
  'id',
  'name',
  'type',
  'managedBy',
  'managedByExtended',
  'systemData',
  'etag',
  'timeCreated',
  'diskSizeBytes',
  'uniqueId',
  'provisioningState',
  'diskState',
  'shareInfo',
  'burstingEnabledTime',
  'propertyUpdatesInProgress',
  'lastOwnershipUpdateTime',
  'incrementalSnapshotFamilyId',
  'snapshotAccessState',
  'completionPercent',
  'copyCompletionError',
];

/** Properties both families take on create. */
const COMMON = [
  'osType',
  'hyperVGeneration',
  'purchasePlan',
  'supportedCapabilities',
  'creationData',
  'diskSizeGB',
  'encryptionSettingsCollection',
  'encryption',
  'networkAccessPolicy',
  'diskAccessId',
  'securityProfile',
  'supportsHibernation',
  'publicNetworkAccess',
  'dataAccessAuthMode',
];

const DISK_ONLY = [
  'diskIOPSReadWrite',
  'diskMBpsReadWrite',
  'diskIOPSReadOnly',
  'diskMBpsReadOnly',
  'maxShares',
  'tier',
  'burstingEnabled',
  'optimizedForFrequentAttach',
  'availabilityPolicy',
];

/** What a PATCH takes: DiskUpdate's and SnapshotUpdate's properties, and the generation Kiln lets change. */
const UPDATE = [
  'osType',
  'hyperVGeneration',
  'diskSizeGB',
  'encryptionSettingsCollection',
  'encryption',
  'networkAccessPolicy',
  'diskAccessId',
  'supportsHibernation',
  'publicNetworkAccess',
  'dataAccessAuthMode',
  'supportedCapabilities',
  'purchasePlan',
];

/**
 * Refuses members of `body` outside its family's model: of a new disk or snapshot (`update` false),
 * or of a PATCH, whose snapshots also name `incremental` to be told it cannot change.
 */
export function refuseUnknownMembers(
  body: Record<string, unknown>,
  family: DiskFamily,
  update: boolean,
  problems: Problems,
): void {
  const disks = family.collection === 'disks';
  const top = update ? ['tags', 'sku', 'properties'] : ['location', 'tags', 'sku', 'properties', 'zones'];
  const tolerated = { readOnly: READ_ONLY, asksNothing: (value: unknown) => value === null };
  refuseUnknownFields(body, disks || update ? top : top.filter((m) => m !== 'zones'), '', problems, tolerated);
  const props = objectAt(body.properties, 'properties', problems);
  if (!props) return;
  const own = disks ? DISK_ONLY : ['incremental'];
  const known = update ? [...UPDATE, ...own] : [...COMMON, ...own];
  refuseUnknownFields(props, known, 'properties', problems, tolerated);
}

const ZONES = ['1', '2', '3'];

/** A new disk's availability zone: one of `1`, `2`, `3`, as Azure takes it. */
export function checkZones(value: unknown, problems: Problems): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > 1 || value.some((zone) => !ZONES.includes(zone)))
    problems.add('zones', `'zones' must name one availability zone of ${ZONES.join(', ')}.`);
  else if (value.length === 1) return value as string[];
  return undefined;
}

const SECURITY_TYPES = [
  'TrustedLaunch',
  'ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey',
  'ConfidentialVM_DiskEncryptedWithPlatformKey',
  'ConfidentialVM_DiskEncryptedWithCustomerKey',
  'ConfidentialVM_NonPersistedTPM',
] as const;

/** The security type a new disk's OS is for; one encrypted with a customer's key needs a disk encryption set. */
export function checkSecurityProfile(value: unknown, problems: Problems): Disk['properties']['securityProfile'] {
  const target = 'properties.securityProfile';
  const profile = objectAt(value, target, problems);
  if (!profile) return undefined;
  refuseUnknownFields(profile, ['securityType', 'secureVMDiskEncryptionSetId'], target, problems);
  const securityType = enumValue(profile.securityType, SECURITY_TYPES, `${target}.securityType`, problems);
  const customerKey = securityType === 'ConfidentialVM_DiskEncryptedWithCustomerKey';
  refuseEncryptionSet(profile.secureVMDiskEncryptionSetId, `${target}.secureVMDiskEncryptionSetId`, problems);
  if (customerKey)
    problems.add(
      `${target}.securityType`,
      `A disk encrypted with a customer's key needs a disk encryption set (Microsoft.Compute/diskEncryptionSets), which Kiln does not serve.`,
    );
  return securityType === undefined || customerKey ? undefined : { securityType };
}
