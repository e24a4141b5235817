/**
 * A run's work folder, `<build.workRoot>/<run id>`: its customization.log and its bounded space
 * (disk/run-space.ts). An attempt starts from an empty folder, whatever a killed attempt of the same
 * run left (its mounted space included); the folder is 0700, since a run's disks and log are its
 * template owner's, not other local users'.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.ts';
import { openBuildLog, type BuildLog } from '../build-log.ts';
import { removeRunWork } from '../disk/run-space.ts';

export const runWorkFolder = (workRoot: string, runId: string) => join(workRoot, runId);
const logPath = (work: string) => join(work, 'customization.log');

/** A fresh work folder for an attempt of the run, with its log opened. */
export async function openRunWork(work: string, options: { clock: Clock; logMaxBytes: number }): Promise<BuildLog> {
  await removeRunWork(work);
  await mkdir(work, { recursive: true, mode: 0o700 });
  return openBuildLog(logPath(work), { clock: options.clock, maxBytes: options.logMaxBytes });
}

/** The log the run's attempts wrote, opened to append its end; undefined when none got as far as writing one. */
export async function continueRunLog(work: string, clock: Clock): Promise<BuildLog | undefined> {
  if (!(await stat(logPath(work)).catch(() => undefined))) return undefined;
  return openBuildLog(logPath(work), { clock });
}
