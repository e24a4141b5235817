/**
 * What Azure reports of a managed disk's performance, by SKU and size: the tier and its IOPS and MBps
 * for the sized SKUs (Premium SSD's P tiers, Standard SSD's E and Standard HDD's S sizes), and the
 * provisioned IOPS and MBps of Ultra and Premium SSD v2 disks with the ranges Azure allows them.
 * Kiln throttles nothing: these are the figures a disk describes itself with, kept as Azure keeps them
 * so that clients reading or round-tripping them see Azure's values. Snapshots have none.
 */

/** A size step of a sized SKU: the largest disk it covers, in GiB, and its performance target. */
interface SizeStep {
  tier: string;
  maxGiB: number;
  iops: number;
  mbps: number;
}

const step = (tier: string, maxGiB: number, iops: number, mbps: number): SizeStep => ({ tier, maxGiB, iops, mbps });

/** Premium SSD's performance tiers (Azure's "Premium SSD sizes" table). */
const PREMIUM_TIERS: readonly SizeStep[] = [
  step('P1', 4, 120, 25),
  step('P2', 8, 120, 25),
  step('P3', 16, 120, 25),
  step('P4', 32, 120, 25),
  step('P6', 64, 240, 50),
  step('P10', 128, 500, 100),
  step('P15', 256, 1100, 125),
  step('P20', 512, 2300, 150),
  step('P30', 1024, 5000, 200),
  step('P40', 2048, 7500, 250),
  step('P50', 4096, 7500, 250),
  step('P60', 8192, 16000, 500),
  step('P70', 16384, 18000, 750),
  step('P80', 32767, 20000, 900),
];

/** Standard SSD's sizes (E1 to E80): 500 IOPS and 60 MBps up to 4 TiB. */
const STANDARD_SSD_SIZES: readonly SizeStep[] = [
  step('E50', 4096, 500, 60),
  step('E60', 8192, 2000, 400),
  step('E70', 16384, 4000, 600),
  step('E80', 32767, 6000, 750),
];

/** Standard HDD's sizes (S4 to S80): 500 IOPS and 60 MBps up to 4 TiB. */
const STANDARD_HDD_SIZES: readonly SizeStep[] = [
  step('S50', 4096, 500, 60),
  step('S60', 8192, 1300, 300),
  step('S70', 16384, 2000, 500),
  step('S80', 32767, 2000, 500),
];

const SIZED: Record<string, readonly SizeStep[]> = {
  Premium_LRS: PREMIUM_TIERS,
  Premium_ZRS: PREMIUM_TIERS,
  StandardSSD_LRS: STANDARD_SSD_SIZES,
  StandardSSD_ZRS: STANDARD_SSD_SIZES,
  Standard_LRS: STANDARD_HDD_SIZES,
};

/** The SKUs whose IOPS and MBps are provisioned (`diskIOPSReadWrite`, `diskMBpsReadWrite`) rather than sized. */
const PROVISIONED_SKUS = ['UltraSSD_LRS', 'PremiumV2_LRS'] as const;
/** Premium SSD's SKUs: the ones with a performance tier (`properties.tier`). */
const TIERED_SKUS = ['Premium_LRS', 'Premium_ZRS'] as const;
/** The P tiers P60 to P80 belong to disks over 4 TiB. */
const LARGE_TIER_MIN_GIB = 4097;

export const isProvisioned = (sku: string) => (PROVISIONED_SKUS as readonly string[]).includes(sku);
export const isTiered = (sku: string) => (TIERED_SKUS as readonly string[]).includes(sku);

/** What a disk says of its performance: its tier (Premium SSD only), IOPS and MBps. */
export interface Performance {
  tier?: string;
  diskIOPSReadWrite: number;
  diskMBpsReadWrite: number;
}

/** The smallest step whose size holds the disk. */
function stepFor(steps: readonly SizeStep[], sizeGiB: number): SizeStep {
  return steps.find((s) => sizeGiB <= s.maxGiB) ?? steps[steps.length - 1];
}

/** A Premium SSD disk's tier by its size alone (its baseline), which a chosen tier may raise. */
function baselineTier(sizeGiB: number): string {
  return stepFor(PREMIUM_TIERS, sizeGiB).tier;
}

/** The canonical spelling of a P tier name (`p30` is `P30`), or undefined when it names none. */
export function premiumTierNamed(name: string): string | undefined {
  return PREMIUM_TIERS.find((t) => t.tier.toLowerCase() === name.toLowerCase())?.tier;
}

export const PREMIUM_TIER_NAMES = PREMIUM_TIERS.map((t) => t.tier);

/**
 * Why a Premium SSD disk of `sizeGiB` cannot have `tier`, or undefined when it can: Azure raises a
 * disk's performance above its baseline, never below it, and keeps P60 to P80 for disks over 4 TiB.
 */
export function tierProblem(tier: string, sizeGiB: number): string | undefined {
  const index = PREMIUM_TIERS.findIndex((t) => t.tier === tier);
  const baseline = baselineTier(sizeGiB);
  if (index < PREMIUM_TIERS.findIndex((t) => t.tier === baseline))
    return `The performance tier ${tier} is below the baseline tier ${baseline} of a ${sizeGiB} GiB disk; a disk's tier can only be raised above its baseline.`;
  if (PREMIUM_TIERS[index].maxGiB >= LARGE_TIER_MIN_GIB && sizeGiB < LARGE_TIER_MIN_GIB)
    return `The performance tier ${tier} is only available to disks larger than 4096 GiB; this disk has ${sizeGiB} GiB.`;
  return undefined;
}

/** An inclusive range of allowed values. */
export interface Range {
  min: number;
  max: number;
}

const clamp = (value: number, range: Range) => Math.min(range.max, Math.max(range.min, value));

/**
 * The IOPS an Ultra (1 to 300 per GiB, 100 at least, 400,000 at most) or Premium SSD v2 disk (3,000
 * to 500 per GiB, 80,000 at most) of `sizeGiB` may be provisioned with.
 */
export function iopsRange(sku: string, sizeGiB: number): Range {
  if (sku === 'UltraSSD_LRS') return { min: Math.max(100, sizeGiB), max: Math.min(400_000, 300 * sizeGiB) };
  return { min: 3000, max: Math.min(80_000, Math.max(3000, 500 * sizeGiB)) };
}

/**
 * The MBps a disk provisioned with `iops` may have: at most 0.25 MBps per IOPS (10,000 for Ultra,
 * 1,200 for Premium SSD v2), at least 4 KiB per IOPS and 1 MBps (Ultra) or 125 MBps (Premium SSD v2).
 */
export function mbpsRange(sku: string, iops: number): Range {
  if (sku === 'UltraSSD_LRS') {
    const min = Math.max(1, Math.ceil((iops * 4096) / 1_000_000));
    return { min, max: Math.max(min, Math.min(10_000, Math.floor(iops / 4))) };
  }
  return { min: 125, max: Math.min(1200, Math.max(125, Math.floor(iops / 4))) };
}

/**
 * The performance a disk of `sku` and `sizeGiB` reports. A provisioned SKU keeps the IOPS and MBps it
 * was given (`provisioned`), or, when none were, Premium SSD v2's free baseline (3,000 and 125) or,
 * for Ultra, whose default Azure does not publish, the least its size allows. A Premium SSD disk
 * reports its `tier` (its baseline when none was chosen) and that tier's figures.
 */
export function diskPerformance(
  sku: string,
  sizeGiB: number,
  chosen: { tier?: string; diskIOPSReadWrite?: number; diskMBpsReadWrite?: number } = {},
): Performance {
  if (isProvisioned(sku)) {
    const iops = chosen.diskIOPSReadWrite ?? clamp(sku === 'UltraSSD_LRS' ? 0 : 3000, iopsRange(sku, sizeGiB));
    const mbps = chosen.diskMBpsReadWrite ?? mbpsRange(sku, iops).min;
    return { diskIOPSReadWrite: iops, diskMBpsReadWrite: mbps };
  }
  const steps = SIZED[sku] ?? STANDARD_HDD_SIZES;
  const sized = stepFor(steps, sizeGiB);
  if (!isTiered(sku)) return { diskIOPSReadWrite: sized.iops, diskMBpsReadWrite: sized.mbps };
  const tier = PREMIUM_TIERS.find((t) => t.tier === chosen.tier) ?? sized;
  // A disk grown past its chosen tier takes its new baseline.
  const effective = PREMIUM_TIERS.indexOf(tier) >= PREMIUM_TIERS.indexOf(sized) ? tier : sized;
  return { tier: effective.tier, diskIOPSReadWrite: effective.iops, diskMBpsReadWrite: effective.mbps };
}
