/**
 * A run's work folder, `<build.workRoot>/<run id>`: its bounded space (disk/run-space.ts) and what its
 * VMs leave (serial consoles). An attempt starts from an empty folder, whatever a killed attempt of
 * the same run left on this node (its mounted space included); the folder is 0700, since a run's
 * disks are its template owner's, not other local users'. The run's log is not here: it lives in the
 * template's region store, where every node reads it (domain/image-templates/run/live-log.ts).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { removeRunWork } from '../disk/run-space.ts';

export const runWorkFolder = (workRoot: string, runId: string) => join(workRoot, runId);

/** A fresh work folder for an attempt of the run. */
export async function openRunWork(work: string): Promise<void> {
  await removeRunWork(work);
  await mkdir(work, { recursive: true, mode: 0o700 });
}
