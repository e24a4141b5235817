// The quickstart's client half: what a user does with the official Azure SDKs against a running Kiln.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { ContainerClient } from '@azure/storage-blob';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { writeSparseFile } from '../src/imaging/disk/sparse-file.ts';

const [dataDir, url, baseImageFile] = process.argv.slice(2);
const admin = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8'));
const subscriptionId = JSON.parse(await readFile(join(dataDir, 'config.json'), 'utf8')).subscriptions[0].id;
const base = JSON.parse(await readFile(baseImageFile, 'utf8'));
const step = (text: string) => console.log(`\n==> ${text}`);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

const credential = new ClientSecretCredential(admin.tenant, admin.appId, admin.password, {
  authorityHost: url,
  disableInstanceDiscovery: true,
});
const resources = new ResourceManagementClient(credential, subscriptionId, { endpoint: url });
const compute = new ComputeManagementClient(credential, subscriptionId, { endpoint: url });
const builder = new ImageBuilderClient(credential, subscriptionId, { endpoint: url });
const group = 'quickstart';
const groupId = `/subscriptions/${subscriptionId}/resourceGroups/${group}`;

step(`resource group ${group} in westus (a previous run's group is deleted first)`);
if ((await resources.resourceGroups.checkExistence(group)).body)
  await resources.resourceGroups.beginDeleteAndWait(group);
await resources.resourceGroups.createOrUpdate(group, { location: 'westus', tags: { made: 'by-quickstart' } });

step('gallery shelf and image definition app (Linux, generalized)');
await compute.galleries.beginCreateOrUpdateAndWait(group, 'shelf', {
  location: 'westus',
  description: 'Kiln quickstart',
});
const definition = await compute.galleryImages.beginCreateOrUpdateAndWait(group, 'shelf', 'app', {
  location: 'westus',
  osType: 'Linux',
  osState: 'Generalized',
  identifier: { publisher: 'kiln', offer: 'quickstart', sku: 'app' },
});
console.log(`    ${definition.id}`);

// The File customizer downloads over HTTP(S). Here the file sits in Kiln's own blob storage, in a
// container readable by anyone, as Azure samples keep theirs in a storage account. (Downloads from
// this host's loopback or local network are refused unless config.json's build.downloads allows them.)
const appConfig = `# written by the Kiln quickstart\nlisten = 0.0.0.0:8080\n`;
const scripts = new ContainerClient(`${url}/blob/westus/quickstart`, credential);
await scripts.setAccessPolicy('blob');
await scripts.getBlockBlobClient('app.conf').upload(appConfig, Buffer.byteLength(appConfig));
const appConfigUri = `${url}/blob/westus/quickstart/app.conf`;

step(`image template app-template from ${base.publisher}:${base.offer}:${base.sku}:latest`);
await builder.virtualMachineImageTemplates.beginCreateOrUpdateAndWait(group, 'app-template', {
  location: 'westus',
  identity: { type: 'None' },
  source: { type: 'PlatformImage', publisher: base.publisher, offer: base.offer, sku: base.sku, version: 'latest' },
  customize: [
    {
      type: 'Shell',
      name: 'motd',
      inline: [
        'echo "Built by Kiln on $(date -u)" > /etc/motd',
        'mkdir -p /opt/app && echo 1.0 > /opt/app/VERSION',
        'cat /etc/os-release 2>/dev/null | head -1 || true',
      ],
    },
    {
      type: 'File',
      name: 'app-config',
      sourceUri: appConfigUri,
      destination: '/tmp/app.conf',
      sha256Checksum: createHash('sha256').update(appConfig).digest('hex'),
    },
    { type: 'Shell', name: 'install-config', inline: ['mv /tmp/app.conf /etc/app.conf', 'ls -l /etc/app.conf'] },
  ],
  // Azure's validate stage: the customized image boots as a VM and these run in it over SSH, so what is
  // distributed is proven to boot. The Debian base carries cloud-init and sshd; the busybox one cannot boot so.
  ...(base.publisher === 'Debian'
    ? {
        validate: {
          inVMValidations: [
            {
              type: 'Shell',
              name: 'boots-with-app',
              inline: ['systemctl is-system-running --wait || true', 'cat /opt/app/VERSION /etc/app.conf', 'uname -r'],
            },
          ],
        },
      }
    : {}),
  distribute: [
    {
      type: 'ManagedImage',
      runOutputName: 'image',
      imageId: `${groupId}/providers/Microsoft.Compute/images/app-image`,
      location: 'westus',
    },
    {
      type: 'SharedImage',
      runOutputName: 'gallery',
      galleryImageId: definition.id!,
      targetRegions: [{ name: 'westus' }, { name: 'eastus' }],
    },
    { type: 'VHD', runOutputName: 'vhd' },
  ],
});

step('running it (the build log, live)');
const started = Date.now();
const run = builder.virtualMachineImageTemplates.beginRun(group, 'app-template');
await (await run).poll();
await followBuild(started);
await (await run).pollUntilDone();

step('run outputs');
const outputs = [];
for await (const output of builder.virtualMachineImageTemplates.listRunOutputs(group, 'app-template'))
  outputs.push(output);
for (const output of outputs)
  console.log(
    `    ${(output.name ?? '').padEnd(8)} ${output.provisioningState}  ${output.artifactId ?? output.artifactUri}`,
  );
const template = await builder.virtualMachineImageTemplates.get(group, 'app-template');
console.log(`    run ${template.lastRunStatus?.runState} in ${seconds(started)}`);
if (template.lastRunStatus?.runState !== 'Succeeded')
  throw new Error(`the run ended ${template.lastRunStatus?.runState}: ${template.lastRunStatus?.message}`);

step('the VHD, downloaded');
const storageToken = (await credential.getToken('https://storage.azure.com/.default'))!.token;
const vhdPath = join(dataDir, 'app.vhd');
const download = await fetch(outputs.find((o) => o.name === 'vhd')!.artifactUri!, {
  headers: { authorization: `Bearer ${storageToken}` },
});
if (!download.ok || !download.body) throw new Error(`downloading the VHD answered ${download.status}`);
// Streamed to a sparse file: a disk's unwritten space costs no blocks here either.
await writeSparseFile(Readable.fromWeb(download.body as NodeReadableStream), vhdPath);
// sfdisk reads the VHD's footer as one more sector of the disk and warns about the GPT's place: stderr is dropped.
const partitions = JSON.parse(
  execFileSync('sfdisk', ['-J', vhdPath], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
    stdio: ['ignore', 'pipe', 'ignore'],
  }),
);
const offset = partitions.partitiontable.partitions[0].start * 512;
const lookInside = `debugfs -R 'cat /etc/motd' '${vhdPath}?offset=${offset}'`;
console.log(`    ${vhdPath} (fixed VHD, ${download.headers.get('content-length')} bytes)`);
console.log(`    look inside: ${lookInside}`);
console.log(`    boot or convert: qemu-img convert -f vpc -O qcow2 ${vhdPath} app.qcow2`);

step('where everything is');
for await (const i of compute.images.listByResourceGroup(group)) console.log(`    managed image   ${i.id}`);
for await (const listed of compute.galleryImageVersions.listByGalleryImage(group, 'shelf', 'app')) {
  const v = await compute.galleryImageVersions.get(group, 'shelf', 'app', listed.name!, {
    expand: 'ReplicationStatus',
  });
  const regions = v.replicationStatus?.summary?.map((s) => `${s.region} ${s.state} ${s.progress}%`).join(', ');
  console.log(`    gallery version ${v.id} (${regions})`);
}
console.log(`    image template  ${template.id}`);
console.log(`    VHD             ${vhdPath}`);
console.log(`    data folder     ${dataDir} (SQLite metadata in kiln.db, one blob folder per region under regions/)`);
console.log(
  `    server          ${url} (CA: ${join(dataDir, 'tls', 'ca.pem')}; admin credentials: ${join(dataDir, 'admin-credentials.json')})`,
);

/** Prints the customization log as it grows and, while distributing, replication per region. */
async function followBuild(since: number): Promise<void> {
  let offset = 0;
  let shownState = '';
  let shownReplication = '';
  const token = async () => (await credential.getToken('https://management.azure.com/.default'))!.token;
  for (;;) {
    const response = await fetch(
      `${url}${groupId}/providers/Microsoft.VirtualMachineImages/imageTemplates/app-template/customizationLog?offset=${offset}&api-version=2022-02-14`,
      {
        headers: { authorization: `Bearer ${await token()}` },
      },
    );
    const text = response.ok ? await response.text() : '';
    if (response.ok) offset = Number(response.headers.get('x-ms-kiln-next-offset') ?? offset);
    for (const line of text.split('\n').filter(Boolean)) console.log(`    ${line.replace(/^\S+Z /, '')}`);
    const status = (await builder.virtualMachineImageTemplates.get(group, 'app-template')).lastRunStatus;
    const state = `${status?.runState} ${status?.runSubState ?? ''}`.trim();
    if (state !== shownState) console.log(`    [${seconds(since)}] run ${(shownState = state)}`);
    if (status?.runSubState === 'Distributing') {
      for await (const listed of compute.galleryImageVersions.listByGalleryImage(group, 'shelf', 'app')) {
        const v = await compute.galleryImageVersions.get(group, 'shelf', 'app', listed.name!, {
          expand: 'ReplicationStatus',
        });
        const replication =
          v.replicationStatus?.summary?.map((s) => `${s.region} ${s.progress ?? 0}%`).join(', ') ?? '';
        if (replication && replication !== shownReplication)
          console.log(`    [${seconds(since)}] replicating ${v.name}: ${(shownReplication = replication)}`);
      }
    }
    if (status?.runState !== 'Running' && response.headers.get('x-ms-kiln-log-complete') === 'true') return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
