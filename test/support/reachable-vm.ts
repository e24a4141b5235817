/**
 * What a test needs before it boots a VM it can SSH into, through the SDKs as a user sets it up: the
 * bootstrapped Debian (debian-image.ts) as the platform image Debian:debian-12:12:1.0.0, an SSH key
 * pair, and in the resource group a network `vnet` (subnet `default`), a security group `nsg` letting
 * port 22 in, a Static Standard public IP `ip` (a loopback address of Kiln's pool) and an interface
 * for each name asked, the first holding the public IP; then `ssh` to run commands in the VM as its
 * admin at that address.
 */
import type { NetworkManagementClient } from '@azure/arm-network';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importPlatformImage } from '../../src/app/platform-images.ts';
import { debianImage } from './debian-image.ts';
import type { TestServer } from './test-server.ts';

/** The platform image the Debian disk is published as, `latest` resolving to 1.0.0. */
export const DEBIAN_REFERENCE = { publisher: 'Debian', offer: 'debian-12', sku: '12', version: 'latest' };

export async function importDebian(kiln: TestServer): Promise<void> {
  await importPlatformImage(kiln.server.kiln, {
    ...DEBIAN_REFERENCE,
    version: '1.0.0',
    hyperVGeneration: 'V1',
    file: await debianImage(),
  });
}

export interface SshKeys {
  publicKey: string;
  privateKeyFile: string;
  remove(): Promise<void>;
}

export async function makeSshKeys(): Promise<SshKeys> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-vm-keys-'));
  const privateKeyFile = join(dir, 'id_ed25519');
  assert.equal(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', privateKeyFile]).status, 0);
  return {
    publicKey: (await readFile(`${privateKeyFile}.pub`, 'utf8')).trim(),
    privateKeyFile,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Makes the network; answers the public IP's address and the interfaces' ids, by name. */
export async function makeReachableNetwork(
  network: NetworkManagementClient,
  group: { subscription: string; name: string; location: string },
  interfaces: string[],
): Promise<{ address: string; nicIds: Record<string, string> }> {
  const { location } = group;
  const id = (type: string, name: string) =>
    `/subscriptions/${group.subscription}/resourceGroups/${group.name}/providers/Microsoft.Network/${type}/${name}`;
  await network.virtualNetworks.beginCreateOrUpdateAndWait(group.name, 'vnet', {
    location,
    addressSpace: { addressPrefixes: ['10.1.0.0/16'] },
    subnets: [{ name: 'default', addressPrefix: '10.1.0.0/24' }],
  });
  await network.networkSecurityGroups.beginCreateOrUpdateAndWait(group.name, 'nsg', {
    location,
    securityRules: [
      {
        name: 'ssh',
        priority: 1000,
        direction: 'Inbound',
        access: 'Allow',
        protocol: 'Tcp',
        sourceAddressPrefix: '*',
        sourcePortRange: '*',
        destinationAddressPrefix: '*',
        destinationPortRange: '22',
      },
    ],
  });
  const ip = await network.publicIPAddresses.beginCreateOrUpdateAndWait(group.name, 'ip', {
    location,
    publicIPAllocationMethod: 'Static',
    sku: { name: 'Standard' },
  });
  const nicIds: Record<string, string> = {};
  for (const [i, name] of interfaces.entries()) {
    await network.networkInterfaces.beginCreateOrUpdateAndWait(group.name, name, {
      location,
      networkSecurityGroup: { id: id('networkSecurityGroups', 'nsg') },
      ipConfigurations: [
        {
          name: 'ipconfig1',
          subnet: { id: `${id('virtualNetworks', 'vnet')}/subnets/default` },
          ...(i === 0 ? { publicIPAddress: { id: id('publicIPAddresses', 'ip') } } : {}),
        },
      ],
    });
    nicIds[name] = id('networkInterfaces', name);
  }
  return { address: ip.ipAddress!, nicIds };
}

/** Runs commands in the VM as `azureuser` over SSH at `address`, port 22. */
export function sshTo(address: string, keys: SshKeys) {
  const ssh = (command: string) =>
    spawnSync(
      'ssh',
      [
        ...['-F', '/dev/null', '-i', keys.privateKeyFile, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no'],
        ...['-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=10'],
        `azureuser@${address}`,
        command,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
  /** SSH answering: sshd may come up a moment after the console's login prompt. */
  const sshWhenUp = async (command: string, attempts = 30) => {
    for (let attempt = 0; ; attempt++) {
      const result = ssh(command);
      if (result.status !== 255 || attempt === attempts) return result;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  };
  return { ssh, sshWhenUp };
}
