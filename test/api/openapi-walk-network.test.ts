// Issue 18's rule for the Microsoft.Network types Kiln serves, checked by walking the spec's models
// (test/api/spec-models/Network-2026-01-01-*.json, read by test/support/openapi-walk.ts) at the
// newest SDK's api-version (@azure/arm-network 39: 2026-01-01) and @azure/arm-network 36's
// (2025-05-01): every property a client may write comes back from a PUT of a new resource with the
// value sent, or is refused with a 4xx naming its path. The probes start from the smallest valid body
// of each type; a probe of a reference names a resource of the right type that exists, one of an own
// id or type the one the resource gets (NRP ignores what a body says there), one of an address a valid
// one in the range the probe's resource has. DEPARTURES lists what Kiln does otherwise today, with
// why; the test fails on a new departure and on one that is gone. The walks share one server and run
// side by side.
import { after, before, describe, it } from 'node:test';
import { assertDepartures, readSpecModel, startWalkServer, walkModel, type Leaf } from '../support/openapi-walk.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ARM bodies are free-form
type Json = any;

const API_VERSIONS = ['2026-01-01', '2025-05-01'];

/** Probe (path = value) to why Kiln departs from the rule there, per model. */
const DEPARTURES: Record<string, Record<string, string>> = {
  VirtualNetwork: {},
  Subnet: {},
  NetworkSecurityGroup: {},
  SecurityRule: {},
  PublicIPAddress: {},
  NetworkInterface: {
    'properties.ipConfigurations[0].properties.primary = false':
      "a network interface's one IP configuration is its primary, which NRP answers true whatever the body says (its published NetworkInterfaceCreate example answers true for a configuration sent without); Kiln does the same, where several configurations need exactly one primary",
  },
};

/** A rule's properties that let traffic to port 22 in, at `priority`. */
const ruleProperties = (priority: number) => ({
  protocol: 'Tcp',
  access: 'Allow',
  priority,
  direction: 'Inbound',
  sourcePortRange: '*',
  destinationPortRange: '22',
  sourceAddressPrefix: '*',
  destinationAddressPrefix: '*',
});

/** A probe of a rule's plural field (`sourcePortRanges`) drops its singular, which a rule may not give beside it. */
function prepareRule(properties: Json, field: string | undefined) {
  if (field && /^(source|destination)(PortRanges|AddressPrefixes)$/.test(field))
    delete properties[field.replace(/Ranges$/, 'Range').replace(/Prefixes$/, 'Prefix')];
}

/** Values a rule's leaves take (`at` the path of the rule's properties). */
function ruleValues(path: string, at: string): string | undefined {
  if (!path.startsWith(`${at}.`)) return undefined;
  const field = path.slice(at.length + 1);
  if (/^(source|destination)PortRanges\[0\]$/.test(field)) return '8080';
  if (/^(source|destination)PortRange$/.test(field)) return '22';
  if (/^(source|destination)AddressPrefix$/.test(field)) return '10.1.0.0/16';
  if (/^(source|destination)AddressPrefixes\[0\]$/.test(field)) return '10.2.0.0/16';
  return undefined;
}

describe('Microsoft.Network: every writable property of the 2026-01-01 models', { concurrency: true }, () => {
  let walker: Awaited<ReturnType<typeof startWalkServer>>;
  let network: string;
  let nsg: string;

  before(async () => {
    walker = await startWalkServer({ workers: 0 });
    network = `${walker.group}/providers/Microsoft.Network`;
    nsg = `${network}/networkSecurityGroups/walk-nsg`;
    const made = [
      await walker.call('PUT', nsg, { location: 'westus' }),
      // The network interface walk's subnet, and a public IP address for each api-version's probe of one.
      await walker.call('PUT', `${network}/virtualNetworks/walk-nics`, {
        location: 'westus',
        properties: {
          addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
          subnets: [{ name: 'default', properties: { addressPrefix: '10.0.0.0/20' } }],
        },
      }),
      ...(await Promise.all(
        API_VERSIONS.map((version) =>
          walker.call('PUT', `${network}/publicIPAddresses/walk-pip-${version}`, { location: 'westus' }),
        ),
      )),
      // The subnet walk's network: each probe a /24 of its own.
      await walker.call('PUT', `${network}/virtualNetworks/walk-subnets`, {
        location: 'westus',
        properties: { addressSpace: { addressPrefixes: ['10.0.0.0/8'] } },
      }),
    ];
    for (const answer of made) if (answer.status >= 300) throw new Error(JSON.stringify(answer.body));
  });
  after(() => walker.kiln.stop());

  /** Values every network walk gives a leaf, by the end of its path. */
  const common = (path: string): string | undefined => {
    if (path === 'location') return 'westus';
    if (path === 'extendedLocation.name') return 'losangeles';
    if (path.endsWith('networkSecurityGroup.id')) return nsg;
    if (path.endsWith('dnsServers[0]')) return '10.0.0.4';
    if (path.endsWith('ApplicationSecurityGroups[0].id')) return `${network}/applicationSecurityGroups/walk-asg`;
    return undefined;
  };

  /** PUTs a probe's body at `parent/collection/{name}`: the name its own id in the body gives (`self-…`), else `fallback`. */
  const putProbe = (parent: string, collection: string, apiVersion: string, body: Json, fallback: string) => {
    const name = new RegExp(`/${collection}/(self[^/"]*)`).exec(JSON.stringify(body))?.[1] ?? fallback;
    return walker.call('PUT', `${parent}/${collection}/${name}?api-version=${apiVersion}`, body);
  };

  for (const apiVersion of API_VERSIONS) {
    const v = apiVersion.replaceAll('-', '');

    it(`virtual networks: each property stored and returned, or refused naming its path (api-version ${apiVersion})`, async (t) => {
      const self = `${network}/virtualNetworks/self-${v}`;
      const subnetProbe = (path: string) => path.startsWith('properties.subnets[0].');
      const result = await walkModel({
        definitions: await readSpecModel('Network-2026-01-01-virtual-network.json'),
        root: 'VirtualNetwork',
        base: () => ({ location: 'westus', properties: { addressSpace: { addressPrefixes: ['10.0.0.0/16'] } } }),
        strings: (path) => {
          if (path === 'id') return self;
          if (path === 'properties.subnets[0].id') return `${self}/subnets/default`;
          if (path === 'properties.subnets[0].name') return 'default';
          if (path === 'properties.subnets[0].type') return 'Microsoft.Network/virtualNetworks/subnets';
          if (path === 'properties.addressSpace.addressPrefixes[0]') return '10.0.0.0/16';
          if (subnetProbe(path) && /addressPrefix(es\[0\])?$/.test(path)) return '10.0.0.0/24';
          return common(path);
        },
        // A subnet made for a probe has a name and a prefix, unless the probe gives one.
        newItem: (arrayPath, path) =>
          arrayPath === 'properties.subnets[0]'
            ? {
                name: 'default',
                properties: path.includes('.addressPrefixes') ? {} : { addressPrefix: '10.0.0.0/24' },
              }
            : {},
        put: (n, body) => putProbe(network, 'virtualNetworks', apiVersion, body, `walk-${v}-${n}`),
      });
      assertDepartures(t, result, DEPARTURES.VirtualNetwork);
    });

    it(`subnets: each property stored and returned, or refused naming its path (api-version ${apiVersion})`, async (t) => {
      const vnet = `${network}/virtualNetworks/walk-subnets`;
      // Each probe's own /24 of the network's 10.0.0.0/8, apart from the other api-version's.
      const prefix = (n: number) =>
        `10.${API_VERSIONS.indexOf(apiVersion) * 100 + Math.floor(n / 256)}.${n % 256}.0/24`;
      const result = await walkModel({
        definitions: await readSpecModel('Network-2026-01-01-virtual-network.json'),
        root: 'Subnet',
        base: (n) => ({ properties: { addressPrefix: prefix(n) } }),
        strings: (path) => common(path),
        values: (leaf: Leaf) => {
          // A prefix no base body takes.
          if (leaf.path === 'properties.addressPrefix') return [prefix(255 * 256)];
          if (leaf.path === 'properties.addressPrefixes[0]') return [prefix(255 * 256 + 1)];
          if (leaf.path === 'id') return [`${vnet}/subnets/self-${v}`];
          if (leaf.path === 'name') return [`self-${v}-name`];
          if (leaf.path === 'type') return ['Microsoft.Network/virtualNetworks/subnets'];
          return undefined;
        },
        prepare: (body, path) => {
          if (path === 'properties.addressPrefixes[0]') delete body.properties.addressPrefix;
        },
        put: (n, body) =>
          putProbe(vnet, 'subnets', apiVersion, body, typeof body.name === 'string' ? body.name : `walk-${v}-${n}`),
      });
      assertDepartures(t, result, DEPARTURES.Subnet);
    });

    it(`network security groups: each property stored and returned, or refused naming its path (api-version ${apiVersion})`, async (t) => {
      const self = `${network}/networkSecurityGroups/self-${v}`;
      const rule = 'properties.securityRules[0]';
      const result = await walkModel({
        definitions: await readSpecModel('Network-2026-01-01-network-security-group.json'),
        root: 'NetworkSecurityGroup',
        base: () => ({ location: 'westus' }),
        strings: (path) => {
          if (path === 'id') return self;
          if (path === `${rule}.id`) return `${self}/securityRules/rule`;
          if (path === `${rule}.name`) return 'rule';
          if (path === `${rule}.type`) return 'Microsoft.Network/networkSecurityGroups/securityRules';
          return ruleValues(path, `${rule}.properties`) ?? common(path);
        },
        values: (leaf) => (leaf.path === `${rule}.properties.priority` ? [200] : undefined),
        newItem: (arrayPath, path) => {
          if (arrayPath !== rule) return {};
          const properties = ruleProperties(100);
          prepareRule(properties, /\.properties\.(\w+)/.exec(path)?.[1]);
          return { name: 'rule', properties };
        },
        put: (n, body) => putProbe(network, 'networkSecurityGroups', apiVersion, body, `walk-${v}-${n}`),
      });
      assertDepartures(t, result, DEPARTURES.NetworkSecurityGroup);
    });

    it(`security rules: each property stored and returned, or refused naming its path (api-version ${apiVersion})`, async (t) => {
      const group = `${network}/networkSecurityGroups/walk-rules-${v}`;
      const made = await walker.call('PUT', group, { location: 'westus' });
      if (made.status >= 300) throw new Error(JSON.stringify(made.body));
      const result = await walkModel({
        definitions: await readSpecModel('Network-2026-01-01-network-security-group.json'),
        root: 'SecurityRule',
        // Each probe's rule a priority of its own, in the one group.
        base: (n) => ({ properties: ruleProperties(100 + n) }),
        strings: (path) => ruleValues(path, 'properties') ?? common(path),
        values: (leaf) => {
          if (leaf.path === 'properties.priority') return [4000];
          if (leaf.path === 'id') return [`${group}/securityRules/self-id`];
          if (leaf.path === 'name') return ['self-name'];
          if (leaf.path === 'type') return ['Microsoft.Network/networkSecurityGroups/securityRules'];
          return undefined;
        },
        prepare: (body, path) => prepareRule(body.properties, /^properties\.(\w+)/.exec(path)?.[1]),
        put: (n, body) =>
          putProbe(group, 'securityRules', apiVersion, body, typeof body.name === 'string' ? body.name : `walk-${n}`),
      });
      assertDepartures(t, result, DEPARTURES.SecurityRule);
    });

    it(`public IP addresses: each property stored and returned, or refused naming its path (api-version ${apiVersion})`, async (t) => {
      const self = `${network}/publicIPAddresses/self-${v}`;
      const result = await walkModel({
        definitions: await readSpecModel('Network-2026-01-01-public-ip-address.json'),
        root: 'PublicIPAddress',
        base: () => ({ location: 'westus' }),
        strings: (path) => (path === 'id' ? self : common(path)),
        // A zone is one of 1, 2, 3.
        values: (leaf) => (leaf.path === 'zones[0]' ? ['1'] : undefined),
        // A Standard address is Static, as Azure wants.
        prepare: (body, path, _leaf, value) => {
          if (path === 'sku.name' && value !== 'Basic') body.properties = { publicIPAllocationMethod: 'Static' };
        },
        put: (n, body) => putProbe(network, 'publicIPAddresses', apiVersion, body, `walk-${v}-${n}`),
      });
      assertDepartures(t, result, DEPARTURES.PublicIPAddress);
    });

    it(`network interfaces: each property stored and returned, or refused naming its path (api-version ${apiVersion})`, async (t) => {
      const self = `${network}/networkInterfaces/self-${v}`;
      const config = 'properties.ipConfigurations[0]';
      const subnet = `${network}/virtualNetworks/walk-nics/subnets/default`;
      // The private address of each api-version's probes of one, apart from every Dynamic one.
      const address = (i: number) => `10.0.${14 + API_VERSIONS.indexOf(apiVersion)}.${10 + i}`;
      const result = await walkModel({
        definitions: await readSpecModel('Network-2026-01-01-network-interface.json'),
        root: 'NetworkInterface',
        // Every probe has its IP configuration in the walk's subnet, unless the probe gives another.
        base: () => ({
          location: 'westus',
          properties: { ipConfigurations: [{ name: 'ipconfig1', properties: { subnet: { id: subnet } } }] },
        }),
        strings: (path) => {
          if (path === 'id') return self;
          if (path === `${config}.id`) return `${self}/ipConfigurations/ipconfig1`;
          if (path === `${config}.name`) return 'ipconfig1';
          if (path === `${config}.type`) return 'Microsoft.Network/networkInterfaces/ipConfigurations';
          if (path === `${config}.properties.subnet.id`) return subnet;
          if (path === `${config}.properties.publicIPAddress.id`)
            return `${network}/publicIPAddresses/walk-pip-${apiVersion}`;
          if (path === `${config}.properties.privateIPAddress`) return address(0);
          return common(path);
        },
        prepare: (body, path, _leaf, value) => {
          // A Static configuration names its address.
          if (path === `${config}.properties.privateIPAllocationMethod` && value === 'Static')
            body.properties.ipConfigurations[0].properties.privateIPAddress = address(1);
        },
        put: (n, body) => putProbe(network, 'networkInterfaces', apiVersion, body, `walk-${v}-${n}`),
      });
      assertDepartures(t, result, DEPARTURES.NetworkInterface);
    });
  }
});
