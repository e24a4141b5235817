/**
 * A region's blobs in one Azure Blob Storage container (Azurite in tests):
 *
 *   <key>                     sealed blobs, with metadata sha256=<content name> and kilnsealed=1
 *   .staging/<sha256 of key>  staging blobs: page blobs taking 512-byte-aligned page writes
 *
 * The metadata's sha256 is the content name of `core/content-id.ts`, so equal contents have equal
 * names here and in the folder store.
 *
 * A put makes a block blob because Put Block List makes a blob appear whole: blocks staged beforehand
 * are invisible, and the commit publishes content and metadata at once, conditionally (If-None-Match: *
 * refuses an existing key) or replacing the old blob atomically. So a crash at any moment leaves the
 * key absent or whole; what it can leave behind is uncommitted blocks, which nothing reads and Azure
 * discards after a week. Block blobs also take content of unknown length and any size.
 *
 * A seal makes a page blob: a server-side copy of the staging blob carrying the seal metadata, so no
 * byte travels but those of chunks holding a written page, read once to name the content (Get Page
 * Ranges tells which; the others are zeros, named without reading). Sealing a mostly empty disk costs
 * what was written, not its size. Azure cannot turn a page blob into a block blob in place, so an
 * overwriting put of a sealed disk removes it first: until the new blob is committed the key is absent.
 *
 * A copy is server-side (no byte travels through Kiln) but for a byte range, which Azure cannot copy:
 * that range is streamed out and put back, named anew. Blobs are not kept as chunks, so `chunks`
 * gives nothing and whoever needs a blob's chunks reads it, and `adopt` and `assemble` make nothing:
 * the caller copies the chunks' bytes.
 *
 * A blob without the seal metadata, or whose server-side copy has not succeeded, does not exist for
 * stat, read and list. Staging names are hashes so any key fits Azure's 1,024-character limit; keys
 * under `.staging/` are refused. The container is created on first use.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  BlobServiceClient,
  RestError,
  type BlobBeginCopyFromUrlPollState,
  type BlobClient,
  type BlobType,
  type CopyStatusType,
  type PageBlobClient,
} from '@azure/storage-blob';
import { blobKeyProblem } from '../core/blob-url.ts';
import { taskPool } from '../core/task-pool.ts';
import { CHUNK_SIZE, contentHasher, contentId, toRuns, zeroChunkSha, type ChunkRun } from '../core/content-id.ts';
import type { BlobInfo, BlobStore, ByteRange } from '../ports/blob-store.ts';
import { checkRange, rangeWithin } from './byte-range.ts';

const MiB = 1024 * 1024;
const STAGING_PREFIX = '.staging/';
const SEALED = 'kilnsealed';
/**
 * Page blobs are written in whole 512-byte pages, at most 4 MiB per Put Page, up to 8 TiB: Azure
 * refuses a larger page blob (Azurite does not), so staging blobs stop there although disks go to
 * 32,767 GiB.
 */
const PAGE_BYTES = 512;
const MAX_PAGE_WRITE = 4 * MiB;
const MAX_STAGING_BYTES = 8 * 1024 * 1024 * MiB;
/** Azure commits at most 50,000 blocks per blob. */
const MAX_BLOCKS = 50_000;
const BLOCK_BYTES = 4 * MiB;
/**
 * Block bytes uploading at once (one block at least). With the block being filled, this is a put's
 * memory: two 4 MiB blocks in flight keep it near 12 MiB, as the contract's bound requires.
 */
const IN_FLIGHT_BYTES = 8 * MiB;
const LEASE_SECONDS = 60;
const COPY_POLL_MS = 500;
/** How often a download resumes a broken response (pinned to the blob's etag by the SDK). */
const READ_RETRIES = 5;

/** Errors carry the Azure Storage error code of the condition, as the fs adapter's do. */
const storeError = (code: string, message: string): Error =>
  Object.assign(new Error(message.charAt(0).toUpperCase() + message.slice(1)), { code });

const statusOf = (error: unknown): number | undefined => (error instanceof RestError ? error.statusCode : undefined);

/**
 * An SDK failure as a store error with Azure's code. The HTTP status is dropped on purpose: a call
 * the backend refuses is this server's failure, not a bad request of its client. `creating` marks a
 * conditional create, where Azure may report the existing blob as a failed condition.
 */
function fromAzure(error: unknown, what: string, creating = false): unknown {
  if (!(error instanceof RestError)) return error;
  // HEAD responses have no body: their code is only in the header, which Azurite leaves out.
  const code =
    error.code ??
    error.response?.headers.get('x-ms-error-code') ??
    (error.statusCode === 404 ? 'BlobNotFound' : `Http${error.statusCode}`);
  if (creating && (code === 'BlobAlreadyExists' || code === 'ConditionNotMet')) {
    return storeError('BlobAlreadyExists', `${what} already exists.`);
  }
  // Only a seal leases blobs, and only staging ones.
  if (code === 'LeaseIdMissing' || code === 'LeaseAlreadyPresent')
    return storeError('BlobBeingSealed', `${what} is being sealed.`);
  return Object.assign(
    new Error(`Azure Storage failed on ${what}: ${error.message.split('\n')[0]}`, { cause: error }),
    { code },
  );
}

async function azure<T>(what: string, operation: Promise<T>, creating = false): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    throw fromAzure(error, what, creating);
  }
}

function checkKey(key: string): void {
  const problem =
    blobKeyProblem(key) ??
    (key.startsWith(STAGING_PREFIX)
      ? `The blob key '${key}' is under '${STAGING_PREFIX}', kept for staging blobs.`
      : undefined);
  if (problem !== undefined) throw storeError('InvalidBlobKey', problem);
}

interface BlobProperties {
  metadata?: Record<string, string>;
  contentLength?: number;
  lastModified?: Date;
  copyStatus?: CopyStatusType;
}

/** What marks a blob sealed with the content name `sha256`. */
const sealMetadata = (sha256: string): Record<string, string> => ({ sha256, [SEALED]: '1' });

function sealedInfo(key: string, properties: BlobProperties): BlobInfo | undefined {
  const { metadata, contentLength, lastModified, copyStatus } = properties;
  if (metadata?.[SEALED] !== '1' || metadata.sha256 === undefined) return undefined;
  if (copyStatus !== undefined && copyStatus !== 'success') return undefined;
  return { key, size: contentLength ?? 0, sha256: metadata.sha256, lastModified };
}

async function* chunksOf(content: Readable | Buffer): AsyncGenerator<Buffer> {
  if (Buffer.isBuffer(content)) {
    yield content;
    return;
  }
  for await (const chunk of content) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
}

/**
 * `content` copied into the buffers `nextBuffer(index)` gives, each yielded once full (the last one
 * as far as it is filled). A buffer is only written before it is yielded.
 */
async function* rechunk(content: Readable | Buffer, nextBuffer: (index: number) => Buffer): AsyncGenerator<Buffer> {
  let piece: Buffer | undefined;
  let filled = 0;
  let index = 0;
  for await (const chunk of chunksOf(content)) {
    for (let at = 0; at < chunk.length;) {
      piece ??= nextBuffer(index);
      const copied = chunk.copy(piece, filled, at);
      filled += copied;
      at += copied;
      if (filled === piece.length) {
        yield piece;
        piece = undefined;
        filled = 0;
        index++;
      }
    }
  }
  if (piece !== undefined) yield piece.subarray(0, filled);
}

/**
 * Size of block `index` of a put, whose length is unknown: 4 MiB at first, so common blobs take little
 * memory, doubling every 5,000 blocks, so the 50,000 blocks hold about 20 TiB.
 */
const blockSize = (index: number): number => BLOCK_BYTES * 2 ** Math.floor(index / 5_000);

/**
 * The chunks of a page blob of `size` bytes that hold a written page, as runs of consecutive chunk
 * indexes [first, last], in order. Azure lists written pages in offset order; ranges it splits over
 * several pages of results, or that share a chunk, fall in one run.
 */
async function* writtenChunkRuns(
  client: PageBlobClient,
  size: number,
  etag: string | undefined,
): AsyncGenerator<[number, number]> {
  if (size === 0) return;
  let run: [number, number] | undefined;
  for await (const range of client.listPageRanges(0, size, { conditions: { ifMatch: etag } })) {
    if (range.isClear) continue;
    const first = Math.floor(range.start / CHUNK_SIZE);
    const last = Math.floor(range.end / CHUNK_SIZE);
    if (run !== undefined && first <= run[1] + 1) run[1] = Math.max(run[1], last);
    else {
      if (run !== undefined) yield run;
      run = [first, last];
    }
  }
  if (run !== undefined) yield run;
}

export function createAzureBlobStore(
  region: string,
  options: { connectionString: string; container: string },
): BlobStore {
  const container = BlobServiceClient.fromConnectionString(options.connectionString).getContainerClient(
    options.container,
  );
  // Readiness asks once and answers: the default pipeline would retry a refused connection for tens of seconds.
  const probeClient = BlobServiceClient.fromConnectionString(options.connectionString, {
    retryOptions: { maxTries: 1 },
  }).getContainerClient(options.container);
  const stagingClient = (key: string) =>
    container.getPageBlobClient(STAGING_PREFIX + createHash('sha256').update(key, 'utf8').digest('hex'));

  let opening: Promise<unknown> | undefined;
  const ready = (): Promise<unknown> =>
    (opening ??= azure(`the container '${options.container}'`, container.createIfNotExists()).catch(
      (error: unknown) => {
        opening = undefined;
        throw error;
      },
    ));

  /** The blob at `key`, sealed or not, or undefined when there is none. */
  async function propertiesOf(
    key: string,
  ): Promise<(BlobProperties & { etag?: string; blobType?: BlobType }) | undefined> {
    try {
      return await container.getBlobClient(key).getProperties();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw fromAzure(error, `the blob '${key}'`);
    }
  }

  async function sealed(key: string): Promise<{ info: BlobInfo; etag?: string } | undefined> {
    const properties = await propertiesOf(key);
    const info = properties && sealedInfo(key, properties);
    return info && { info, etag: properties?.etag };
  }

  const alreadyExists = (key: string): Error => storeError('BlobAlreadyExists', `The blob '${key}' already exists.`);

  async function refuseExisting(key: string): Promise<void> {
    if ((await sealed(key)) !== undefined) throw alreadyExists(key);
  }

  /** Uploads `content` as blocks while naming it, then commits them with the seal metadata (see the file comment). */
  async function commit(key: string, content: Readable | Buffer, overwrite: boolean): Promise<BlobInfo> {
    const client = container.getBlockBlobClient(key);
    const what = `the blob '${key}'`;
    // Ids unique to this upload, so concurrent uploads of one key cannot replace each other's blocks;
    // all of one length, as Azure requires within a blob.
    const upload = randomBytes(12).toString('hex');
    const ids: string[] = [];
    const hash = contentHasher();
    let length = 0;
    const pool = taskPool(IN_FLIGHT_BYTES);
    // Blocks whose upload is done are refilled rather than left to the garbage collector, which frees
    // large buffers late under load: reuse keeps a put's memory at the in-flight budget.
    const spare: Buffer[] = [];
    const nextBuffer = (index: number): Buffer => {
      const bytes = blockSize(index);
      const buffer = spare.pop();
      return buffer?.length === bytes ? buffer : Buffer.allocUnsafe(bytes);
    };
    try {
      for await (const block of rechunk(content, nextBuffer)) {
        if (ids.length === MAX_BLOCKS)
          throw storeError('BlockCountExceedsLimit', `${what} needs more than ${MAX_BLOCKS} blocks.`);
        const id = Buffer.from(`${upload}${String(ids.length).padStart(5, '0')}`).toString('base64');
        ids.push(id);
        hash.update(block);
        length += block.length;
        await pool.add(async () => {
          await azure(what, client.stageBlock(id, block, block.length));
          // Azure has answered, so the whole block was sent: the SDK no longer reads it.
          spare.push(block);
        }, block.length);
      }
    } finally {
      await pool.idle();
    }
    pool.throwIfFailed();
    const sha256 = hash.digest();
    const { lastModified } = await azure(
      what,
      client.commitBlockList(ids, {
        metadata: sealMetadata(sha256),
        conditions: overwrite ? {} : { ifNoneMatch: '*' },
      }),
      !overwrite,
    );
    return { key, size: length, sha256, lastModified };
  }

  /** A byte stream of a blob; the download starts when the stream is first read. */
  function download(
    client: BlobClient,
    what: string,
    range: ByteRange | undefined,
    isVisible?: (properties: BlobProperties) => boolean,
  ): Readable {
    checkRange(range);
    async function* bytes(): AsyncGenerator<Buffer> {
      await ready();
      const count = range === undefined ? undefined : range.end - range.start + 1;
      const response = await azure(what, client.download(range?.start ?? 0, count, { maxRetryRequests: READ_RETRIES }));
      const body = response.readableStreamBody as Readable;
      if (isVisible !== undefined && !isVisible(response)) {
        body.destroy();
        throw storeError('BlobNotFound', `${what} does not exist.`);
      }
      yield* body;
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  /**
   * The content name of a staging blob as it is at `etag`: chunks holding a written page are read and
   * hashed, the others are zeros and named without reading them.
   */
  async function stagingName(client: PageBlobClient, what: string, size: number, etag?: string): Promise<string> {
    const count = Math.ceil(size / CHUNK_SIZE);
    const runs: ChunkRun[] = [];
    const add = (chunk: string | ChunkRun): void => {
      const last = runs.pop();
      runs.push(...toRuns(last === undefined ? [chunk] : [last, chunk]));
    };
    /** Chunks [from, to) are zeros; the blob's last chunk may be shorter than the others. */
    const addZeros = (from: number, to: number): void => {
      const short = to === count && size % CHUNK_SIZE !== 0;
      add({ sha: zeroChunkSha(CHUNK_SIZE), count: Math.max(0, to - from - (short ? 1 : 0)) });
      if (short && from < to) add(zeroChunkSha(size % CHUNK_SIZE));
    };
    // One buffer for every chunk: each is hashed before the next is read into it.
    const buffer = Buffer.allocUnsafe(Math.min(size, CHUNK_SIZE));
    let next = 0;
    try {
      for await (const [first, last] of writtenChunkRuns(client, size, etag)) {
        addZeros(next, first);
        const start = first * CHUNK_SIZE;
        const end = Math.min(size, (last + 1) * CHUNK_SIZE);
        const response = await client.download(start, end - start, {
          conditions: { ifMatch: etag },
          maxRetryRequests: READ_RETRIES,
        });
        for await (const chunk of rechunk(response.readableStreamBody as Readable, () => buffer)) {
          add(createHash('sha256').update(chunk).digest('hex'));
        }
        next = last + 1;
      }
    } catch (error) {
      throw fromAzure(error, what);
    }
    addZeros(next, count);
    return contentId(size, runs);
  }

  /**
   * Makes the new sealed blob `toKey` a server-side copy of `source` as it is at `etag`, with
   * `metadata` if given, else the source's, and waits for it. Within the account, so the account key
   * authorises the source. The copy is checked to be sealed under the name `sha256`.
   */
  async function serverCopy(
    source: BlobClient,
    toKey: string,
    {
      what,
      etag,
      sha256,
      metadata,
    }: { what: string; etag?: string; sha256: string; metadata?: Record<string, string> },
  ): Promise<BlobInfo> {
    const target = container.getBlobClient(toKey);
    const poller = await azure(
      what,
      target.beginCopyFromURL(source.url, {
        metadata,
        conditions: { ifNoneMatch: '*' },
        sourceConditions: { ifMatch: etag },
        intervalInMs: COPY_POLL_MS,
      }),
      true,
    );
    // Usually done when the copy starts; a large one lands in the background, even if this process dies.
    try {
      await poller.pollUntilDone();
    } catch (error) {
      // A failed copy leaves a target nothing reads but that blocks its key: it is ours to remove,
      // as best we can without hiding why the copy failed. The SDK types the poller's state
      // generically; beginCopyFromURL's carries the copy's id.
      const { copyId } = poller.getOperationState() as BlobBeginCopyFromUrlPollState;
      const properties = await target.getProperties().catch(() => undefined);
      if (properties !== undefined && properties.copyId === copyId) {
        await target.deleteIfExists({ conditions: { ifMatch: properties.etag } }).catch(() => undefined);
      }
      throw fromAzure(error, what);
    }
    const copied = await sealed(toKey);
    if (copied?.info.sha256 !== sha256) {
      throw storeError('CopyFailed', `${what} did not make a sealed blob named ${sha256}.`);
    }
    return copied.info;
  }

  return {
    region,
    maxStagingBytes: MAX_STAGING_BYTES,

    async put(key, content, options) {
      checkKey(key);
      await ready();
      const overwrite = options?.overwrite === true;
      // Checked up front too so a refused upload is not sent first.
      const existing = await propertiesOf(key);
      if (!overwrite && existing !== undefined && sealedInfo(key, existing) !== undefined) throw alreadyExists(key);
      // Blocks cannot be staged on a page blob (a sealed disk): see the file comment.
      if (overwrite && existing?.blobType === 'PageBlob') {
        await azure(
          `the blob '${key}'`,
          container.getBlobClient(key).deleteIfExists({ conditions: { ifMatch: existing.etag } }),
        );
      }
      return commit(key, content, overwrite);
    },

    async stat(key) {
      checkKey(key);
      await ready();
      return (await sealed(key))?.info;
    },

    open: async () => void (await ready()),
    // A container is shared by design (several Kiln processes scale out over one): nothing is held.
    close: async () => undefined,

    // Get Container Properties: the account answers, the credentials hold and the container is there.
    async probe(signal) {
      try {
        await probeClient.getProperties({ abortSignal: signal });
      } catch (error) {
        // A HEAD carries no error body, and Azurite leaves the code header out.
        if (statusOf(error) === 404)
          throw storeError('ContainerNotFound', `The container '${options.container}' does not exist.`);
        throw fromAzure(error, `the container '${options.container}'`);
      }
    },

    read(key, range) {
      checkKey(key);
      return download(
        container.getBlobClient(key),
        `the blob '${key}'`,
        range,
        (properties) => sealedInfo(key, properties) !== undefined,
      );
    },

    async copy(fromKey, toKey, range) {
      checkKey(fromKey);
      checkKey(toKey);
      checkRange(range);
      await ready();
      const what = `the copy of '${fromKey}' to '${toKey}'`;
      const source = await sealed(fromKey);
      if (source === undefined) throw storeError('BlobNotFound', `The blob '${fromKey}' does not exist.`);
      await refuseExisting(toKey);
      const { etag, info } = source;
      // Pinning the source's etag makes its name, copied along in the metadata, that of the bytes copied.
      if (range === undefined)
        return serverCopy(container.getBlobClient(fromKey), toKey, { what, etag, sha256: info.sha256 });
      // Azure copies no part of a blob, so a range is read, pinned to the etag too, and put (and named) anew.
      const { start, end } = rangeWithin(range, info.size);
      async function* bytes(): AsyncGenerator<Buffer> {
        const response = await azure(
          what,
          container
            .getBlobClient(fromKey)
            .download(start, end - start + 1, { conditions: { ifMatch: etag }, maxRetryRequests: READ_RETRIES }),
        );
        yield* response.readableStreamBody as Readable;
      }
      return commit(toKey, Readable.from(bytes(), { objectMode: false }), false);
    },

    async chunks(key) {
      checkKey(key);
      return undefined;
    },

    // A container keeps whole blobs, found by key: nothing tells which blob holds a chunk's content
    // or where in it, so finding it would cost listing and reading blobs, more than the caller's copy.
    async adopt(key) {
      checkKey(key);
      return undefined;
    },

    // For the same reason no chunk can be named as held: the caller streams the chunks into a put.
    async assemble(key) {
      checkKey(key);
      return undefined;
    },

    async delete(key) {
      checkKey(key);
      await ready();
      await azure(`the blob '${key}'`, container.getBlobClient(key).deleteIfExists());
    },

    async list(prefix) {
      await ready();
      const found: BlobInfo[] = [];
      try {
        // Azure lists in name order, and the metadata tells sealed blobs from the rest.
        for await (const item of container.listBlobsFlat({ prefix, includeMetadata: true, includeCopy: true })) {
          const info = sealedInfo(item.name, { ...item.properties, metadata: item.metadata });
          if (info !== undefined) found.push(info);
        }
      } catch (error) {
        throw fromAzure(error, `the blobs under '${prefix}'`);
      }
      return found;
    },

    async createStaging(key, size) {
      checkKey(key);
      if (!Number.isSafeInteger(size) || size < 0 || size % PAGE_BYTES !== 0) {
        throw new RangeError(`Invalid staging blob size ${size}: a page blob holds whole 512-byte pages.`);
      }
      if (size > MAX_STAGING_BYTES) {
        throw storeError(
          'StagingBlobTooLarge',
          `A staging blob of ${size} bytes is over the Azure store's limit of 8 TiB (${MAX_STAGING_BYTES} bytes), ` +
            `the largest page blob Azure makes; the embedded folder store has no such limit.`,
        );
      }
      await ready();
      await refuseExisting(key);
      await azure(
        `the staging blob '${key}'`,
        stagingClient(key).create(size, { conditions: { ifNoneMatch: '*' } }),
        true,
      );
    },

    async writeStaging(key, offset, content) {
      checkKey(key);
      if (!Number.isSafeInteger(offset) || offset < 0 || offset % PAGE_BYTES !== 0) {
        throw new RangeError(`Invalid staging write offset ${offset}: pages start at multiples of 512 bytes.`);
      }
      await ready();
      const what = `the staging blob '${key}'`;
      const client = stagingClient(key);
      // Azure refuses writes past the end but Azurite does not, so the store checks them itself.
      const { contentLength: size = 0 } = await azure(what, client.getProperties());
      // One buffer for every piece: each is sent before the next is read into it.
      const buffer = Buffer.allocUnsafe(
        Buffer.isBuffer(content) ? Math.min(content.length, MAX_PAGE_WRITE) : MAX_PAGE_WRITE,
      );
      let position = offset;
      for await (const piece of rechunk(content, () => buffer)) {
        if (piece.length % PAGE_BYTES !== 0)
          throw storeError('InvalidPageRange', `Writes to ${what} must be whole 512-byte pages.`);
        if (position + piece.length > size)
          throw storeError('InvalidPageRange', `Writing past the end (${size} bytes) of ${what}.`);
        await azure(what, client.uploadPages(piece, position, piece.length));
        position += piece.length;
      }
    },

    async stagingSize(key) {
      checkKey(key);
      await ready();
      try {
        return (await stagingClient(key).getProperties()).contentLength;
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw fromAzure(error, `the staging blob '${key}'`);
      }
    },

    readStaging(key, range) {
      checkKey(key);
      return download(stagingClient(key), `the staging blob '${key}'`, range);
    },

    async seal(key) {
      checkKey(key);
      await ready();
      await refuseExisting(key);
      const what = `the staging blob '${key}'`;
      const staging = stagingClient(key);
      // The lease keeps page writes, from any process, and other seals out while the blob is named and
      // copied (they fail with BlobBeingSealed). Renewed as the copy runs, it lapses by itself if this
      // process dies. Whatever happens to it, every read and the copy are pinned to one etag, so the
      // name is that of the bytes copied.
      const lease = staging.getBlobLeaseClient();
      await azure(what, lease.acquireLease(LEASE_SECONDS));
      const renewal = setInterval(() => lease.renewLease().catch(() => undefined), (LEASE_SECONDS * 1000) / 3);
      let deleted = false;
      try {
        const { contentLength: size = 0, etag } = await azure(what, staging.getProperties());
        const sha256 = await stagingName(staging, what, size, etag);
        const info = await serverCopy(staging, key, {
          what: `the seal of '${key}'`,
          etag,
          sha256,
          metadata: sealMetadata(sha256),
        });
        await azure(what, staging.delete({ conditions: { leaseId: lease.leaseId } }));
        deleted = true;
        return info;
      } finally {
        clearInterval(renewal);
        if (!deleted) await lease.releaseLease().catch(() => undefined);
      }
    },

    async deleteStaging(key) {
      checkKey(key);
      await ready();
      await azure(`the staging blob '${key}'`, stagingClient(key).deleteIfExists());
    },
  };
}
