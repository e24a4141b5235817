/**
 * The checks of a disk's or snapshot's settings that its create and its updates share (DiskRP
 * 2025-01-02's DiskProperties and DiskUpdateProperties): what Kiln stores and returns as Azure does
 * (the description of the OS on the bytes: purchase plan, supported capabilities, hibernation; a
 * Premium SSD tier; provisioned IOPS and MBps; a sector size), and what it refuses naming the field
 * (disk encryption sets, customer keys, shared disks' read-only throttles), so none is dropped.
 */
import type { Problems } from '../../core/arm-error.ts';
import { booleanAt, enumValue, integerIn, objectAt, refuseUnknownFields } from '../shared/validate.ts';
import type { Disk, DiskFamily } from './disk.ts';
import { refuseEncryptionSet } from './encryption-sets.ts';
import {
  PREMIUM_TIER_NAMES,
  diskPerformance,
  iopsRange,
  isProvisioned,
  isTiered,
  mbpsRange,
  premiumTierNamed,
  tierProblem,
  type Performance,
  type Range,
} from './performance.ts';

export interface PurchasePlan {
  name: string;
  publisher: string;
  product: string;
  promotionCode?: string;
}

const ARCHITECTURES = ['x64', 'Arm64'] as const;
const SECURITY_OPTIONS = ['TrustedLaunchSupported', 'TrustedLaunchAndConfidentialVMSupported'] as const;

export interface SupportedCapabilities {
  diskControllerTypes?: string;
  acceleratedNetwork?: boolean;
  architecture?: (typeof ARCHITECTURES)[number];
  supportedSecurityOption?: (typeof SECURITY_OPTIONS)[number];
}

/** What a disk or snapshot says of the OS its bytes hold; a copy takes its source's. */
export interface OsDescription {
  purchasePlan?: PurchasePlan;
  supportedCapabilities?: SupportedCapabilities;
  supportsHibernation?: boolean;
}

export const PLATFORM_KEY = 'EncryptionAtRestWithPlatformKey';
const ENCRYPTION_TYPES = [
  PLATFORM_KEY,
  'EncryptionAtRestWithCustomerKey',
  'EncryptionAtRestWithPlatformAndCustomerKeys',
] as const;
const SECTOR_SIZES = [512, 4096] as const;
/** Azure's logical sector size of Ultra and Premium SSD v2 disks when none is asked for. */
const DEFAULT_SECTOR_SIZE = 4096;

const given = (value: unknown) => value !== undefined && value !== null;

function textAt(value: unknown, target: string, problems: Problems, required = false): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (given(value) || required) problems.add(target, `'${target}' must be a non-empty string.`);
  return undefined;
}

/** A purchase plan names its publisher, product and plan, as a marketplace image's does. */
function checkPurchasePlan(value: unknown, target: string, problems: Problems): PurchasePlan | undefined {
  const plan = objectAt(value, target, problems);
  if (!plan) return undefined;
  const name = textAt(plan.name, `${target}.name`, problems, true);
  const publisher = textAt(plan.publisher, `${target}.publisher`, problems, true);
  const product = textAt(plan.product, `${target}.product`, problems, true);
  const promotionCode = textAt(plan.promotionCode, `${target}.promotionCode`, problems);
  if (!name || !publisher || !product) return undefined;
  return { name, publisher, product, ...(promotionCode ? { promotionCode } : {}) };
}

/** Supported capabilities, each member checked; an update merges them into the current ones. */
function checkSupportedCapabilities(
  value: unknown,
  target: string,
  problems: Problems,
): SupportedCapabilities | undefined {
  const capabilities = objectAt(value, target, problems);
  if (!capabilities) return undefined;
  refuseUnknownFields(
    capabilities,
    ['diskControllerTypes', 'acceleratedNetwork', 'architecture', 'supportedSecurityOption'],
    target,
    problems,
  );
  const checked: SupportedCapabilities = {
    diskControllerTypes: textAt(capabilities.diskControllerTypes, `${target}.diskControllerTypes`, problems),
    acceleratedNetwork: booleanAt(capabilities.acceleratedNetwork, `${target}.acceleratedNetwork`, problems),
    architecture: enumValue(capabilities.architecture, ARCHITECTURES, `${target}.architecture`, problems),
    supportedSecurityOption: enumValue(
      capabilities.supportedSecurityOption,
      SECURITY_OPTIONS,
      `${target}.supportedSecurityOption`,
      problems,
    ),
  };
  return Object.fromEntries(Object.entries(checked).filter(([, v]) => v !== undefined));
}

/** The OS description a body gives, each member undefined when not given. */
export function checkOsDescription(props: Record<string, unknown>, problems: Problems): OsDescription {
  return {
    purchasePlan: checkPurchasePlan(props.purchasePlan, 'properties.purchasePlan', problems),
    supportedCapabilities: checkSupportedCapabilities(
      props.supportedCapabilities,
      'properties.supportedCapabilities',
      problems,
    ),
    supportsHibernation: booleanAt(props.supportsHibernation, 'properties.supportsHibernation', problems),
  };
}

/** `description` over `base`: given members replace, supported capabilities merge member by member. */
export function describeOs(base: OsDescription, description: OsDescription): OsDescription {
  const capabilities = { ...base.supportedCapabilities, ...description.supportedCapabilities };
  const merged: OsDescription = {
    purchasePlan: description.purchasePlan ?? base.purchasePlan,
    supportedCapabilities: Object.keys(capabilities).length > 0 ? capabilities : undefined,
    supportsHibernation: description.supportsHibernation ?? base.supportsHibernation,
  };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined));
}

/**
 * Encryption at rest with the platform key is what every Kiln disk has. A disk encryption set, and
 * so customer-managed keys, are refused naming the field (encryption-sets.ts says why).
 */
export function checkEncryption(value: unknown, problems: Problems): void {
  const target = 'properties.encryption';
  const encryption = objectAt(value, target, problems);
  if (!encryption) return;
  const setId = encryption.diskEncryptionSetId;
  refuseEncryptionSet(setId, `${target}.diskEncryptionSetId`, problems);
  const type = enumValue(encryption.type, ENCRYPTION_TYPES, `${target}.type`, problems);
  if (type && type !== PLATFORM_KEY && !given(setId))
    problems.add(
      `${target}.type`,
      `'${target}.type' ${type} needs a disk encryption set with the customer's key, which Kiln does not serve; use ${PLATFORM_KEY}.`,
    );
}

/**
 * A logical sector size (512 or 4096 bytes) is Ultra's and Premium SSD v2's only: their disks get
 * 4096 when none is given; other SKUs and snapshots refuse one.
 */
export function checkSectorSize(
  value: unknown,
  family: DiskFamily,
  sku: string,
  problems: Problems,
): number | undefined {
  const target = 'properties.creationData.logicalSectorSize';
  const provisioned = family.collection === 'disks' && isProvisioned(sku);
  if (!given(value)) return provisioned ? DEFAULT_SECTOR_SIZE : undefined;
  if (typeof value !== 'number' || !(SECTOR_SIZES as readonly number[]).includes(value)) {
    problems.add(target, `The value '${String(value)}' of '${target}' is not valid. Allowed values: 512, 4096.`);
    return undefined;
  }
  if (!provisioned) {
    problems.add(
      target,
      `'${target}' is only supported for UltraSSD_LRS and PremiumV2_LRS disks, not for a ${family.collection === 'disks' ? `${sku} disk` : 'snapshot'}.`,
    );
    return undefined;
  }
  return value;
}

const SHARED_ONLY = ['diskIOPSReadOnly', 'diskMBpsReadOnly'] as const;

/**
 * The tier, IOPS and MBps a disk of `sku` and `sizeGiB` ends with, from what the body asks over what
 * it has (`current`, on an update). A Premium SSD disk takes a tier from its baseline up; Ultra and
 * Premium SSD v2 disks take IOPS and MBps in their ranges (values kept from before are brought into the
 * ranges of a grown disk rather than refused); other SKUs take neither, except the very values they
 * report, and the disk's own figures, which clients send back from a GET. Read-only throttles of shared disks' read-only mounts
 * are refused: Kiln throttles nothing and has no read-only mounts.
 */
export function checkPerformance(
  props: Record<string, unknown>,
  sku: string,
  sizeGiB: number,
  problems: Problems,
  current: Partial<Performance> = {},
): Performance {
  for (const field of SHARED_ONLY)
    if (given(props[field]))
      problems.add(
        `properties.${field}`,
        `'properties.${field}', the throttle of a shared disk's read-only mounts, is not supported: Kiln throttles no disk.`,
      );
  const sized = diskPerformance(sku, sizeGiB);
  const tier = checkTier(changed(props.tier, current.tier), sku, sizeGiB, problems) ?? current.tier;
  const iopsAt = 'properties.diskIOPSReadWrite';
  const mbpsAt = 'properties.diskMBpsReadWrite';
  const askedIops = integerIn(
    changed(props.diskIOPSReadWrite, current.diskIOPSReadWrite),
    1,
    Number.MAX_SAFE_INTEGER,
    iopsAt,
    problems,
  );
  const askedMbps = integerIn(
    changed(props.diskMBpsReadWrite, current.diskMBpsReadWrite),
    1,
    Number.MAX_SAFE_INTEGER,
    mbpsAt,
    problems,
  );
  if (!isProvisioned(sku)) {
    for (const [asked, at, reported] of [
      [askedIops, iopsAt, sized.diskIOPSReadWrite],
      [askedMbps, mbpsAt, sized.diskMBpsReadWrite],
    ] as const)
      if (asked !== undefined && asked !== reported)
        problems.add(
          at,
          `'${at}' is only settable for UltraSSD_LRS and PremiumV2_LRS disks; a ${sku} disk of ${sizeGiB} GiB has ${reported}.`,
        );
    return diskPerformance(sku, sizeGiB, { tier });
  }
  const iops =
    inRange(askedIops, current.diskIOPSReadWrite, iopsRange(sku, sizeGiB), iopsAt, sku, sizeGiB, problems) ??
    sized.diskIOPSReadWrite;
  const mbps = inRange(askedMbps, current.diskMBpsReadWrite, mbpsRange(sku, iops), mbpsAt, sku, sizeGiB, problems);
  return diskPerformance(sku, sizeGiB, { diskIOPSReadWrite: iops, diskMBpsReadWrite: mbps });
}

/**
 * `value` unless it is the disk's own (`had`, names without case): what a client sends back from a
 * GET (az's `disk update` puts the whole disk, with a new SKU or size) is kept, not asked, so the
 * performance that follows from the new SKU or size replaces it rather than being refused.
 */
export function changed(value: unknown, had: unknown): unknown {
  const same =
    value === had ||
    (typeof value === 'string' && typeof had === 'string' && value.toLowerCase() === had.toLowerCase());
  return same ? undefined : value;
}

/** An asked value must be in `range`; a kept one is brought into it; none asked nor kept: the default. */
function inRange(
  asked: number | undefined,
  kept: number | undefined,
  range: Range,
  target: string,
  sku: string,
  sizeGiB: number,
  problems: Problems,
): number | undefined {
  if (asked === undefined) return kept === undefined ? undefined : Math.min(range.max, Math.max(range.min, kept));
  if (asked >= range.min && asked <= range.max) return asked;
  problems.add(
    target,
    `The value ${asked} of '${target}' is not valid. The supported range for a ${sku} disk of size ${sizeGiB} GB is between ${range.min} and ${range.max}.`,
  );
  return undefined;
}

function checkTier(value: unknown, sku: string, sizeGiB: number, problems: Problems): string | undefined {
  const target = 'properties.tier';
  if (!given(value)) return undefined;
  if (!isTiered(sku)) {
    problems.add(target, `'${target}' applies to Premium SSD disks (Premium_LRS, Premium_ZRS) only, not to ${sku}.`);
    return undefined;
  }
  const tier = typeof value === 'string' ? premiumTierNamed(value) : undefined;
  const problem = tier
    ? tierProblem(tier, sizeGiB)
    : `The value '${String(value)}' of '${target}' is not valid. Allowed values: ${PREMIUM_TIER_NAMES.join(', ')}.`;
  if (problem) problems.add(target, problem);
  return problem ? undefined : tier;
}

/** The performance fields of a disk record (none for a snapshot). */
export function performanceOf(disk: Disk): Partial<Performance> {
  const { tier, diskIOPSReadWrite, diskMBpsReadWrite } = disk.properties;
  return { tier, diskIOPSReadWrite, diskMBpsReadWrite };
}
