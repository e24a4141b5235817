import { ArmError, Problems } from '../../core/arm-error.ts';
import { checkAzureDiskUploadSize } from '../../core/vhd.ts';
import type { DomainContext } from '../context.ts';
import { checkLocation, checkTags } from '../shared/scope.ts';
import { enumValue, integerIn, isObject, requiredEnum } from '../shared/validate.ts';
import type { CreationData, Disk, DiskFamily } from './disk.ts';

export interface DiskSpec {
  location: string;
  tags?: Record<string, string>;
  sku: string;
  creationData: CreationData;
  diskSizeGB?: number;
  osType?: Disk['properties']['osType'];
  hyperVGeneration?: Disk['properties']['hyperVGeneration'];
  networkAccessPolicy: string;
  publicNetworkAccess: string;
}

export const OS_TYPES = ['Windows', 'Linux'] as const;
export const HYPERV_GENERATIONS = ['V1', 'V2'] as const;
const NETWORK_ACCESS = ['AllowAll', 'AllowPrivate', 'DenyAll'] as const;
const PUBLIC_ACCESS = ['Enabled', 'Disabled'] as const;

/** Checks a disk or snapshot PUT body, reporting every bad field at once. */
export function validateDiskBody(ctx: DomainContext, family: DiskFamily, body: Record<string, unknown>): DiskSpec {
  const problems = new Problems();
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
      creationData.sourceResourceId = requireString('sourceResourceId');
      break;
    case 'Import':
      creationData.sourceUri = requireString('sourceUri');
      if (typeof creation.storageAccountId === 'string') creationData.storageAccountId = creation.storageAccountId;
      break;
  }
  const spec: DiskSpec = {
    location,
    tags,
    sku: sku ?? 'Standard_LRS',
    creationData,
    diskSizeGB,
    osType: enumValue(props!.osType, OS_TYPES, 'properties.osType', problems),
    hyperVGeneration: enumValue(props!.hyperVGeneration, HYPERV_GENERATIONS, 'properties.hyperVGeneration', problems),
    networkAccessPolicy:
      enumValue(props!.networkAccessPolicy, NETWORK_ACCESS, 'properties.networkAccessPolicy', problems) ?? 'AllowAll',
    publicNetworkAccess:
      enumValue(props!.publicNetworkAccess, PUBLIC_ACCESS, 'properties.publicNetworkAccess', problems) ?? 'Enabled',
  };
  problems.throwIfAny();
  return spec;
}

/** Kiln stores the source's bytes as they are, so a copy or import cannot change the size. */
export function checkSizeMatchesSource(diskSizeGB: number | undefined, dataSize: number): void {
  if (diskSizeGB !== undefined && diskSizeGB * 1024 ** 3 !== dataSize) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `'properties.diskSizeGB' (${diskSizeGB}) must match the source's size (${dataSize} bytes) or be left out; resizing while copying is not supported.`,
      'properties.diskSizeGB',
    );
  }
}
