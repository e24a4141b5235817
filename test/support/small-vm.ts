/**
 * The body of a small Linux VM (Standard_B1s, its OS disk deleted with it, SSH key login) on one
 * network interface, for tests that boot the power-button disk (power-button-disk.ts) and care about
 * what happens around the boot, not about the VM's own settings.
 */
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
