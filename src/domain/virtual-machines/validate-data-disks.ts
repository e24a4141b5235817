/**
 * `storageProfile.dataDisks` as the Compute RP checks it before anything is read: each entry an object
 * with a LUN from 0 to 63 that no other entry has and a `createOption` of `Empty` (with `diskSizeGB`),
 * `Attach` (with `managedDisk.id`) or `FromImage`; `Empty` and `FromImage` name no existing disk
 * (Azure's InvalidParameterConflictingProperties). Every bad field is reported at its JSON path.
 * What the disks are (an existing disk's state, an image's data disks) is read later (data-disks.ts).
 */
import type { Problems } from '../../core/arm-error.ts';
import { DISK_SKUS } from '../../core/disk-skus.ts';
import { enumValue, integerIn, isObject, refuseUnknownFields, requiredEnum } from '../shared/validate.ts';
import { CACHING, DELETE_OPTIONS, type Caching, type DataDisk, type DeleteOption } from './virtual-machine.ts';

export interface DataDiskSpec {
  /** Where the entry is in the body, for the paths of what is wrong with it later. */
  at: string;
  lun: number;
  createOption: DataDisk['createOption'];
  name?: string;
  caching?: Caching;
  storageAccountType?: string;
  /** The disk an `Attach` names, or the one a GET showed. */
  id?: string;
  deleteOption?: DeleteOption;
  diskSizeGB?: number;
  /** Given false (Kiln has no write accelerator to turn on): kept and shown, as Azure shows it. */
  writeAcceleratorEnabled?: false;
  toBeDetached: boolean;
}

const CREATE_OPTIONS = ['Empty', 'Attach', 'FromImage'] as const;
/** Azure's largest managed disk. */
const MAX_DISK_GB = 32767;

export function checkDataDisks(value: unknown, target: string, problems: Problems): DataDiskSpec[] {
  if (!Array.isArray(value)) {
    problems.add(target, `'${target}' must be an array.`);
    return [];
  }
  const specs = value.flatMap((entry, i) => checkDataDisk(entry, `${target}[${i}]`, problems) ?? []);
  const seen = new Map<number, string>();
  for (const spec of specs) {
    const first = seen.get(spec.lun);
    if (first !== undefined)
      problems.add(
        `${spec.at}.lun`,
        `A disk at LUN ${spec.lun} already exists (${first}): each data disk needs a LUN of its own.`,
      );
    else seen.set(spec.lun, spec.at);
  }
  return specs;
}

function checkDataDisk(entry: unknown, at: string, problems: Problems): DataDiskSpec | undefined {
  if (!isObject(entry)) {
    problems.add(at, `'${at}' must be an object.`);
    return undefined;
  }
  refuseUnknownFields(
    entry,
    [
      'lun',
      'name',
      'createOption',
      'caching',
      'managedDisk',
      'deleteOption',
      'diskSizeGB',
      'toBeDetached',
      'writeAcceleratorEnabled',
    ],
    at,
    problems,
    { readOnly: ['diskIOPSReadWrite', 'diskMBpsReadWrite'], asksNothing: (given) => given === null },
  );
  const lun = checkLun(entry.lun, `${at}.lun`, problems);
  const createOption = requiredEnum(entry.createOption, CREATE_OPTIONS, `${at}.createOption`, problems);
  const managed = isObject(entry.managedDisk) ? entry.managedDisk : {};
  if (entry.managedDisk !== undefined && entry.managedDisk !== null && !isObject(entry.managedDisk))
    problems.add(`${at}.managedDisk`, `'${at}.managedDisk' must be an object.`);
  refuseUnknownFields(managed, ['id', 'storageAccountType'], `${at}.managedDisk`, problems);
  const id = text(managed.id, `${at}.managedDisk.id`, problems);
  const name = text(entry.name, `${at}.name`, problems);
  const diskSizeGB = integerIn(entry.diskSizeGB, 1, MAX_DISK_GB, `${at}.diskSizeGB`, problems);
  if (createOption === 'Attach' && id === undefined)
    problems.add(`${at}.managedDisk.id`, `Required parameter '${at}.managedDisk.id' is missing (null).`);
  if (createOption === 'Empty' && diskSizeGB === undefined && id === undefined)
    problems.add(`${at}.diskSizeGB`, `Required parameter '${at}.diskSizeGB' is missing (null).`);
  if (typeof entry.toBeDetached !== 'boolean' && entry.toBeDetached !== undefined && entry.toBeDetached !== null)
    problems.add(`${at}.toBeDetached`, `'${at}.toBeDetached' must be true or false.`);
  if (entry.writeAcceleratorEnabled === true)
    problems.add(
      `${at}.writeAcceleratorEnabled`,
      'Kiln has no write accelerator (an M-series feature of Azure): leave out writeAcceleratorEnabled or give false.',
      'PropertyNotSupported',
    );
  else if (![false, undefined, null].includes(entry.writeAcceleratorEnabled as never))
    problems.add(`${at}.writeAcceleratorEnabled`, `'${at}.writeAcceleratorEnabled' must be true or false.`);
  if (lun === undefined || createOption === undefined) return undefined;
  const caching = enumValue(entry.caching, CACHING, `${at}.caching`, problems);
  const storageAccountType = enumValue(
    managed.storageAccountType,
    DISK_SKUS,
    `${at}.managedDisk.storageAccountType`,
    problems,
  );
  const deleteOption = enumValue(entry.deleteOption, DELETE_OPTIONS, `${at}.deleteOption`, problems);
  return {
    at,
    lun,
    createOption,
    ...(name !== undefined ? { name } : {}),
    ...(caching ? { caching } : {}),
    ...(storageAccountType ? { storageAccountType } : {}),
    ...(id !== undefined ? { id } : {}),
    ...(deleteOption ? { deleteOption } : {}),
    ...(diskSizeGB !== undefined ? { diskSizeGB } : {}),
    ...(entry.writeAcceleratorEnabled === false ? { writeAcceleratorEnabled: false as const } : {}),
    toBeDetached: entry.toBeDetached === true,
  };
}

/** Azure's words for a LUN outside 0 to 63. */
function checkLun(value: unknown, target: string, problems: Problems): number | undefined {
  if (value === undefined || value === null) {
    problems.add(target, `Required parameter '${target}' is missing (null).`);
    return undefined;
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 63) return value;
  problems.add(
    target,
    `The value '${String(value)}' of parameter '${target}' is out of range. Value '${String(value)}' must be between '0' and '63' inclusive.`,
  );
  return undefined;
}

function text(value: unknown, target: string, problems: Problems): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.trim() !== '') return value;
  problems.add(target, `'${target}' must be a non-empty string.`);
  return undefined;
}

/** The conflicting-properties refusal of a disk made anew (`Empty`, `FromImage`) that also names an existing one. */
export function conflictingDiskId(spec: DataDiskSpec, problems: Problems): void {
  problems.add(
    `${spec.at}.managedDisk.id`,
    `The property 'dataDisk.createOption' cannot have the value '${spec.createOption}' when property 'dataDisk.managedDisk.id' is set.`,
    'InvalidParameterConflictingProperties',
  );
}
