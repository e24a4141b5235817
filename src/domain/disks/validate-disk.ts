import { ArmError, Problems } from '../../core/arm-error.ts';
import { checkAzureDiskUploadSize } from '../../core/vhd.ts';
import type { DomainContext } from '../context.ts';
import { checkLocation, checkTags } from '../shared/scope.ts';
import { booleanAt, enumValue, integerIn, isObject, requiredEnum } from '../shared/validate.ts';
import { GIB, type CreationData, type Disk, type DiskFamily } from './disk.ts';
import { checkSecurityProfile, checkZones, refuseUnknownMembers } from './body-members.ts';
import { checkCreationOptions } from './creation-options.ts';
import { DEFAULT_ACCESS, checkDataAccess, type DataAccess } from './data-access.ts';
import { checkEncryption, checkOsDescription, checkSectorSize, type OsDescription } from './disk-settings.ts';

export interface DiskSpec {
  location: string;
  tags?: Record<string, string>;
  sku: string;
  creationData: CreationData;
  diskSizeGB?: number;
  osType?: Disk['properties']['osType'];
  hyperVGeneration?: Disk['properties']['hyperVGeneration'];
  /** Its data access settings (data-access.ts), the network policies Azure's defaults unless given. */
  access: DataAccess;
  /** What the body says of the OS on the disk (a copy's source may say more). */
  os: OsDescription;
  zones?: Disk['zones'];
  securityProfile?: Disk['properties']['securityProfile'];
  /** A snapshot's: asked to be incremental. */
  incremental?: boolean;
}

export const OS_TYPES = ['Windows', 'Linux'] as const;
export const HYPERV_GENERATIONS = ['V1', 'V2'] as const;

/** Checks a disk or snapshot PUT body, reporting every bad field at once. */
export function validateDiskBody(ctx: DomainContext, family: DiskFamily, body: Record<string, unknown>): DiskSpec {
  const problems = new Problems();
  refuseUnknownMembers(body, family, false, problems);
  const location = checkLocation(ctx, body.location, problems);
  const tags = checkTags(body.tags, problems);
  const sku = isObject(body.sku) ? enumValue(body.sku.name, family.skus, 'sku.name', problems) : undefined;
  const props = isObject(body.properties) ? body.properties : undefined;
  if (!props) {
    problems.add('properties', "Required parameter 'properties' is missing (null).");
    problems.throwIfAny();
  }
  const creation = isObject(props!.creationData) ? props!.creationData : {};
  if (!isObject(props!.creationData))
    problems.add('properties.creationData', "Required parameter 'properties.creationData' is missing (null).");
  const createOption = requiredEnum(
    creation.createOption,
    family.createOptions,
    'properties.creationData.createOption',
    problems,
  );
  const diskSizeGB = integerIn(props!.diskSizeGB, 1, 32767, 'properties.diskSizeGB', problems);
  const creationData: CreationData = { createOption: createOption ?? '' };

  const requireString = (field: string) => {
    const value = creation[field];
    if (typeof value !== 'string' || value === '') {
      problems.add(
        `properties.creationData.${field}`,
        `Required parameter 'properties.creationData.${field}' is missing (null) for createOption '${createOption}'.`,
      );
      return undefined;
    }
    return value;
  };
  switch (createOption) {
    case 'Empty':
      if (diskSizeGB === undefined)
        problems.add(
          'properties.diskSizeGB',
          "Required parameter 'properties.diskSizeGB' is missing (null) for createOption 'Empty'.",
        );
      break;
    case 'Upload': {
      const size = creation.uploadSizeBytes;
      const problem =
        typeof size === 'number' && Number.isSafeInteger(size)
          ? checkAzureDiskUploadSize(size)
          : "Required parameter 'properties.creationData.uploadSizeBytes' is missing (null) for createOption 'Upload'.";
      if (problem) problems.add('properties.creationData.uploadSizeBytes', problem);
      else creationData.uploadSizeBytes = size as number;
      if (diskSizeGB !== undefined)
        problems.add(
          'properties.diskSizeGB',
          "'properties.diskSizeGB' must not be set when createOption is 'Upload': the size comes from 'uploadSizeBytes'.",
        );
      break;
    }
    case 'Copy':
    case 'CopyStart':
      creationData.sourceResourceId = requireString('sourceResourceId');
      break;
    case 'Import':
      creationData.sourceUri = requireString('sourceUri');
      if (typeof creation.storageAccountId === 'string') creationData.storageAccountId = creation.storageAccountId;
      break;
  }
  checkImageReferences(creation, createOption, family, creationData, problems);
  checkCreationOptions(creation, creationData, family, sku ?? 'Standard_LRS', diskSizeGB, problems);
  const logicalSectorSize = checkSectorSize(creation.logicalSectorSize, family, sku ?? 'Standard_LRS', problems);
  if (logicalSectorSize !== undefined) creationData.logicalSectorSize = logicalSectorSize;
  checkEncryption(props!.encryption, problems);
  const incremental = family.collection === 'snapshots' ? checkIncremental(props!, createOption, problems) : undefined;
  const spec: DiskSpec = {
    location,
    tags,
    sku: sku ?? 'Standard_LRS',
    creationData,
    diskSizeGB,
    osType: enumValue(props!.osType, OS_TYPES, 'properties.osType', problems),
    hyperVGeneration: enumValue(props!.hyperVGeneration, HYPERV_GENERATIONS, 'properties.hyperVGeneration', problems),
    access: { ...DEFAULT_ACCESS, ...checkDataAccess(props!, family, problems) },
    zones: family.collection === 'disks' ? checkZones(body.zones, problems) : undefined,
    securityProfile: checkSecurityProfile(props!.securityProfile, problems),
    os: checkOsDescription(props!, problems),
    ...(incremental === undefined ? {} : { incremental }),
  };
  problems.throwIfAny();
  return spec;
}

/**
 * An incremental snapshot is a copy of a disk (or of an incremental snapshot of one). CopyStart, as
 * Azure has it, copies incremental snapshots only: its snapshot is incremental unless the body says
 * `false` (Azure's own CopyStart example leaves `incremental` out), which is refused.
 */
function checkIncremental(
  props: Record<string, unknown>,
  createOption: string | undefined,
  problems: Problems,
): boolean | undefined {
  const incremental = booleanAt(props.incremental, 'properties.incremental', problems);
  if (incremental && createOption !== 'Copy' && createOption !== 'CopyStart')
    problems.add(
      'properties.incremental',
      `An incremental snapshot is made of a managed disk (createOption 'Copy' with its 'sourceResourceId'), not with createOption '${createOption}'.`,
    );
  if (createOption !== 'CopyStart') return incremental;
  if (incremental === false)
    problems.add(
      'properties.incremental',
      "createOption 'CopyStart' makes incremental snapshots only: set 'properties.incremental' to true or leave it out.",
    );
  return true;
}

const IMAGE_REFERENCES = ['imageReference', 'galleryImageReference'] as const;

/**
 * `FromImage` takes one of `imageReference` and `galleryImageReference` (an id, and a data disk's LUN);
 * other create options take neither, rather than storing a reference that made nothing. A snapshot is
 * never made from an image (FromImage is a disk's): its references are refused whole.
 */
function checkImageReferences(
  creation: Record<string, unknown>,
  createOption: string | undefined,
  family: DiskFamily,
  creationData: CreationData,
  problems: Problems,
): void {
  const given = IMAGE_REFERENCES.filter((field) => creation[field] !== undefined && creation[field] !== null);
  const at = (field: string) => `properties.creationData.${field}`;
  if (!family.createOptions.includes('FromImage')) {
    for (const field of given)
      problems.add(
        at(field),
        `A snapshot is not made from an image ('${at(field)}'): make a disk from the image (createOption 'FromImage'), then a snapshot of the disk.`,
        'PropertyNotSupported',
      );
    return;
  }
  if (createOption !== 'FromImage') {
    for (const field of given)
      problems.add(at(field), `'${at(field)}' is only used with createOption 'FromImage', not '${createOption}'.`);
    return;
  }
  if (given.length !== 1) {
    problems.add(
      at('imageReference'),
      given.length === 0
        ? `Required parameter '${at('imageReference')}' (or '${at('galleryImageReference')}') is missing (null) for createOption 'FromImage'.`
        : `Only one of '${at('imageReference')}' and '${at('galleryImageReference')}' may be given.`,
    );
    return;
  }
  const [field] = given;
  const reference = creation[field];
  if (!isObject(reference)) {
    problems.add(at(field), `'${at(field)}' must be an object with the image's 'id'.`);
    return;
  }
  for (const shared of ['sharedGalleryImageId', 'communityGalleryImageId'])
    if (reference[shared] !== undefined && reference[shared] !== null)
      problems.add(
        `${at(field)}.${shared}`,
        `Kiln has no direct shared or community galleries: name the gallery image version by its 'id'.`,
      );
  const { id } = reference;
  if (typeof id !== 'string' || id.trim() === '')
    problems.add(
      `${at(field)}.id`,
      `Required parameter '${at(field)}.id' is missing (null) for createOption 'FromImage'.`,
    );
  const lun = integerIn(reference.lun, 0, 63, `${at(field)}.lun`, problems);
  if (typeof id === 'string') creationData[field] = { id, ...(lun === undefined ? {} : { lun }) };
}

/** An image's OS and generation stand: a body naming others is refused rather than making a disk that boots as neither. */
export function checkMatchesImage(spec: DiskSpec, image: Pick<DiskSpec, 'osType' | 'hyperVGeneration'>): void {
  const problems = new Problems();
  for (const field of ['osType', 'hyperVGeneration'] as const) {
    if (spec[field] !== undefined && image[field] !== undefined && spec[field] !== image[field])
      problems.add(
        `properties.${field}`,
        `'properties.${field}' is '${spec[field]}', but the image's is '${image[field]}': leave it out to take the image's.`,
      );
  }
  problems.throwIfAny();
}

/**
 * The data bytes of a disk made from an image of `imageBytes`: the image's size, or `diskSizeGB` when
 * larger (the rest zeros), as Azure grows it; smaller is Azure's OperationNotAllowed.
 */
export function imageDiskBytes(diskSizeGB: number | undefined, imageBytes: number): number {
  if (diskSizeGB === undefined) return imageBytes;
  if (diskSizeGB * GIB < imageBytes)
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `The specified disk size ${diskSizeGB} GB is smaller than the size of the corresponding disk in the VM image: ${Math.ceil(imageBytes / GIB)} GB. This is not allowed. Please choose equal or greater size or do not specify an explicit size.`,
      'properties.diskSizeGB',
    );
  return diskSizeGB * GIB;
}

/** Kiln stores the source's bytes as they are, so a copy or import cannot change the size. */
export function checkSizeMatchesSource(diskSizeGB: number | undefined, dataSize: number): void {
  if (diskSizeGB !== undefined && diskSizeGB * GIB !== dataSize) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `'properties.diskSizeGB' (${diskSizeGB}) must match the source's size (${dataSize} bytes) or be left out; resizing while copying is not supported.`,
      'properties.diskSizeGB',
    );
  }
}
