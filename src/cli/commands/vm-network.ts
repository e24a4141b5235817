/**
 * The network `kiln vm create` attaches a VM to, made through the Microsoft.Network API as
 * `az vm create` makes it when not given (azure-cli's _validate_vm_vmss_create_vnet and template
 * builder):
 *  - a subnet: `--subnet` as an id; else `--vnet-name` and `--subnet`; else, with neither, the first
 *    virtual network of the group in the VM's location with a subnet (not GatewaySubnet), as az reuses
 *    one; else a new network `<vm>VNET` (10.0.0.0/16) with subnet `<vm>Subnet` (10.0.0.0/24);
 *  - a network security group `--nsg` (default `<vm>NSG`; `""` for none), made when missing with az's
 *    `default-allow-ssh` rule (priority 1000, TCP 22 from anywhere) unless `--nsg-rule NONE`;
 *  - a public IP `--public-ip-address` (default `<vm>PublicIP`; `""` for none), made when missing:
 *    Standard and Static unless `--public-ip-sku Basic` (then Dynamic, az's default for Basic);
 *  - the interface `<vm>VMNic` with IP configuration `ipconfig<vm>`, its private address Dynamic.
 * `--nics` names existing interfaces instead, the first primary. What this makes is listed, so a VM
 * the API refuses leaves nothing behind (`removeCreated`).
 */
import { ArmError } from '../../core/arm-error.ts';
import { UsageError, type Args } from '../arm/args.ts';
import type { Context } from '../arm/command.ts';
import { resourceId, type ResourceKind } from '../arm/resources.ts';
import type { Session } from '../arm/session.ts';
import { NIC, NSG, PUBLIC_IP, VNET } from './vm-kinds.ts';
import { DEFAULT_SSH_RULE } from '../../core/default-ssh-rule.ts';

interface VmNetwork {
  /** The interfaces, the first primary. */
  nics: string[];
  /** Ids of what was made here, oldest first. */
  created: string[];
}

interface Subnet {
  id: string;
  name: string;
}

const NETWORK_FLAGS = [
  'vnet-name',
  'subnet',
  'nsg',
  'public-ip-address',
  'vnet-address-prefix',
  'subnet-address-prefix',
];

export async function prepareNetwork(
  ctx: Context,
  session: Session,
  placement: { name: string; location: string; tags?: Record<string, string> },
): Promise<VmNetwork> {
  const { args } = ctx;
  const group = args.required('resource-group');
  const id = (kind: ResourceKind, name: string) => resourceId(kind, session.subscription, group, [name]);
  const nics = args.list('nics');
  if (nics) {
    const clash = NETWORK_FLAGS.filter((flag) => args.string(flag) !== undefined);
    if (clash.length > 0)
      throw new UsageError(`usage error: --nics cannot be used with ${clash.map((f) => `--${f}`).join(', ')}`);
    return { nics: nics.map((nic) => (nic.startsWith('/') ? nic : id(NIC, nic))), created: [] };
  }

  const created: string[] = [];
  const made = async (resourcePath: string, noun: string, body: Record<string, unknown>) => {
    ctx.progress.update(`- Creating ${noun} '${resourcePath.split('/').pop()}' ..`);
    await session.client.longRunning('PUT', resourcePath, VNET.apiVersion, {
      body: { location: placement.location, tags: placement.tags, ...body },
    });
    created.push(resourcePath);
    return resourcePath;
  };
  try {
    const subnet = await subnetOf(session, args, placement, id, made);
    const nsgName = args.string('nsg') ?? `${placement.name}NSG`;
    const nsg =
      nsgName === ''
        ? undefined
        : await existingOr(session, id(NSG, nsgName), () => newNsg(args, id(NSG, nsgName), made));
    const ipName = args.string('public-ip-address') ?? `${placement.name}PublicIP`;
    const ip =
      ipName === ''
        ? undefined
        : await existingOr(session, id(PUBLIC_IP, ipName), () => newPublicIp(args, id(PUBLIC_IP, ipName), made));
    const nic = await made(id(NIC, `${placement.name}VMNic`), NIC.noun, {
      properties: {
        ipConfigurations: [
          {
            name: `ipconfig${placement.name}`,
            properties: {
              privateIPAllocationMethod: 'Dynamic',
              subnet: { id: subnet.id },
              ...(ip ? { publicIPAddress: { id: ip } } : {}),
            },
          },
        ],
        ...(nsg ? { networkSecurityGroup: { id: nsg } } : {}),
      },
    });
    return { nics: [nic], created };
  } catch (error) {
    await removeCreated(ctx, session, created);
    throw error;
  }
}

type Make = (path: string, noun: string, body: Record<string, unknown>) => Promise<string>;

async function subnetOf(
  session: Session,
  args: Args,
  placement: { name: string; location: string },
  id: (kind: ResourceKind, name: string) => string,
  made: Make,
): Promise<Subnet> {
  const given = args.string('subnet');
  if (given?.startsWith('/')) return { id: given, name: given.split('/').pop()! };
  let vnetName = args.string('vnet-name');
  let subnetName = given;
  if (vnetName === undefined && subnetName === undefined) {
    const reused = await reusableSubnet(session, args.required('resource-group'), placement.location);
    if (reused) return reused;
  }
  vnetName ??= `${placement.name}VNET`;
  subnetName ??= `${placement.name}Subnet`;
  const vnetPath = id(VNET, vnetName);
  const existing = (await getIfExists(session, vnetPath)) as { properties: { subnets?: Subnet[] } } | undefined;
  if (existing) {
    const subnet = existing.properties.subnets?.find((s) => s.name.toLowerCase() === subnetName.toLowerCase());
    if (subnet) return subnet;
    throw new UsageError(
      `usage error: virtual network '${vnetName}' has no subnet '${subnetName}' (it has: ${(existing.properties.subnets ?? []).map((s) => s.name).join(', ') || 'none'}); name one of them with --subnet.`,
    );
  }
  await made(vnetPath, VNET.noun, {
    properties: {
      addressSpace: { addressPrefixes: [args.string('vnet-address-prefix') ?? '10.0.0.0/16'] },
      subnets: [
        { name: subnetName, properties: { addressPrefix: args.string('subnet-address-prefix') ?? '10.0.0.0/24' } },
      ],
    },
  });
  return { id: `${vnetPath}/subnets/${encodeURIComponent(subnetName)}`, name: subnetName };
}

/** az's reuse: the group's first network in the VM's location with a subnet other than GatewaySubnet. */
async function reusableSubnet(session: Session, group: string, location: string): Promise<Subnet | undefined> {
  const collection = `/subscriptions/${encodeURIComponent(session.subscription)}/resourceGroups/${encodeURIComponent(group)}/providers/${VNET.provider}/virtualNetworks`;
  const networks = (await session.client.list(collection, VNET.apiVersion)) as Array<{
    location: string;
    properties: { subnets?: Subnet[] };
  }>;
  const same = (a: string, b: string) => a.replace(/\s/g, '').toLowerCase() === b.replace(/\s/g, '').toLowerCase();
  for (const network of networks.filter((n) => same(n.location, location))) {
    const subnet = network.properties.subnets?.find((s) => s.name.toLowerCase() !== 'gatewaysubnet');
    if (subnet) return subnet;
  }
  return undefined;
}

function newNsg(args: Args, path: string, made: Make) {
  const rules = args.string('nsg-rule') === 'NONE' ? [] : [DEFAULT_SSH_RULE];
  return made(path, NSG.noun, { properties: { securityRules: rules } });
}

function newPublicIp(args: Args, path: string, made: Make) {
  const sku = args.string('public-ip-sku') ?? 'Standard';
  return made(path, PUBLIC_IP.noun, {
    sku: { name: sku },
    properties: { publicIPAllocationMethod: sku === 'Standard' ? 'Static' : 'Dynamic' },
  });
}

async function existingOr(session: Session, path: string, make: () => Promise<string>): Promise<string> {
  return (await getIfExists(session, path)) ? path : make();
}

async function getIfExists(session: Session, path: string): Promise<unknown> {
  try {
    return await session.client.get(path, VNET.apiVersion);
  } catch (error) {
    if (error instanceof ArmError && error.status === 404) return undefined;
    throw error;
  }
}

/** Deletes what `prepareNetwork` made, newest first; a delete that fails is reported, not thrown, so the cause shows. */
export async function removeCreated(ctx: Context, session: Session, created: string[]): Promise<void> {
  for (const path of [...created].reverse()) {
    try {
      await session.client.longRunning('DELETE', path, VNET.apiVersion);
    } catch (error) {
      ctx.progress.line(`WARNING: could not delete ${path}: ${(error as Error).message}`);
    }
  }
}
