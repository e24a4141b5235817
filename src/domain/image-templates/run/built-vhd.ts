/**
 * Where a run's built VHD goes (core/blob-url.ts has the two namespaces of a region's store):
 *  - Kiln's own copy, `imagetemplates/<run id>/<template>.vhd`, is what managed image and gallery
 *    version targets copy from. The domain operations take it by a URL signed for that key, since a
 *    signed URL is the only way to a blob outside the user namespace. The grant the signature names is
 *    never recorded, so over HTTP the URL opens nothing; it only says which blob. It is removed when
 *    the run ends.
 *  - A VHD target gets the user blob `imagetemplates/<run id>/<template>.vhd` (the URL its
 *    `artifactUri` has always been), a copy (a hard link where the store can) that the template's owner
 *    reads with a Storage Blob Data role, as Azure's staging storage account is read. Writing to it
 *    changes no resource; deleting the template deletes it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { userBlobKey } from '../../../core/blob-url.ts';
import type { DomainContext } from '../../context.ts';
import type { ImageTemplate } from '../image-template.ts';
import type { BlobLocation } from '../../shared/blob-copy.ts';
import type { BuiltImage } from './distribute.ts';
import {
  CHUNK_SIZE,
  chunkAt,
  contentId,
  replaceChunks,
  zeroChunkSha,
  type ChunkRun,
} from '../../../core/content-id.ts';
import { taskPool } from '../../../core/task-pool.ts';
import type { BlobStore } from '../../../ports/blob-store.ts';
import type { SourceBytes } from './source.ts';

const CONTAINER = 'imagetemplates';
/** How long the signed name of Kiln's copy is valid: it is only ever read by the run's own distribution jobs. */
const SIGNED_NAME_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * Where a region keeps its copy of a build's source held in another region, by the source's content
 * name: a cache that later builds there take their unchanged chunks from.
 */
const SOURCE_COPIES = 'sourcecopies';
/** Chunks stored at once: a few, to overlap their fsyncs with bounded memory (4 MiB each). */
const IN_FLIGHT = 4;

/** The user blob a VHD target gets, beside Kiln's own copy at `internal`. */
export function publishedVhd(internal: BlobLocation): BlobLocation {
  return { region: internal.region, key: userBlobKey(CONTAINER, internal.key.slice(CONTAINER.length + 1)) };
}

/**
 * The VHD a build made (imaging's `BuiltImage`): a file that is the VHD, or, when the build worked
 * on an overlay over its source, the chunks that may differ from the source's and a way to read the
 * VHD's bytes.
 */
export interface BuiltVhd {
  path: string;
  size: number;
  changedChunks?: number[];
  /** The VHD's bytes, footer included, where they must not be read from `path` (an overlay's image). */
  read?(offset: number, length: number): Promise<Buffer>;
}

/**
 * Puts the built VHD into the template's region store, and a user copy for a VHD target. A build over
 * a source held as chunks writes only the chunks it changed (`fromSourceChunks`); any
 * other is read whole into the store, which keeps only the chunks it lacks.
 */
export async function storeBuiltVhd(
  ctx: DomainContext,
  template: ImageTemplate,
  runId: string,
  image: BuiltVhd,
  source?: SourceBytes,
): Promise<BuiltImage> {
  const region = template.location;
  const name = `${CONTAINER}/${runId}/${template.name}.vhd`;
  const store = ctx.regions.get(region)!;
  let written = source === undefined ? false : await fromSourceChunks(store, name, image, source);
  if (written === false) {
    // Read a chunk at a time: the store cuts 4 MiB chunks, and small reads cost it more than the hashing.
    await store.put(name, wholeImage(image), { overwrite: true });
    written = image.size;
  }
  ctx.meters?.builtBytes(region, written);
  const base = ctx.settings.publicUrl ?? 'https://localhost';
  if (template.properties.distribute.some((d) => d.type === 'VHD')) {
    const published = publishedVhd({ region, key: name });
    // A retried run finds its earlier copy: replace it.
    await store.delete(published.key);
    await store.copy(name, published.key);
  }
  const expiresOn = new Date(ctx.clock.now().getTime() + SIGNED_NAME_TTL_MS);
  const uri = ctx.blobUrls.signed(base, region, name, { write: false, expiresOn, identifier: `run-${runId}` });
  return { region, key: name, uri, artifactUri: ctx.blobUrls.plain(base, region, name) };
}

function wholeImage(image: BuiltVhd): Readable {
  const { read } = image;
  if (!read) return createReadStream(image.path, { highWaterMark: CHUNK_SIZE });
  return Readable.from(
    (async function* () {
      for (let offset = 0; offset < image.size; offset += CHUNK_SIZE)
        yield await read(offset, Math.min(CHUNK_SIZE, image.size - offset));
    })(),
  );
}

/**
 * Makes `key` the source's chunk list with the changed chunks replaced, when the store keeps blobs as
 * chunks: each changed chunk is read from the built image and put as a blob of its own (so the store
 * holds its content), the list assembled (`BlobStore.assemble`: no other byte moves), then those
 * blobs deleted. A source held in another region's store is copied into this one first (the chunks it
 * lacks; `adopt` takes the others) and kept there as `sourcecopies/<its content name>`, as replication
 * would: the first build in a region pays for its base once. A disk the build grew (osDiskSizeGB) is
 * the source's list, then zero chunks, with the chunk its footer was in replaced too. The bytes it
 * put; false when it cannot (a store of whole blobs, a source without a chunk list): the caller puts
 * the whole image. A crash midway leaves only blobs under the
 * run's own key, which a retry replaces and the run's end deletes.
 */
async function fromSourceChunks(
  store: BlobStore,
  key: string,
  image: BuiltVhd,
  source: SourceBytes,
): Promise<number | false> {
  const { changedChunks, read } = image;
  const { stored, readRange } = source;
  if (!changedChunks || !read || !stored) return false;
  const runs = await stored.runs();
  const count = Math.ceil(image.size / CHUNK_SIZE);
  const sourceCount = Math.ceil(source.size / CHUNK_SIZE);
  if (!runs || image.size < source.size || runs.reduce((total, run) => total + run.count, 0) !== sourceCount)
    return false;
  // A disk grown past the source (vmProfile.osDiskSizeGB) is zeros there wherever the build wrote
  // nothing; the chunk the source's footer was in is the build's (that footer is gone from it).
  const grown = image.size > source.size;
  const imageRuns =
    count > sourceCount ? [...runs, { sha: zeroChunkSha(CHUNK_SIZE), count: count - sourceCount }] : runs;
  const changed = grown ? [...new Set([...changedChunks, sourceCount - 1])].sort((a, b) => a - b) : changedChunks;
  const parts: string[] = [];
  let written = 0;
  // Chunks go in a few at a time: each is a put that waits on its own fsyncs.
  const pool = taskPool(IN_FLIGHT);
  const keep = (part: string, bytes: () => Promise<Buffer>, like?: string) =>
    pool.add(async () => {
      parts.push(part);
      const content = await bytes();
      // The source's chunk at the same place: a store keeping chunks may keep only the blocks that differ.
      await store.put(part, content, {
        overwrite: true,
        like: like === undefined ? undefined : [{ sha: like, count: 1 }],
      });
      written += content.length;
    });
  try {
    // The source's copy in this region, kept (as Azure keeps a platform image in every region), so
    // only the first build here pays for it.
    const regionCopy = `${SOURCE_COPIES}/${contentId(source.size, runs)}`;
    if (stored.region.toLowerCase() !== store.region.toLowerCase() && !(await store.stat(regionCopy))) {
      if (!readRange) return false;
      for (const { sha, index } of distinctChunks(runs)) {
        if (sha === zeroChunkSha(CHUNK_SIZE)) continue;
        const part = `${key}.chunks/source-${sha}`;
        await store.delete(part);
        if (await store.adopt(part, sha)) parts.push(part);
        else
          await keep(part, () => readRange(index * CHUNK_SIZE, Math.min(CHUNK_SIZE, source.size - index * CHUNK_SIZE)));
      }
      await pool.idle();
      pool.throwIfFailed();
      // Another build of the same source may have made the copy meanwhile: that one serves as well.
      const made = await store
        .assemble(regionCopy, source.size, runs)
        .catch(async (error: unknown) => ((await store.stat(regionCopy)) ? true : Promise.reject(error)));
      if (!made) return false;
    }
    const replaced = new Map<number, string>();
    for (const index of changed) {
      const offset = index * CHUNK_SIZE;
      const bytes = await read(offset, Math.min(CHUNK_SIZE, image.size - offset));
      const sha = createHash('sha256').update(bytes).digest('hex');
      replaced.set(index, sha);
      if (sha !== zeroChunkSha(bytes.length))
        // The source's last chunk is shorter than the one a grown disk has there: nothing to be like.
        await keep(
          `${key}.chunks/${index}`,
          async () => bytes,
          grown && index === sourceCount - 1 ? undefined : chunkAt(runs, index),
        );
    }
    await pool.idle();
    pool.throwIfFailed();
    // A retried run finds its earlier image: replace it.
    await store.delete(key);
    return (await store.assemble(key, image.size, replaceChunks(imageRuns, replaced))) === undefined ? false : written;
  } finally {
    await pool.idle();
    await Promise.all(parts.map((part) => store.delete(part)));
  }
}

/** Each distinct chunk of `runs` once, with the index of its first place. */
function* distinctChunks(runs: readonly ChunkRun[]): Generator<{ sha: string; index: number }> {
  const seen = new Set<string>();
  let index = 0;
  for (const run of runs) {
    if (!seen.has(run.sha)) {
      seen.add(run.sha);
      yield { sha: run.sha, index };
    }
    index += run.count;
  }
}
