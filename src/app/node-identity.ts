/**
 * This node's id among the `kiln serve` processes sharing one metadata store (jobs/node-watch.ts). A
 * node is its data folder: the VMs placed on it keep their disk files there, so the id is made once
 * per folder (`node-id`, written once) and a restart is the same node, which finds its VMs again.
 */
import { join } from 'node:path';
import { newGuid } from '../core/ids.ts';
import { writeFileOnce } from './atomic-file.ts';
import { readIfPresent } from './read-if-present.ts';

export async function nodeIdentity(dataDir: string): Promise<string> {
  const path = join(dataDir, 'node-id');
  await writeFileOnce(path, `${newGuid()}\n`, 0o600);
  const id = (await readIfPresent(path))?.trim();
  if (!id) throw new Error(`${path} is empty: remove it, and this node starts with a new id.`);
  return id;
}
