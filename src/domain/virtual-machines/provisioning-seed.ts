/**
 * What a VM's first boot is told through cloud-init's NoCloud data, as Azure's provisioning does it
 * on Linux: the host name (`computerName`), the admin user with sudo, its SSH keys and, when given,
 * its password (SSH password login only then), the user's `customData` as cloud-init user data, and
 * Kiln's agent account (`kiln-agent`, passwordless sudo, key login only), which run command uses as
 * Azure's runs through its VM agent.
 *
 * The instance id is the VM's `vmId`, so cloud-init provisions once and later boots keep what the
 * guest changed, as on Azure. Kiln's cloud-config is JSON (YAML's subset, so nothing needs quoting);
 * with custom data both travel as one MIME multipart document, the user's part first and Kiln's last,
 * merged with `append`, so custom data that lists its own users keeps them and gets the admin too.
 */
import type { VirtualMachine, VirtualMachineInternal } from './virtual-machine.ts';

export interface ProvisioningSeed {
  metaData: string;
  userData: string;
}

const BOUNDARY = '==kiln-provisioning==';
/** How cloud-init reads a custom data part, by its first line. */
const PART_TYPES: Array<[RegExp, string]> = [
  [/^#cloud-config/, 'text/cloud-config'],
  [/^#!/, 'text/x-shellscript'],
  [/^#include/, 'text/x-include-url'],
  [/^#cloud-boothook/, 'text/cloud-boothook'],
];

/** Kiln's agent account (run command): its name in the guest and the key line that lets it in. */
export interface AgentAccount {
  user: string;
  authorizedKey: string;
}

export function provisioningSeed(
  vm: VirtualMachine,
  internal: VirtualMachineInternal,
  agent?: AgentAccount,
): ProvisioningSeed {
  const os = vm.properties.osProfile;
  const password = internal.adminPassword;
  const config: Record<string, unknown> = {
    hostname: os.computerName,
    users: [
      ...(agent
        ? [
            {
              name: agent.user,
              gecos: 'Kiln agent (run command)',
              sudo: 'ALL=(ALL) NOPASSWD:ALL',
              shell: '/bin/sh',
              lock_passwd: true,
              ssh_authorized_keys: [agent.authorizedKey],
            },
          ]
        : []),
      {
        name: os.adminUsername,
        groups: ['sudo'],
        sudo: 'ALL=(ALL) NOPASSWD:ALL',
        shell: '/bin/bash',
        lock_passwd: password === undefined,
        ssh_authorized_keys: (os.linuxConfiguration.ssh?.publicKeys ?? []).map((key) => key.keyData),
      },
    ],
    ssh_pwauth: !os.linuxConfiguration.disablePasswordAuthentication && password !== undefined,
    ...(password !== undefined
      ? { chpasswd: { expire: false, users: [{ name: os.adminUsername, password, type: 'text' }] } }
      : {}),
  };
  const metaData = `instance-id: ${vm.properties.vmId}\nlocal-hostname: ${os.computerName}\n`;
  if (internal.customData === undefined) return { metaData, userData: `#cloud-config\n${JSON.stringify(config)}\n` };
  const merged = {
    ...config,
    merge_how: [
      { name: 'list', settings: ['append'] },
      { name: 'dict', settings: ['no_replace', 'recurse_list'] },
    ],
  };
  const userType = PART_TYPES.find(([first]) => first.test(internal.customData!))?.[1] ?? 'text/plain';
  const userData = [
    `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
    'MIME-Version: 1.0',
    '',
    `--${BOUNDARY}`,
    `Content-Type: ${userType}; charset="utf-8"`,
    '',
    internal.customData,
    `--${BOUNDARY}`,
    'Content-Type: text/cloud-config; charset="utf-8"',
    '',
    `#cloud-config\n${JSON.stringify(merged)}`,
    `--${BOUNDARY}--`,
    '',
  ].join('\n');
  return { metaData, userData };
}
