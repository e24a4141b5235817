/**
 * A test server with an @azure/arm-compute client on it (with `policy` in its pipeline, e.g. the
 * refusal recorder of arm-refusal.ts) and the resource group `rg` in westus: what the disk and image
 * SDK tests start from.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { ResourceManagementClient } from '@azure/arm-resources';
import { startTestServer } from './test-server.ts';

export async function startComputeServer(rg: string, policy?: PipelinePolicy) {
  const kiln = await startTestServer();
  const compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, {
    endpoint: kiln.url,
    additionalPolicies: policy ? [{ position: 'perCall', policy }] : [],
  });
  const resources = new ResourceManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
  await resources.resourceGroups.createOrUpdate(rg, { location: 'westus' });
  return { kiln, compute };
}
