/**
 * How to reach a VM: `ssh <admin>@<address>` at the public IP of its first interface that has one
 * (an address of this host from Kiln's pool), with a button to copy it; says so when it has none.
 */
import type { ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { useSession } from '../../session/session-context.tsx';
import { CopyButton } from '../../ui/copy-button.tsx';
import type { VirtualMachine } from './vm-model.ts';

interface NetworkInterface {
  properties: { ipConfigurations?: { properties: { publicIPAddress?: { id: string } } }[] };
}

export function SshCommand(props: { vm: VirtualMachine }): ReactNode {
  const { client } = useSession();
  const nics = (props.vm.properties.networkProfile?.networkInterfaces ?? []).map((nic) => nic.id);
  const address = useLoad(async () => {
    for (const id of nics) {
      const nic = await client.get<NetworkInterface>(id, API_VERSIONS.network);
      const ip = nic.properties.ipConfigurations?.find((c) => c.properties.publicIPAddress)?.properties.publicIPAddress
        ?.id;
      if (ip)
        return (
          (await client.get<{ properties: { ipAddress?: string } }>(ip, API_VERSIONS.network)).properties.ipAddress ??
          null
        );
    }
    return null;
  }, [client, nics.join(',')]);
  if (address.data === undefined) return address.error ? 'Its network interface could not be read.' : '…';
  if (address.data === null) return 'No public IP address: the VM is reached from its virtual network only.';
  const command = `ssh ${props.vm.properties.osProfile?.adminUsername ?? 'azureuser'}@${address.data}`;
  return (
    <span className="vm-ssh">
      <code>{command}</code> <CopyButton text={command} label="Copy the SSH command" />
    </span>
  );
}
