/**
 * The network a new VM is attached to, made through the Microsoft.Network API the way `az vm create`
 * makes it when given nothing (and `kiln vm create` does, src/cli/commands/vm-network.ts):
 *  - the subnet: the group's first virtual network in the VM's location with a subnet other than
 *    GatewaySubnet, else a new network `<vm>VNET` (10.0.0.0/16) with the subnet `<vm>Subnet` (10.0.0.0/24);
 *  - the security group `<vm>NSG` with az's `default-allow-ssh` rule (TCP 22 from anywhere), kept if it exists;
 *  - when asked, the Standard, Static public IP `<vm>PublicIP` (an address of Kiln's pool), kept if it exists;
 *  - the interface `<vm>VMNic` (IP configuration `ipconfig<vm>`, private address Dynamic).
 * Each step is reported as it starts and ends; `created` lists what was made, so a VM the API then
 * refuses leaves nothing behind (`removeCreated`).
 */
import { API_VERSIONS } from '../../arm/api-versions.ts';
import type { ArmClient } from '../../arm/client.ts';
import { ArmRequestError } from '../../arm/errors.ts';
import { sameRegion } from './vm-model.ts';
import { DEFAULT_SSH_RULE } from '../../../../src/core/default-ssh-rule.ts';

/** One step of a VM's create, as reported while it goes. */
export interface CreateStep {
  /** `virtual network vmVNET`. */
  what: string;
  state: 'working' | 'created' | 'reused' | 'failed' | 'removed';
}

export interface NetworkPlan {
  subscription: string;
  group: string;
  name: string;
  location: string;
  publicIp: boolean;
}

interface Subnet {
  id: string;
  name: string;
}

/** Makes what is missing; answers the interface's id and the ids made, oldest first. */
export async function prepareNetwork(
  client: ArmClient,
  plan: NetworkPlan,
  report: (step: CreateStep) => void,
  created: string[],
): Promise<string> {
  const group = `/subscriptions/${plan.subscription}/resourceGroups/${encodeURIComponent(plan.group)}/providers/Microsoft.Network`;
  const id = (type: string, name: string) => `${group}/${type}/${encodeURIComponent(name)}`;
  const step = async (what: string, path: string, body: Record<string, unknown>, reuse: boolean) => {
    report({ what, state: 'working' });
    try {
      if (reuse && (await exists(client, path))) {
        report({ what, state: 'reused' });
        return path;
      }
      await client.change('PUT', path, API_VERSIONS.network, { location: plan.location, ...body });
    } catch (error) {
      report({ what, state: 'failed' });
      throw error;
    }
    created.push(path);
    report({ what, state: 'created' });
    return path;
  };

  let subnet = await reusableSubnet(client, `${group}/virtualNetworks`, plan.location);
  if (subnet) report({ what: `subnet ${subnet.name}`, state: 'reused' });
  else {
    const [vnet, subnetName] = [`${plan.name}VNET`, `${plan.name}Subnet`];
    const path = await step(
      `virtual network ${vnet}`,
      id('virtualNetworks', vnet),
      {
        properties: {
          addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
          subnets: [{ name: subnetName, properties: { addressPrefix: '10.0.0.0/24' } }],
        },
      },
      false,
    );
    subnet = { id: `${path}/subnets/${encodeURIComponent(subnetName)}`, name: subnetName };
  }
  const nsg = await step(
    `network security group ${plan.name}NSG`,
    id('networkSecurityGroups', `${plan.name}NSG`),
    { properties: { securityRules: [DEFAULT_SSH_RULE] } },
    true,
  );
  const ip = plan.publicIp
    ? await step(
        `public IP address ${plan.name}PublicIP`,
        id('publicIPAddresses', `${plan.name}PublicIP`),
        { sku: { name: 'Standard' }, properties: { publicIPAllocationMethod: 'Static' } },
        true,
      )
    : undefined;
  return step(
    `network interface ${plan.name}VMNic`,
    id('networkInterfaces', `${plan.name}VMNic`),
    {
      properties: {
        networkSecurityGroup: { id: nsg },
        ipConfigurations: [
          {
            name: `ipconfig${plan.name}`,
            properties: {
              privateIPAllocationMethod: 'Dynamic',
              subnet: { id: subnet.id },
              ...(ip ? { publicIPAddress: { id: ip } } : {}),
            },
          },
        ],
      },
    },
    false,
  );
}

/** az's reuse: the group's first network in the location with a subnet other than GatewaySubnet. */
async function reusableSubnet(client: ArmClient, networks: string, location: string): Promise<Subnet | undefined> {
  const found = await client.list<{ location: string; properties: { subnets?: Subnet[] } }>(
    networks,
    API_VERSIONS.network,
  );
  for (const network of found.filter((n) => sameRegion(n.location, location))) {
    const subnet = network.properties.subnets?.find((s) => s.name.toLowerCase() !== 'gatewaysubnet');
    if (subnet) return subnet;
  }
  return undefined;
}

async function exists(client: ArmClient, path: string): Promise<boolean> {
  try {
    await client.get(path, API_VERSIONS.network);
    return true;
  } catch (error) {
    if (error instanceof ArmRequestError && error.status === 404) return false;
    throw error;
  }
}

/** Deletes what `prepareNetwork` made, newest first; answers the ids it could not delete. */
export async function removeCreated(
  client: ArmClient,
  created: readonly string[],
  report: (step: CreateStep) => void,
): Promise<string[]> {
  const left: string[] = [];
  for (const path of [...created].reverse()) {
    try {
      await client.change('DELETE', path, API_VERSIONS.network);
      report({ what: describePath(path), state: 'removed' });
    } catch {
      left.push(path);
    }
  }
  return left;
}

const NOUNS: Record<string, string> = {
  virtualnetworks: 'virtual network',
  networksecuritygroups: 'network security group',
  publicipaddresses: 'public IP address',
  networkinterfaces: 'network interface',
};

/** `network interface vmVMNic` for an id, as the steps name what they made. */
function describePath(path: string): string {
  const [type, name] = path.split('/').slice(-2);
  return `${NOUNS[type.toLowerCase()] ?? type} ${decodeURIComponent(name)}`;
}
