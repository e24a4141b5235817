// An image template's user-assigned identity fetches its scripts from Kiln's own blob URLs, through
// the official @azure/arm-imagebuilder client: a Shell scriptUri in a private container fails the run
// with the missing grant and the command that gives it; after granting Storage Blob Data Reader to
// the identity's principal, the same run succeeds. The identity's token never reaches the log.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient, type ImageTemplate } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeBusyboxBaseImage } from '../../src/imaging/disk/base-image.ts';
import { toFixedVhd } from '../../src/imaging/disk/disk-image.ts';
import { readCustomizationLog } from '../support/customization-log.ts';
import { putRegionBlob } from '../support/disk-data.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const SCRIPT = '#!/bin/sh\nset -e\necho "private script ran"\n';
const READ_ACTION = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read';

describe('image builder with a user-assigned identity', () => {
  let kiln: TestServer;
  let builder: ImageBuilderClient;
  let work: string;
  let scriptUri: string;
  let identityId: string;
  let principalId: string;
  let managementToken: string;
  const rg = 'identity-build';

  const arm = async (method: string, path: string, apiVersion: string, body?: unknown) => {
    const response = await fetch(`${kiln.url}${path}?api-version=${apiVersion}`, {
      method,
      headers: { authorization: `Bearer ${managementToken}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: await response.json() };
  };

  before(async () => {
    kiln = await startTestServer();
    managementToken = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    const compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.createOrUpdate(rg, { location: 'westus' });
    work = await mkdtemp(join(tmpdir(), 'kiln-e2e-identity-'));
    await makeBusyboxBaseImage(join(work, 'base.raw'), { sizeMiB: 48 });
    await toFixedVhd(join(work, 'base.raw'), join(work, 'base.vhd'));
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/busybox.vhd', await readFile(join(work, 'base.vhd')));
    await compute.images.createOrUpdate(rg, 'busybox', {
      location: 'westus',
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
    });
    // The script sits in a private container (every container is, until made public).
    scriptUri = await putRegionBlob(kiln, 'westus', 'build-scripts/setup.sh', Buffer.from(SCRIPT));
    identityId = `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/fetcher`;
    const identity = await arm('PUT', identityId, '2023-01-31', { location: 'westus' });
    assert.equal(identity.status, 201, JSON.stringify(identity.body));
    principalId = identity.body.properties.principalId;
  });
  after(async () => {
    await kiln.stop();
    await rm(work, { recursive: true, force: true });
  });

  const template = (identity: ImageTemplate['identity']): ImageTemplate => ({
    location: 'westus',
    identity,
    source: {
      type: 'ManagedImage',
      imageId: `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/images/busybox`,
    },
    customize: [
      { type: 'Shell', name: 'setup', scriptUri, sha256Checksum: createHash('sha256').update(SCRIPT).digest('hex') },
    ],
    distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
  });

  async function run(name: string) {
    await builder.virtualMachineImageTemplates.run(rg, name).catch(() => undefined);
    const done = await builder.virtualMachineImageTemplates.get(rg, name);
    return { status: done.lastRunStatus!, log: (await readCustomizationLog(kiln, done.id!)).text };
  }

  it('fails without the identity’s read grant, saying what to grant; succeeds once granted', async () => {
    await builder.virtualMachineImageTemplates.createOrUpdate(
      rg,
      'private-script',
      template({ type: 'UserAssigned', userAssignedIdentities: { [identityId]: {} } }),
    );
    // As Azure shows it: the identity's own ids under the template's identity.
    const shown = (await builder.virtualMachineImageTemplates.get(rg, 'private-script')).identity
      ?.userAssignedIdentities?.[identityId];
    assert.equal(shown?.principalId, principalId);
    assert.match(shown?.clientId ?? '', /^[0-9a-f-]{36}$/);
    const scope = `/subscriptions/${kiln.subscriptionId}/resourceGroups/kiln-storage/providers/Microsoft.Storage/storageAccounts/westus/blobServices/default/containers/build-scripts`;

    const refused = await run('private-script');
    assert.equal(refused.status.runState, 'Failed');
    const message = refused.status.message!;
    for (const part of [
      identityId,
      principalId,
      "'build-scripts/setup.sh'",
      READ_ACTION,
      `kiln role assignment create --assignee ${principalId} --role "Storage Blob Data Reader" --scope ${scope}`,
    ]) {
      assert.ok(message.includes(part), `the error names ${part}: ${message}`);
    }
    assert.doesNotMatch(refused.log, /eyJ[\w-]+\.eyJ/, 'no token in the log');

    const grant = await arm(
      'PUT',
      `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`,
      '2022-04-01',
      {
        properties: {
          roleDefinitionId: `/subscriptions/${kiln.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1`,
          principalId,
          principalType: 'ServicePrincipal',
        },
      },
    );
    assert.equal(grant.status, 201, JSON.stringify(grant.body));
    const granted = await run('private-script');
    assert.equal(granted.status.runState, 'Succeeded', granted.status.message);
    assert.match(granted.log, /private script ran/);
    assert.doesNotMatch(granted.log, /eyJ[\w-]+\.eyJ/, 'no token in the log');
  });

  it('fails a template without identity on a private blob, naming the ways in', async () => {
    await builder.virtualMachineImageTemplates.createOrUpdate(rg, 'no-identity', template({ type: 'None' }));
    const { status } = await run('no-identity');
    assert.equal(status.runState, 'Failed');
    assert.match(status.message!, /private container: give the template a user-assigned identity/);
  });
});
