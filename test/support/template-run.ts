/** Waiting for an image template's run through @azure/arm-imagebuilder, as a client polling its GET does. */
import type { ImageBuilderClient, ImageTemplate } from '@azure/arm-imagebuilder';
import assert from 'node:assert/strict';

const ENDED = ['Succeeded', 'PartiallySucceeded', 'Failed', 'Canceled'];

/**
 * The template once a run that started after `since` (any run, when absent) has ended; fails after
 * `timeoutMs` naming what the template last showed.
 */
export async function templateRunEnded(
  builder: ImageBuilderClient,
  resourceGroup: string,
  name: string,
  { since, timeoutMs = 120_000 }: { since?: Date; timeoutMs?: number } = {},
): Promise<ImageTemplate> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const template = await builder.virtualMachineImageTemplates.get(resourceGroup, name);
    const status = template.lastRunStatus;
    const fresh = !since || (status?.startTime !== undefined && status.startTime > since);
    if (fresh && ENDED.includes(status?.runState ?? '')) return template;
    if (Date.now() > deadline) assert.fail(`the run of ${name} did not end: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
