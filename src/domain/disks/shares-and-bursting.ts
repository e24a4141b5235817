/**
 * Two settings a disk's SKU and size decide, checked as Azure checks them on create and update:
 * `maxShares`, how many VMs may attach the disk at once (Azure's shared disks: 1 for Standard HDD; 3,
 * 5 or 10 for Premium and Standard SSD by size; 15 for Ultra and Premium SSD v2), and
 * `burstingEnabled`, on-demand bursting, which only Premium SSD disks over 512 GiB take and which stays
 * on for 12 hours once enabled (`burstingEnabledTime` says since when). Kiln throttles nothing, so
 * both are what the disk says of itself, kept as Azure keeps them.
 */
import type { Problems } from '../../core/arm-error.ts';
import { booleanAt, integerIn } from '../shared/validate.ts';
import type { Disk } from './disk.ts';
import { changed } from './disk-settings.ts';
import { isProvisioned, isTiered } from './performance.ts';

export type SharesAndBursting = Pick<Disk['properties'], 'maxShares' | 'burstingEnabled' | 'burstingEnabledTime'>;

/** The most VMs a disk of `sku` and `sizeGiB` may be shared by (Azure's "maxShares limit" tables). */
export function maxSharesLimit(sku: string, sizeGiB: number): number {
  if (isProvisioned(sku)) return 15;
  if (sku === 'Standard_LRS') return 1;
  if (sizeGiB <= 512) return 3;
  return sizeGiB <= 4096 ? 5 : 10;
}

/** Azure turns on-demand bursting on only for Premium SSD disks larger than this. */
const BURSTING_MIN_GIB = 513;
/** On-demand bursting can be turned off this long after it was turned on, not sooner. */
export const BURSTING_MIN_MS = 12 * 3600 * 1000;

/**
 * The sharing and bursting a disk of `sku` and `sizeGiB` ends with, from what the body asks over what
 * it has (`current`, on an update); `at` is now, when bursting is turned on. A change of SKU away from
 * Premium SSD turns bursting off, as Azure does; a value equal to the disk's own is kept, not asked
 * (`changed`). A kept value the new SKU or size no longer allows is refused at `skuTarget` (the field
 * that changed it).
 */
export function checkSharesAndBursting(
  props: Record<string, unknown>,
  sku: string,
  sizeGiB: number,
  at: Date,
  problems: Problems,
  current: SharesAndBursting = {},
  skuTarget = 'sku.name',
): SharesAndBursting {
  const result: SharesAndBursting = {};
  const asked = integerIn(
    changed(props.maxShares, current.maxShares),
    1,
    Number.MAX_SAFE_INTEGER,
    'properties.maxShares',
    problems,
  );
  const shares = asked ?? current.maxShares;
  const limit = maxSharesLimit(sku, sizeGiB);
  if (shares !== undefined && shares > limit)
    problems.add(
      asked === undefined ? skuTarget : 'properties.maxShares',
      limit === 1
        ? `A ${sku} disk cannot be shared: 'properties.maxShares' ${shares} needs Premium SSD, Standard SSD, Premium SSD v2 or Ultra.`
        : `The value ${shares} of 'properties.maxShares' is not valid: a ${sku} disk of ${sizeGiB} GiB is shared by at most ${limit} VMs.`,
    );
  else if (shares !== undefined) result.maxShares = shares;

  const burst = booleanAt(
    changed(props.burstingEnabled, current.burstingEnabled),
    'properties.burstingEnabled',
    problems,
  );
  const bursting = burst ?? current.burstingEnabled;
  if (bursting === true && !(isTiered(sku) && sizeGiB >= BURSTING_MIN_GIB)) {
    if (burst !== undefined)
      problems.add(
        'properties.burstingEnabled',
        `On-demand bursting applies to Premium SSD disks (Premium_LRS, Premium_ZRS) larger than 512 GiB only, not to a ${sku} disk of ${sizeGiB} GiB.`,
      );
    // Kept from before: a disk switched to another type loses it, as in Azure.
    else result.burstingEnabled = false;
  } else if (bursting !== undefined) result.burstingEnabled = bursting;
  if (result.burstingEnabled && !current.burstingEnabled) result.burstingEnabledTime = at.toISOString();
  else if (current.burstingEnabledTime !== undefined) result.burstingEnabledTime = current.burstingEnabledTime;
  return result;
}
