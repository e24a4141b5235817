/**
 * Moves a region folder an older Kiln wrote onto chunks, at the store's opening, before anything
 * reads it. The older layout: sealed records { key, size, sha256, object, lastModified } naming
 * whole files `objects/<uuid>` (copies were hard links), and staging blobs as sparse files
 * `.staging/<hashName(key)>`. A migrated blob keeps its key, size and bytes; its sha256 becomes its
 * content name (core/content-id.ts), which for blobs over one chunk differs from the old whole-file hash.
 *
 * Every step can die (kill -9, power loss) and the next opening finishes the work:
 * 1. While objects/ exists and .staging-migrating/ does not, .staging/ is renamed to it (atomic),
 *    so an old sparse file is never mistaken for a new staging record.
 * 2. Each old staging file becomes a staging record of its non-zero chunks in .staging/, replacing
 *    what an interrupted run wrote there, then goes; one that is a second name of an object is the
 *    leftover of a seal that committed, and just goes. (Finished before step 3 starts, while every
 *    old record still names its object.)
 * 3. Each old sealed record is replaced by one listing its object's chunks, then the object goes.
 * 4. objects/ goes, then .staging-migrating/: a folder with neither has nothing left to migrate.
 * Chunk files are durable before a record names them and records are replaced atomically, so a
 * blob always has one whole record; chunks written by a run that died are swept by the opening.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { CHUNK_SIZE, contentId, toRuns } from '../core/content-id.ts';
import { chunkPieces, keepChunks } from './chunk-cutter.ts';
import { DIR_MODE, placeFile, readRecordsIn, type SealedRecord, type StagingRecord } from './fs-blob-records.ts';
import type { ChunkPool } from './fs-chunk-pool.ts';
import { isCode } from './store-error.ts';
import { syncDirectory } from './sync-directory.ts';

interface OldSealedRecord {
  key: string;
  size: number;
  sha256: string;
  object: string;
  lastModified: string;
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    (error: unknown) => {
      if (isCode(error, 'ENOENT')) return false;
      throw error;
    },
  );

/** Migrates the older layout in the region folder `dir` if there is any; `tmpPath` names a fresh temp file. */
export async function migrateOldLayout(dir: string, pool: ChunkPool, tmpPath: () => string): Promise<void> {
  const objectsDir = path.join(dir, 'objects');
  const indexDir = path.join(dir, 'index');
  const stagingDir = path.join(dir, '.staging');
  const oldStagingDir = path.join(dir, '.staging-migrating');
  const objectsLeft = await exists(objectsDir);
  if (!objectsLeft && !(await exists(oldStagingDir))) return;

  if (objectsLeft && !(await exists(oldStagingDir))) {
    try {
      await rename(stagingDir, oldStagingDir);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
      await mkdir(oldStagingDir, { mode: DIR_MODE });
    }
    await syncDirectory(dir);
  }
  await mkdir(stagingDir, { recursive: true, mode: DIR_MODE });

  const oldRecords = (await readRecordsIn<OldSealedRecord | SealedRecord>(indexDir)).filter(
    (entry): entry is { name: string; record: OldSealedRecord } => 'object' in entry.record,
  );

  const stagingFiles = await readdir(oldStagingDir);
  if (stagingFiles.length > 0) {
    const objectInodes = new Set<bigint>();
    for (const { record } of oldRecords)
      objectInodes.add((await stat(path.join(objectsDir, record.object), { bigint: true })).ino);
    for (const name of stagingFiles) {
      const file = path.join(oldStagingDir, name);
      const { ino, size, blocks } = await stat(file, { bigint: true });
      if (!objectInodes.has(ino)) {
        // A file with no block allocated is all holes: nothing to read.
        const written = blocks === 0n ? {} : await nonZeroChunks(file, pool);
        const record: StagingRecord = { id: randomUUID(), size: Number(size), written };
        await pool.sync();
        await placeFile(tmpPath(), path.join(stagingDir, name), JSON.stringify(record), false);
        await syncDirectory(stagingDir);
      }
      await rm(file);
      // Durably gone, or a rerun would replace the record, which the store may have changed since.
      await syncDirectory(oldStagingDir);
    }
  }

  for (const { name, record } of oldRecords) {
    const object = path.join(objectsDir, record.object);
    const { size, chunks } = await keepChunks(createReadStream(object), (sha, data) => pool.writeMissing(sha, data));
    if (size !== record.size)
      throw new Error(
        `The blob '${record.key}' (${object}) holds ${size} bytes, not the ${record.size} of its record.`,
      );
    const migrated: SealedRecord = {
      key: record.key,
      size,
      sha256: contentId(size, chunks),
      runs: toRuns(chunks),
      lastModified: record.lastModified,
    };
    await pool.sync();
    await placeFile(tmpPath(), path.join(indexDir, name), JSON.stringify(migrated), false);
    await syncDirectory(indexDir);
    await rm(object);
  }

  await rm(objectsDir, { recursive: true, force: true });
  await syncDirectory(dir);
  await rm(oldStagingDir, { recursive: true, force: true });
  await syncDirectory(dir);
}

/** Writes the chunks of a sparse file that are not all zeros; returns their hashes by chunk index. */
async function nonZeroChunks(file: string, pool: ChunkPool): Promise<Record<string, string>> {
  const zeros = Buffer.alloc(CHUNK_SIZE);
  const written: Record<string, string> = {};
  let index = 0;
  for await (const piece of chunkPieces(createReadStream(file))) {
    if (!piece.equals(zeros.subarray(0, piece.length))) {
      const sha = createHash('sha256').update(piece).digest('hex');
      await pool.writeMissing(sha, piece);
      written[index] = sha;
    }
    index++;
  }
  return written;
}
