/**
 * How a disk's or snapshot's data may be reached and kept, as DiskRP 2025-01-02 has it on create and
 * update: the network policies of its export and upload URLs (`networkAccessPolicy`,
 * `publicNetworkAccess`), whether those URLs also ask for an Entra ID caller (`dataAccessAuthMode`),
 * and a disk's `optimizedForFrequentAttach` and `availabilityPolicy`. Kiln stores and returns them as
 * Azure does. What needs resources Kiln does not serve is refused naming the field: a disk access
 * (`diskAccessId`, and `AllowPrivate`, which exports through one) and Azure Disk Encryption settings
 * (`encryptionSettingsCollection`, whose keys live in a key vault), the two refused whole
 * (PropertyNotSupported at their own path, whichever of their members a body gives).
 */
import type { Problems } from '../../core/arm-error.ts';
import { booleanAt, enumValue, objectAt, refuseUnknownFields } from '../shared/validate.ts';
import type { Disk, DiskFamily } from './disk.ts';

const NETWORK_ACCESS = ['AllowAll', 'AllowPrivate', 'DenyAll'] as const;
const PUBLIC_ACCESS = ['Enabled', 'Disabled'] as const;
const AUTH_MODES = ['AzureActiveDirectory', 'None'] as const;
const DISK_DELAY_ACTIONS = ['None', 'AutomaticReattach'] as const;

/** What a new disk or snapshot has when its body names no network policies, as in Azure. */
export const DEFAULT_ACCESS = { networkAccessPolicy: 'AllowAll', publicNetworkAccess: 'Enabled' } as const;

export type DataAccess = Pick<
  Disk['properties'],
  | 'networkAccessPolicy'
  | 'publicNetworkAccess'
  | 'dataAccessAuthMode'
  | 'optimizedForFrequentAttach'
  | 'availabilityPolicy'
>;

const given = (value: unknown) => value !== undefined && value !== null;

/** The data access settings a body gives, each absent when not given. */
export function checkDataAccess(
  props: Record<string, unknown>,
  family: DiskFamily,
  problems: Problems,
): Partial<DataAccess> {
  const at = (field: string) => `properties.${field}`;
  for (const [field, served] of [
    ['diskAccessId', 'disk accesses (Microsoft.Compute/diskAccesses) and their private endpoints'],
    ['encryptionSettingsCollection', 'Azure Disk Encryption, whose keys and secrets live in a key vault'],
  ])
    if (given(props[field]))
      problems.add(
        at(field),
        `'${at(field)}' needs ${served}, which Kiln does not serve. Leave it out.`,
        'PropertyNotSupported',
      );
  const network = enumValue(props.networkAccessPolicy, NETWORK_ACCESS, at('networkAccessPolicy'), problems);
  if (network === 'AllowPrivate')
    problems.add(
      at('networkAccessPolicy'),
      `'AllowPrivate' exports and uploads through the private endpoints of a disk access ('${at('diskAccessId')}'), which Kiln does not serve; use AllowAll or DenyAll.`,
    );
  const settings: Partial<DataAccess> = {
    networkAccessPolicy: network,
    publicNetworkAccess: enumValue(props.publicNetworkAccess, PUBLIC_ACCESS, at('publicNetworkAccess'), problems),
    dataAccessAuthMode: enumValue(props.dataAccessAuthMode, AUTH_MODES, at('dataAccessAuthMode'), problems),
  };
  if (family.collection === 'disks') {
    settings.optimizedForFrequentAttach = booleanAt(
      props.optimizedForFrequentAttach,
      at('optimizedForFrequentAttach'),
      problems,
    );
    const policy = objectAt(props.availabilityPolicy, at('availabilityPolicy'), problems);
    if (policy) {
      refuseUnknownFields(policy, ['actionOnDiskDelay'], at('availabilityPolicy'), problems);
      const action = enumValue(
        policy.actionOnDiskDelay,
        DISK_DELAY_ACTIONS,
        `${at('availabilityPolicy')}.actionOnDiskDelay`,
        problems,
      );
      settings.availabilityPolicy = action === undefined ? {} : { actionOnDiskDelay: action };
    }
  }
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}
