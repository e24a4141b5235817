/**
 * Disk encryption sets: one rule for every field that names one (issue 18), on disks and snapshots
 * (`encryption.diskEncryptionSetId`, `securityProfile.secureVMDiskEncryptionSetId`), managed images
 * (`storageProfile.osDisk/dataDisks[].diskEncryptionSet`) and gallery image versions
 * (`targetRegions[].encryption`'s `diskEncryptionSetId`s and `secureVMDiskEncryptionSetId`).
 *
 * Decision: refused everywhere, 400 at the field's own path. Kiln has no key management and serves no
 * Microsoft.Compute/diskEncryptionSets, so any set a body names does not exist here, and Azure refuses
 * a reference to a set that does not exist. Keeping the id as given (what images and versions did)
 * made a round trip look right while nothing was encrypted with the customer's key: a client that
 * reads the id back believes it is. Kiln's data at rest is kept on the host's storage, which Kiln
 * reports as `EncryptionAtRestWithPlatformKey`; whatever protects that storage (the operator's disk
 * encryption) is the platform's key. Serving disk encryption sets as resources (with key vault keys)
 * would let these fields be accepted when they name one that exists; until then none can.
 */
import type { Problems } from '../../core/arm-error.ts';
import { isObject } from '../shared/validate.ts';

/** Why a field naming a disk encryption set is refused, in the message for `path`. */
export function encryptionSetRefusal(path: string, setId: unknown): string {
  const named = typeof setId === 'string' && setId !== '' ? ` '${setId}'` : '';
  return `'${path}' names a disk encryption set${named}, which does not exist: Kiln has no key management and serves no disk encryption sets (Microsoft.Compute/diskEncryptionSets), so it cannot encrypt with a customer's key. Its data at rest is kept with the platform key (EncryptionAtRestWithPlatformKey). Leave '${path}' out.`;
}

/**
 * Refuses `value` at `path` when given: a set's id (a string), or, where the field is a
 * SubResource (`{ id }`), that object, named at `path.id`.
 */
export function refuseEncryptionSet(value: unknown, path: string, problems: Problems): void {
  if (value === undefined || value === null) return;
  const subResource = !(typeof value === 'string');
  const at = subResource ? `${path}.id` : path;
  problems.add(at, encryptionSetRefusal(at, subResource && isObject(value) ? value.id : value));
}
