/** A build source for template tests: a tiny busybox disk, uploaded and made a managed image in a new resource group. */
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBusyboxBaseImage } from '../../src/imaging/disk/base-image.ts';
import { toFixedVhd } from '../../src/imaging/disk/disk-image.ts';
import { putRegionBlob } from './disk-data.ts';
import type { TestServer } from './test-server.ts';

/** Creates `resourceGroup` in westus holding the managed image `busybox`; returns the image's id. */
export async function busyboxManagedImage(
  kiln: Pick<TestServer, 'url' | 'credential' | 'subscriptionId'>,
  resourceGroup: string,
): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), 'kiln-busybox-image-'));
  try {
    await makeBusyboxBaseImage(join(scratch, 'base.raw'), { sizeMiB: 48 });
    await toFixedVhd(join(scratch, 'base.raw'), join(scratch, 'base.vhd'));
    await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.createOrUpdate(resourceGroup, { location: 'westus' });
    const blobUri = await putRegionBlob(
      kiln,
      'westus',
      `vhds/${resourceGroup}-busybox.vhd`,
      await readFile(join(scratch, 'base.vhd')),
    );
    const compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    const image = await compute.images.createOrUpdate(resourceGroup, 'busybox', {
      location: 'westus',
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
    });
    return image.id!;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
