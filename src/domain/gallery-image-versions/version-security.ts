/**
 * What a version says about the encryption and boot security of the VMs made from it: each target
 * region's `encryption` (disk encryption sets for the OS and data disks, the confidential VM type)
 * and `securityProfile.uefiSettings` (signature templates and extra UEFI keys). The disk encryption
 * sets are refused at their own paths, as on disks and images (disks/encryption-sets.ts: Kiln serves
 * none, so a set named does not exist), and so is `EncryptedWithCmk`, the confidential type that
 * encrypts with a customer's key in one; the rest (the other confidential types, a data disk's LUN,
 * the UEFI settings) is kept as given and returned: Kiln boots no confidential VMs, but a client that
 * set them reads them back. Every bad field is refused at its own path.
 */
import type { Problems } from '../../core/arm-error.ts';
import { refuseEncryptionSet } from '../disks/encryption-sets.ts';
import { enumValue, integerIn, isObject } from '../shared/validate.ts';

export const CONFIDENTIAL_VM_ENCRYPTION_TYPES = [
  'EncryptedVMGuestStateOnlyWithPmk',
  'EncryptedWithPmk',
  'EncryptedWithCmk',
  'NonPersistedTPM',
] as const;
export const SIGNATURE_TEMPLATES = [
  'NoSignatureTemplate',
  'MicrosoftUefiCertificateAuthorityTemplate',
  'MicrosoftWindowsTemplate',
] as const;
const KEY_TYPES = ['sha256', 'x509'] as const;

/** What Kiln keeps of a region's `encryption`: never a disk encryption set (refused). */
export interface RegionEncryption {
  osDiskImage?: {
    securityProfile?: {
      confidentialVMEncryptionType?: (typeof CONFIDENTIAL_VM_ENCRYPTION_TYPES)[number];
    };
  };
  dataDiskImages?: Array<{ lun: number }>;
}

interface UefiKey {
  type: (typeof KEY_TYPES)[number];
  value: string[];
}

export interface VersionSecurityProfile {
  uefiSettings?: {
    signatureTemplateNames?: Array<(typeof SIGNATURE_TEMPLATES)[number]>;
    additionalSignatures?: { pk?: UefiKey; kek?: UefiKey[]; db?: UefiKey[]; dbx?: UefiKey[] };
  };
}

/** A target region's `encryption` at `at`, or undefined when not given. */
export function checkRegionEncryption(raw: unknown, at: string, problems: Problems): RegionEncryption | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) return void problems.add(at, `'${at}' must be an object.`);
  const result: RegionEncryption = {};
  if (raw.osDiskImage !== undefined && raw.osDiskImage !== null) {
    const os = isObject(raw.osDiskImage) ? raw.osDiskImage : {};
    const security = isObject(os.securityProfile) ? os.securityProfile : undefined;
    const type = enumValue(
      security?.confidentialVMEncryptionType,
      CONFIDENTIAL_VM_ENCRYPTION_TYPES,
      `${at}.osDiskImage.securityProfile.confidentialVMEncryptionType`,
      problems,
    );
    if (type === 'EncryptedWithCmk')
      problems.add(
        `${at}.osDiskImage.securityProfile.confidentialVMEncryptionType`,
        `'EncryptedWithCmk' encrypts with a customer's key in a disk encryption set (Microsoft.Compute/diskEncryptionSets), which Kiln does not serve: use EncryptedWithPmk or EncryptedVMGuestStateOnlyWithPmk.`,
      );
    refuseEncryptionSet(
      security?.secureVMDiskEncryptionSetId,
      `${at}.osDiskImage.securityProfile.secureVMDiskEncryptionSetId`,
      problems,
    );
    refuseEncryptionSet(os.diskEncryptionSetId, `${at}.osDiskImage.diskEncryptionSetId`, problems);
    result.osDiskImage = security
      ? { securityProfile: type && type !== 'EncryptedWithCmk' ? { confidentialVMEncryptionType: type } : {} }
      : {};
  }
  if (raw.dataDiskImages !== undefined && raw.dataDiskImages !== null) {
    if (!Array.isArray(raw.dataDiskImages))
      problems.add(`${at}.dataDiskImages`, `'${at}.dataDiskImages' must be an array.`);
    else
      result.dataDiskImages = raw.dataDiskImages.map((entry, i) => {
        const disk = isObject(entry) ? entry : {};
        const lun = integerIn(disk.lun, 0, 63, `${at}.dataDiskImages[${i}].lun`, problems);
        if (disk.lun === undefined || disk.lun === null)
          problems.add(
            `${at}.dataDiskImages[${i}].lun`,
            `Required parameter '${at}.dataDiskImages[${i}].lun' is missing (null).`,
          );
        refuseEncryptionSet(disk.diskEncryptionSetId, `${at}.dataDiskImages[${i}].diskEncryptionSetId`, problems);
        return { lun: lun ?? -1 };
      });
  }
  return result;
}

/** `properties.securityProfile`, or undefined when not given. */
export function checkVersionSecurity(raw: unknown, problems: Problems): VersionSecurityProfile | undefined {
  const at = 'properties.securityProfile';
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) return void problems.add(at, `'${at}' must be an object.`);
  if (raw.uefiSettings === undefined || raw.uefiSettings === null) return {};
  const uefi = isObject(raw.uefiSettings) ? raw.uefiSettings : {};
  const result: NonNullable<VersionSecurityProfile['uefiSettings']> = {};
  if (uefi.signatureTemplateNames !== undefined && uefi.signatureTemplateNames !== null) {
    const names = uefi.signatureTemplateNames;
    if (!Array.isArray(names))
      problems.add(
        `${at}.uefiSettings.signatureTemplateNames`,
        `'${at}.uefiSettings.signatureTemplateNames' must be an array.`,
      );
    else
      result.signatureTemplateNames = names.map((name, i) =>
        enumValue(name, SIGNATURE_TEMPLATES, `${at}.uefiSettings.signatureTemplateNames[${i}]`, problems)!,
      );
  }
  const signatures = isObject(uefi.additionalSignatures) ? uefi.additionalSignatures : undefined;
  if (signatures) {
    const keys: NonNullable<NonNullable<VersionSecurityProfile['uefiSettings']>['additionalSignatures']> = {};
    const base = `${at}.uefiSettings.additionalSignatures`;
    if (signatures.pk !== undefined && signatures.pk !== null)
      keys.pk = checkKey(signatures.pk, `${base}.pk`, problems);
    for (const list of ['kek', 'db', 'dbx'] as const) {
      const value = signatures[list];
      if (value === undefined || value === null) continue;
      if (!Array.isArray(value)) problems.add(`${base}.${list}`, `'${base}.${list}' must be an array of keys.`);
      else keys[list] = value.map((key, i) => checkKey(key, `${base}.${list}[${i}]`, problems));
    }
    result.additionalSignatures = keys;
  }
  return { uefiSettings: result };
}

function checkKey(raw: unknown, at: string, problems: Problems): UefiKey {
  const key = isObject(raw) ? raw : {};
  const type = enumValue(key.type, KEY_TYPES, `${at}.type`, problems) ?? 'sha256';
  const value = Array.isArray(key.value) ? key.value : [];
  if (!Array.isArray(key.value) || value.some((v) => typeof v !== 'string'))
    problems.add(`${at}.value`, `'${at}.value' must be an array of strings.`);
  return { type, value: value.filter((v): v is string => typeof v === 'string') };
}
