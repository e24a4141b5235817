// The quickstart's client half: what a user does with the official SDKs against a running Kiln.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { AnonymousCredential, PageBlobClient } from '@azure/storage-blob';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { makeBusyboxBaseImage } from '../src/build/disk/base-image.ts';
import { toFixedVhd } from '../src/build/disk/disk-image.ts';
import { join } from 'node:path';
import { createFixedVhdFooter } from '../src/core/vhd.ts';

const [dataDir, url] = process.argv.slice(2);
const admin = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8'));
const subscriptionId = JSON.parse(await readFile(join(dataDir, 'config.json'), 'utf8')).subscriptions[0].id;
const step = (text: string) => console.log(`\n==> ${text}`);

const credential = new ClientSecretCredential(admin.tenant, admin.appId, admin.password, { authorityHost: url, disableInstanceDiscovery: true });
const resources = new ResourceManagementClient(credential, subscriptionId, { endpoint: url });
const compute = new ComputeManagementClient(credential, subscriptionId, { endpoint: url });

step('resource group quickstart in westus (a previous run\'s group is deleted first)');
if ((await resources.resourceGroups.checkExistence('quickstart')).body) await resources.resourceGroups.beginDeleteAndWait('quickstart');
await resources.resourceGroups.createOrUpdate('quickstart', { location: 'westus', tags: { made: 'by-quickstart' } });

step('uploading a 32 MiB fixed VHD as managed disk os-disk (Azure upload flow)');
const data = Buffer.alloc(32 * 1024 * 1024);
data.write('Kiln quickstart disk', 0);
const vhd = Buffer.concat([data, createFixedVhdFooter(data.length)]);
await compute.disks.createOrUpdate('quickstart', 'os-disk', { location: 'westus', osType: 'Linux', creationData: { createOption: 'Upload', uploadSizeBytes: vhd.length } });
const upload = await compute.disks.grantAccess('quickstart', 'os-disk', { access: 'Write', durationInSeconds: 600 });
const pages = new PageBlobClient(upload.accessSAS!, new AnonymousCredential());
for (let offset = 0; offset < vhd.length; offset += 4 * 1024 * 1024) {
  const chunk = vhd.subarray(offset, offset + 4 * 1024 * 1024);
  await pages.uploadPages(chunk, offset, chunk.length);
}
await compute.disks.revokeAccess('quickstart', 'os-disk');
const disk = await compute.disks.get('quickstart', 'os-disk');
console.log(`    ${disk.name}: ${disk.diskState}, ${disk.diskSizeBytes} bytes`);

step('snapshot os-snap of the disk, copied to eastus as disk os-disk-east');
const snapshot = await compute.snapshots.createOrUpdate('quickstart', 'os-snap', { location: 'westus', creationData: { createOption: 'Copy', sourceResourceId: disk.id } });
const east = await compute.disks.createOrUpdate('quickstart', 'os-disk-east', { location: 'eastus', creationData: { createOption: 'Copy', sourceResourceId: snapshot.id } });
console.log(`    ${east.name}: ${east.provisioningState} in ${east.location}`);

step('managed image golden from the snapshot');
const image = await compute.images.createOrUpdate('quickstart', 'golden', {
  location: 'westus',
  storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', snapshot: { id: snapshot.id } } },
});
console.log(`    ${image.id}: ${image.provisioningState}`);

step('download link for the disk (valid 10 minutes)');
const read = await compute.disks.grantAccess('quickstart', 'os-disk', { access: 'Read', durationInSeconds: 600 });
console.log(`    curl --cacert ${join(dataDir, 'tls', 'ca.pem')} -o os-disk.vhd '${read.accessSAS}'`);

step('a busybox base disk (partition table + ext4), uploaded and made a managed image');
const work = await mkdtemp(join(tmpdir(), 'kiln-quickstart-'));
await makeBusyboxBaseImage(join(work, 'base.raw'), { sizeMiB: 48 });
await toFixedVhd(join(work, 'base.raw'), join(work, 'base.vhd'));
const storageToken = (await credential.getToken('https://storage.azure.com/.default'))!.token;
const baseUri = `${url}/blob/westus/vhds/busybox-base.vhd`;
const uploaded = await fetch(baseUri, { method: 'PUT', headers: { authorization: `Bearer ${storageToken}`, 'x-ms-blob-type': 'BlockBlob' }, body: new Uint8Array(await readFile(join(work, 'base.vhd'))) });
if (uploaded.status !== 201) throw new Error(`uploading the base disk answered ${uploaded.status}`);
const base = await compute.images.createOrUpdate('quickstart', 'busybox-base', { location: 'westus', storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri: baseUri } } });

step('gallery shelf, image definition app');
await compute.galleries.createOrUpdate('quickstart', 'shelf', { location: 'westus', description: 'Kiln quickstart' });
const definition = await compute.galleryImages.createOrUpdate('quickstart', 'shelf', 'app', {
  location: 'westus', osType: 'Linux', osState: 'Generalized', identifier: { publisher: 'kiln', offer: 'quickstart', sku: 'app' },
});

step('image template app-template: a Shell customizer, then a VHD, a managed image and a gallery version in two regions');
const builder = new ImageBuilderClient(credential, subscriptionId, { endpoint: url });
await builder.virtualMachineImageTemplates.createOrUpdate('quickstart', 'app-template', {
  location: 'westus',
  identity: { type: 'None' },
  source: { type: 'ManagedImage', imageId: base.id! },
  customize: [{ type: 'Shell', name: 'motd', inline: ['echo "Built by Kiln on $(date -u)" > /etc/motd', 'mkdir -p /opt/app && echo 1.0 > /opt/app/VERSION'] }],
  distribute: [
    { type: 'VHD', runOutputName: 'vhd' },
    { type: 'ManagedImage', runOutputName: 'image', imageId: `/subscriptions/${subscriptionId}/resourceGroups/quickstart/providers/Microsoft.Compute/images/app-image`, location: 'westus' },
    { type: 'SharedImage', runOutputName: 'gallery', galleryImageId: definition.id!, targetRegions: [{ name: 'westus' }, { name: 'eastus' }] },
  ],
});
const started = Date.now();
const run = builder.virtualMachineImageTemplates.run('quickstart', 'app-template');
await run.submitted();
let shown = '';
for (;;) {
  const status = (await builder.virtualMachineImageTemplates.get('quickstart', 'app-template')).lastRunStatus;
  const line = `${status?.runState} ${status?.runSubState ?? ''}`.trim();
  if (line !== shown) console.log(`    ${((Date.now() - started) / 1000).toFixed(1)} s  ${(shown = line)}`);
  if (status?.runState !== 'Running') break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await run;
const outputs = [];
for await (const output of builder.virtualMachineImageTemplates.listRunOutputs('quickstart', 'app-template')) outputs.push(output);
for (const output of outputs) console.log(`    run output ${output.name}: ${output.artifactId ?? output.artifactUri}`);
const built = join(dataDir, 'app.vhd');
const download = await fetch(outputs.find((o) => o.name === 'vhd')!.artifactUri!, { headers: { authorization: `Bearer ${storageToken}` } });
await writeFile(built, new Uint8Array(await download.arrayBuffer()));
console.log(`    the VHD is downloaded to ${built}; look inside: qemu-img info --image-opts driver=vpc,force_size_calc=current_size,file.filename=${built}`);
await rm(work, { recursive: true, force: true });

step('everything in the group');
for await (const d of compute.disks.listByResourceGroup('quickstart')) console.log(`    disk     ${d.name} (${d.location})`);
for await (const s of compute.snapshots.listByResourceGroup('quickstart')) console.log(`    snapshot ${s.name} (${s.location})`);
for await (const i of compute.images.listByResourceGroup('quickstart')) console.log(`    image    ${i.name} (${i.location})`);
for await (const v of compute.galleryImageVersions.listByGalleryImage('quickstart', 'shelf', 'app')) console.log(`    version  shelf/app/${v.name} (${v.publishingProfile?.targetRegions?.map((t) => t.name).join(', ')})`);
console.log(`\nDone. Data folder: ${dataDir}`);
