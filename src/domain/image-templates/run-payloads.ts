/**
 * What an image template run's two jobs carry: `imageTemplate.run` builds and starts distribution,
 * `imageTemplate.finishRun` waits for the distributions to finish and records the run's end. Both
 * are stored as JSON in their job records, so these are plain data.
 */
import type { OperationData } from '../operations/operation.ts';
import type { BlobLocation } from '../shared/blob-copy.ts';
import type { BootCheckOutput, ImageTemplateInternal } from './image-template.ts';

export interface RunPayload {
  key: string;
  runId: string;
  operation: OperationData;
}

export type RunOutput = ImageTemplateInternal['runOutputs'][number];

/** A target being distributed: its run output so far, and the resource whose creation finishes it. */
export interface StartedDistribution {
  output: RunOutput;
  waitFor?: string;
}

export interface FinishRunPayload extends RunPayload {
  started: StartedDistribution[];
  /** The built VHD in the template's region, removed at the end unless a VHD target keeps it. */
  image: { region: string; key: string };
  keepImage: boolean;
  /** The build's work folder on the node that built it, removed there if this job runs there too. */
  work: string;
  /** Why validation failed, when `continueDistributeOnFailure` distributed the image anyway: the run ends Failed. */
  validationFailure?: string;
  /** The sealed serial consoles of the build's VMs, kept with the run's other blobs. */
  serialLogs?: BlobLocation[];
  /** The boot check the image passed, shown on every run output. */
  bootCheck?: BootCheckOutput;
}
