/**
 * Image templates as the portal reads them (Microsoft.VirtualMachineImages/imageTemplates): the
 * fields its pages show, and what a run's state means for them (running or ended).
 */
import { API_VERSIONS } from '../../arm/api-versions.ts';

export const TEMPLATE_TYPE = 'Microsoft.VirtualMachineImages/imageTemplates';
export const API_VERSION = API_VERSIONS.imageTemplates;
/** How often a page polls while a run goes: the server flushes the live log at most a second after its lines. */
export const POLL_MS = 1000;

export interface LastRunStatus {
  runState: string;
  runSubState?: string;
  message?: string;
  startTime?: string;
  endTime?: string;
}

export interface TemplateSource {
  type: string;
  publisher?: string;
  offer?: string;
  sku?: string;
  version?: string;
  exactVersion?: string;
  imageId?: string;
  imageVersionId?: string;
  sourceURI?: string;
}

export interface ImageTemplate {
  id: string;
  name: string;
  location: string;
  properties: {
    source: TemplateSource;
    customize?: { type: string; name?: string }[];
    distribute: { type: string; runOutputName: string }[];
    provisioningState: string;
    provisioningError?: { provisioningErrorCode: string; message: string };
    lastRunStatus?: LastRunStatus;
  };
}

export interface RunOutput {
  id: string;
  name: string;
  properties: { artifactId?: string; artifactUri?: string; provisioningState: string };
}

/** Kiln's own `GET .../runHistory` (Azure keeps only lastRunStatus): a run with the sub-states it went through. */
export interface RunHistoryEntry {
  runId: string;
  runState: string;
  message: string;
  startTime?: string;
  endTime?: string;
  subStates: { runSubState: string; startTime: string }[];
}

/** A run under way: Running, or Canceling until it has cleaned up. */
export const isRunning = (status: LastRunStatus | undefined) =>
  status?.runState === 'Running' || status?.runState === 'Canceling';

/** The resource group of a resource id. */
export const groupOf = (id: string) => id.split('/')[4];

/** Where the template starts, in a line: `PlatformImage kiln:busybox:busybox:latest`. */
export function sourceSummary(source: TemplateSource): string {
  switch (source.type) {
    case 'PlatformImage':
      return `${source.publisher}:${source.offer}:${source.sku}:${source.version}${source.exactVersion && source.version === 'latest' ? ` (${source.exactVersion})` : ''}`;
    case 'ManagedImage':
      return source.imageId ?? '';
    case 'SharedImageVersion':
      return source.imageVersionId ?? '';
    default:
      return source.sourceURI ?? '';
  }
}
