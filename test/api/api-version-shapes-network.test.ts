// Every api-version Kiln accepts answers the Microsoft.Network types in that version's own shape
// (issue 18), as the compute types: a network with a subnet, a security group with a rule, a public IP
// and a network interface, each made at the newest api-version, are read at older ones (GET, list)
// without the members each version's model lacks (properties-since.ts, from NRP's published models
// 2015-06-15 to 2024-01-01 and 2026-01-01's) and with everything else; the subnet and the rule read on
// their own likewise; a write at an older version carrying a newer member is refused naming it and the
// version that added it. Raw HTTPS with a bearer token; no VM, nothing boots.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NETWORK_API_VERSIONS } from '../../src/domain/network/api-versions.ts';
import { PROPERTIES_SINCE } from '../../src/domain/shared/properties-since.ts';
import { armCaller, type ArmCall } from '../support/arm-call.ts';
import { leaves } from '../support/json-leaves.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ARM bodies are free-form
type Json = any;

const NEWEST = NETWORK_API_VERSIONS.at(-1)!;
const LOCATION = 'westus';
/** The older api-versions read: the Azure CLI 2.45's (2022-01-01) and older ones where members go. */
const OLDER = ['2022-01-01', '2019-02-01', '2017-03-01', '2016-03-30'];

/** Whether a member of the type's table at or above `path` is newer than `apiVersion`. */
function isNewer(type: string, path: string, apiVersion: string): boolean {
  const steps = path.replace(/\[\d+\]/g, '[]').toLowerCase();
  return Object.entries(PROPERTIES_SINCE[type]).some(([member, since]) => {
    const m = member.toLowerCase();
    return apiVersion < since && (steps === m || steps.startsWith(`${m}.`) || steps.startsWith(`${m}[]`));
  });
}

/** `old` is `newest` without the members `apiVersion` lacks, and at least one of those is gone when `gone` says so. */
function assertShape(type: string, newest: Json, old: Json, apiVersion: string) {
  const kept = new Map(leaves(old));
  let left = 0;
  for (const [path, value] of leaves(newest)) {
    if (isNewer(type, path, apiVersion)) {
      assert.equal(kept.get(path), undefined, `${type}: ${path} left out at ${apiVersion}`);
      left++;
    } else assert.deepEqual(kept.get(path), value, `${type}: ${path} kept at ${apiVersion}`);
  }
  for (const path of kept.keys())
    assert.ok(
      leaves(newest).some(([p]) => p === path),
      `${type}: ${path} at ${apiVersion} is in the newest answer`,
    );
  return left;
}

/** A rule letting port 22 in, its source ports as `sourcePortRanges` (a member of 2017-06-01 on). */
const sshRule = (sourcePortRanges: string[]) => ({
  name: 'ssh',
  properties: {
    protocol: 'Tcp',
    access: 'Allow',
    priority: 1000,
    direction: 'Inbound',
    sourcePortRanges,
    destinationPortRange: '22',
    sourceAddressPrefix: '*',
    destinationAddressPrefix: '*',
  },
});

describe('the Microsoft.Network types answer in the shape of each api-version', () => {
  let kiln: TestServer;
  let arm: ArmCall;
  let token: string;
  let net: string;
  const call = (method: string, path: string, body?: unknown) => arm(token, method, path, body);
  const put = async (path: string, body: unknown) => {
    const made = await call('PUT', path, body);
    assert.ok(made.status < 300, JSON.stringify(made.body));
    return made.body;
  };

  before(async () => {
    kiln = await startTestServer();
    token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    arm = armCaller(kiln, NEWEST);
    const group = `/subscriptions/${kiln.subscriptionId}/resourceGroups/shapes`;
    await put(`${group}?api-version=2022-09-01`, { location: LOCATION });
    net = `${group}/providers/Microsoft.Network`;
    await put(`${net}/networkSecurityGroups/nsg`, {
      location: LOCATION,
      properties: {
        securityRules: [sshRule(['1024-65535'])],
      },
    });
    await put(`${net}/virtualNetworks/vnet`, {
      location: LOCATION,
      properties: {
        addressSpace: { addressPrefixes: ['10.1.0.0/16'] },
        subnets: [
          {
            name: 'default',
            properties: {
              addressPrefix: '10.1.0.0/24',
              networkSecurityGroup: { id: `${net}/networkSecurityGroups/nsg` },
            },
          },
        ],
      },
    });
    await put(`${net}/publicIPAddresses/ip`, {
      location: LOCATION,
      sku: { name: 'Standard' },
      properties: { publicIPAllocationMethod: 'Static' },
    });
    await put(`${net}/networkInterfaces/nic`, {
      location: LOCATION,
      properties: {
        enableAcceleratedNetworking: false,
        ipConfigurations: [
          {
            name: 'ip',
            properties: {
              subnet: { id: `${net}/virtualNetworks/vnet/subnets/default` },
              publicIPAddress: { id: `${net}/publicIPAddresses/ip` },
            },
          },
        ],
      },
    });
  });
  after(() => kiln?.stop());

  const TYPES: Array<[string, string]> = [
    ['Microsoft.Network/virtualNetworks', 'virtualNetworks/vnet'],
    ['Microsoft.Network/virtualNetworks/subnets', 'virtualNetworks/vnet/subnets/default'],
    ['Microsoft.Network/networkSecurityGroups', 'networkSecurityGroups/nsg'],
    ['Microsoft.Network/networkSecurityGroups/securityRules', 'networkSecurityGroups/nsg/securityRules/ssh'],
    ['Microsoft.Network/publicIPAddresses', 'publicIPAddresses/ip'],
    ['Microsoft.Network/networkInterfaces', 'networkInterfaces/nic'],
  ];

  it('each type read at older api-versions (GET and list) is its newest answer without the members they lack', async () => {
    for (const [type, path] of TYPES) {
      const newest = (await call('GET', `${net}/${path}`)).body;
      let left = 0;
      for (const apiVersion of OLDER) {
        const read = await call('GET', `${net}/${path}?api-version=${apiVersion}`);
        assert.equal(read.status, 200, JSON.stringify(read.body));
        left += assertShape(type, newest, read.body, apiVersion);
        const list = await call('GET', `${net}/${path.replace(/\/[^/]+$/, '')}?api-version=${apiVersion}`);
        const listed = list.body.value.find((item: Json) => item.id === newest.id);
        assertShape(type, newest, listed, apiVersion);
      }
      assert.ok(left > 0, `${type}: some member the older versions lack is left out`);
    }
  });

  it('a write at an older api-version carrying a member it lacks is refused naming it and its version', async () => {
    const refusals: Array<[string, string, Json, string, string]> = [
      [
        'networkSecurityGroups/other',
        '2017-03-01',
        {
          location: LOCATION,
          properties: {
            securityRules: [sshRule(['22'])],
          },
        },
        'properties.securityRules[0].properties.sourcePortRanges[0]',
        '2017-06-01',
      ],
      [
        'publicIPAddresses/other',
        '2017-06-01',
        { location: LOCATION, sku: { name: 'Standard' } },
        'sku.name',
        '2017-08-01',
      ],
      [
        'networkInterfaces/other',
        '2016-06-01',
        {
          location: LOCATION,
          properties: {
            enableAcceleratedNetworking: false,
            ipConfigurations: [
              { name: 'ip', properties: { subnet: { id: `${net}/virtualNetworks/vnet/subnets/default` } } },
            ],
          },
        },
        'properties.enableAcceleratedNetworking',
        '2016-09-01',
      ],
    ];
    for (const [path, apiVersion, body, target, since] of refusals) {
      const refused = await call('PUT', `${net}/${path}?api-version=${apiVersion}`, body);
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'InvalidParameter');
      assert.equal(refused.body.error.target, target);
      assert.match(refused.body.error.message, new RegExp(`added in ${since}`));
      assert.equal((await call('GET', `${net}/${path}`)).status, 404, `${path}: nothing was made`);
    }
  });
});
