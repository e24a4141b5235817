/** Checks an image PUT body against seed 003's rules, reporting every bad field with its path. */
import { Problems } from '../../core/arm-error.ts';
import { DISK_SKUS } from '../../core/disk-skus.ts';
import type { DomainContext } from '../context.ts';
import { refuseEncryptionSet } from '../disks/encryption-sets.ts';
import { HYPERV_GENERATIONS, OS_TYPES } from '../disks/validate-disk.ts';
import { checkLocation, checkTags } from '../shared/scope.ts';
import { enumValue, integerIn, isObject, requiredEnum, subResourceId } from '../shared/validate.ts';
import { CACHING, MAX_IMAGE_DISK_GB, OS_STATES, type Image, type ImageDisk } from './image.ts';

export interface ImageSpec {
  location: string;
  tags?: Record<string, string>;
  extendedLocation?: Image['extendedLocation'];
  sourceVirtualMachine?: { id: string };
  osDisk?: ImageDisk;
  dataDisks: ImageDisk[];
  zoneResilient?: boolean;
  hyperVGeneration?: Image['properties']['hyperVGeneration'];
}

export function validateImageBody(ctx: DomainContext, body: Record<string, unknown>): ImageSpec {
  const problems = new Problems();
  const location = checkLocation(ctx, body.location, problems);
  const tags = checkTags(body.tags, problems);
  const props = isObject(body.properties) ? body.properties : {};
  const spec: ImageSpec = { location, tags, dataDisks: [] };
  spec.hyperVGeneration = enumValue(
    props.hyperVGeneration,
    HYPERV_GENERATIONS,
    'properties.hyperVGeneration',
    problems,
  );

  if (body.extendedLocation !== undefined) {
    const ext = isObject(body.extendedLocation) ? body.extendedLocation : {};
    const type = requiredEnum(ext.type, ['EdgeZone'] as const, 'extendedLocation.type', problems);
    if (typeof ext.name !== 'string' || ext.name === '')
      problems.add('extendedLocation.name', "Required parameter 'extendedLocation.name' is missing (null).");
    else if (type) spec.extendedLocation = { name: ext.name, type };
  }

  const vm = subResourceId(
    props.sourceVirtualMachine,
    'microsoft.compute/virtualmachines',
    'properties.sourceVirtualMachine',
    problems,
  );
  if (vm) spec.sourceVirtualMachine = { id: (props.sourceVirtualMachine as { id: string }).id };
  const fromVm = props.sourceVirtualMachine !== undefined && props.sourceVirtualMachine !== null;
  const storage = isObject(props.storageProfile) ? props.storageProfile : undefined;
  if (props.storageProfile !== undefined && !storage)
    problems.add('properties.storageProfile', "'properties.storageProfile' must be an object.");
  // A VM source may come with a storage profile: `zoneResilient`, or the disks a GET of its image shows
  // (a GET-then-PUT round trip), which from-machine.ts checks name the VM's own.
  if (!storage && !fromVm) {
    problems.add(
      'properties.storageProfile.osDisk',
      "Required parameter 'properties.storageProfile.osDisk' is missing (null): an image needs an OS disk source or 'properties.sourceVirtualMachine'.",
    );
  }
  if (storage) {
    if (storage.zoneResilient !== undefined) {
      if (typeof storage.zoneResilient !== 'boolean')
        problems.add('properties.storageProfile.zoneResilient', "'zoneResilient' must be true or false.");
      else spec.zoneResilient = storage.zoneResilient;
    }
    if (storage.osDisk === undefined && !fromVm) {
      problems.add(
        'properties.storageProfile.osDisk',
        "Required parameter 'properties.storageProfile.osDisk' is missing (null).",
      );
    } else if (storage.osDisk !== undefined) {
      spec.osDisk = checkDisk(storage.osDisk, 'properties.storageProfile.osDisk', true, problems);
    }
    if (storage.dataDisks !== undefined && !Array.isArray(storage.dataDisks))
      problems.add('properties.storageProfile.dataDisks', "'dataDisks' must be an array.");
    const luns = new Map<number, number>();
    (Array.isArray(storage.dataDisks) ? storage.dataDisks : []).forEach((raw, i) => {
      const target = `properties.storageProfile.dataDisks[${i}]`;
      const disk = checkDisk(raw, target, false, problems);
      if (disk.lun === undefined) return;
      if (luns.has(disk.lun))
        problems.add(
          `${target}.lun`,
          `The LUN ${disk.lun} of data disk ${i} is already used by data disk ${luns.get(disk.lun)}; each data disk needs a unique LUN.`,
          'DuplicateLun',
        );
      luns.set(disk.lun, i);
      spec.dataDisks.push(disk);
    });
  }
  problems.throwIfAny();
  return spec;
}

function checkDisk(raw: unknown, target: string, os: boolean, problems: Problems): ImageDisk {
  const input = isObject(raw) ? raw : {};
  if (!isObject(raw)) problems.add(target, `'${target}' must be an object.`);
  const disk: ImageDisk = { caching: enumValue(input.caching, CACHING, `${target}.caching`, problems) ?? 'ReadWrite' };
  if (os) {
    disk.osType = requiredEnum(input.osType, OS_TYPES, `${target}.osType`, problems);
    disk.osState = requiredEnum(input.osState, OS_STATES, `${target}.osState`, problems);
  } else {
    if (input.lun === undefined) problems.add(`${target}.lun`, `Required parameter '${target}.lun' is missing (null).`);
    disk.lun = integerIn(input.lun, 0, 63, `${target}.lun`, problems);
  }
  const sources = ['blobUri', 'managedDisk', 'snapshot'].filter(
    (field) => input[field] !== undefined && input[field] !== null,
  );
  if (sources.length !== 1) {
    problems.add(
      target,
      `'${target}' needs exactly one source among blobUri, managedDisk and snapshot; ${sources.length === 0 ? 'none was' : `${sources.join(' and ')} were`} given.`,
    );
  }
  if (input.blobUri !== undefined) {
    if (typeof input.blobUri !== 'string' || input.blobUri === '')
      problems.add(`${target}.blobUri`, `'${target}.blobUri' must be a blob URL.`);
    else disk.blobUri = input.blobUri;
  }
  if (subResourceId(input.managedDisk, 'microsoft.compute/disks', `${target}.managedDisk`, problems))
    disk.managedDisk = { id: (input.managedDisk as { id: string }).id };
  if (subResourceId(input.snapshot, 'microsoft.compute/snapshots', `${target}.snapshot`, problems))
    disk.snapshot = { id: (input.snapshot as { id: string }).id };
  const size = integerIn(input.diskSizeGB, 1, MAX_IMAGE_DISK_GB, `${target}.diskSizeGB`, problems);
  if (size !== undefined) disk.diskSizeGB = size;
  const accountType = enumValue(input.storageAccountType, DISK_SKUS, `${target}.storageAccountType`, problems);
  if (os && accountType === 'UltraSSD_LRS')
    problems.add(
      `${target}.storageAccountType`,
      'UltraSSD_LRS cannot be used as the storage account type of an OS disk.',
    );
  if (accountType) disk.storageAccountType = accountType;
  // Refused, as on disks: Kiln serves no disk encryption sets (disks/encryption-sets.ts).
  refuseEncryptionSet(input.diskEncryptionSet, `${target}.diskEncryptionSet`, problems);
  return disk;
}
