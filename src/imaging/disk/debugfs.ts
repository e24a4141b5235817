/**
 * debugfs reads and edits an ext2/3/4 file system in a file without mounting it. e2fsprogs opens
 * `file?offset=N` as the file system starting N bytes into the file, which reaches a partition
 * inside a raw disk with no copy and no loop device. Every session runs confined (confine.ts): it
 * reads the file system's file, and writes it only with `write`.
 */
import { resolve } from 'node:path';
import type { ToolAccess } from './confine.ts';
import { runConfined } from './run.ts';

/** An ext2/3/4 file system `offset` bytes into `file`: a partition of a raw disk, or a whole bare one. */
export interface ExtFs {
  file: string;
  offset: number;
}

/** How e2fsprogs (debugfs, dumpe2fs, e2fsck) names the file system. */
export function extImage(fs: ExtFs): string {
  const path = resolve(fs.file);
  // ext2fs splits the name at its first "?"; a "?" in the path would move the split.
  if (path.includes('?')) throw new Error(`e2fsprogs cannot open ${path}: its name contains "?".`);
  return `${path}?offset=${fs.offset}`;
}

/** What an e2fsprogs tool may reach to read the file system, or to write it too. */
export const extAccess = (fs: ExtFs, write = false): ToolAccess => (write ? { write: [fs.file] } : { read: [fs.file] });

/**
 * Runs debugfs commands in one session and returns each command's output, in order. debugfs exits 0
 * whatever goes wrong and only says so on stderr, where the version banner is its one harmless line.
 */
export async function debugfs(
  fs: ExtFs,
  commands: string[],
  options: { write?: boolean; signal?: AbortSignal } = {},
): Promise<string[]> {
  const image = extImage(fs);
  const args = [...(options.write ? ['-w'] : []), '-f', '-', image];
  const { stdout, stderr } = await runConfined('debugfs', args, extAccess(fs, options.write), {
    input: `${commands.join('\n')}\n`,
    signal: options.signal,
  });
  const problems = stderr.split('\n').filter((line) => line.trim() !== '' && !/^debugfs \d/.test(line));
  if (problems.length > 0) throw new Error(`debugfs on ${image} failed: ${problems.join('; ')}`);
  // Reading commands from a file, debugfs echoes each as "debugfs: <command>" before its output.
  const outputs: string[] = [];
  for (const line of stdout.split('\n')) {
    if (outputs.length < commands.length && line === `debugfs: ${commands[outputs.length]}`) outputs.push('');
    else if (outputs.length > 0) outputs[outputs.length - 1] += `${line}\n`;
  }
  if (outputs.length !== commands.length) {
    throw new Error(`debugfs on ${image} answered ${outputs.length} of ${commands.length} commands.`);
  }
  return outputs;
}
