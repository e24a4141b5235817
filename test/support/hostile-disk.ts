/**
 * Crafted disks, as a hostile Contributor would upload them: an ext4 root file system whose
 * directory entries aim the extraction at a host file. debugfs writes ordinary entries with
 * placeholder names; the placeholders' bytes are then overwritten in the disk file, which is how
 * entries no tool would write get there (no metadata_csum, so no checksum gives them away).
 *
 * - `symlink-twin`: a symlink `kiln-twin-a -> <target>`, then a regular file also named `kiln-twin-a` holding
 *   the payload: an extraction that follows the first writes the payload into the target.
 * - `dot-dot-name`: a regular file whose name is `../../…/<target>`, a name with "/" in it.
 */
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { toFixedVhd } from '../../src/imaging/disk/disk-image.ts';
import { run } from '../../src/imaging/disk/run.ts';

export type Attack = 'symlink-twin' | 'dot-dot-name';
export const PARTITION_START = 1024 * 1024;
const MIB = 1024 * 1024;

/** A name that climbs out of any extraction directory, then down to `target`. */
const climbingName = (target: string) => `${'../'.repeat(40)}${resolve(target).slice(1)}`;

/** Writes a raw disk (one dos partition from 1 MiB holding the crafted ext4) to `output`, and a fixed VHD of it beside it. */
export async function makeHostileDisk(
  output: string,
  attack: Attack,
  target: string,
  payload: string,
): Promise<{ raw: string; vhd: string }> {
  const scratch = await mkdtemp(join(tmpdir(), 'kiln-hostile-'));
  try {
    const root = join(scratch, 'root');
    await run('mkdir', ['-p', join(root, 'etc'), join(root, 'bin')]);
    await writeFile(join(root, 'etc', 'hostname'), 'innocent\n');
    await writeFile(join(scratch, 'payload'), payload);
    await writeFile(output, '');
    await truncate(output, 24 * MIB);
    await run('sfdisk', ['--quiet', resolve(output)], { input: 'label: dos\nstart=2048, type=83\n' });
    await run('mkfs.ext4', [
      '-q',
      '-F',
      '-O',
      '^metadata_csum',
      '-d',
      root,
      '-E',
      `offset=${PARTITION_START}`,
      resolve(output),
      `${23 * 1024}k`,
    ]);

    const [placeholder, hostile] =
      attack === 'symlink-twin'
        ? ['kiln-twin-b', 'kiln-twin-a']
        : [climbingName(target).replaceAll('/', '_'), climbingName(target)];
    const commands = attack === 'symlink-twin' ? [`symlink kiln-twin-a ${resolve(target)}`] : [];
    commands.push(`write ${join(scratch, 'payload')} ${placeholder}`);
    await run('debugfs', ['-w', '-f', '-', `${resolve(output)}?offset=${PARTITION_START}`], {
      input: `${commands.join('\n')}\n`,
    });
    await patchUnique(output, placeholder, hostile);
    const vhd = `${output}.vhd`;
    await toFixedVhd(output, vhd);
    return { raw: output, vhd };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Overwrites the one occurrence of `from` in the file with `to`, of the same length. */
async function patchUnique(file: string, from: string, to: string): Promise<void> {
  const bytes = await readFile(file);
  const at = bytes.indexOf(from);
  if (at < 0 || bytes.indexOf(from, at + 1) >= 0 || from.length !== to.length)
    throw new Error(`cannot patch "${from}" in ${file}: not exactly one occurrence`);
  bytes.write(to, at);
  await writeFile(file, bytes);
}
