// The quickstart's client half: what a user does with the official SDKs against a running Kiln.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { AnonymousCredential, PageBlobClient } from '@azure/storage-blob';
import { readFile } from 'node:fs/promises';
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

step('everything in the group');
for await (const d of compute.disks.listByResourceGroup('quickstart')) console.log(`    disk     ${d.name} (${d.location})`);
for await (const s of compute.snapshots.listByResourceGroup('quickstart')) console.log(`    snapshot ${s.name} (${s.location})`);
for await (const i of compute.images.listByResourceGroup('quickstart')) console.log(`    image    ${i.name} (${i.location})`);
console.log(`\nDone. Data folder: ${dataDir}`);
