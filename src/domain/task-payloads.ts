/**
 * Every background task by name, with the payload its job carries: the one map both sides use.
 * Domain operations enqueue through `DomainContext.jobs` (a `JobQueue<TaskPayloads>`), so a job
 * names a task listed here and carries exactly its payload; `jobs/tasks/index.ts` must give every
 * task here a handler taking that payload, or it does not compile. Payloads are stored as JSON in
 * job records: plain data only.
 */
import type { CopyStartPayload } from './disks/copy-start.ts';
import type { FillPayload } from './disks/fill.ts';
import type { GrowPayload } from './disks/grow.ts';
import type { ReplicatePayload } from './gallery-image-versions/replicate-version.ts';
import type { FinishRunPayload, RunPayload } from './image-templates/run-payloads.ts';
import type { TriggerPayload } from './image-templates/triggers/fire-trigger.ts';
import type { CreateImagePayload } from './images/create-image.ts';
import type { DeleteGroupPayload } from './resource-groups/delete-contents.ts';
import type { ImportPayload } from './platform-images/import-job.ts';
import type { OwnedBlob } from './shared/arm-resource.ts';
import type { MachinePayload } from './virtual-machines/machine-jobs.ts';

export interface TaskPayloads {
  /** Builds an image template and starts distributing it. */
  'imageTemplate.run': RunPayload;
  /** Waits for a run's distributions, then records its end. */
  'imageTemplate.finishRun': FinishRunPayload;
  /** Runs an image template because a new version of its source image definition was created. */
  'imageTemplate.trigger': TriggerPayload;
  /**
   * Deletes bytes nobody references any more: sealed blobs, `staging` uploads never sealed, and every
   * sealed blob under each of `prefixes` (a run's live log segments once the log is sealed).
   */
  'blobs.delete': { blobs: OwnedBlob[]; staging?: OwnedBlob[]; prefixes?: Array<{ region: string; prefix: string }> };
  /** Fills a new disk from a blob or with zeros. */
  'disk.fill': FillPayload;
  /** Seals a disk's finished upload. */
  'disk.seal': FillPayload;
  /** Copies a CopyStart snapshot's bytes from its source, in another region as a rule. */
  'disk.copyStart': CopyStartPayload;
  /** Grows a disk's or snapshot's bytes to its new size. */
  'disk.grow': GrowPayload;
  /** Copies a managed image's source disks into its own blobs. */
  'image.create': CreateImagePayload;
  /** Replicates a gallery image version to its target regions. */
  'galleryVersion.replicate': ReplicatePayload;
  /** Removes a region's chunks no version references any more. */
  'chunks.gc': { region: string };
  /** Checks a platform image put through the API and stores it as the catalog's fixed VHD. */
  'platformImage.import': ImportPayload;
  /** Deletes what a deleted resource group held. */
  'resourceGroup.delete': DeleteGroupPayload;
  /** Makes the host do what a VM request asked: create (OS disk, first boot), start, power off, restart, deallocate, delete. */
  'virtualMachine.run': MachinePayload;
  /** Takes over the VMs and node-bound jobs of a node that stopped answering (jobs/node-watch.ts). */
  'node.takeOver': { node: string };
  /** Takes a deployment one step further: polls what runs, starts what is ready, ends it when nothing runs. */
  'deployment.run': { key: string };
}

export type TaskName = keyof TaskPayloads;
