// Image Builder end to end with the official @azure/arm-imagebuilder client: a template built from
// a real (busybox) base disk, customized in a sandbox, generalized and distributed to a VHD, a
// managed image and a gallery version; then a look inside each output. Failures and cancel too.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient, type ImageTemplate } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { makeBusyboxBaseImage } from '../../src/imaging/disk/base-image.ts';
import { toFixedVhd } from '../../src/imaging/disk/disk-image.ts';
import { runSpace } from '../../src/imaging/disk/run-space.ts';
import { manifestOf } from '../../src/domain/replication/chunk-manifest.ts';
import { readManifest } from '../../src/domain/replication/chunk-store.ts';
import type { GalleryImageVersionRecord } from '../../src/domain/gallery-image-versions/gallery-image-version.ts';
import { readCustomizationLog } from '../support/customization-log.ts';
import { putRegionBlob } from '../support/disk-data.ts';
import { loopMountUnavailable, withDiskImage, withReadOnlyMount } from '../support/disk-inspection.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const SCRIPT =
  '#!/bin/sh\nset -e\nmkdir -p /opt/app\necho "installed by script" > /opt/app/VERSION\necho "script ran"\n';
const CONFIG = 'listen=8080\n';
const ISO = 'CD001 not really an installer';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('image builder end to end', () => {
  let kiln: TestServer;
  let builder: ImageBuilderClient;
  let compute: ComputeManagementClient;
  let files: Server;
  let filesUrl: string;
  let imageId: string;
  let galleryImageId: string;
  let work: string;
  const rg = 'build';

  before(async () => {
    files = createServer((request, response) => {
      const body =
        request.url === '/install.sh'
          ? SCRIPT
          : request.url === '/app.conf'
            ? CONFIG
            : request.url === '/slow.sh'
              ? '#!/bin/sh\nsleep 60\n'
              : request.url === '/installer.iso'
                ? ISO
                : undefined;
      response.writeHead(body === undefined ? 404 : 200).end(body);
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as { port: number }).port}`;
    // Downloads may not reach loopback by default: the operator allows this file server by name.
    kiln = await startTestServer({ config: { build: { downloads: { allowHosts: [new URL(filesUrl).host] } } } });
    builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.createOrUpdate(rg, { location: 'westus' });
    work = await mkdtemp(join(tmpdir(), 'kiln-e2e-build-'));
    // A real base disk: dos partition table, ext4 root with busybox, made from Debian's busybox-static.
    await makeBusyboxBaseImage(join(work, 'base.raw'), { sizeMiB: 48 });
    await toFixedVhd(join(work, 'base.raw'), join(work, 'base.vhd'));
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/busybox.vhd', await readFile(join(work, 'base.vhd')));
    imageId = (
      await compute.images.createOrUpdate(rg, 'busybox', {
        location: 'westus',
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
      })
    ).id!;
    await compute.galleries.createOrUpdate(rg, 'golden', { location: 'westus' });
    galleryImageId = (
      await compute.galleryImages.createOrUpdate(rg, 'golden', 'app', {
        location: 'westus',
        osType: 'Linux',
        osState: 'Generalized',
        identifier: { publisher: 'kiln', offer: 'app', sku: '1' },
      })
    ).id!;
  });
  after(async () => {
    files.close();
    await kiln.stop();
  });

  const template = (overrides: Partial<ImageTemplate> = {}): ImageTemplate => ({
    location: 'westus',
    identity: { type: 'None' },
    source: { type: 'ManagedImage', imageId },
    customize: [
      { type: 'Shell', name: 'motd', inline: ['echo "built by kiln" > /etc/motd', 'mkdir -p /srv/data'] },
      { type: 'Shell', name: 'install', scriptUri: `${filesUrl}/install.sh`, sha256Checksum: sha(SCRIPT) },
      {
        type: 'File',
        name: 'config',
        sourceUri: `${filesUrl}/app.conf`,
        destination: '/tmp/app.conf',
        sha256Checksum: sha(CONFIG),
      },
      // As Azure advises: the File customizer may only write to /tmp, which generalizing empties; move it.
      { type: 'Shell', name: 'place-config', inline: ['mv /tmp/app.conf /etc/app.conf'] },
    ],
    distribute: [
      { type: 'VHD', runOutputName: 'vhd' },
      {
        type: 'ManagedImage',
        runOutputName: 'image',
        imageId: `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/images/app-image`,
        location: 'westus',
      },
      {
        type: 'SharedImage',
        runOutputName: 'gallery',
        galleryImageId,
        targetRegions: [{ name: 'westus' }, { name: 'eastus', replicaCount: 2 }],
      },
    ],
    ...overrides,
  });

  /** The customizations are in the root file system, and it was generalized. */
  async function assertBuilt(rootfs: string) {
    assert.equal(await readFile(join(rootfs, 'etc/motd'), 'utf8'), 'built by kiln\n');
    assert.equal(await readFile(join(rootfs, 'opt/app/VERSION'), 'utf8'), 'installed by script\n');
    assert.equal(await readFile(join(rootfs, 'etc/app.conf'), 'utf8'), CONFIG);
    assert.deepEqual(await readdir(join(rootfs, 'tmp')), [], 'generalizing emptied /tmp');
    assert.ok(existsSync(join(rootfs, 'srv/data')));
    assert.equal((await stat(join(rootfs, 'etc/machine-id'))).size, 0, 'machine-id emptied');
    assert.deepEqual(
      (await readdir(join(rootfs, 'etc/ssh'))).filter((f) => f.startsWith('ssh_host_')),
      [],
      'host keys removed',
    );
    assert.equal((await stat(join(rootfs, 'var/log/messages'))).size, 0, 'logs truncated');
    assert.equal(existsSync(join(rootfs, 'root/.bash_history')), false, 'history removed');
    assert.ok(existsSync(join(rootfs, 'bin/busybox')));
  }

  async function download(url: string, file: string) {
    const token = (await kiln.credential.getToken('https://storage.azure.com/.default'))!.token;
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    await pipeline(response.body!, createWriteStream(file));
  }

  it('builds, watches the run, reads the log, and distributes to a VHD, a managed image and a gallery version', async (t) => {
    await builder.virtualMachineImageTemplates.createOrUpdate(rg, 'app', template());
    const poller = builder.virtualMachineImageTemplates.run(rg, 'app');
    await poller.submitted();
    const states = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const status = (await builder.virtualMachineImageTemplates.get(rg, 'app')).lastRunStatus;
      states.add(`${status?.runState}/${status?.runSubState ?? ''}`);
      if (status?.runState !== 'Running') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await poller;
    const done = await builder.virtualMachineImageTemplates.get(rg, 'app');
    assert.equal(done.lastRunStatus?.runState, 'Succeeded', done.lastRunStatus?.message);
    assert.ok(
      [...states].some((s) => s.startsWith('Running/')),
      `saw the run in progress: ${[...states].join(' ')}`,
    );

    const log = await readCustomizationLog(kiln, done.id!);
    assert.match(log.text, /script ran/);
    assert.match(log.text, /generalize/i);
    assert.match(log.text, /Customizer network: off/);
    assert.equal(log.complete, true);

    const outputs = [];
    for await (const output of builder.virtualMachineImageTemplates.listRunOutputs(rg, 'app')) outputs.push(output);
    assert.deepEqual(outputs.map((o) => [o.name, o.provisioningState]).sort(), [
      ['gallery', 'Succeeded'],
      ['image', 'Succeeded'],
      ['vhd', 'Succeeded'],
    ]);

    const vhdOutput = await builder.virtualMachineImageTemplates.getRunOutput(rg, 'app', 'vhd');
    await download(vhdOutput.artifactUri!, join(work, 'out.vhd'));
    assert.equal((await stat(join(work, 'out.vhd'))).size % (1024 * 1024), 512, 'a fixed VHD, 1 MiB aligned');
    const partition = await withDiskImage(join(work, 'out.vhd'), async (fromVhd) => {
      assert.equal(fromVhd.format, 'vpc');
      await assertBuilt(fromVhd.rootfs);
      return fromVhd.partition;
    });
    await t.test('the VHD as it is mounts read-only through a loop device and holds the customizations', async (t) => {
      const unavailable = await loopMountUnavailable();
      if (unavailable) return t.skip(`not mounted for real: ${unavailable}`);
      await withReadOnlyMount(join(work, 'out.vhd'), partition, async (dir, device) => {
        t.diagnostic(`mounted ${device} (${join(work, 'out.vhd')} at byte ${partition.start}) read-only at ${dir}`);
        await assertBuilt(dir);
        await assert.rejects(writeFile(join(dir, 'etc/motd'), 'changed'), { code: 'EROFS' });
      });
    });

    const image = await compute.images.get(rg, 'app-image');
    assert.equal(image.provisioningState, 'Succeeded');
    const imageRecord = await kiln.server.kiln.store.get<{
      internal: { blobs: Array<{ region: string; key: string }> };
    }>(image.id!.toLowerCase());
    const osBlob = imageRecord!.data.internal.blobs[0];
    await pipeline(
      kiln.server.kiln.domain.regions.get(osBlob.region)!.read(osBlob.key),
      createWriteStream(join(work, 'image.vhd')),
    );
    await withDiskImage(join(work, 'image.vhd'), ({ rootfs }) => assertBuilt(rootfs));

    const galleryOutput = await builder.virtualMachineImageTemplates.getRunOutput(rg, 'app', 'gallery');
    assert.match(galleryOutput.artifactId!, /\/versions\/1\.0\.0$/);
    const version = await compute.galleryImageVersions.get(rg, 'golden', 'app', '1.0.0', {
      expand: 'ReplicationStatus',
    });
    assert.equal(version.replicationStatus?.aggregatedState, 'Completed');
    const versionRecord = (await kiln.server.kiln.store.get<GalleryImageVersionRecord['data']>(
      galleryOutput.artifactId!.toLowerCase(),
    ))!;
    const manifest = manifestOf(versionRecord.data.internal.disks[0].manifest!);
    await pipeline(
      readManifest(kiln.server.kiln.domain.regions.get('eastus')!, 2, manifest),
      createWriteStream(join(work, 'version.vhd')),
    );
    await withDiskImage(join(work, 'version.vhd'), ({ rootfs }) => assertBuilt(rootfs));

    const groups = [];
    for await (const group of new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.list())
      groups.push(group.name!);
    assert.deepEqual(
      groups.filter((g) => g.startsWith('IT_')),
      [],
      'the staging resource group is gone',
    );

    // A second run makes the next gallery version.
    await builder.virtualMachineImageTemplates.run(rg, 'app');
    assert.match(
      (await builder.virtualMachineImageTemplates.getRunOutput(rg, 'app', 'gallery')).artifactId!,
      /\/versions\/1\.0\.1$/,
    );
  });

  it('fails a run whose script exits 1, naming the customizer, the exit code and the last lines', async () => {
    await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'failing',
      template({
        customize: [{ type: 'Shell', name: 'broken-step', inline: ['echo "about to fail"', 'exit 1'] }],
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      }),
    );
    await assert.rejects(builder.virtualMachineImageTemplates.run(rg, 'failing'), /BuildFailed/);
    const status = (await builder.virtualMachineImageTemplates.get(rg, 'failing')).lastRunStatus!;
    assert.equal(status.runState, 'Failed');
    assert.match(status.message!, /broken-step/);
    assert.match(status.message!, /exit(ed)? (code )?1|code 1/i);
    assert.match(status.message!, /about to fail/);
  });

  it('fails a run whose script has the wrong checksum, naming both sums', async () => {
    const wrong = '0'.repeat(64);
    await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'checksum',
      template({
        customize: [{ type: 'Shell', name: 'install', scriptUri: `${filesUrl}/install.sh`, sha256Checksum: wrong }],
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      }),
    );
    await assert.rejects(builder.virtualMachineImageTemplates.run(rg, 'checksum'), /BuildFailed/);
    const status = (await builder.virtualMachineImageTemplates.get(rg, 'checksum')).lastRunStatus!;
    assert.ok(status.message!.includes(wrong) && status.message!.includes(sha(SCRIPT)), status.message);
  });

  it('ends a template from an unknown platform image Failed (BadPIRSource) and never runs it', async () => {
    // As Azure's asynchronous template validation does: the PUT is accepted, its operation fails.
    await assert.rejects(
      builder.virtualMachineImageTemplates.createOrUpdate(
        rg,
        'platform',
        template({
          source: {
            type: 'PlatformImage',
            publisher: 'Canonical',
            offer: 'UbuntuServer',
            sku: '18.04-LTS',
            version: 'latest',
          },
          distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
        }),
      ),
      /BadPIRSource\. properties\.source: The platform image Canonical:UbuntuServer:18\.04-LTS:latest/,
    );
    const failed = await builder.virtualMachineImageTemplates.get(rg, 'platform');
    assert.equal(failed.provisioningState, 'Failed');
    await assert.rejects(builder.virtualMachineImageTemplates.run(rg, 'platform'), {
      statusCode: 409,
      code: 'OperationNotAllowed',
    });
    assert.equal((await builder.virtualMachineImageTemplates.get(rg, 'platform')).lastRunStatus, undefined);
  });

  it('builds a template that failed validation once its source exists and the PUT is repeated', async () => {
    const later = template({
      source: {
        type: 'ManagedImage',
        imageId: `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/images/busybox-later`,
      },
      customize: [{ type: 'Shell', name: 'mark', inline: ['echo late > /etc/late'] }],
      distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
    });
    await assert.rejects(
      builder.virtualMachineImageTemplates.createOrUpdate(rg, 'later', later),
      /BadManagedImageSource\. properties\.source\.imageId: .*busybox-later/,
    );
    await assert.rejects(builder.virtualMachineImageTemplates.run(rg, 'later'), {
      statusCode: 409,
      code: 'OperationNotAllowed',
    });
    const blobUri = await putRegionBlob(
      kiln,
      'westus',
      'vhds/busybox-later.vhd',
      await readFile(join(work, 'base.vhd')),
    );
    await compute.images.createOrUpdate(rg, 'busybox-later', {
      location: 'westus',
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
    });
    assert.equal(
      (await builder.virtualMachineImageTemplates.createOrUpdate(rg, 'later', later)).provisioningState,
      'Succeeded',
    );
    await builder.virtualMachineImageTemplates.run(rg, 'later');
    const built = await builder.virtualMachineImageTemplates.get(rg, 'later');
    assert.equal(built.lastRunStatus?.runState, 'Succeeded', built.lastRunStatus?.message);
    const vhd = await builder.virtualMachineImageTemplates.getRunOutput(rg, 'later', 'vhd');
    await download(vhd.artifactUri!, join(work, 'later.vhd'));
    await withDiskImage(join(work, 'later.vhd'), async ({ rootfs }) =>
      assert.equal(await readFile(join(rootfs, 'etc/late'), 'utf8'), 'late\n'),
    );
  });

  it('reports PartiallySucceeded when one target fails and the others succeed', async () => {
    // The target's resource group exists when the template is validated, and is gone by the run.
    const resources = new ResourceManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await resources.resourceGroups.createOrUpdate('doomed', { location: 'westus' });
    await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'partial',
      template({
        customize: [{ type: 'Shell', name: 'noop', inline: ['true'] }],
        distribute: [
          { type: 'VHD', runOutputName: 'vhd' },
          {
            type: 'ManagedImage',
            runOutputName: 'nowhere',
            imageId: `/subscriptions/${kiln.subscriptionId}/resourceGroups/doomed/providers/Microsoft.Compute/images/x`,
            location: 'westus',
          },
        ],
      }),
    );
    await resources.resourceGroups.beginDeleteAndWait('doomed');
    await builder.virtualMachineImageTemplates.run(rg, 'partial');
    const status = (await builder.virtualMachineImageTemplates.get(rg, 'partial')).lastRunStatus!;
    assert.equal(status.runState, 'PartiallySucceeded');
    assert.match(status.message!, /1 of 2 distribution targets failed/);
    const outputs = [];
    for await (const output of builder.virtualMachineImageTemplates.listRunOutputs(rg, 'partial'))
      outputs.push([output.name, output.provisioningState]);
    assert.deepEqual(outputs.sort(), [
      ['nowhere', 'Failed'],
      ['vhd', 'Succeeded'],
    ]);
  });

  it('serves the customization log while the run is still going', async () => {
    await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'live-log',
      template({
        customize: [{ type: 'Shell', name: 'chatty', inline: ['echo "halfway there"', 'sleep 3'] }],
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      }),
    );
    const poller = builder.virtualMachineImageTemplates.run(rg, 'live-log');
    await poller.submitted();
    const id = (await builder.virtualMachineImageTemplates.get(rg, 'live-log')).id!;
    let live: Awaited<ReturnType<typeof readCustomizationLog>> | undefined;
    for (let i = 0; i < 600 && !live; i++) {
      const log = await readCustomizationLog(kiln, id);
      if (log.text.includes('[chatty] halfway there')) live = log;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(live, 'the echoed line shows in the log');
    // The script sleeps after echoing: the run is still going, so the line was read live.
    assert.equal((await builder.virtualMachineImageTemplates.get(rg, 'live-log')).lastRunStatus?.runState, 'Running');
    assert.equal(live.complete, false, 'the log is not sealed yet');
    await poller;
    assert.equal((await builder.virtualMachineImageTemplates.get(rg, 'live-log')).lastRunStatus?.runState, 'Succeeded');
    const rest = await readCustomizationLog(kiln, id, live.nextOffset);
    assert.equal(rest.complete, true);
    assert.match(rest.text, /Run Succeeded/);
  });

  it("fails a run from a gallery version not replicated to the template's region, naming the version and its regions", async () => {
    // The first test's 1.0.0 went to westus and eastus only.
    const imageVersionId = `${galleryImageId}/versions/1.0.0`;
    await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'other-region',
      template({
        location: 'westus2',
        source: { type: 'SharedImageVersion', imageVersionId },
        customize: [],
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      }),
    );
    await assert.rejects(builder.virtualMachineImageTemplates.run(rg, 'other-region'), /BuildFailed/);
    const status = (await builder.virtualMachineImageTemplates.get(rg, 'other-region')).lastRunStatus!;
    assert.equal(status.runState, 'Failed');
    assert.ok(status.message!.toLowerCase().includes(`'${imageVersionId.toLowerCase()}'`), status.message);
    assert.match(
      status.message!,
      /not replicated to the template's region 'westus2' \(its target regions: 'westus', 'eastus'\)/,
    );
  });

  it('refuses a Windows source, which Kiln does not build yet', async () => {
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/windows.vhd', await readFile(join(work, 'base.vhd')));
    const windowsImage = (
      await compute.images.createOrUpdate(rg, 'windows', {
        location: 'westus',
        storageProfile: { osDisk: { osType: 'Windows', osState: 'Generalized', blobUri } },
      })
    ).id!;
    await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'windows',
      template({
        source: { type: 'ManagedImage', imageId: windowsImage },
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      }),
    );
    await assert.rejects(
      builder.virtualMachineImageTemplates.run(rg, 'windows'),
      /is a Windows image: .*Kiln does not build Windows images yet/,
    );
  });

  it('makes a version numbered like its source version with the Source versioning scheme', async () => {
    const copy = (
      await compute.galleryImages.createOrUpdate(rg, 'golden', 'app-copy', {
        location: 'westus',
        osType: 'Linux',
        osState: 'Generalized',
        identifier: { publisher: 'kiln', offer: 'app', sku: 'copy' },
      })
    ).id!;
    await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'from-version',
      template({
        source: { type: 'SharedImageVersion', imageVersionId: `${galleryImageId}/versions/latest` },
        customize: [{ type: 'Shell', name: 'touch', inline: ['touch /etc/rebuilt'] }],
        distribute: [
          {
            type: 'SharedImage',
            runOutputName: 'copy',
            galleryImageId: copy,
            targetRegions: [{ name: 'westus' }],
            versioning: { scheme: 'Source' },
          },
        ],
      }),
    );
    await builder.virtualMachineImageTemplates.run(rg, 'from-version');
    // latest was 1.0.1, the second run of the first test.
    assert.match(
      (await builder.virtualMachineImageTemplates.getRunOutput(rg, 'from-version', 'copy')).artifactId!,
      /\/images\/app-copy\/versions\/1\.0\.1$/,
    );
  });

  it('downloads an ISO source and checks its sha256 before saying it needs a VM-based driver', async () => {
    // ISO sources exist only in the 2019 preview API, which the current SDK does not speak: PUT them raw.
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const putIso = async (name: string, sha256Checksum: string) => {
      const response = await fetch(
        `${kiln.url}/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.VirtualMachineImages/imageTemplates/${name}?api-version=2019-05-01-preview`,
        {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            location: 'westus',
            properties: {
              source: { type: 'ISO', sourceURI: `${filesUrl}/installer.iso`, sha256Checksum },
              distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
            },
          }),
        },
      );
      assert.equal(response.status, 201, await response.text());
    };
    await putIso('iso-bad', 'f'.repeat(64));
    await assert.rejects(builder.virtualMachineImageTemplates.run(rg, 'iso-bad'), /BuildFailed/);
    const bad = (await builder.virtualMachineImageTemplates.get(rg, 'iso-bad')).lastRunStatus!.message!;
    assert.ok(bad.includes(sha(ISO)) && bad.includes('f'.repeat(64)), bad);
    await putIso('iso-good', sha(ISO));
    await assert.rejects(builder.virtualMachineImageTemplates.run(rg, 'iso-good'), /BuildFailed/);
    assert.match(
      (await builder.virtualMachineImageTemplates.get(rg, 'iso-good')).lastRunStatus!.message!,
      /sha256 matches, but building from an installer ISO needs a VM-based build driver/,
    );
  });

  it('deletes the VHDs of its runs with the template', async () => {
    const record = await kiln.server.kiln.store.get<{ internal: { blobs: Array<{ region: string; key: string }> } }>(
      `/subscriptions/${kiln.subscriptionId}/resourcegroups/${rg}/providers/microsoft.virtualmachineimages/imagetemplates/app`,
    );
    const vhd = record!.data.internal.blobs.find((b) => b.key.endsWith('.vhd'))!;
    const store = kiln.server.kiln.domain.regions.get(vhd.region)!;
    assert.ok(await store.stat(vhd.key), 'the VHD output exists while the template does');
    await builder.virtualMachineImageTemplates.delete(rg, 'app');
    for (let i = 0; i < 100 && (await store.stat(vhd.key)); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await store.stat(vhd.key), undefined);
  });

  it('cancels a run in the middle within seconds and leaves nothing behind', async () => {
    await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'slow',
      template({
        customize: [{ type: 'Shell', name: 'sleepy', scriptUri: `${filesUrl}/slow.sh` }],
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      }),
    );
    const run = builder.virtualMachineImageTemplates.run(rg, 'slow');
    await run.submitted();
    for (let i = 0; i < 600; i++) {
      if ((await builder.virtualMachineImageTemplates.get(rg, 'slow')).lastRunStatus?.runSubState === 'Customizing')
        break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const started = Date.now();
    await builder.virtualMachineImageTemplates.cancel(rg, 'slow');
    await run.catch(() => undefined);
    for (
      let i = 0;
      i < 200 && (await builder.virtualMachineImageTemplates.get(rg, 'slow')).lastRunStatus?.runState !== 'Canceled';
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal((await builder.virtualMachineImageTemplates.get(rg, 'slow')).lastRunStatus?.runState, 'Canceled');
    assert.ok(Date.now() - started < 15_000, 'canceled within seconds');
    const leftovers = await readdir(join(kiln.dataDir, 'work')).catch(() => []);
    assert.deepEqual(leftovers, [], 'no working files left');
  });

  it('keeps the staging group and working files for debugging with onCustomizerError abort', async () => {
    await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'debug-me',
      template({
        customize: [{ type: 'Shell', name: 'broken', inline: ['exit 7'] }],
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
        errorHandling: { onCustomizerError: 'abort' },
      }),
    );
    await assert.rejects(builder.virtualMachineImageTemplates.run(rg, 'debug-me'), /BuildFailed/);
    const groups = [];
    for await (const group of new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.list())
      groups.push(group.name!);
    assert.ok(
      groups.some((g) => g.startsWith(`IT_${rg}_debug-me_`)),
      `staging group kept: ${groups.join(', ')}`,
    );
    const kept = await readdir(join(kiln.dataDir, 'work'));
    assert.equal(kept.length, 1);
    assert.ok(
      existsSync(join(runSpace(join(kiln.dataDir, 'work', kept[0])), 'disk.raw')),
      'the working disk is there to inspect',
    );
  });
});
