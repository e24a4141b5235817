// Every api-version Kiln accepts answers a VM in that version's own shape (issue 18), as the compute
// types of api-version-shapes.test.ts: a VM made at the newest api-version is read at an older one
// (GET, list, a PUT's answer) without the members that version's VirtualMachine model lacks
// (properties-since.ts: the disks' and interfaces' deleteOption came in 2021-03-01, timeCreated in
// 2021-11-01) and with everything else; a write at the older version carrying one is refused naming it
// and the version that added it. The server runs no job workers: a VM's PUT is answered and stored,
// and nothing boots it (the create job waits in the queue), so no QEMU runs here.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { COMPUTE_RP_API_VERSIONS } from '../../src/domain/images/descriptor.ts';
import { armCaller, type ArmCall } from '../support/arm-call.ts';
import { importPowerButtonImage, smallVm, smallVmNetwork } from '../support/small-vm.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ARM bodies are free-form
type Json = any;

const NEWEST = COMPUTE_RP_API_VERSIONS.at(-1)!;
const LOCATION = 'westus';
const IMAGE = { publisher: 'kiln', offer: 'shapes', sku: 'busybox', version: '1.0.0' };
const OS_DELETE = 'properties.storageProfile.osDisk.deleteOption';
const NIC_DELETE = 'properties.networkProfile.networkInterfaces[0].properties.deleteOption';
const CREATED = 'properties.timeCreated';

const valueAt = (value: Json, path: string) =>
  path
    .split(/\.|(?=\[)/)
    .reduce((node, step) => (/^\[\d+\]$/.test(step) ? node?.[Number(step.slice(1, -1))] : node?.[step]), value);

/** `value` without the members at `paths`. */
function without(value: Json, paths: string[]): Json {
  const copy = structuredClone(value);
  for (const path of paths) {
    const steps = path.split(/\.|(?=\[)/);
    const parent = steps.slice(0, -1).join('.').replace(/\.\[/g, '[');
    delete (parent ? valueAt(copy, parent) : copy)[steps.at(-1)!];
  }
  return copy;
}

describe('a VM answers in the shape of each api-version', { skip: process.getuid?.() !== 0 && 'needs root' }, () => {
  let kiln: TestServer;
  let arm: ArmCall;
  let token: string;
  let group: string;
  let newNic: (name: string) => Promise<string>;
  const call = (method: string, path: string, body?: unknown) => arm(token, method, path, body);
  const vmPath = (name: string) => `${group}/providers/Microsoft.Compute/virtualMachines/${name}`;
  /** A VM body on its own new network interface (each VM names its own). */
  async function vmBody(name: string) {
    const nicId = await newNic(name);
    const { location, ...properties } = smallVm({
      location: LOCATION,
      computerName: name,
      nicId,
      imageReference: IMAGE,
    });
    return { location, properties };
  }

  before(async () => {
    // Nothing runs: the host's cores and memory are no limit on the records made here.
    kiln = await startTestServer({
      workers: 0,
      lroWaitMs: 0,
      config: { virtualMachines: { maxCores: 64, maxMemoryMiB: 1 << 20 } },
    });
    token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    arm = armCaller(kiln, NEWEST);
    await importPowerButtonImage(kiln, IMAGE);
    group = `/subscriptions/${kiln.subscriptionId}/resourceGroups/shapes`;
    newNic = await smallVmNetwork(call, group, LOCATION);
  });
  after(() => kiln?.stop());

  it('a VM at 2020-12-01 has no deleteOption or timeCreated, at 2021-03-01 no timeCreated, in GET and list answers', async () => {
    const made = await call('PUT', vmPath('newest'), await vmBody('newest'));
    assert.equal(made.status, 201, JSON.stringify(made.body));
    for (const path of [OS_DELETE, NIC_DELETE, CREATED]) assert.notEqual(valueAt(made.body, path), undefined, path);
    const newest = (await call('GET', vmPath('newest'))).body;
    for (const [apiVersion, gone] of [
      ['2020-12-01', [OS_DELETE, NIC_DELETE, CREATED]],
      ['2021-03-01', [CREATED]],
      ['2021-11-01', []],
    ] as const) {
      const read = await call('GET', `${vmPath('newest')}?api-version=${apiVersion}`);
      assert.equal(read.status, 200);
      assert.deepEqual(read.body, without(newest, [...gone]), `GET at ${apiVersion}`);
      const list = await call('GET', `${group}/providers/Microsoft.Compute/virtualMachines?api-version=${apiVersion}`);
      const listed = list.body.value.find((vm: Json) => vm.name === 'newest');
      assert.deepEqual(listed, without(newest, [...gone]), `list at ${apiVersion}`);
    }
  });

  it('a PUT at 2020-12-01 with a member 2021-03-01 added is refused naming it; without, its answer has none of them', async () => {
    const body: Json = await vmBody('older');
    body.properties.storageProfile.osDisk.deleteOption = 'Delete';
    const refused = await call('PUT', `${vmPath('older')}?api-version=2020-12-01`, body);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'InvalidParameter');
    assert.equal(refused.body.error.target, OS_DELETE);
    assert.match(refused.body.error.message, /added in 2021-03-01/);
    assert.equal((await call('GET', vmPath('older'))).status, 404, 'nothing was made');

    delete body.properties.storageProfile.osDisk.deleteOption;
    const made = await call('PUT', `${vmPath('older')}?api-version=2020-12-01`, body);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    for (const path of [OS_DELETE, NIC_DELETE, CREATED]) assert.equal(valueAt(made.body, path), undefined, path);
    // Stored whole: the newest version reads what Kiln chose for them.
    const newest = (await call('GET', vmPath('older'))).body;
    assert.equal(valueAt(newest, OS_DELETE), 'Detach');
    assert.equal(valueAt(newest, NIC_DELETE), 'Detach');
    assert.ok(valueAt(newest, CREATED));
  });
});
