/**
 * Each VM's folder on the node it is placed on, `<machines>/<vmId>/`: its disk files and serial
 * console (virtual-machine.ts). A folder of a VM placed on another node, or gone, is stale: its bytes
 * are older than the stored ones (placement.ts), and never booted again.
 *
 * Invariant for `strayFolders`: the folders are listed before the placements are read, and a job
 * places a VM before it makes its folder, so a folder made meanwhile is never taken for stale.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const machineFolder = (root: string, vmId: string): string => join(root, vmId);

export const forgetMachine = (root: string, vmId: string): Promise<void> =>
  rm(machineFolder(root, vmId), { recursive: true, force: true });

/** Removes the folders under `root` of VMs not among `placed()` (the vmIds placed on this node, read after the listing). */
export async function removeStrayFolders(root: string, placed: () => Promise<Set<string>>): Promise<number> {
  const folders = await readdir(root).catch(() => [] as string[]);
  const keep = await placed();
  const stray = folders.filter((vmId) => !keep.has(vmId));
  for (const vmId of stray) await forgetMachine(root, vmId);
  return stray.length;
}
