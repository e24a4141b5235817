/**
 * The second half of a run, after its build: the built VHD goes into the template's region, each
 * target starts distributing from it (managed images and gallery versions through the same domain
 * operations the API uses, finished by their own jobs), and an `imageTemplate.finishRun` job waits
 * for them, then records each target's run output (some failing makes the run PartiallySucceeded)
 * and the run's end.
 */
import type { Write } from '../../../ports/metadata-store.ts';
import type { DomainContext } from '../../context.ts';
import type { ImageTemplate, RunState } from '../image-template.ts';
import type { FinishRunPayload, RunPayload, StartedDistribution } from '../run-payloads.ts';
import { publishedVhd } from './built-vhd.ts';
import { distributionState, startDistribution, type BuiltImage } from './distribute.ts';
import { endRun } from './end-run.ts';
import type { RunLog } from './run-log.ts';

/**
 * Starts every target from the image `storeBuiltVhd` put in the template's region (one failing to
 * start is a Failed output, not a failed run), closes the log and returns the writes that queue the
 * finishing job.
 */
export async function startRunDistribution(
  ctx: DomainContext,
  payload: RunPayload,
  template: ImageTemplate,
  image: BuiltImage,
  run: Pick<FinishRunPayload, 'validationFailure' | 'serialLogs' | 'bootCheck' | 'work'> & {
    log: RunLog;
    sourceVersion?: string;
  },
): Promise<Write[]> {
  const { log } = run;
  const started: StartedDistribution[] = [];
  for (const target of template.properties.distribute) {
    try {
      started.push(await startDistribution(ctx, target, { ...image, sourceVersion: run.sourceVersion }));
      log.line(`Distributing to ${target.type} '${target.runOutputName}'`);
    } catch (error) {
      started.push({ output: { runOutputName: target.runOutputName, provisioningState: 'Failed' } });
      log.line(`Distribution to ${target.type} '${target.runOutputName}' failed: ${(error as Error).message}`);
    }
  }
  await log.close();
  const keepImage = template.properties.distribute.some((d) => d.type === 'VHD');
  const finish: FinishRunPayload = {
    ...payload,
    started,
    image: { region: image.region, key: image.key },
    keepImage,
    work: run.work,
    ...(run.validationFailure ? { validationFailure: run.validationFailure } : {}),
    ...(run.serialLogs?.length ? { serialLogs: run.serialLogs } : {}),
    ...(run.bootCheck ? { bootCheck: run.bootCheck } : {}),
  };
  ctx.jobs.nudge();
  return [ctx.jobs.enqueueWrite({ task: 'imageTemplate.finishRun', payload: finish, maxAttempts: 3 })];
}

/**
 * Records the run's end once every distribution has finished; undefined while one is still in
 * progress (the job checks back shortly). `openLog` opens the run's log in the template's region
 * (where the built image is) to append to it, on whichever node this job runs.
 */
export async function finishRun(
  ctx: DomainContext,
  payload: FinishRunPayload,
  openLog: (region: string) => Promise<RunLog>,
): Promise<Write[] | undefined> {
  const states = await Promise.all(payload.started.map((started) => distributionState(ctx, started)));
  if (states.includes('InProgress')) return undefined;
  const log = await openLog(payload.image.region);
  const outputs = payload.started.map((started, i) => ({
    ...started.output,
    provisioningState: states[i] === 'Succeeded' ? ('Succeeded' as const) : ('Failed' as const),
    ...(payload.bootCheck ? { kilnBootCheck: payload.bootCheck } : {}),
  }));
  for (const output of outputs)
    log.line(
      `Run output '${output.runOutputName}': ${output.provisioningState}${output.artifactId ? ` (${output.artifactId})` : ''}`,
    );
  // Every target took its own copy; a VHD target's is the user blob its artifactUri names (built-vhd.ts).
  await ctx.regions.get(payload.image.region)!.delete(payload.image.key);
  const failed = outputs.filter((o) => o.provisioningState === 'Failed').length;
  const distribution =
    failed === 0 ? '' : `${failed} of ${outputs.length} distribution targets failed; see customization.log.`;
  // A failed validation fails the run even when continueDistributeOnFailure distributed its image (Azure's rule).
  const runState: RunState =
    payload.validationFailure !== undefined || failed === outputs.length
      ? 'Failed'
      : failed === 0
        ? 'Succeeded'
        : 'PartiallySucceeded';
  const message = [payload.validationFailure, distribution].filter((part) => part).join(' ');
  return endRun(ctx, payload, log, {
    runState,
    message,
    outputs,
    blobs: [...(payload.keepImage ? [publishedVhd(payload.image)] : []), ...(payload.serialLogs ?? [])],
  });
}
