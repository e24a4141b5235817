/**
 * A build's working disk as a copy-on-write overlay over its source, which stays where it is (a
 * region store's chunks): the disk appears as one raw file, `<dir>/disk.raw`, that every tool and VM
 * opens like any other; reads of what the build did not write come from the source, through Kiln's
 * read-only NBD server (nbd-server.ts), and writes land in a qcow2 file, `<dir>/overlay.qcow2`. So
 * a build starts without copying its source, and ends knowing exactly which bytes it changed.
 *
 * The file is a FUSE export of qemu-storage-daemon (QEMU's block layer without a VM): the qcow2
 * node over the NBD node, exported writable at the file (fuse-server.ts mounts it).
 *
 * Invariants:
 * - qemu-storage-daemon runs confined (confine.ts: no capabilities, no network, its own cgroup with
 *   the disk tools' limits) and reaches only the overlay, the NBD socket, /dev/fuse and Kiln's
 *   fusermount. It parses nothing of the image: the qcow2 it opens is its own, made here, and the
 *   source's bytes are data to it. The source is never written (the NBD export is read-only).
 * - The overlay lives in `dir` (the run's bounded space): what a build writes counts against its limit.
 * - `changes` flushes the daemon first, so the overlay's mapping it reads (`qemu-img map`,
 *   confined) holds every write made before the call; its reads put the disk together from the
 *   source and the overlay file, never through the export (see OverlayChanges.read).
 * - Kiln serves the export's reads of the source itself, from its thread pool: whatever Kiln's own
 *   process reads or writes through the export or a file system on it (a customizer's download)
 *   holds one of those threads until the read is served, so Kiln does that one call at a time per build.
 *   Its small reads are served from a bounded cache of 64 KiB blocks of the source (block-cache.ts):
 *   `e2fsck -fn` of a Debian root asks for some 3,200 small pieces, in ~930 blocks.
 *   Nothing in Kiln's process may wait synchronously on a tool that reads the disk (`execFileSync` of
 *   debugfs, say): the event loop that would serve the tool's reads is the one waiting, a deadlock.
 * - `close` (the build's end, a cancel) detaches the disk, ends the daemon and stops the NBD server:
 *   nothing of the overlay stays mounted or running; the overlay file stays in `dir`.
 */
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bubblewrap } from '../bubblewrap.ts';
import { createSandboxCgroup } from '../limits/cgroup.ts';
import { confinedArgs, findTool, type ToolAccess } from './confine.ts';
import { answering, checkFuseHost, detach, FUSERMOUNT_PROGRAMS, mountAndServe } from './fuse-server.ts';
import { blockCached } from './block-cache.ts';
import { serveNbd, type NbdDisk } from './nbd-server.ts';
import { runConfined, TOOL_LIMITS } from './run.ts';

/** The export's mount point inside the daemon's tree: it wants a regular file to name. */
const DAEMON_MOUNT_POINT = '/kiln/disk';
const ANSWER_MS = 60_000;
/** qcow2 clusters of 64 KiB (QEMU's default): the unit a write copies up and `changedChunks` sees. */
const CLUSTER_SIZE = 65536;

export interface OverlayDisk {
  /** Host path of the disk as a raw file of `size` bytes. */
  readonly path: string;
  readonly size: number;
  /** Flushes the daemon and maps what the build wrote so far. */
  changes(signal?: AbortSignal): Promise<OverlayChanges>;
  /** Detaches the disk, ends the daemon and the NBD server (at the build's end, or on a cancel); the overlay file stays. */
  close(): Promise<void>;
}

/** What a build wrote, as the overlay maps it. */
export interface OverlayChanges {
  /**
   * The indexes of the `chunkSize` pieces of the disk that any write reached (a write of the same
   * bytes counts too: the overlay does not compare), in order.
   */
  chunks(chunkSize: number): number[];
  /**
   * The disk's bytes at `offset` as the build left them, put together from the source and the
   * overlay file: Kiln's own reads never go through the export, whose reads of the source Kiln's
   * NBD server answers (a read through it would wait on a thread it holds itself).
   */
  read(offset: number, length: number): Promise<Buffer>;
}

/** One range of `qemu-img map`: written ones are `present`, as zeros or as data at `offset` in the qcow2 file. */
interface MapEntry {
  start: number;
  length: number;
  depth: number;
  present: boolean;
  zero: boolean;
  data: boolean;
  offset?: number;
}

/** What qemu-storage-daemon may reach: the overlay, the NBD socket, /dev/fuse, Kiln's fusermount and the empty file it names as its mount point. */
export const overlayDaemonAccess = (overlay: string, socket: string): ToolAccess => ({
  write: [overlay, socket],
  devices: ['/dev/fuse'],
  programs: FUSERMOUNT_PROGRAMS,
  emptyFiles: [DAEMON_MOUNT_POINT],
});

/** Opens the overlay over `source` in `dir` (made by the caller, on the run's bounded space). */
export async function openOverlayDisk(
  dir: string,
  source: NbdDisk,
  options: { signal?: AbortSignal } = {},
): Promise<OverlayDisk> {
  const { signal } = options;
  checkFuseHost("A build's copy-on-write disk");
  const [daemon, bwrap] = await Promise.all([
    findTool('qemu-storage-daemon'),
    bubblewrap('to confine qemu-storage-daemon'),
  ]);
  if (!daemon)
    throw new Error('qemu-storage-daemon is not installed (qemu-system-common); scripts/setup.sh installs it.');
  signal?.throwIfAborted();

  const overlay = resolve(join(dir, 'overlay.qcow2'));
  const path = resolve(join(dir, 'disk.raw'));
  await writeFile(overlay, '');
  await runConfined(
    'qemu-img',
    ['create', '-q', '-f', 'qcow2', '-o', `cluster_size=${CLUSTER_SIZE}`, overlay, String(source.size)],
    { write: [overlay] },
    { signal },
  );
  // A unix socket's path is limited to 108 bytes, which a run's folder may pass: a short folder of its own.
  const socketDir = await mkdtemp(join(tmpdir(), 'kiln-nbd-'));
  const socket = join(socketDir, 'source');
  // Small reads close together (e2fsck's of the root) are served from 64 KiB blocks (block-cache.ts).
  const nbd = await serveNbd(socket, blockCached(source));
  await writeFile(path, '');
  const cgroup = await createSandboxCgroup(TOOL_LIMITS);
  const args = [
    '--blockdev',
    `driver=nbd,node-name=source,server.type=unix,server.path=${socket},read-only=on`,
    '--blockdev',
    // The overlay is scratch (a crash ends the run, whose space goes): a flush need not reach the disk.
    // It still writes the qcow2's own tables out to the file, which is what `changes` reads.
    `driver=qcow2,node-name=disk,file.driver=file,file.filename=${overlay},backing=source,cache.no-flush=on`,
    '--export',
    `type=fuse,id=disk,node-name=disk,mountpoint=${DAEMON_MOUNT_POINT},writable=on`,
  ];
  const release = async () => {
    await nbd.close();
    await rm(socketDir, { recursive: true, force: true });
  };
  const server = await mountAndServe({ path, name: 'kiln-disk', file: true }, () =>
    cgroup.joinAndExec(bwrap, confinedArgs(daemon, args, overlayDaemonAccess(overlay, socket))),
  ).catch(async (error: unknown) => {
    await detach(path, cgroup, { file: true });
    await release();
    throw error;
  });
  // The overlay is scratch once its changes are stored, and every write is in it already (the export
  // writes through, `changes` flushes): the daemon needs no clean quit.
  const close = async () => {
    signal?.removeEventListener('abort', onAbort);
    server.kill();
    await detach(path, cgroup, { file: true });
    await release();
  };
  const onAbort = () => void close();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await answering(path, server, cgroup, {
      name: 'qemu-storage-daemon',
      failure: "qemu-storage-daemon could not serve the build's disk",
      answerMs: ANSWER_MS,
    });
  } catch (error) {
    await close();
    throw error;
  }

  return {
    path,
    size: source.size,
    close,
    changes: async (callSignal) => {
      // An fsync of the export flushes the daemon: the qcow2 file then maps every write made so far.
      const file = await open(path, 'r');
      try {
        await file.sync();
      } finally {
        await file.close();
      }
      const { stdout } = await runConfined(
        'qemu-img',
        // The qcow2 names no backing file (the daemon is given it): what it maps is exactly what was written.
        ['map', '-U', '--output=json', '-f', 'qcow2', overlay],
        { read: [overlay] },
        { signal: callSignal },
      );
      const written = (JSON.parse(stdout) as MapEntry[]).filter((entry) => entry.present && entry.depth === 0);
      return overlayChanges(written, source, overlay);
    },
  };
}

function overlayChanges(written: MapEntry[], source: NbdDisk, overlay: string): OverlayChanges {
  return {
    chunks: (chunkSize) => {
      const changed = new Set<number>();
      for (const entry of written) {
        const last = Math.floor((entry.start + entry.length - 1) / chunkSize);
        for (let index = Math.floor(entry.start / chunkSize); index <= last; index++) changed.add(index);
      }
      return [...changed].sort((a, b) => a - b);
    },
    read: async (offset, length) => {
      const bytes = Buffer.from(await source.read(offset, length));
      const end = offset + length;
      const file = await open(overlay, 'r');
      try {
        for (const entry of written) {
          const from = Math.max(offset, entry.start);
          const to = Math.min(end, entry.start + entry.length);
          if (from >= to) continue;
          if (!entry.data) {
            bytes.fill(0, from - offset, to - offset);
            continue;
          }
          if (entry.offset === undefined) throw new Error(`The overlay maps ${entry.start} to no place in its file.`);
          const { bytesRead } = await file.read(bytes, from - offset, to - from, entry.offset + (from - entry.start));
          if (bytesRead !== to - from) throw new Error(`The overlay file ended inside the data it maps at ${from}.`);
        }
      } finally {
        await file.close();
      }
      return bytes;
    },
  };
}
