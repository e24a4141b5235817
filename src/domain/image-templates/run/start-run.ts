/** The start of an image template's run, written in the same batch as the template it runs. */
import { newGuid } from '../../../core/ids.ts';
import { resourceKey } from '../../../core/resource-id.ts';
import type { Write } from '../../../ports/metadata-store.ts';
import type { DomainContext } from '../../context.ts';
import { startOperationOn, type OperationData } from '../../operations/operation.ts';
import type { ImageTemplate, ImageTemplateInternal } from '../image-template.ts';
import { withRunStatus } from './run-status.ts';

/** Azure's default when `buildTimeoutInMinutes` is 0. */
const DEFAULT_TIMEOUT_MINUTES = 240;

/**
 * A run of `template` starting now: the template showing it Queued, its internal facts, and the
 * writes (its operation and its `imageTemplate.run` job) that go in the batch writing the template:
 * a `POST .../run`, or the PUT that creates a template whose `autoRun` is Enabled.
 */
export function startRun(
  ctx: DomainContext,
  subscription: string,
  template: ImageTemplate,
  internal: ImageTemplateInternal,
): { template: ImageTemplate; internal: ImageTemplateInternal; writes: Write[]; operation: OperationData } {
  const operation = startOperationOn(
    template,
    { subscription, namespace: 'Microsoft.VirtualMachineImages' },
    ctx.clock.now(),
  );
  const runId = newGuid();
  const minutes = template.properties.buildTimeoutInMinutes || DEFAULT_TIMEOUT_MINUTES;
  const job = ctx.jobs.enqueueWrite({
    task: 'imageTemplate.run',
    payload: { key: resourceKey(template.id), runId, operation: operation.data },
    maxAttempts: 3,
    timeoutMs: minutes * 60_000,
  });
  const next = withRunStatus(template, {
    runState: 'Running',
    runSubState: 'Queued',
    startTime: ctx.clock.now().toISOString(),
    message: '',
  });
  return {
    template: next,
    // The previous run's log is not this run's: readers wait for the new one instead of reading the old as complete.
    internal: {
      ...internal,
      runSteps: [{ runSubState: 'Queued', startTime: ctx.clock.now().toISOString() }],
      runJobKey: job.op === 'put' ? job.record.key : undefined,
      runId,
      log: undefined,
    },
    writes: [operation.write, job],
    operation: operation.data,
  };
}
