// Issue 18's rule for Microsoft.Compute/virtualMachines, checked by walking the spec's VirtualMachine
// model at the api-versions clients send: ComputeRP 2024-07-01's model
// (test/api/spec-models/ComputeRP-2024-07-01-virtual-machine.json) at 2024-07-01, and 2024-11-01's
// (ComputeRP-2024-11-01-virtual-machine.json, the newest ComputeRP model read here: it adds `placement`,
// `storageProfile.alignRegionalDisksToVMZone` and the proxy agent's `wireServer` and `imds`) at 2024-11-01
// and at the newest one Kiln accepts for VMs (2026-04-01): every property a client may write is kept and
// returned, or refused with a 4xx naming its JSON path.
//
// A VM create boots a guest under QEMU, so one VM is made, not one per probe. It is created with every
// member Kiln takes at create, each with a value other than Kiln's default, and its GET must show each
// as sent (the create check). Then it is deallocated, and each probe is a PUT of that VM as its GET
// showed it with the probe's value set (test/support/openapi-walk.ts): a member Kiln refuses is
// answered 400 at its path before anything happens, a member fixed once the VM is made is answered
// Azure's 409 PropertyChangeNotAllowed at its path (and must be one the create check covered), and a
// changeable one is answered 200 with the value (a deallocated VM takes a new size or disk settings
// without booting). Each probe's PUT carries the rest as the GET showed it, which puts back what the
// probe before changed. DEPARTURES lists what Kiln does otherwise today, with why; the test fails on a
// new departure and on one that is gone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { armCaller, type ArmCall } from '../support/arm-call.ts';
import { getAt, readSpecModel, walkModel, assertDepartures } from '../support/openapi-walk.ts';
import { importPowerButtonImage, smallVmNetwork } from '../support/small-vm.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ARM bodies are free-form
type Json = any;

const MODEL_VERSION = '2024-07-01';
/** Each api-version walked, with the model file walked at it. */
const WALKS: Array<{ apiVersion: string; model: string }> = [
  { apiVersion: MODEL_VERSION, model: 'ComputeRP-2024-07-01-virtual-machine.json' },
  { apiVersion: '2024-11-01', model: 'ComputeRP-2024-11-01-virtual-machine.json' },
  { apiVersion: '2026-04-01', model: 'ComputeRP-2024-11-01-virtual-machine.json' },
];
const LOCATION = 'westus';
const IMAGE = { publisher: 'kiln', offer: 'walk', sku: 'busybox', version: '1.0.0' };
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForSmallTestVmsOnly0000000000000000000 walk@test';

/** Members a create refuses at their path and a change calls fixed: the create check asks for each. */
const REFUSED_AT_CREATE = ['properties.storageProfile.osDisk.managedDisk.id'];

/** Probe (path = value) to why Kiln departs from the rule there, at every api-version walked. */
const DEPARTURES: Record<string, string> = {
  'properties.storageProfile.dataDisks[0].toBeDetached = true':
    'toBeDetached asks for the disk to be detached: it leaves the list, as on Azure (the walk attaches it again)',
};

/**
 * The first walk meets the data disk as it was made (`Empty`); a client sending the list back may name
 * a disk already there `Attach`, which Kiln takes and shows as it came, as Azure does. The disk the
 * walk attaches again after its `toBeDetached` probe came by `Attach`, so the later walks meet no such case.
 */
const DEPARTURES_AT: Record<string, Record<string, string>> = {
  [MODEL_VERSION]: {
    'properties.storageProfile.dataDisks[0].createOption = "Attach"':
      "an attached disk's createOption says how it came to the VM; `Attach` for one already there is taken and changes nothing",
  },
};

describe(
  'Microsoft.Compute/virtualMachines: every writable property of the 2024-07-01 and 2024-11-01 models',
  {
    skip: process.getuid?.() !== 0 && 'VMs need root',
  },
  () => {
    let kiln: TestServer;
    let arm: ArmCall;
    let token: string;
    let group: string;
    let vmPath: string;
    let nicId: string;
    /** The VM as its GET showed it once deallocated: each probe's body. */
    let shown: Json;
    /** The create body: what the create check covers. */
    let created: Json;

    const call = (method: string, path: string, body?: unknown) => arm(token, method, path, body);
    /** Polls the VM until no job moves it. */
    async function settled(apiVersion = MODEL_VERSION): Promise<Json> {
      for (let i = 0; ; i++) {
        const got = await call('GET', `${vmPath}?api-version=${apiVersion}`);
        const state = got.body?.properties?.provisioningState;
        if (state === 'Succeeded' || state === 'Failed' || i > 600) return got.body;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    /**
     * After a probe Kiln took: the VM settled, with its data disk attached again if the probe let it go
     * (`toBeDetached`, a LUN of its own), and the next probe's body its GET.
     */
    async function restored() {
      const now = await settled();
      const disk = shown.properties.storageProfile.dataDisks[0];
      const kept = now.properties.storageProfile.dataDisks.some(
        (d: Json) => d.managedDisk.id.toLowerCase() === disk.managedDisk.id.toLowerCase() && d.lun === disk.lun,
      );
      if (!kept) {
        now.properties.storageProfile.dataDisks = [{ ...disk, createOption: 'Attach' }];
        const back = await call('PUT', vmPath, now);
        assert.ok(back.status < 300, JSON.stringify(back.body));
      }
      shown = await settled();
    }

    before(async () => {
      kiln = await startTestServer();
      token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
      arm = armCaller(kiln, MODEL_VERSION);
      await importPowerButtonImage(kiln, IMAGE);
      group = `/subscriptions/${kiln.subscriptionId}/resourceGroups/walk`;
      nicId = await (await smallVmNetwork(call, group, LOCATION))('nic');
      vmPath = `${group}/providers/Microsoft.Compute/virtualMachines/walker`;

      // Every member Kiln takes at create, with a value other than its default.
      created = {
        location: LOCATION,
        tags: { walk: 'create' },
        properties: {
          hardwareProfile: { vmSize: 'Standard_B1s' },
          storageProfile: {
            imageReference: IMAGE,
            osDisk: {
              osType: 'Linux',
              name: 'walker-os',
              createOption: 'FromImage',
              caching: 'ReadOnly',
              deleteOption: 'Delete',
              diskSizeGB: 2,
              managedDisk: { storageAccountType: 'StandardSSD_LRS' },
            },
            dataDisks: [
              {
                lun: 3,
                name: 'walker-data',
                createOption: 'Empty',
                caching: 'None',
                deleteOption: 'Delete',
                diskSizeGB: 1,
                toBeDetached: false,
                managedDisk: { storageAccountType: 'Standard_LRS' },
              },
            ],
          },
          osProfile: {
            computerName: 'walkhost',
            adminUsername: 'walker',
            customData: Buffer.from('#cloud-config\n').toString('base64'),
            linuxConfiguration: {
              disablePasswordAuthentication: true,
              provisionVMAgent: true,
              ssh: { publicKeys: [{ path: '/home/walker/.ssh/authorized_keys', keyData: SSH_KEY }] },
            },
            secrets: [],
            allowExtensionOperations: true,
            requireGuestProvisionSignal: true,
          },
          networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true, deleteOption: 'Detach' } }] },
          diagnosticsProfile: { bootDiagnostics: { enabled: true } },
        },
      };
      const made = await call('PUT', vmPath, created);
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.equal((await settled()).properties.provisioningState, 'Succeeded');
    });
    after(() => kiln?.stop());

    it('keeps and returns every member a create takes (one VM, booted once)', async () => {
      const got = await settled();
      const missing = leavesOf(created)
        .filter(({ path }) => !/customData$/.test(path)) // never returned, as on Azure
        .filter(({ path, value }) => !same(getAt(got, path), value))
        .map(({ path, value }) => `${path}: sent ${JSON.stringify(value)}, got ${JSON.stringify(getAt(got, path))}`);
      assert.deepEqual(missing, []);
      // What a create refuses (no VM is made): an existing OS disk, which Kiln does not attach.
      for (const path of REFUSED_AT_CREATE) {
        const body = structuredClone(created);
        body.properties.storageProfile.osDisk.managedDisk.id = `${group}/providers/Microsoft.Compute/disks/walker-os`;
        const refused = await call('PUT', `${vmPath}-refused`, body);
        assert.equal(refused.status, 400, JSON.stringify(refused.body));
        assert.equal(refused.body.error.target, path);
      }
      // The probes change a deallocated VM: nothing of theirs boots it again.
      const off = await call('POST', `${vmPath}/deallocate`);
      assert.equal(off.status, 202, JSON.stringify(off.body));
      for (let i = 0; i < 600; i++) {
        const view = await call('GET', `${vmPath}/instanceView`);
        if (view.body?.statuses?.some((s: Json) => s.code === 'PowerState/deallocated')) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      shown = await settled();
      // A member outside the model is refused at its path too, at every depth (none is dropped).
      const outside: Array<[string, (body: Json) => void]> = [
        ['properties.probe', (body) => (body.properties.probe = 1)],
        [
          'properties.networkProfile.networkInterfaces[0].probe',
          (body) => (body.properties.networkProfile.networkInterfaces[0].probe = 1),
        ],
        [
          'properties.networkProfile.networkInterfaces[0].properties.probe',
          (body) => (body.properties.networkProfile.networkInterfaces[0].properties.probe = 1),
        ],
        [
          'properties.osProfile.linuxConfiguration.ssh.probe',
          (body) => (body.properties.osProfile.linuxConfiguration.ssh.probe = 1),
        ],
        [
          'properties.osProfile.linuxConfiguration.ssh.publicKeys[0].probe',
          (body) => (body.properties.osProfile.linuxConfiguration.ssh.publicKeys[0].probe = 1),
        ],
        [
          'properties.storageProfile.dataDisks[0].probe',
          (body) => (body.properties.storageProfile.dataDisks[0].probe = false),
        ],
      ];
      for (const [path, add] of outside) {
        const body = structuredClone(shown);
        add(body);
        const refused = await call('PUT', vmPath, body);
        assert.equal(refused.status, 400, `${path}: ${JSON.stringify(refused.body)}`);
        assert.equal(refused.body.error.target, path);
      }
    });

    for (const { apiVersion, model } of WALKS)
      it(`keeps and returns each property of ${model}, or refuses it naming its path (api-version ${apiVersion})`, async (t) => {
        assert.ok(shown, 'the create check ran');
        const fixed = new Set<string>();
        const result = await walkModel({
          definitions: await readSpecModel(model),
          root: 'VirtualMachine',
          base: () => structuredClone(shown),
          strings: (path) => {
            if (path === 'location') return LOCATION;
            if (path.endsWith('networkInterfaces[0].id')) return nicId;
            if (path.endsWith('keyData')) return SSH_KEY;
            if (path.endsWith('publicKeys[0].path')) return '/home/walker/.ssh/authorized_keys';
            if (path === 'properties.hardwareProfile.vmSize') return 'Standard_B2s';
            return undefined;
          },
          put: async (_, body) => {
            const answer = await call('PUT', `${vmPath}?api-version=${apiVersion}`, body);
            if (answer.status === 409 && answer.body?.error?.code === 'PropertyChangeNotAllowed')
              for (const e of [answer.body.error, ...(answer.body.error.details ?? [])]) fixed.add(e.target);
            if (answer.status < 300) await restored();
            return answer;
          },
        });
        assertDepartures(t, result, { ...DEPARTURES, ...DEPARTURES_AT[apiVersion] });
        // A member fixed once the VM is made is one the create check showed kept.
        const covered = [...leavesOf(created).map(({ path }) => path), ...REFUSED_AT_CREATE].map((p) =>
          p.toLowerCase(),
        );
        const unchecked = [...fixed].filter(
          (path) => !covered.some((c) => c === path.toLowerCase() || c.startsWith(`${path.toLowerCase()}`)),
        );
        assert.deepEqual(unchecked, [], 'fixed members the create check does not cover');
      });
  },
);

/** Every leaf of a body, with its path as the walk names it (an array's first item as `[0]`). */
function leavesOf(value: Json, path = ''): Array<{ path: string; value: unknown }> {
  if (Array.isArray(value)) return value.length === 0 ? [{ path, value }] : leavesOf(value[0], `${path}[0]`);
  if (value && typeof value === 'object' && Object.keys(value).length > 0 && path !== 'tags')
    return Object.entries(value).flatMap(([key, item]) => leavesOf(item, path ? `${path}.${key}` : key));
  return [{ path, value }];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a).toLowerCase() === JSON.stringify(b).toLowerCase();
