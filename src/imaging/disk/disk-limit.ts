/**
 * How much of the host's disk one image build run may write: `build.limits.diskMiB`, else a default
 * tied to the run's source. cgroups do not bound disk space, so the bound is a file system of that
 * size (run-space.ts) holding everything the run writes; a write past it fails with ENOSPC, and the
 * step that made it fails with a message naming the limit and the setting.
 *
 * The default, and why: three times the source's size, plus 256 MiB. A run holds at once the fetched
 * source and the working raw disk it becomes (the same file for a raw disk or a fixed VHD, renamed;
 * two files while `qemu-img convert` turns another format into it; the raw disk is sparse, so at most
 * the source's size), which the build changes in place and finally renames into the built VHD. That
 * is at most twice the source; the third share and the 256 MiB are headroom for the bounding file
 * system's own metadata and for a partition a source leaves sparse that the customizers fill. A 64 MiB
 * image gets 448 MiB; a 30 GiB one 90 GiB. Kiln keeps sources as fixed VHDs, whose size is the disk's.
 */
const MIB = 1024 * 1024;
export const DISK_LIMIT_SETTING = 'build.limits.diskMiB';
/** Below this a run could not even hold the bounding file system's own metadata and a tiny image. */
const MINIMUM_MIB = 16;
const HEADROOM = 256 * MIB;

/** The configured limit in MiB, or undefined for the per-source default; throws naming the setting when it is not usable. */
export function configuredDiskLimit(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MINIMUM_MIB) {
    throw new Error(
      `${DISK_LIMIT_SETTING} is ${JSON.stringify(value)}; it must be a whole number of MiB, at least ${MINIMUM_MIB}.`,
    );
  }
  return value;
}

/** The bytes of host disk a run from a source of `sourceBytes` may write. */
export function runDiskLimit(
  configuredMiB: number | undefined,
  sourceBytes: number,
): { bytes: number; description: string } {
  if (configuredMiB !== undefined)
    return { bytes: configuredMiB * MIB, description: `${configuredMiB} MiB (${DISK_LIMIT_SETTING})` };
  const mib = Math.ceil((3 * sourceBytes + HEADROOM) / MIB);
  return {
    bytes: mib * MIB,
    description: `${mib} MiB (three times the source plus 256 MiB; ${DISK_LIMIT_SETTING} sets another)`,
  };
}

/** A step ran out of the run's disk space. */
export class DiskLimitReached extends Error {
  constructor(limit: string, cause: unknown) {
    super(
      `the run used all the host disk it may write, ${limit}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'DiskLimitReached';
  }
}
