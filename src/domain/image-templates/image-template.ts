/** Microsoft.VirtualMachineImages/imageTemplates: where an image starts, what is done to it, where it goes. */
import type { ArmResource, ResourceRecord } from '../shared/arm-resource.ts';
import type { Customizer } from './customizer-kinds.ts';
import type { Optimize } from './optimize.ts';
import type { VmProfile } from './vm-profile.ts';

export const IMAGE_TEMPLATE_KIND = 'microsoft.virtualmachineimages/imagetemplates';

export type TemplateSource =
  | {
      type: 'PlatformImage';
      publisher: string;
      offer: string;
      sku: string;
      version: string;
      planInfo?: Record<string, string>;
      exactVersion?: string;
    }
  | { type: 'ManagedImage'; imageId: string }
  | { type: 'SharedImageVersion'; imageVersionId: string; exactVersion?: string }
  | { type: 'ISO'; sourceURI: string; sha256Checksum: string };

export type Distributor =
  | {
      type: 'ManagedImage';
      runOutputName: string;
      imageId: string;
      location: string;
      artifactTags?: Record<string, string>;
    }
  | {
      type: 'SharedImage';
      runOutputName: string;
      galleryImageId: string;
      targetRegions: Array<{ name: string; replicaCount: number; storageAccountType: string }>;
      versioning?: { scheme: 'Latest'; major?: number } | { scheme: 'Source' };
      excludeFromLatest: boolean;
      storageAccountType: string;
      /** The replication mode of the versions its runs make (their publishingProfile's); absent: theirs, Full. */
      replicationMode?: 'Full' | 'Shallow';
      artifactTags?: Record<string, string>;
    }
  | { type: 'VHD'; runOutputName: string; artifactTags?: Record<string, string> };

/** An in-VM validator: a Shell, PowerShell or File customizer run in the validate stage. */
export type Validator = Extract<Customizer, { type: 'Shell' | 'PowerShell' | 'File' }>;

export type RunState = 'Running' | 'Canceling' | 'Succeeded' | 'PartiallySucceeded' | 'Failed' | 'Canceled';
export type RunSubState = 'Queued' | 'Building' | 'Customizing' | 'Optimizing' | 'Validating' | 'Distributing';

export interface ImageTemplateProperties {
  source: TemplateSource;
  customize: Customizer[];
  distribute: Distributor[];
  buildTimeoutInMinutes: number;
  vmProfile: VmProfile;
  optimize?: Optimize;
  errorHandling: { onCustomizerError: 'cleanup' | 'abort'; onValidationError: 'cleanup' | 'abort' };
  stagingResourceGroup?: string;
  autoRun: { state: 'Enabled' | 'Disabled' };
  managedResourceTags?: Record<string, string>;
  /** Azure's validate stage: validators run inside the booted customized (or, with sourceValidationOnly, source) image. */
  validate?: {
    continueDistributeOnFailure: boolean;
    sourceValidationOnly: boolean;
    inVMValidations: Validator[];
  };
  /**
   * Kiln's own: where customizers run. `Auto` (the default) opens the root file system in place when
   * Kiln can and boots the image otherwise; `InPlace` never boots; `VM` always runs them in the booted image.
   */
  kilnBuildMode?: 'Auto' | 'InPlace' | 'VM';
  provisioningState: 'Creating' | 'Updating' | 'Succeeded' | 'Failed' | 'Deleting' | 'Canceled';
  provisioningError?: { provisioningErrorCode: string; message: string };
  lastRunStatus?: {
    startTime?: string;
    endTime?: string;
    runState: RunState;
    runSubState?: RunSubState;
    message: string;
  };
  exactStagingResourceGroup?: string;
}

export interface ImageTemplate extends ArmResource {
  location: string;
  identity: { type: 'UserAssigned' | 'None'; userAssignedIdentities?: Record<string, object> };
  properties: ImageTemplateProperties;
}

export interface ImageTemplateInternal {
  /** Run outputs of the last run: what each distributor produced. */
  runOutputs: Array<{
    runOutputName: string;
    artifactId?: string;
    artifactUri?: string;
    provisioningState: 'Succeeded' | 'Failed';
    /** Kiln's own: how the image this output holds passed the boot check, when the run had one. */
    kilnBootCheck?: BootCheckOutput;
  }>;
  /** Region blobs the last run made (VHD outputs), deleted with the template. */
  blobs: Array<{ region: string; key: string }>;
  /** The run under way or last run: its id, its job (to cancel it), and a pending cancel's operation. */
  runId?: string;
  runJobKey?: string;
  cancelOperation?: import('../operations/operation.ts').OperationData;
  /**
   * The run's sealed customization.log, once the run ended; while it runs the log is its live segments
   * in the template's region (run/live-log.ts), found by `runId`.
   */
  log?: { blob?: { region: string; key: string } };
  /** The sub-states the run under way went through, with when each began (run/run-history.ts). */
  runSteps?: import('./run/run-history.ts').RunStep[];
  /** Kiln's own: the runs that ended, newest first (run/run-history.ts). */
  runHistory?: import('./run/run-history.ts').RunHistoryEntry[];
}

/** A passed boot check as run outputs show it: the boot's time and where to read its serial console. */
export interface BootCheckOutput {
  bootTimeInSeconds: number;
  accelerator: 'kvm' | 'tcg';
  firmware: 'bios' | 'uefi';
  serialLogUri?: string;
}

export type ImageTemplateRecord = ResourceRecord<ImageTemplate, ImageTemplateInternal>;
