/**
 * A VM's serial console beyond its node. The node running the VM appends the console to a file in the
 * VM's folder (machine-host.ts); every `MIRROR_MS` while it grows, the file is copied into the blob the
 * VM owns (`bootDiagnosticsBlob`), so boot diagnostics read through any node show it, at most that
 * late (the running node copies its file afresh at each read). A node that boots a VM whose console
 * it lacks (a VM taken over from a dead node) starts its file from that blob, so the console goes on
 * across nodes as it does across boots.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DomainContext } from '../../domain/context.ts';
import { bootDiagnosticsBlob, type VirtualMachine } from '../../domain/virtual-machines/virtual-machine.ts';
import type { MachineHost } from '../../imaging/machines/machine-host.ts';

/** How late the console's mirror may be. */
export const MIRROR_MS = 2000;

const sizeOf = async (file: string) => (await stat(file).catch(() => undefined))?.size;

/** Starts `file` from the VM's mirrored console when this node has none of it. */
export async function continueConsole(ctx: DomainContext, vm: VirtualMachine, file: string): Promise<void> {
  if ((await sizeOf(file)) !== undefined) return;
  const blob = bootDiagnosticsBlob(vm);
  const store = ctx.regions.get(blob.region)!;
  if (!(await store.stat(blob.key))) return;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await pipeline(store.read(blob.key), createWriteStream(file, { mode: 0o600 }));
}

/** Copies `file` into the VM's console blob now (a VM leaving this node); nothing when there is no file. */
export async function saveConsole(ctx: DomainContext, vm: VirtualMachine, file: string): Promise<void> {
  if ((await sizeOf(file)) === undefined) return;
  const blob = bootDiagnosticsBlob(vm);
  await ctx.regions.get(blob.region)!.put(blob.key, createReadStream(file), { overwrite: true });
}

/**
 * Copies `file` into the VM's console blob whenever it grew, until `running()` is false, then once
 * more. The host's `stopAll` (the process ending) ends it at once, its last copy awaited, so no copy
 * lands in a store the process has let go of.
 */
export function mirrorConsole(
  ctx: DomainContext,
  vm: VirtualMachine,
  file: string,
  running: () => boolean,
  onError: (error: unknown) => void,
  host: Pick<MachineHost, 'afterStopAll'>,
): void {
  let copied: number | undefined;
  let copying: Promise<void> | undefined;
  let ended = false;
  const copy = (): Promise<void> =>
    (copying ??= (async () => {
      const size = await sizeOf(file);
      if (size === undefined || size === copied) return;
      await saveConsole(ctx, vm, file);
      copied = size;
    })()
      .catch(onError)
      .finally(() => (copying = undefined)));
  const end = async (): Promise<void> => {
    if (ended) return;
    ended = true;
    clearInterval(timer);
    forget();
    await copying;
    await copy();
  };
  const timer = setInterval(() => {
    if (ended || copying) return;
    if (running()) void copy();
    else void end();
  }, MIRROR_MS);
  timer.unref();
  const forget = host.afterStopAll(end);
}
