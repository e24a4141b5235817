// The operator's switch for customizer network. Off (the default), a Shell customizer cannot reach a
// server on the host's loopback: its private network namespace has a loopback of its own, so the
// connection is refused and the run fails saying so. On, through config.json's
// `build.customizerNetwork` or `kiln serve --customizer-network`, the same customizer reaches it.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultConfig } from '../../src/app/config.ts';
import { makeBusyboxBaseImage } from '../../src/imaging/disk/base-image.ts';
import { toFixedVhd } from '../../src/imaging/disk/disk-image.ts';
import { readCustomizationLog } from '../support/customization-log.ts';
import { putRegionBlob } from '../support/disk-data.ts';
import { clientsFor, dataDirWithTestCa, killKiln, startKilnProcess } from '../support/kiln-process.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const GREETING = 'hello from the host';
const rg = 'build';

describe('customizer network switch', () => {
  let scratch: string;
  let baseVhd: Buffer;
  let host: Server;
  let hostUrl: string;
  /** The `from` of every request the host's loopback server answered. */
  const reached: string[] = [];

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'kiln-e2e-build-network-'));
    await makeBusyboxBaseImage(join(scratch, 'base.raw'), { sizeMiB: 48 });
    await toFixedVhd(join(scratch, 'base.raw'), join(scratch, 'base.vhd'));
    baseVhd = await readFile(join(scratch, 'base.vhd'));
    host = createServer((request, response) => {
      reached.push(new URL(request.url!, 'http://host').searchParams.get('from') ?? '');
      response.end(`${GREETING}\n`);
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    hostUrl = `http://127.0.0.1:${(host.address() as { port: number }).port}`;
  });
  after(async () => {
    host.close();
    await rm(scratch, { recursive: true, force: true });
  });

  /** Builds, on the Kiln at `kiln.url`, a template whose Shell customizer fetches from the host's loopback server. */
  async function buildReachingHost(kiln: Pick<TestServer, 'url' | 'credential' | 'subscriptionId'>, from: string) {
    const builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    const compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.createOrUpdate(rg, { location: 'westus' });
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/busybox.vhd', baseVhd);
    const imageId = (
      await compute.images.createOrUpdate(rg, 'busybox', {
        location: 'westus',
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
      })
    ).id!;
    const template = await builder.virtualMachineImageTemplates.createOrUpdate(rg, 'reach-host', {
      location: 'westus',
      identity: { type: 'None' },
      source: { type: 'ManagedImage', imageId },
      customize: [{ type: 'Shell', name: 'reach-host', inline: [`wget -q -O - '${hostUrl}/?from=${from}'`] }],
      distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
    });
    await builder.virtualMachineImageTemplates.run(rg, 'reach-host').catch(() => undefined);
    const status = (await builder.virtualMachineImageTemplates.get(rg, 'reach-host')).lastRunStatus!;
    return { status, log: (await readCustomizationLog(kiln, template.id!)).text };
  }

  it('is off by default: the customizer cannot connect to the host loopback, and the run says so', async () => {
    const kiln = await startTestServer();
    try {
      const { status, log } = await buildReachingHost(kiln, 'default');
      assert.equal(status.runState, 'Failed');
      assert.match(status.message!, /Shell customizer 'reach-host' failed with exit code 1/);
      assert.match(status.message!, /can't connect to remote host \(127\.0\.0\.1\): Connection refused/);
      assert.match(log, /Customizer network: off/);
      assert.deepEqual(
        reached.filter((from) => from === 'default'),
        [],
        'nothing reached the host server',
      );
    } finally {
      await kiln.stop();
    }
  });

  it('is on with build.customizerNetwork in config.json: the customizer reaches the host loopback', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kiln-test-'));
    await writeFile(
      join(dataDir, 'config.json'),
      JSON.stringify({ ...defaultConfig(), build: { customizerNetwork: true } }),
    );
    const kiln = await startTestServer({ dataDir });
    try {
      const { status, log } = await buildReachingHost(kiln, 'config');
      assert.equal(status.runState, 'Succeeded', status.message);
      assert.match(log, /Customizer network: on/);
      assert.match(log, new RegExp(`\\[reach-host\\] ${GREETING}`));
      assert.deepEqual(
        reached.filter((from) => from === 'config'),
        ['config'],
      );
    } finally {
      await kiln.stop();
    }
  });

  it('is on with kiln serve --customizer-network', async () => {
    const dataDir = await dataDirWithTestCa('kiln-build-network-');
    const server = await startKilnProcess(dataDir, 0, ['--customizer-network']);
    try {
      const { status, log } = await buildReachingHost(await clientsFor(dataDir, server.url), 'flag');
      assert.equal(status.runState, 'Succeeded', status.message);
      assert.match(log, /Customizer network: on/);
      assert.deepEqual(
        reached.filter((from) => from === 'flag'),
        ['flag'],
      );
    } finally {
      await killKiln(server);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
