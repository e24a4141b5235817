/**
 * Checks a VM PUT body as the Compute RP does, reporting every bad field at its JSON path with
 * Azure's code (`InvalidParameter` unless said otherwise). Kiln runs Linux VMs made `FromImage` with
 * managed disks and network interfaces; fields it does not act on are refused by name
 * (`PropertyNotSupported`) rather than dropped. Members Azure computes (`vmId`, the disks' ids,
 * `provisioningState`, ...) are taken, since clients send back what a GET showed: a new VM ignores
 * them, a change of an existing one compares them (update-machine.ts). `update` checks the body of
 * a change, which holds no password or custom data unless the client sends one to change.
 */
import { Problems } from '../../core/arm-error.ts';
import { DISK_SKUS } from '../../core/disk-skus.ts';
import type { SettingsContext } from '../context.ts';
import { checkLocation, checkTags } from '../shared/scope.ts';
import { enumValue, integerIn, isObject, refuseUnknownFields } from '../shared/validate.ts';
import { checkDataDisks, type DataDiskSpec } from './validate-data-disks.ts';
import {
  CACHING,
  DELETE_OPTIONS,
  type Caching,
  type DeleteOption,
  type ImageReference,
  type SshPublicKey,
} from './virtual-machine.ts';

export interface VirtualMachineSpec {
  location: string;
  tags?: Record<string, string>;
  vmSize: string;
  imageReference: ImageReference;
  osDisk: {
    name?: string;
    caching: Caching;
    storageAccountType: string;
    deleteOption: DeleteOption;
    diskSizeGB?: number;
    /** An existing VM's OS disk, as a GET shows it. */
    id?: string;
  };
  /** Absent: the body leaves them as they are (a new VM has none). */
  dataDisks?: DataDiskSpec[];
  computerName?: string;
  adminUsername: string;
  adminPassword?: string;
  publicKeys: SshPublicKey[];
  disablePasswordAuthentication: boolean;
  /** Absent: as it is (a new VM: true). Kiln serves no VM extensions, so either value holds. */
  allowExtensionOperations?: boolean;
  customData?: string;
  networkInterfaces: Array<{ id: string; primary?: boolean; deleteOption: DeleteOption }>;
  bootDiagnostics: boolean;
}

const P = 'properties';
/** Names Azure refuses as a Linux admin user: they exist in the image already. */
const RESERVED_USERS = ['root', 'admin', 'administrator', 'daemon', 'bin', 'sys', 'nobody', 'guest', 'user', 'test'];
/** cloud-init's limit on user data once decoded, as Azure's on customData. */
const MAX_CUSTOM_DATA = 64 * 1024;

export function validateVirtualMachineBody(
  ctx: SettingsContext,
  body: Record<string, unknown>,
  update = false,
): VirtualMachineSpec {
  const problems = new Problems();
  refuseUnknownFields(body, ['location', 'tags', 'properties'], '', problems, {
    readOnly: ['id', 'name', 'type', 'etag'],
  });
  const location = checkLocation(ctx, body.location, problems);
  const tags = checkTags(body.tags, problems);
  const props = objectAt(body.properties, P, problems);
  refuseUnknownFields(
    props,
    ['hardwareProfile', 'storageProfile', 'osProfile', 'networkProfile', 'diagnosticsProfile'],
    P,
    problems,
    { readOnly: ['vmId', 'provisioningState', 'timeCreated', 'instanceView'] },
  );
  const hardware = objectAt(props.hardwareProfile, `${P}.hardwareProfile`, problems);
  refuseUnknownFields(hardware, ['vmSize'], `${P}.hardwareProfile`, problems);
  const vmSize = requiredText(hardware.vmSize, `${P}.hardwareProfile.vmSize`, problems);
  const storage = objectAt(props.storageProfile, `${P}.storageProfile`, problems);
  refuseUnknownFields(storage, ['imageReference', 'osDisk', 'dataDisks'], `${P}.storageProfile`, problems);
  const dataDisks =
    storage.dataDisks === undefined || storage.dataDisks === null
      ? undefined
      : checkDataDisks(storage.dataDisks, `${P}.storageProfile.dataDisks`, problems);
  const spec: VirtualMachineSpec = {
    location,
    tags,
    vmSize,
    imageReference: checkImageReference(storage.imageReference, `${P}.storageProfile.imageReference`, problems),
    osDisk: checkOsDisk(storage.osDisk, `${P}.storageProfile.osDisk`, problems),
    ...(dataDisks ? { dataDisks } : {}),
    ...checkOsProfile(props.osProfile, `${P}.osProfile`, update, problems),
    networkInterfaces: checkNetworkProfile(props.networkProfile, `${P}.networkProfile`, problems),
    bootDiagnostics: checkBootDiagnostics(props.diagnosticsProfile, `${P}.diagnosticsProfile`, problems),
  };
  problems.throwIfAny();
  return spec;
}

function objectAt(value: unknown, target: string, problems: Problems, required = true): Record<string, unknown> {
  if (isObject(value)) return value;
  if (value !== undefined || required) problems.add(target, `Required parameter '${target}' is missing (null).`);
  return {};
}

function requiredText(value: unknown, target: string, problems: Problems): string {
  if (typeof value === 'string' && value.trim() !== '') return value;
  problems.add(target, `Required parameter '${target}' is missing (null).`);
  return '';
}

function optionalText(value: unknown, target: string, problems: Problems): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  problems.add(target, `'${target}' must be a string.`);
  return undefined;
}

/** A platform image (publisher, offer, sku, version) or a resource id: a managed image, a gallery version or definition. */
function checkImageReference(value: unknown, target: string, problems: Problems): ImageReference {
  const image = objectAt(value, target, problems);
  const ids = ['id', 'sharedGalleryImageId', 'communityGalleryImageId'] as const;
  const urn = ['publisher', 'offer', 'sku', 'version'] as const;
  refuseUnknownFields(image, [...urn, ...ids, 'exactVersion'], target, problems);
  const given = ids.filter((field) => image[field] !== undefined);
  if (given.length > 0) {
    if (given.length > 1 || urn.some((field) => image[field] !== undefined))
      problems.add(
        target,
        `Give one of '${target}.id', '${target}.sharedGalleryImageId', '${target}.communityGalleryImageId' or a publisher, offer, sku and version.`,
      );
    return { [given[0]]: optionalText(image[given[0]], `${target}.${given[0]}`, problems) };
  }
  const reference: ImageReference = {};
  for (const field of urn) reference[field] = requiredText(image[field], `${target}.${field}`, problems);
  return reference;
}

function checkOsDisk(value: unknown, target: string, problems: Problems): VirtualMachineSpec['osDisk'] {
  const disk = objectAt(value, target, problems, false);
  refuseUnknownFields(
    disk,
    ['name', 'createOption', 'caching', 'managedDisk', 'deleteOption', 'diskSizeGB', 'osType'],
    target,
    problems,
  );
  if (disk.createOption !== undefined && String(disk.createOption).toLowerCase() !== 'fromimage')
    problems.add(
      `${target}.createOption`,
      `The value '${String(disk.createOption)}' of '${target}.createOption' is not supported: Kiln makes a VM's OS disk FromImage.`,
    );
  if (disk.osType !== undefined && String(disk.osType).toLowerCase() !== 'linux')
    problems.add(`${target}.osType`, 'Kiln runs Linux VMs only so far; Windows images cannot be tested here yet.');
  const managed = objectAt(disk.managedDisk, `${target}.managedDisk`, problems, false);
  refuseUnknownFields(managed, ['storageAccountType', 'id'], `${target}.managedDisk`, problems);
  const name = optionalText(disk.name, `${target}.name`, problems);
  const id = optionalText(managed.id, `${target}.managedDisk.id`, problems);
  return {
    ...(name ? { name } : {}),
    ...(id ? { id } : {}),
    caching: enumValue(disk.caching, CACHING, `${target}.caching`, problems) ?? 'ReadWrite',
    storageAccountType:
      enumValue(managed.storageAccountType, DISK_SKUS, `${target}.managedDisk.storageAccountType`, problems) ??
      'Premium_LRS',
    deleteOption: enumValue(disk.deleteOption, DELETE_OPTIONS, `${target}.deleteOption`, problems) ?? 'Detach',
    diskSizeGB: integerIn(disk.diskSizeGB, 1, 4095, `${target}.diskSizeGB`, problems),
  };
}

function checkOsProfile(value: unknown, target: string, update: boolean, problems: Problems) {
  const os = objectAt(value, target, problems);
  refuseUnknownFields(
    os,
    [
      'computerName',
      'adminUsername',
      'adminPassword',
      'customData',
      'linuxConfiguration',
      'secrets',
      'allowExtensionOperations',
      'requireGuestProvisionSignal',
    ],
    target,
    problems,
  );
  if (Array.isArray(os.secrets) && os.secrets.length > 0)
    problems.add(
      `${target}.secrets`,
      'Kiln has no key vaults to take certificates from; leave out secrets.',
      'PropertyNotSupported',
    );
  const computerName = optionalText(os.computerName, `${target}.computerName`, problems);
  if (computerName !== undefined && !/^[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?$/.test(computerName))
    problems.add(
      `${target}.computerName`,
      `Linux host name '${computerName}' is not valid: 1 to 64 letters, digits and hyphens, not starting or ending with a hyphen.`,
    );
  const adminUsername = requiredText(os.adminUsername, `${target}.adminUsername`, problems);
  if (
    adminUsername &&
    (RESERVED_USERS.includes(adminUsername.toLowerCase()) || !/^[a-z_][a-z0-9_.-]{0,31}$/.test(adminUsername))
  )
    problems.add(
      `${target}.adminUsername`,
      `The Admin Username '${adminUsername}' is not allowed: use 1 to 32 lower-case letters, digits, '_', '.' or '-', not a name the image has (${RESERVED_USERS.join(', ')}).`,
    );
  const adminPassword = optionalText(os.adminPassword, `${target}.adminPassword`, problems);
  const linux = objectAt(os.linuxConfiguration, `${target}.linuxConfiguration`, problems, false);
  refuseUnknownFields(
    linux,
    ['disablePasswordAuthentication', 'ssh', 'provisionVMAgent'],
    `${target}.linuxConfiguration`,
    problems,
  );
  const ssh = objectAt(linux.ssh, `${target}.linuxConfiguration.ssh`, problems, false);
  refuseUnknownFields(ssh, ['publicKeys'], `${target}.linuxConfiguration.ssh`, problems);
  const publicKeys = checkPublicKeys(
    ssh.publicKeys,
    adminUsername,
    `${target}.linuxConfiguration.ssh.publicKeys`,
    problems,
    `${target}.adminUsername`,
  );
  // Kiln's guest agent (provisioning, run command) is always there, and a VM always signals its provisioning.
  if (linux.provisionVMAgent === false)
    problems.add(
      `${target}.linuxConfiguration.provisionVMAgent`,
      "Kiln always provisions its guest agent (it provisions the VM and runs its run commands): leave out 'provisionVMAgent' or give true.",
      'PropertyNotSupported',
    );
  if (os.requireGuestProvisionSignal === false)
    problems.add(
      `${target}.requireGuestProvisionSignal`,
      "Optional property 'requireGuestProvisionSignal' must either be set to True or omitted.",
    );
  if (os.allowExtensionOperations !== undefined && typeof os.allowExtensionOperations !== 'boolean')
    problems.add(`${target}.allowExtensionOperations`, `'${target}.allowExtensionOperations' must be true or false.`);
  const disablePasswordAuthentication =
    typeof linux.disablePasswordAuthentication === 'boolean'
      ? linux.disablePasswordAuthentication
      : adminPassword === undefined;
  if (disablePasswordAuthentication && publicKeys.length === 0)
    problems.add(
      `${target}.linuxConfiguration.ssh.publicKeys`,
      'Password authentication is disabled, so at least one SSH public key is required.',
    );
  // A change never holds the password (no GET shows it): only a new VM needs one to log in with.
  if (!disablePasswordAuthentication && adminPassword === undefined && !update)
    problems.add(
      `${target}.adminPassword`,
      `Required parameter '${target}.adminPassword' is missing (null): password authentication is enabled.`,
    );
  if (adminPassword !== undefined && linux.disablePasswordAuthentication === true)
    problems.add(`${target}.adminPassword`, 'adminPassword is given while password authentication is disabled.');
  if (adminPassword !== undefined && !strongPassword(adminPassword))
    problems.add(
      `${target}.adminPassword`,
      'The supplied password must be between 6-72 characters long and must satisfy at least 3 of password complexity requirements from the following: 1) Contains an uppercase character 2) Contains a lowercase character 3) Contains a numeric digit 4) Contains a special character 5) Control characters are not allowed',
    );
  return {
    computerName,
    adminUsername,
    adminPassword,
    publicKeys,
    disablePasswordAuthentication,
    ...(typeof os.allowExtensionOperations === 'boolean'
      ? { allowExtensionOperations: os.allowExtensionOperations }
      : {}),
    customData: checkCustomData(os.customData, `${target}.customData`, problems),
  };
}

function checkPublicKeys(
  value: unknown,
  user: string,
  target: string,
  problems: Problems,
  userPath: string,
): SshPublicKey[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.add(target, `'${target}' must be an array.`);
    return [];
  }
  const expected = `/home/${user}/.ssh/authorized_keys`;
  return value.flatMap((entry, i) => {
    const at = `${target}[${i}]`;
    const key = objectAt(entry, at, problems);
    refuseUnknownFields(key, ['path', 'keyData'], at, problems);
    const path = optionalText(key.path, `${at}.path`, problems) ?? expected;
    const keyData = requiredText(key.keyData, `${at}.keyData`, problems);
    if (path !== expected)
      problems.add(
        `${at}.path`,
        `The SSH public key path must be '${expected}' (the home of '${userPath}'), not '${path}'.`,
      );
    if (
      keyData &&
      !/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/.test(keyData.trim())
    )
      problems.add(
        `${at}.keyData`,
        'The value of keyData is not a valid SSH public key in OpenSSH format.',
        'InvalidParameter',
      );
    return keyData ? [{ path, keyData: keyData.trim() }] : [];
  });
}

function strongPassword(password: string): boolean {
  if (password.length < 6 || password.length > 72 || /[\x00-\x1f\x7f]/.test(password)) return false;
  return [/[A-Z]/, /[a-z]/, /\d/, /[^A-Za-z0-9]/].filter((rule) => rule.test(password)).length >= 3;
}

function checkCustomData(value: unknown, target: string, problems: Problems): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    problems.add(target, `'${target}' must be base64-encoded.`);
    return undefined;
  }
  const decoded = Buffer.from(value, 'base64');
  if (decoded.length > MAX_CUSTOM_DATA)
    problems.add(
      target,
      `Custom data is ${decoded.length} bytes once decoded; at most ${MAX_CUSTOM_DATA} are allowed.`,
    );
  return decoded.toString('utf8');
}

function checkNetworkProfile(
  value: unknown,
  target: string,
  problems: Problems,
): VirtualMachineSpec['networkInterfaces'] {
  const network = objectAt(value, target, problems);
  refuseUnknownFields(network, ['networkInterfaces'], target, problems);
  const list = network.networkInterfaces;
  if (!Array.isArray(list) || list.length === 0) {
    problems.add(`${target}.networkInterfaces`, 'At least one network interface is required.');
    return [];
  }
  const nics = list.map((entry, i) => {
    const at = `${target}.networkInterfaces[${i}]`;
    const nic = objectAt(entry, at, problems);
    refuseUnknownFields(nic, ['id', 'properties'], at, problems);
    const props = objectAt(nic.properties, `${at}.properties`, problems, false);
    refuseUnknownFields(props, ['primary', 'deleteOption'], `${at}.properties`, problems);
    return {
      id: requiredText(nic.id, `${at}.id`, problems),
      ...(typeof props.primary === 'boolean' ? { primary: props.primary } : {}),
      deleteOption:
        enumValue(props.deleteOption, DELETE_OPTIONS, `${at}.properties.deleteOption`, problems) ?? 'Detach',
    };
  });
  if (nics.length === 1 && nics[0].primary === false)
    problems.add(
      `${target}.networkInterfaces[0].properties.primary`,
      "A VM's only network interface is its primary: leave out 'primary' or give true.",
    );
  if (nics.length > 1 && nics.filter((nic) => nic.primary).length !== 1)
    problems.add(`${target}.networkInterfaces`, 'A VM with several network interfaces must mark exactly one primary.');
  return nics;
}

function checkBootDiagnostics(value: unknown, target: string, problems: Problems): boolean {
  const diagnostics = objectAt(value, target, problems, false);
  refuseUnknownFields(diagnostics, ['bootDiagnostics'], target, problems);
  const boot = objectAt(diagnostics.bootDiagnostics, `${target}.bootDiagnostics`, problems, false);
  refuseUnknownFields(boot, ['enabled', 'storageUri'], `${target}.bootDiagnostics`, problems);
  if (boot.storageUri !== undefined && boot.storageUri !== null)
    problems.add(
      `${target}.bootDiagnostics.storageUri`,
      'Kiln keeps boot diagnostics itself (managed storage); leave out storageUri.',
      'PropertyNotSupported',
    );
  return boot.enabled !== false;
}
