/**
 * The part of the Azure Blob data plane that disk upload and download tools use (@azure/storage-blob's
 * PageBlobClient / BlobClient, azcopy), over each region's BlobStore at
 * `/blob/<region>/<container>/<path>` (see core/blob-url.ts).
 *
 * A request's URL is parsed once, raw (blob-request.ts); a URL without a SAS only ever reaches the user
 * namespace of the store, so what backs resources (disks, images, replicas, build outputs) is out of
 * reach of every bearer token and of anonymous callers, whatever their roles or a container's ACL.
 *
 * What each caller may do (who may, blob-caller.ts):
 *  - a SAS granting `rw` (a disk upload): Put Page (update or clear) on the staging blob, Get / HEAD of it;
 *  - a SAS granting `r`: Get / HEAD of the sealed blob;
 *  - a user delegation SAS (user-delegation-key.ts hands out its keys): Get / HEAD of a user blob, as
 *    far as its signer's Storage Blob Data roles reach at request time; Kiln honours only its read
 *    permission (`r`), every other operation is 403 AuthorizationPermissionMismatch;
 *  - a bearer token for https://storage.azure.com: Put Blob (whole content, replacing, as Azure does),
 *    Get / HEAD and Delete of sealed blobs, which is how users bring a VHD or a script into a region,
 *    each as far as the principal's Storage Blob Data roles reach; and the container's ACL (container-acl.ts);
 *  - no credentials: Get / HEAD of blobs in a public container.
 * Failures are Azure Storage XML errors with Azure's codes, which the SDK and azcopy act on (storage-error.ts).
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BLOB_DATA_ACTIONS } from '../../domain/storage/blob-scope.ts';
import type { BlobInfo, BlobStore, ByteRange, RegionStores } from '../../ports/blob-store.ts';
import { identifyCaller, requirePermission, type CallerDeps } from './blob-caller.ts';
import { blobTarget, parseAccountRequest, parseBlobRequest } from './blob-request.ts';
import { containerRequest } from './container-acl.ts';
import { accountRequest } from './user-delegation-key.ts';
import {
  StorageError,
  blobNotFound,
  bodyTooLarge,
  header,
  invalidHeader,
  invalidPageRange,
  invalidQueryValue,
  missingHeader,
  permissionMismatch,
  resourceNotFound,
  sendStorageError,
} from './storage-error.ts';

export interface BlobRouteDeps extends CallerDeps {
  regions: RegionStores;
}

/** Answered as `x-ms-version` when the client names none. */
const SERVICE_VERSION = '2025-01-05';
const PAGE = 512;

type Operation = 'read' | 'putPage' | 'putBlob' | 'delete';

/** What a bearer token's principal must hold for each operation (page writes are refused after the check). */
const DATA_ACTION: Record<Operation, string> = {
  read: BLOB_DATA_ACTIONS.read,
  putPage: BLOB_DATA_ACTIONS.write,
  putBlob: BLOB_DATA_ACTIONS.write,
  delete: BLOB_DATA_ACTIONS.delete,
};

const MIB = 1024 * 1024;
/** Azure's Put Page limit. */
const PUT_PAGE_LIMIT = 4 * MIB;
/** Azure's Put Blob limit for a block blob. */
const PUT_BLOCK_BLOB_LIMIT = 5000 * MIB;
/** Kiln takes a page blob's content in Put Blob (a VHD): up to the largest disk (32,767 GiB) and its footer. */
const PUT_PAGE_BLOB_LIMIT = 32767 * 1024 * MIB + PAGE;

/** The largest body `operation` takes, in bytes; reads and deletes take none. */
function bodyLimit(request: FastifyRequest, operation: Operation): number {
  switch (operation) {
    case 'putPage':
      return PUT_PAGE_LIMIT;
    case 'putBlob':
      return header(request, 'x-ms-blob-type') === 'PageBlob' ? PUT_PAGE_BLOB_LIMIT : PUT_BLOCK_BLOB_LIMIT;
    default:
      return 0;
  }
}

/**
 * Refuses a body over the operation's limit before any of it is read. Node's parser ends a body at its
 * Content-Length, and the writes that take a body without one (chunked) are refused with 411 or 400.
 */
function refuseOversizedBody(request: FastifyRequest, operation: Operation): void {
  const limit = bodyLimit(request, operation);
  const declared = Number(header(request, 'content-length') ?? '0');
  const chunked = header(request, 'transfer-encoding') !== undefined;
  if (declared > limit || (limit === 0 && chunked)) throw bodyTooLarge(OPERATION_NAMES[operation], limit);
}

const OPERATION_NAMES: Record<Operation, string> = {
  read: 'GetBlob',
  putPage: 'PutPage',
  putBlob: 'PutBlob',
  delete: 'DeleteBlob',
};

function operationOf(method: string, comp: string | null): Operation {
  if (comp === 'page' && method === 'PUT') return 'putPage';
  if (comp !== null) throw invalidQueryValue('comp', comp);
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (method === 'PUT') return 'putBlob';
  return 'delete';
}

/** `bytes=<start>-<end>` where `end` may be left out. */
function parseByteRange(raw: string): { start: number; end?: number } | undefined {
  const match = /^bytes=(\d+)-(\d*)$/.exec(raw.trim());
  if (match === null) return undefined;
  const start = Number(match[1]);
  const end = match[2] === '' ? undefined : Number(match[2]);
  if (!Number.isSafeInteger(start) || (end !== undefined && (!Number.isSafeInteger(end) || end < start)))
    return undefined;
  return { start, end };
}

/**
 * The range a read asks for, clipped to the blob, or undefined for all of it. A malformed `x-ms-range`
 * is an error, a malformed `Range` is ignored (HTTP semantics), as Azure does.
 */
function readRange(request: FastifyRequest, size: number): ByteRange | undefined {
  const msRange = header(request, 'x-ms-range');
  const raw = msRange ?? header(request, 'range');
  if (raw === undefined) return undefined;
  const range = parseByteRange(raw);
  if (range === undefined) {
    if (msRange !== undefined) throw invalidHeader('x-ms-range', msRange);
    return undefined;
  }
  if (range.start >= size) {
    throw new StorageError(
      416,
      'InvalidRange',
      'The range specified is invalid for the current size of the resource.',
      {},
      {
        'Content-Range': `bytes */${size}`,
      },
    );
  }
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

function* zeroes(length: number): Generator<Buffer> {
  const chunk = Buffer.alloc(Math.min(length, 1024 * 1024));
  for (let left = length; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
}

/** Sealed content never changes under a key without its sha256 changing too. */
const sealedEtag = (info: BlobInfo) => `"${info.sha256}"`;

export function registerBlobRoutes(app: FastifyInstance, deps: BlobRouteDeps): void {
  /** `overrides` are the response headers a user delegation SAS sets (rsct, rscd, ...). */
  async function read(
    request: FastifyRequest,
    reply: FastifyReply,
    store: BlobStore,
    key: string,
    staging: boolean,
    overrides: Record<string, string> = {},
  ) {
    let size: number;
    let etag: string;
    if (staging) {
      const stagingSize = await store.stagingSize(key);
      if (stagingSize === undefined) throw blobNotFound();
      size = stagingSize;
      // Page writes change a staging blob without a version to name, so no two reads share an ETag.
      etag = `"${randomUUID()}"`;
    } else {
      const info = await store.stat(key);
      if (info === undefined) throw blobNotFound();
      size = info.size;
      etag = sealedEtag(info);
      if (info.lastModified !== undefined) reply.header('Last-Modified', info.lastModified.toUTCString());
      reply.header('x-ms-meta-sha256', info.sha256);
    }
    // The SDK resumes a broken download with If-Match, which must not splice two versions together.
    const ifMatch = header(request, 'if-match');
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== etag) {
      throw new StorageError(
        412,
        'ConditionNotMet',
        'The condition specified using HTTP conditional header(s) is not met.',
      );
    }
    reply.header('ETag', etag);
    reply
      .header('x-ms-blob-type', 'PageBlob')
      .header('Accept-Ranges', 'bytes')
      .header('Content-Type', 'application/octet-stream')
      .headers(overrides);
    // HEAD is Get Blob Properties, which has no range.
    if (request.method === 'HEAD') return reply.header('Content-Length', size).send();
    const range = readRange(request, size);
    if (range !== undefined) reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    reply.header('Content-Length', range === undefined ? size : range.end - range.start + 1);
    return reply.send(staging ? store.readStaging(key, range) : store.read(key, range));
  }

  async function putPage(request: FastifyRequest, reply: FastifyReply, store: BlobStore, key: string) {
    const size = await store.stagingSize(key);
    if (size === undefined) throw blobNotFound();
    const mode = header(request, 'x-ms-page-write');
    if (mode === undefined) throw missingHeader('x-ms-page-write');
    if (mode !== 'update' && mode !== 'clear') throw invalidHeader('x-ms-page-write', mode);
    const rangeHeader = header(request, 'x-ms-range') !== undefined ? 'x-ms-range' : 'Range';
    const raw = header(request, rangeHeader.toLowerCase());
    if (raw === undefined) throw missingHeader('x-ms-range');
    const range = parseByteRange(raw);
    if (range?.end === undefined || range.start % PAGE !== 0 || (range.end + 1) % PAGE !== 0)
      throw invalidHeader(rangeHeader, raw);
    if (range.end >= size) throw invalidPageRange();
    const length = range.end - range.start + 1;
    const contentLength = header(request, 'content-length') ?? '0';
    const expected = mode === 'update' ? length : 0;
    if (contentLength !== String(expected)) throw invalidHeader('Content-Length', contentLength);
    const content =
      mode === 'update' ? (request.body as Readable) : Readable.from(zeroes(length), { objectMode: false });
    await store.writeStaging(key, range.start, content);
    return reply.code(201).send();
  }

  async function putBlob(request: FastifyRequest, reply: FastifyReply, store: BlobStore, key: string) {
    const type = header(request, 'x-ms-blob-type');
    if (type === undefined) throw missingHeader('x-ms-blob-type');
    if (type !== 'BlockBlob' && type !== 'PageBlob') throw invalidHeader('x-ms-blob-type', type);
    const contentLength = header(request, 'content-length');
    if (contentLength === undefined) {
      throw new StorageError(411, 'MissingContentLengthHeader', 'Content-Length HTTP header is missing.');
    }
    if (type === 'PageBlob') {
      // Kiln takes a page blob's content in Put Blob: there is no empty page blob to write pages into.
      const declared = header(request, 'x-ms-blob-content-length');
      if (declared !== undefined && declared !== contentLength)
        throw invalidHeader('x-ms-blob-content-length', declared);
      if (Number(contentLength) % PAGE !== 0) throw invalidHeader('Content-Length', contentLength);
    }
    const content = contentLength === '0' ? Buffer.alloc(0) : (request.body as Readable);
    const info = await store.put(key, content, { overwrite: true });
    reply.header('ETag', sealedEtag(info));
    if (info.lastModified !== undefined) reply.header('Last-Modified', info.lastModified.toUTCString());
    return reply.code(201).send();
  }

  async function remove(reply: FastifyReply, store: BlobStore, key: string) {
    if ((await store.stat(key)) === undefined) throw blobNotFound();
    await store.delete(key);
    return reply.code(202).send();
  }

  app.register(async (scope) => {
    // Bodies are blob content of any type, streamed to the store as they arrive.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    scope.addHook('onRequest', async (request, reply) => {
      reply
        .header('x-ms-request-id', request.id)
        .header('x-ms-version', header(request, 'x-ms-version') ?? SERVICE_VERSION)
        .header('Date', deps.clock.now().toUTCString());
      const clientRequestId = header(request, 'x-ms-client-request-id');
      if (clientRequestId !== undefined) reply.header('x-ms-client-request-id', clientRequestId);
    });

    scope.setErrorHandler(sendStorageError(deps.clock));

    // The only POST Kiln serves is on an account: Get User Delegation Key.
    scope.post('/blob/*', async (request, reply) => {
      const account = parseAccountRequest(request.url);
      if (account === undefined)
        throw new StorageError(405, 'UnsupportedHttpVerb', "The resource doesn't support specified Http Verb.");
      return accountRequest(deps, request, reply, account.region, account.query);
    });

    scope.route({
      method: ['GET', 'HEAD', 'PUT', 'DELETE'],
      url: '/blob/*',
      handler: async (request, reply) => {
        const parsed = parseBlobRequest(request.url);
        const { query } = parsed;
        const store = deps.regions.get(parsed.path.region);
        if (store === undefined) throw resourceNotFound();
        if (query.get('restype') === 'container') {
          if (parsed.path.name !== undefined) throw invalidQueryValue('restype', 'container');
          return containerRequest(deps, request, reply, query, parsed.path.region, parsed.path.container);
        }
        const target = blobTarget(parsed);
        const caller = await identifyCaller(deps, request, query, target);
        const operation = operationOf(request.method, query.get('comp'));
        refuseOversizedBody(request, operation);
        if (caller.kind === 'sas') {
          if (operation === 'read') return read(request, reply, store, target.key, caller.staging);
          if (operation === 'putPage' && caller.staging) return putPage(request, reply, store, target.key);
          throw permissionMismatch();
        }
        if (caller.kind === 'delegation' && (operation !== 'read' || !caller.permissions.includes('r')))
          throw permissionMismatch();
        await requirePermission(
          deps,
          caller,
          { dataAction: DATA_ACTION[operation] },
          target.region,
          target.container,
          operation === 'read',
        );
        switch (operation) {
          case 'read':
            return read(
              request,
              reply,
              store,
              target.key,
              false,
              caller.kind === 'delegation' ? caller.responseHeaders : {},
            );
          case 'putBlob':
            return putBlob(request, reply, store, target.key);
          case 'delete':
            return remove(reply, store, target.key);
          case 'putPage':
            throw new StorageError(
              409,
              'BlobImmutableDueToPolicy',
              'This operation is not permitted as the blob is immutable due to a policy.',
            );
        }
      },
    });
  });
}
