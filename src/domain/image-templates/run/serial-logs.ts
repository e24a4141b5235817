/**
 * The serial consoles of a run's VMs (the build VM, the validation VM, the boot check), sealed when
 * its build ends into user blobs beside its VHD output, `imagetemplates/<run id>/serial/<vm>.log` in
 * the template's region: the template's owner reads them as a VHD output is read (a Storage Blob Data
 * role), and they are deleted with the template or by its next run, as its other blobs are.
 */
import { createReadStream } from 'node:fs';
import { userBlobKey } from '../../../core/blob-url.ts';
import type { DomainContext } from '../../context.ts';
import type { BlobLocation } from '../../shared/blob-copy.ts';
import type { ImageTemplate } from '../image-template.ts';
import type { RunLog } from './run-log.ts';

export interface SerialLog {
  vm: string;
  blob: BlobLocation;
  uri: string;
}

const CONTAINER = 'imagetemplates';

/** Seals each `{vm, path}` file and says in the run's log where each went. */
export async function sealSerialLogs(
  ctx: DomainContext,
  template: ImageTemplate,
  runId: string,
  files: ReadonlyArray<{ vm: string; path: string }>,
  log: RunLog,
): Promise<SerialLog[]> {
  const region = template.location;
  const store = ctx.regions.get(region)!;
  const base = ctx.settings.publicUrl ?? 'https://localhost';
  const sealed: SerialLog[] = [];
  for (const file of files) {
    const name = `${runId}/serial/${file.vm}.log`;
    const blob = { region, key: userBlobKey(CONTAINER, name) };
    await store.put(blob.key, createReadStream(file.path), { overwrite: true });
    const uri = ctx.blobUrls.plain(base, region, `${CONTAINER}/${name}`);
    log.line(`Serial console of the ${file.vm} VM: ${uri}`);
    sealed.push({ vm: file.vm, blob, uri });
  }
  return sealed;
}
