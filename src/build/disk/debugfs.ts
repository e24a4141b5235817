/**
 * debugfs reads and edits an ext2/3/4 file system in a file without mounting it. e2fsprogs opens
 * `file?offset=N` as the file system starting N bytes into the file, which reaches a partition
 * inside a raw disk with no copy and no loop device.
 */
import { resolve } from 'node:path';
import { run } from './run.ts';

/** How e2fsprogs (debugfs, dumpe2fs, e2fsck) names the file system at `offset` bytes into `file`. */
export function extImage(file: string, offset: number): string {
  const path = resolve(file);
  // ext2fs splits the name at its first "?"; a "?" in the path would move the split.
  if (path.includes('?')) throw new Error(`e2fsprogs cannot open ${path}: its name contains "?".`);
  return `${path}?offset=${offset}`;
}

/**
 * Runs debugfs commands in one session and returns each command's output, in order. debugfs exits 0
 * whatever goes wrong and only says so on stderr, where the version banner is its one harmless line.
 */
export async function debugfs(
  image: string,
  commands: string[],
  options: { cwd?: string; write?: boolean } = {},
): Promise<string[]> {
  const args = [...(options.write ? ['-w'] : []), '-f', '-', image];
  const { stdout, stderr } = await run('debugfs', args, { input: `${commands.join('\n')}\n`, cwd: options.cwd });
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
