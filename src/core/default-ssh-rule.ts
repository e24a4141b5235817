/**
 * The security rule `az vm create` puts in the network security group it makes for a Linux VM: SSH
 * in from anywhere. One rule for Kiln's CLI (`kiln vm create`) and the portal's create form, so a VM
 * made either way is reachable alike.
 */
export const DEFAULT_SSH_RULE = {
  name: 'default-allow-ssh',
  properties: {
    protocol: 'Tcp',
    sourcePortRange: '*',
    destinationPortRange: '22',
    sourceAddressPrefix: '*',
    destinationAddressPrefix: '*',
    access: 'Allow',
    priority: 1000,
    direction: 'Inbound',
  },
} as const;
