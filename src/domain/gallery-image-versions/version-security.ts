/**
 * What a version says about the encryption and boot security of the VMs made from it: each target
 * region's `encryption` (disk encryption sets for the OS and data disks, the confidential VM type)
 * and `securityProfile.uefiSettings` (signature templates and extra UEFI keys). Kiln keeps them as
 * given and returns them, as it keeps a managed image's disk encryption set: it encrypts nothing and
 * boots no confidential VMs, but a client that set them reads them back. Every bad field is refused
 * at its own path.
 */
import type { Problems } from '../../core/arm-error.ts';
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

export interface RegionEncryption {
  osDiskImage?: {
    diskEncryptionSetId?: string;
    securityProfile?: {
      confidentialVMEncryptionType?: (typeof CONFIDENTIAL_VM_ENCRYPTION_TYPES)[number];
      secureVMDiskEncryptionSetId?: string;
    };
  };
  dataDiskImages?: Array<{ lun: number; diskEncryptionSetId?: string }>;
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
    const secureSet = text(
      security?.secureVMDiskEncryptionSetId,
      `${at}.osDiskImage.securityProfile.secureVMDiskEncryptionSetId`,
      problems,
    );
    const set = text(os.diskEncryptionSetId, `${at}.osDiskImage.diskEncryptionSetId`, problems);
    result.osDiskImage = {
      ...(set ? { diskEncryptionSetId: set } : {}),
      ...(security
        ? {
            securityProfile: {
              ...(type ? { confidentialVMEncryptionType: type } : {}),
              ...(secureSet ? { secureVMDiskEncryptionSetId: secureSet } : {}),
            },
          }
        : {}),
    };
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
        const set = text(disk.diskEncryptionSetId, `${at}.dataDiskImages[${i}].diskEncryptionSetId`, problems);
        return { lun: lun ?? -1, ...(set ? { diskEncryptionSetId: set } : {}) };
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

/** A string field, or undefined when not given. */
function text(value: unknown, at: string, problems: Problems): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return void problems.add(at, `'${at}' must be a string.`);
  return value;
}
