/**
 * The members of a new disk's or snapshot's creation data beside its source (DiskRP 2025-01-02's
 * CreationData): a CopyStart snapshot's copy speed, a disk's Performance Plus, a snapshot's instant
 * access duration, each stored as Azure stores it where Azure takes it and refused naming its path
 * elsewhere; and any member Kiln does not act on (a secure import's blobs, an Elastic SAN snapshot)
 * refused at its path rather than dropped.
 */
import type { Problems } from '../../core/arm-error.ts';
import { booleanAt, enumValue, integerIn, refuseUnknownFields } from '../shared/validate.ts';
import type { CreationData, DiskFamily } from './disk.ts';
import { isProvisioned } from './performance.ts';

/** The creation data members Kiln acts on; `sourceUniqueId`, which Azure sets, is sent back from a GET. */
const SUPPORTED = [
  'createOption',
  'storageAccountId',
  'imageReference',
  'galleryImageReference',
  'sourceUri',
  'sourceResourceId',
  'uploadSizeBytes',
  'logicalSectorSize',
  'provisionedBandwidthCopySpeed',
  'performancePlus',
  'instantAccessDurationMinutes',
] as const;

const COPY_SPEEDS = ['None', 'Enhanced'] as const;
/** Azure's Performance Plus boosts disks larger than 512 GiB. */
const PERFORMANCE_PLUS_MIN_GIB = 513;

const at = (field: string) => `properties.creationData.${field}`;

/**
 * Adds to `creationData` the options `creation` asks for, checked against the create option, the
 * family, and for a disk its SKU and size (`sizeGiB`, undefined when it comes from the source).
 */
export function checkCreationOptions(
  creation: Record<string, unknown>,
  creationData: CreationData,
  family: DiskFamily,
  sku: string,
  sizeGiB: number | undefined,
  problems: Problems,
): void {
  refuseUnknownFields(creation, SUPPORTED, 'properties.creationData', problems, {
    readOnly: ['sourceUniqueId'],
    asksNothing: (value) => value === null,
  });
  const { createOption } = creationData;
  const only = (field: string, where: string) => problems.add(at(field), `'${at(field)}' applies to ${where} only.`);

  const speed = enumValue(
    creation.provisionedBandwidthCopySpeed,
    COPY_SPEEDS,
    at('provisionedBandwidthCopySpeed'),
    problems,
  );
  if (speed !== undefined && createOption !== 'CopyStart')
    only('provisionedBandwidthCopySpeed', `createOption 'CopyStart', not '${createOption}'`);
  else if (speed !== undefined) creationData.provisionedBandwidthCopySpeed = speed;

  const plus = booleanAt(creation.performancePlus, at('performancePlus'), problems);
  if (plus && (family.collection !== 'disks' || isProvisioned(sku) || (sizeGiB ?? 0) < PERFORMANCE_PLUS_MIN_GIB))
    only(
      'performancePlus',
      `Premium SSD, Standard SSD and Standard HDD disks larger than 512 GiB, not a ${family.collection === 'disks' ? `${sku} disk of ${sizeGiB ?? 'its source’s'} GiB` : 'snapshot'}`,
    );
  else if (plus !== undefined) creationData.performancePlus = plus;

  const minutes = integerIn(
    creation.instantAccessDurationMinutes,
    1,
    Number.MAX_SAFE_INTEGER,
    at('instantAccessDurationMinutes'),
    problems,
  );
  if (minutes !== undefined && family.collection !== 'snapshots') only('instantAccessDurationMinutes', 'snapshots');
  else if (minutes !== undefined) creationData.instantAccessDurationMinutes = minutes;
}
