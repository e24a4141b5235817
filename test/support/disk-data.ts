/** Test disk contents and the two ways users get bytes into Kiln: the disk upload flow and a blob PUT. */
import type { ComputeManagementClient } from '@azure/arm-compute';
import { AnonymousCredential, BlobClient, PageBlobClient } from '@azure/storage-blob';
import { createHash } from 'node:crypto';
import { contentHasher } from '../../src/core/content-id.ts';
import { createFixedVhdFooter } from '../../src/core/vhd.ts';
import type { TestServer } from './test-server.ts';

export const MIB = 1024 * 1024;

/**
 * A fixed VHD of `mib` MiB whose bytes depend on `seed`, so copies can be told apart. Every 4 KiB
 * block differs, so content-addressed chunking finds no accidental duplicates.
 */
export function makeVhd(mib: number, seed: string): Buffer {
  const data = Buffer.alloc(mib * MIB);
  for (let offset = 0; offset < data.length; offset += 4096) {
    data.subarray(offset, offset + 4096).fill(createHash('sha256').update(`${seed}:${offset}`).digest());
  }
  return Buffer.concat([data, createFixedVhdFooter(data.length)]);
}

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** What a region store names `data` (`BlobInfo.sha256`, core/content-id.ts): its sha256 up to 4 MiB, its chunk list's beyond. */
export function contentName(data: Buffer): string {
  const hasher = contentHasher();
  hasher.update(data);
  return hasher.digest();
}

/** Puts a sealed blob into a region store with a storage-audience bearer token, as `az storage blob upload --auth-mode login` does. */
export async function putRegionBlob(
  kiln: Pick<TestServer, 'url' | 'credential'>,
  region: string,
  key: string,
  content: Buffer,
): Promise<string> {
  const token = await kiln.credential.getToken('https://storage.azure.com/.default');
  const url = `${kiln.url}/blob/${region}/${key}`;
  const response = await fetch(url, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${token!.token}`,
      'x-ms-blob-type': 'BlockBlob',
      'content-type': 'application/octet-stream',
    },
    body: new Uint8Array(content),
  });
  if (response.status !== 201) throw new Error(`blob PUT ${url} answered ${response.status}: ${await response.text()}`);
  return url;
}

/** The Azure disk upload flow: create with Upload, get a write SAS, write pages, end access. */
export async function uploadDisk(
  client: ComputeManagementClient,
  resourceGroup: string,
  name: string,
  location: string,
  vhd: Buffer,
  kind: 'disks' | 'snapshots' = 'disks',
) {
  const ops = client[kind];
  await ops.createOrUpdate(resourceGroup, name, {
    location,
    osType: 'Linux',
    creationData: { createOption: 'Upload', uploadSizeBytes: vhd.length },
  });
  const access = await ops.grantAccess(resourceGroup, name, { access: 'Write', durationInSeconds: 3600 });
  const pages = new PageBlobClient(access.accessSAS!, new AnonymousCredential());
  for (let offset = 0; offset < vhd.length; offset += 4 * MIB) {
    const chunk = vhd.subarray(offset, Math.min(offset + 4 * MIB, vhd.length));
    await pages.uploadPages(chunk, offset, chunk.length);
  }
  await ops.revokeAccess(resourceGroup, name);
}

/** A disk's or snapshot's bytes, read through a read SAS as a user downloads them, access ended after. */
export async function downloadDisk(
  client: ComputeManagementClient,
  resourceGroup: string,
  name: string,
  kind: 'disks' | 'snapshots' = 'disks',
): Promise<Buffer> {
  const ops = client[kind];
  const access = await ops.grantAccess(resourceGroup, name, { access: 'Read', durationInSeconds: 600 });
  try {
    return await new BlobClient(access.accessSAS!).downloadToBuffer();
  } finally {
    await ops.revokeAccess(resourceGroup, name);
  }
}
