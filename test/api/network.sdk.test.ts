// Microsoft.Network through the official @azure/arm-network client, against a started server over HTTPS:
// virtual networks and subnets, security groups and their rules, public IP addresses (loopback
// addresses from Kiln's pool), network interfaces joining them, lists, tags, the order deletes must
// follow, concurrent creates, roles, and bad input with Azure's codes (and, over raw HTTPS, each
// problem's JSON path). It runs twice: with @azure/arm-network 36, and with the newest (39, which sends
// api-version 2026-01-01), each checked to send the api-version it is known by.
import { NetworkManagementClient as Network36, type NetworkInterface } from '@azure/arm-network';
import { NetworkManagementClient as Network39 } from '@azure/arm-network-39';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiVersionRecorder } from '../support/api-version-recorder.ts';
import { armRefusal } from '../support/arm-refusal.ts';
import { principalCredential, startTestServer, type TestServer } from '../support/test-server.ts';

const RG = 'net-rg';
/** Each client generation with the api-version it sends (39's models are 36's plus fields Kiln does not serve). */
const GENERATIONS = [
  { sdk: '@azure/arm-network 36', Client: Network36, API: '2025-05-01' },
  { sdk: '@azure/arm-network 39', Client: Network39 as unknown as typeof Network36, API: '2026-01-01' },
];

for (const { sdk, Client: NetworkManagementClient, API } of GENERATIONS)
  describe(`Microsoft.Network with ${sdk}`, () => {
    const sent = new Set<string>();
    let kiln: TestServer;
    let network: Network36;
    let sub: string;
    const id = (type: string, name: string) =>
      `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Network/${type}/${name}`;
    const subnet = (vnet: string, name: string) => `${id('virtualNetworks', vnet)}/subnets/${name}`;
    const nic = (name: string, config: NonNullable<NetworkInterface['ipConfigurations']>[number], more = {}) =>
      network.networkInterfaces.beginCreateOrUpdateAndWait(RG, name, {
        location: 'westus',
        ipConfigurations: [{ name: 'ipconfig1', ...config }],
        ...more,
      });

    /** PUTs `body` over raw HTTPS and returns the ARM error, to see each problem's target. */
    async function refusal(path: string, body: unknown) {
      const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
      const response = await fetch(`${kiln.url}/subscriptions/${sub}/resourceGroups/${RG}${path}?api-version=${API}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const error = ((await response.json()) as { error: { code: string; target?: string; details?: unknown[] } })
        .error;
      return { status: response.status, ...error };
    }

    before(async () => {
      kiln = await startTestServer();
      sub = kiln.subscriptionId;
      network = new NetworkManagementClient(kiln.credential, sub, {
        endpoint: kiln.url,
        additionalPolicies: [apiVersionRecorder((_url, version) => sent.add(version))],
      });
      await new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url }).resourceGroups.createOrUpdate(
        RG,
        {
          location: 'westus',
        },
      );
    });
    after(() => kiln.stop());
    after(() => assert.deepEqual([...sent], [API], `${sdk} sends api-version ${API}`));

    it('creates a virtual network with inline subnets, and a subnet on its own', async () => {
      const vnet = await network.virtualNetworks.beginCreateOrUpdateAndWait(RG, 'vnet1', {
        location: 'West US',
        tags: { env: 'test' },
        addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
        subnets: [
          { name: 'default', addressPrefix: '10.0.0.0/24' },
          { name: 'apps', addressPrefix: '10.0.1.0/24' },
        ],
      });
      assert.equal(vnet.provisioningState, 'Succeeded');
      assert.equal(vnet.location, 'westus', '"West US" is normalised');
      assert.equal(vnet.id, id('virtualNetworks', 'vnet1'));
      assert.match(vnet.etag!, /^W\/".+"$/);
      assert.deepEqual(
        vnet.subnets?.map((s) => [s.name, s.id, s.addressPrefix, s.etag]),
        [
          ['default', subnet('vnet1', 'default'), '10.0.0.0/24', vnet.etag],
          ['apps', subnet('vnet1', 'apps'), '10.0.1.0/24', vnet.etag],
        ],
      );
      const extra = await network.subnets.beginCreateOrUpdateAndWait(RG, 'vnet1', 'extra', {
        addressPrefixes: ['10.0.2.0/25', '10.0.2.128/25'],
      });
      assert.deepEqual(extra.addressPrefixes, ['10.0.2.0/25', '10.0.2.128/25']);
      assert.equal(extra.type, 'Microsoft.Network/virtualNetworks/subnets');
      const names: string[] = [];
      for await (const s of network.subnets.list(RG, 'vnet1')) names.push(s.name!);
      assert.deepEqual(names, ['default', 'apps', 'extra']);
      assert.equal((await network.subnets.get(RG, 'vnet1', 'apps')).addressPrefix, '10.0.1.0/24');

      // What GET returns goes back through PUT unchanged (the SDK's read-modify-write).
      const read = await network.virtualNetworks.get(RG, 'vnet1');
      read.subnets!.push({ name: 'more', addressPrefix: '10.0.3.0/24' });
      const written = await network.virtualNetworks.beginCreateOrUpdateAndWait(RG, 'vnet1', read);
      assert.deepEqual(
        written.subnets?.map((s) => s.name),
        ['default', 'apps', 'extra', 'more'],
      );
      assert.deepEqual(written.tags, { env: 'test' });
    });

    it('creates a security group with rules, Azure default rules, and rules on their own', async () => {
      const nsg = await network.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, 'nsg1', {
        location: 'westus',
        securityRules: [
          {
            name: 'allow-ssh',
            protocol: 'Tcp',
            sourcePortRange: '*',
            destinationPortRange: '22',
            sourceAddressPrefix: 'Internet',
            destinationAddressPrefix: '*',
            access: 'Allow',
            priority: 100,
            direction: 'Inbound',
          },
        ],
      });
      assert.equal(nsg.provisioningState, 'Succeeded');
      assert.deepEqual(
        nsg.defaultSecurityRules?.map((r) => [r.name, r.priority, r.direction, r.access]),
        [
          ['AllowVnetInBound', 65000, 'Inbound', 'Allow'],
          ['AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow'],
          ['DenyAllInBound', 65500, 'Inbound', 'Deny'],
          ['AllowVnetOutBound', 65000, 'Outbound', 'Allow'],
          ['AllowInternetOutBound', 65001, 'Outbound', 'Allow'],
          ['DenyAllOutBound', 65500, 'Outbound', 'Deny'],
        ],
      );
      assert.equal(nsg.securityRules?.[0].id, `${id('networkSecurityGroups', 'nsg1')}/securityRules/allow-ssh`);
      const https = await network.securityRules.beginCreateOrUpdateAndWait(RG, 'nsg1', 'allow-https', {
        protocol: 'Tcp',
        sourcePortRange: '*',
        destinationPortRanges: ['443', '8443-8444'],
        sourceAddressPrefixes: ['203.0.113.0/24', '198.51.100.7'],
        destinationAddressPrefix: '*',
        access: 'Allow',
        priority: 110,
        direction: 'Inbound',
      });
      assert.deepEqual(https.destinationPortRanges, ['443', '8443-8444']);
      const rules: string[] = [];
      for await (const rule of network.securityRules.list(RG, 'nsg1')) rules.push(rule.name!);
      assert.deepEqual(rules, ['allow-ssh', 'allow-https']);
      const defaults: string[] = [];
      for await (const rule of network.defaultSecurityRules.list(RG, 'nsg1')) defaults.push(rule.name!);
      assert.equal(defaults.length, 6);
      const deny = await network.defaultSecurityRules.get(RG, 'nsg1', 'DenyAllInBound');
      assert.equal(deny.type, 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules');
      // The same priority in the other direction is no conflict.
      await network.securityRules.beginCreateOrUpdateAndWait(RG, 'nsg1', 'outbound-100', {
        protocol: '*',
        sourcePortRange: '*',
        destinationPortRange: '*',
        sourceAddressPrefix: '*',
        destinationAddressPrefix: 'Internet',
        access: 'Deny',
        priority: 100,
        direction: 'Outbound',
      });
      await network.securityRules.beginDeleteAndWait(RG, 'nsg1', 'outbound-100');
      await assert.rejects(network.securityRules.get(RG, 'nsg1', 'outbound-100'), armRefusal(404, 'ResourceNotFound'));

      const apps = await network.subnets.beginCreateOrUpdateAndWait(RG, 'vnet1', 'apps', {
        addressPrefix: '10.0.1.0/24',
        networkSecurityGroup: { id: nsg.id },
      });
      assert.equal(apps.networkSecurityGroup?.id, nsg.id);
      const used = await network.networkSecurityGroups.get(RG, 'nsg1');
      assert.deepEqual(
        used.subnets?.map((s) => s.id),
        [subnet('vnet1', 'apps')],
      );
    });

    it('gives each public IP address its own loopback address from the pool', async () => {
      const standard = await network.publicIPAddresses.beginCreateOrUpdateAndWait(RG, 'pip1', {
        location: 'westus',
        sku: { name: 'Standard' },
        publicIPAllocationMethod: 'Static',
      });
      const basic = await network.publicIPAddresses.beginCreateOrUpdateAndWait(RG, 'pip2', {
        location: 'westus',
        publicIPAllocationMethod: 'Dynamic',
      });
      assert.equal(standard.provisioningState, 'Succeeded');
      assert.equal(standard.sku?.name, 'Standard');
      assert.equal(basic.sku?.name, 'Basic', 'Basic when the body names no SKU');
      assert.equal(basic.publicIPAllocationMethod, 'Dynamic');
      for (const pip of [standard, basic]) {
        assert.match(pip.ipAddress!, /^127\.100\.\d+\.\d+$/);
        assert.equal(pip.publicIPAddressVersion, 'IPv4');
      }
      assert.notEqual(standard.ipAddress, basic.ipAddress);
      // A replaced public IP keeps its address.
      const again = await network.publicIPAddresses.beginCreateOrUpdateAndWait(RG, 'pip1', {
        location: 'westus',
        sku: { name: 'Standard' },
        publicIPAllocationMethod: 'Static',
        idleTimeoutInMinutes: 10,
      });
      assert.equal(again.ipAddress, standard.ipAddress);
      assert.equal(again.idleTimeoutInMinutes, 10);
    });

    it('joins network interfaces to a subnet, a public IP address and a security group', async () => {
      const first = await nic(
        'nic1',
        { subnet: { id: subnet('vnet1', 'default') }, publicIPAddress: { id: id('publicIPAddresses', 'pip1') } },
        { networkSecurityGroup: { id: id('networkSecurityGroups', 'nsg1') } },
      );
      const config = first.ipConfigurations![0];
      assert.equal(first.provisioningState, 'Succeeded');
      assert.equal(config.privateIPAddress, '10.0.0.4', 'the first address after the four Azure reserves');
      assert.equal(config.privateIPAllocationMethod, 'Dynamic');
      assert.equal(config.primary, true);
      assert.equal(config.id, `${id('networkInterfaces', 'nic1')}/ipConfigurations/ipconfig1`);
      assert.equal(first.virtualMachine, undefined, 'no VM uses it');
      assert.equal((await network.publicIPAddresses.get(RG, 'pip1')).ipConfiguration?.id, config.id);
      assert.deepEqual(
        (await network.subnets.get(RG, 'vnet1', 'default')).ipConfigurations?.map((c) => c.id),
        [config.id],
      );
      assert.deepEqual(
        (await network.networkSecurityGroups.get(RG, 'nsg1')).networkInterfaces?.map((n) => n.id),
        [first.id],
      );

      const fixed = await nic('nic2', {
        subnet: { id: subnet('vnet1', 'default') },
        privateIPAllocationMethod: 'Static',
        privateIPAddress: '10.0.0.10',
      });
      assert.equal(fixed.ipConfigurations![0].privateIPAddress, '10.0.0.10');
      assert.equal(
        (await nic('nic3', { subnet: { id: subnet('vnet1', 'default') } })).ipConfigurations![0].privateIPAddress,
        '10.0.0.5',
      );

      // A PUT with what GET returned keeps the Dynamic address.
      const read = await network.networkInterfaces.get(RG, 'nic3');
      const kept = await network.networkInterfaces.beginCreateOrUpdateAndWait(RG, 'nic3', read);
      assert.equal(kept.ipConfigurations![0].privateIPAddress, '10.0.0.5');
      // Moving to another subnet takes an address there and frees this one.
      const moved = await nic('nic3', { subnet: { id: subnet('vnet1', 'apps') } });
      assert.equal(moved.ipConfigurations![0].privateIPAddress, '10.0.1.4');
      assert.equal(
        (await nic('nic4', { subnet: { id: subnet('vnet1', 'default') } })).ipConfigurations![0].privateIPAddress,
        '10.0.0.5',
      );
    });

    it('lists by group and subscription, and updates tags', async () => {
      const names = async (pages: AsyncIterable<{ name?: string }>) => {
        const found: string[] = [];
        for await (const item of pages) found.push(item.name!);
        return found.sort();
      };
      assert.deepEqual(await names(network.virtualNetworks.list(RG)), ['vnet1']);
      assert.deepEqual(await names(network.virtualNetworks.listAll()), ['vnet1']);
      assert.deepEqual(await names(network.networkSecurityGroups.listAll()), ['nsg1']);
      assert.deepEqual(await names(network.publicIPAddresses.list(RG)), ['pip1', 'pip2']);
      assert.deepEqual(await names(network.networkInterfaces.listAll()), ['nic1', 'nic2', 'nic3', 'nic4']);

      for (const [operations, name] of [
        [network.virtualNetworks, 'vnet1'],
        [network.networkSecurityGroups, 'nsg1'],
        [network.publicIPAddresses, 'pip1'],
        [network.networkInterfaces, 'nic1'],
      ] as const) {
        const tagged = await operations.updateTags(RG, name, { tags: { owner: 'kiln' } });
        assert.deepEqual(tagged.tags, { owner: 'kiln' }, name);
      }
      const vnet = await network.virtualNetworks.get(RG, 'vnet1');
      assert.equal(vnet.subnets?.length, 4, 'tags leave the subnets alone');
    });

    it('refuses to delete what network interfaces use, in Azure words, then deletes in order', async () => {
      await assert.rejects(
        network.subnets.beginDeleteAndWait(RG, 'vnet1', 'default'),
        armRefusal(
          400,
          'InUseSubnetCannotBeDeleted',
          /Subnet default is in use by .*nic1\/ipConfigurations\/ipconfig1/,
        ),
      );
      await assert.rejects(
        network.virtualNetworks.beginDeleteAndWait(RG, 'vnet1'),
        armRefusal(400, 'InUseSubnetCannotBeDeleted'),
      );
      await assert.rejects(
        network.publicIPAddresses.beginDeleteAndWait(RG, 'pip1'),
        armRefusal(
          400,
          'PublicIPAddressCannotBeDeleted',
          /still allocated to resource .*nic1\/ipConfigurations\/ipconfig1/,
        ),
      );
      await assert.rejects(
        network.networkSecurityGroups.beginDeleteAndWait(RG, 'nsg1'),
        armRefusal(400, 'InUseNetworkSecurityGroupCannotBeDeleted', /networkInterfaces\/nic1.*subnets\/apps/),
      );
      // Changing an in-use subnet's prefix is refused too.
      await assert.rejects(
        network.subnets.beginCreateOrUpdateAndWait(RG, 'vnet1', 'default', { addressPrefix: '10.0.0.0/25' }),
        armRefusal(400, 'InUseSubnetCannotBeUpdated'),
      );

      const pip1 = (await network.publicIPAddresses.get(RG, 'pip1')).ipAddress;
      for (const name of ['nic1', 'nic2', 'nic3', 'nic4']) await network.networkInterfaces.beginDeleteAndWait(RG, name);
      assert.equal((await network.publicIPAddresses.get(RG, 'pip1')).ipConfiguration, undefined);
      await network.publicIPAddresses.beginDeleteAndWait(RG, 'pip1');
      // Its address went back to the pool: the next public IP takes it (it was the lowest).
      const reused = await network.publicIPAddresses.beginCreateOrUpdateAndWait(RG, 'pip3', {
        location: 'westus',
        sku: { name: 'Standard' },
        publicIPAllocationMethod: 'Static',
      });
      assert.equal(reused.ipAddress, pip1);
      await assert.rejects(
        network.networkSecurityGroups.beginDeleteAndWait(RG, 'nsg1'),
        armRefusal(400, 'InUseNetworkSecurityGroupCannotBeDeleted', /subnets\/apps/),
      );
      await network.subnets.beginCreateOrUpdateAndWait(RG, 'vnet1', 'apps', { addressPrefix: '10.0.1.0/24' });
      await network.networkSecurityGroups.beginDeleteAndWait(RG, 'nsg1');
      await network.subnets.beginDeleteAndWait(RG, 'vnet1', 'default');
      await network.virtualNetworks.beginDeleteAndWait(RG, 'vnet1');
      await assert.rejects(network.virtualNetworks.get(RG, 'vnet1'), armRefusal(404, 'ResourceNotFound'));
      for (const name of ['pip2', 'pip3']) await network.publicIPAddresses.beginDeleteAndWait(RG, name);
    });

    it('hands out distinct addresses to concurrent creates', async () => {
      await network.virtualNetworks.beginCreateOrUpdateAndWait(RG, 'busy', {
        location: 'westus',
        addressSpace: { addressPrefixes: ['10.9.0.0/24'] },
        subnets: [{ name: 'default', addressPrefix: '10.9.0.0/24' }],
      });
      const count = 6;
      const pips = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          network.publicIPAddresses.beginCreateOrUpdateAndWait(RG, `busy-pip${i}`, {
            location: 'westus',
            publicIPAllocationMethod: 'Static',
          }),
        ),
      );
      assert.equal(new Set(pips.map((p) => p.ipAddress)).size, count);
      const nics = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          nic(`busy-nic${i}`, {
            subnet: { id: subnet('busy', 'default') },
            publicIPAddress: { id: id('publicIPAddresses', `busy-pip${i}`) },
          }),
        ),
      );
      const addresses = nics.map((n) => n.ipConfigurations![0].privateIPAddress!).sort();
      assert.deepEqual(addresses, ['10.9.0.4', '10.9.0.5', '10.9.0.6', '10.9.0.7', '10.9.0.8', '10.9.0.9']);
    });

    it('refuses a public IP address already in use, and a full subnet', async () => {
      await assert.rejects(
        nic('thief', {
          subnet: { id: subnet('busy', 'default') },
          publicIPAddress: { id: id('publicIPAddresses', 'busy-pip0') },
        }),
        armRefusal(400, 'PublicIPAddressInUse', /busy-nic0\/ipConfigurations\/ipconfig1/),
      );
      await network.virtualNetworks.beginCreateOrUpdateAndWait(RG, 'tiny', {
        location: 'westus',
        addressSpace: { addressPrefixes: ['10.8.0.0/29'] },
        subnets: [{ name: 'default', addressPrefix: '10.8.0.0/29' }],
      });
      // A /29 has three addresses to give after the five Azure reserves.
      for (const i of [1, 2, 3]) await nic(`tiny${i}`, { subnet: { id: subnet('tiny', 'default') } });
      await assert.rejects(
        nic('tiny4', { subnet: { id: subnet('tiny', 'default') } }),
        armRefusal(400, 'SubnetIsFull', /Subnet default with address prefix 10\.8\.0\.0\/29/),
      );
      await assert.rejects(network.networkInterfaces.get(RG, 'tiny4'), armRefusal(404, 'ResourceNotFound'));
    });

    it('reports bad input with Azure codes at each JSON path', async () => {
      const vnet = (properties: unknown) => ({ location: 'westus', properties });
      const cases: Array<[string, unknown, string, string]> = [
        [
          '/providers/Microsoft.Network/virtualNetworks/bad',
          vnet({ addressSpace: { addressPrefixes: ['10.0.0.0/33'] } }),
          'InvalidAddressPrefixFormat',
          'properties.addressSpace.addressPrefixes[0]',
        ],
        [
          '/providers/Microsoft.Network/virtualNetworks/bad',
          vnet({ addressSpace: { addressPrefixes: ['10.0.0.1/16'] } }),
          'InvalidCIDRNotation',
          'properties.addressSpace.addressPrefixes[0]',
        ],
        [
          '/providers/Microsoft.Network/virtualNetworks/bad',
          vnet({
            addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
            subnets: [{ name: 'out', properties: { addressPrefix: '10.1.0.0/24' } }],
          }),
          'NetcfgSubnetRangeOutsideVnet',
          'properties.subnets[0].properties.addressPrefix',
        ],
        [
          '/providers/Microsoft.Network/virtualNetworks/bad',
          vnet({
            addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
            subnets: [
              { name: 'a', properties: { addressPrefix: '10.0.0.0/24' } },
              { name: 'b', properties: { addressPrefix: '10.0.0.128/25' } },
            ],
          }),
          'NetcfgSubnetRangesOverlap',
          'properties.subnets[1].properties.addressPrefix',
        ],
        [
          '/providers/Microsoft.Network/virtualNetworks/busy/subnets/other',
          { properties: { addressPrefix: '10.9.0.128/25' } },
          'NetcfgSubnetRangesOverlap',
          'properties.addressPrefix',
        ],
        [
          '/providers/Microsoft.Network/publicIPAddresses/bad',
          { location: 'westus', sku: { name: 'Standard' }, properties: { publicIPAllocationMethod: 'Dynamic' } },
          'StandardSkuPublicIPAddressesMustBeStatic',
          'properties.publicIPAllocationMethod',
        ],
        [
          '/providers/Microsoft.Network/publicIPAddresses/bad',
          { location: 'westus', properties: { dnsSettings: { domainNameLabel: 'kiln' } } },
          'PropertyNotSupported',
          'properties.dnsSettings',
        ],
      ];
      const rule = (properties: Record<string, unknown>) => ({
        location: 'westus',
        properties: {
          securityRules: [
            {
              name: 'r',
              properties: {
                protocol: 'Tcp',
                sourcePortRange: '*',
                destinationPortRange: '22',
                sourceAddressPrefix: '*',
                destinationAddressPrefix: '*',
                access: 'Allow',
                priority: 200,
                direction: 'Inbound',
                ...properties,
              },
            },
          ],
        },
      });
      const nsgPath = '/providers/Microsoft.Network/networkSecurityGroups/bad';
      const at = (field: string) => `properties.securityRules[0].properties.${field}`;
      cases.push(
        [nsgPath, rule({ priority: 50 }), 'SecurityRuleInvalidPriority', at('priority')],
        [nsgPath, rule({ priority: 5000 }), 'SecurityRuleInvalidPriority', at('priority')],
        [nsgPath, rule({ protocol: 'Smtp' }), 'InvalidParameter', at('protocol')],
        [nsgPath, rule({ access: 'Maybe' }), 'InvalidParameter', at('access')],
        [nsgPath, rule({ direction: 'Sideways' }), 'InvalidParameter', at('direction')],
        [nsgPath, rule({ destinationPortRange: '70000' }), 'SecurityRuleInvalidPortRange', at('destinationPortRange')],
        [nsgPath, rule({ destinationPortRange: '90-80' }), 'SecurityRuleInvalidPortRange', at('destinationPortRange')],
        [
          nsgPath,
          rule({ sourceAddressPrefix: '10.0.0.1/24' }),
          'SecurityRuleInvalidAddressPrefix',
          at('sourceAddressPrefix'),
        ],
        [
          nsgPath,
          rule({ sourceAddressPrefix: undefined, sourceAddressPrefixes: ['Internet'] }),
          'SecurityRuleParameterContainsUnsupportedValue',
          `${at('sourceAddressPrefixes')}[0]`,
        ],
      );
      const twoRules = rule({});
      const rules = (twoRules.properties.securityRules as Array<{ name: string }>).concat({
        ...twoRules.properties.securityRules[0],
        name: 's',
      });
      cases.push([
        nsgPath,
        { ...twoRules, properties: { securityRules: rules } },
        'SecurityRuleConflict',
        'properties.securityRules[1].properties.priority',
      ]);

      const nicBody = (properties: Record<string, unknown>) => ({
        location: 'westus',
        properties: {
          ipConfigurations: [
            { name: 'ipconfig1', properties: { subnet: { id: subnet('busy', 'default') }, ...properties } },
          ],
        },
      });
      const nicPath = '/providers/Microsoft.Network/networkInterfaces/bad';
      const nicAt = (field: string) => `properties.ipConfigurations[0].properties.${field}`;
      const staticIp = (address: string) => nicBody({ privateIPAllocationMethod: 'Static', privateIPAddress: address });
      cases.push(
        [
          nicPath,
          nicBody({ subnet: { id: subnet('busy', 'nowhere') } }),
          'InvalidResourceReference',
          nicAt('subnet.id'),
        ],
        [
          nicPath,
          nicBody({ subnet: { id: subnet('ghost', 'default') } }),
          'InvalidResourceReference',
          nicAt('subnet.id'),
        ],
        [
          nicPath,
          nicBody({ publicIPAddress: { id: id('publicIPAddresses', 'ghost') } }),
          'InvalidResourceReference',
          nicAt('publicIPAddress.id'),
        ],
        [
          nicPath,
          {
            ...nicBody({}),
            properties: {
              ...nicBody({}).properties,
              networkSecurityGroup: { id: id('networkSecurityGroups', 'ghost') },
            },
          },
          'InvalidResourceReference',
          'properties.networkSecurityGroup.id',
        ],
        [nicPath, staticIp('10.7.0.5'), 'PrivateIPAddressNotInSubnet', nicAt('privateIPAddress')],
        [nicPath, staticIp('10.9.0.1'), 'PrivateIPAddressInReservedRange', nicAt('privateIPAddress')],
        [nicPath, staticIp('10.9.0.255'), 'PrivateIPAddressInReservedRange', nicAt('privateIPAddress')],
        [nicPath, staticIp('10.9.0.4'), 'PrivateIPAddressIsAllocated', nicAt('privateIPAddress')],
        [nicPath, nicBody({ privateIPAllocationMethod: 'Static' }), 'InvalidParameter', nicAt('privateIPAddress')],
      );
      for (const [path, body, code, target] of cases) {
        const error = await refusal(path, body);
        assert.equal(error.status, 400, `${code} ${JSON.stringify(error)}`);
        assert.equal(error.code, code, JSON.stringify(error));
        assert.equal(error.target, target, JSON.stringify(error));
      }
      // Nothing was made by any of them.
      await assert.rejects(network.networkInterfaces.get(RG, 'bad'), armRefusal(404, 'ResourceNotFound'));
      await assert.rejects(network.virtualNetworks.get(RG, 'bad'), armRefusal(404, 'ResourceNotFound'));

      // Every problem at once, each with its path.
      const many = await refusal(nicPath, {
        location: 'nowhere',
        properties: {
          ipConfigurations: [{ name: 'x', properties: { privateIPAllocationMethod: 'Sometimes' } }],
          enableIPForwarding: 'yes',
        },
      });
      assert.equal(many.code, 'InvalidParameter');
      assert.deepEqual((many.details as Array<{ target: string }>).map((d) => d.target).sort(), [
        'location',
        'properties.enableIPForwarding',
        'properties.ipConfigurations[0].properties.privateIPAllocationMethod',
        'properties.ipConfigurations[0].properties.subnet',
      ]);
    });

    it('checks roles: a Reader reads, a Contributor writes, joining takes the join action', async () => {
      const scope = `/subscriptions/${sub}/resourceGroups/${RG}`;
      const reader = new NetworkManagementClient(await principalCredential(kiln, 'net reader', 'Reader', scope), sub, {
        endpoint: kiln.url,
      });
      assert.equal((await reader.virtualNetworks.get(RG, 'busy')).name, 'busy');
      assert.equal((await reader.subnets.get(RG, 'busy', 'default')).name, 'default');
      await assert.rejects(
        reader.publicIPAddresses.beginCreateOrUpdateAndWait(RG, 'reader-pip', { location: 'westus' }),
        armRefusal(403, 'AuthorizationFailed', /Microsoft\.Network\/publicIPAddresses\/write/),
      );
      const contributor = new NetworkManagementClient(
        await principalCredential(kiln, 'net contributor', 'Contributor', scope),
        sub,
        { endpoint: kiln.url },
      );
      const made = await contributor.networkInterfaces.beginCreateOrUpdateAndWait(RG, 'contributed', {
        location: 'westus',
        ipConfigurations: [{ name: 'ipconfig1', subnet: { id: subnet('busy', 'default') } }],
      });
      assert.equal(made.ipConfigurations![0].privateIPAddress, '10.9.0.10');
      await contributor.networkInterfaces.beginDeleteAndWait(RG, 'contributed');
    });
  });
