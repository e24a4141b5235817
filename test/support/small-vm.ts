/**
 * The body of a small Linux VM (Standard_B1s, its OS disk deleted with it, SSH key login) on one
 * network interface, for tests that boot the power-button disk (power-button-disk.ts) and care about
 * what happens around the boot, not about the VM's own settings.
 */
import { importPlatformImage } from '../../src/app/platform-images.ts';
import { powerButtonDisk } from './power-button-disk.ts';
import type { TestServer } from './test-server.ts';

const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForSmallTestVmsOnly0000000000000000000 small@test';

export function smallVm(options: {
  location: string;
  computerName: string;
  nicId: string;
  imageReference: Record<string, string | undefined>;
  bootDiagnostics?: boolean;
}) {
  return {
    location: options.location,
    hardwareProfile: { vmSize: 'Standard_B1s' },
    storageProfile: {
      imageReference: options.imageReference,
      osDisk: { createOption: 'FromImage' as const, deleteOption: 'Delete' },
    },
    osProfile: {
      computerName: options.computerName,
      adminUsername: 'azureuser',
      linuxConfiguration: {
        disablePasswordAuthentication: true,
        ssh: { publicKeys: [{ path: '/home/azureuser/.ssh/authorized_keys', keyData: SSH_KEY }] },
      },
    },
    networkProfile: { networkInterfaces: [{ id: options.nicId }] },
    ...(options.bootDiagnostics ? { diagnosticsProfile: { bootDiagnostics: { enabled: true } } } : {}),
  };
}

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body?: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- ARM bodies are free-form

/**
 * The resource group `group` (its id) in `location` with a virtual network (`vnet`, subnet `default`),
 * made by plain ARM calls; answers what makes a network interface on it by name (its id).
 */
export async function smallVmNetwork(call: Call, group: string, location: string) {
  const made = <T extends { status: number; body?: unknown }>(answer: T): T => {
    if (answer.status >= 300) throw new Error(JSON.stringify(answer.body));
    return answer;
  };
  made(await call('PUT', `${group}?api-version=2022-09-01`, { location }));
  const net = `${group}/providers/Microsoft.Network`;
  made(
    await call('PUT', `${net}/virtualNetworks/vnet?api-version=2024-05-01`, {
      location,
      properties: {
        addressSpace: { addressPrefixes: ['10.1.0.0/16'] },
        subnets: [{ name: 'default', properties: { addressPrefix: '10.1.0.0/24' } }],
      },
    }),
  );
  return async (name: string): Promise<string> =>
    made(
      await call('PUT', `${net}/networkInterfaces/${name}?api-version=2024-05-01`, {
        location,
        properties: {
          ipConfigurations: [
            { name: 'ip', properties: { subnet: { id: `${net}/virtualNetworks/vnet/subnets/default` } } },
          ],
        },
      }),
    ).body.id;
}

/** The power-button disk (power-button-disk.ts) as the platform image `image` of `kiln`: a guest that boots in seconds. */
export async function importPowerButtonImage(
  kiln: TestServer,
  image: { publisher: string; offer: string; sku: string; version: string },
): Promise<void> {
  await importPlatformImage(kiln.server.kiln, {
    ...image,
    hyperVGeneration: 'V1',
    file: (await powerButtonDisk()).path,
  });
}
