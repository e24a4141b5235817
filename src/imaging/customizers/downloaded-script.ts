/**
 * A customizer's `scriptUri`, downloaded into the image's /tmp for the time of one command (Shell,
 * PowerShell). The script takes a name no file in the image has, so a user's file is never
 * overwritten, and is removed afterwards whether the command succeeded or not.
 */
import { lstat, rm } from 'node:fs/promises';
import { imagePath } from '../sandbox.ts';
import type { StepContext } from '../step-runner.ts';
import { downloadIntoImage, type FetchLike } from './download-into-image.ts';

export interface ScriptDownload {
  label: string;
  scriptUri: string;
  sha256Checksum?: string;
  /** The script's file name extension, e.g. `sh`. */
  extension: string;
  fetch?: FetchLike;
}

/** Downloads the script into the image, gives `use` its path there, then removes it. */
export async function withDownloadedScript(
  rootfs: string,
  ctx: StepContext,
  download: ScriptDownload,
  use: (script: string) => Promise<void>,
): Promise<void> {
  const script = await freeScriptPath(rootfs, download.extension);
  try {
    await downloadIntoImage(download.label, download.scriptUri, rootfs, script, ctx, {
      sha256: download.sha256Checksum,
      fetch: download.fetch,
    });
    await use(script);
  } finally {
    await rm(await imagePath(rootfs, script), { force: true });
  }
}

/** `/tmp/kiln-script-<n>.<extension>` with the first `n` not taken. */
async function freeScriptPath(rootfs: string, extension: string): Promise<string> {
  for (let n = 1; ; n++) {
    const path = `/tmp/kiln-script-${n}.${extension}`;
    try {
      await lstat(await imagePath(rootfs, path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return path;
      throw error;
    }
  }
}
