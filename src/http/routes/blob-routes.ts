/**
 * The part of the Azure Blob data plane that disk upload and download tools use (@azure/storage-blob's
 * PageBlobClient / BlobClient, azcopy), over each region's BlobStore at
 * `/blob/<region>/<container>/<path>` (see core/blob-url.ts).
 *
 * Who may do what:
 *  - a SAS granting `rw` (a disk upload): Put Page (update or clear) on the staging blob, Get / HEAD of it;
 *  - a SAS granting `r`: Get / HEAD of the sealed blob;
 *  - a bearer token for https://storage.azure.com: Put Blob (whole content, replacing, as Azure does),
 *    Get / HEAD and Delete of sealed blobs, which is how users bring a VHD into a region.
 * Failures are Azure Storage XML errors with Azure's codes, which the SDK and azcopy act on.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifyBlobAccess } from '../../core/blob-sas.ts';
import { parseBlobUrl } from '../../core/blob-url.ts';
import type { Clock } from '../../core/clock.ts';
import type { TokenVerifier } from '../../domain/identity/token-authority.ts';
import type { BlobInfo, BlobStore, ByteRange, RegionStores } from '../../ports/blob-store.ts';

export interface BlobRouteDeps {
  regions: RegionStores;
  sasSecret: Buffer;
  /** Whether the stored grant a SAS names (its `si`) still stands; revoked grants end their SAS early. */
  grants: { isActive(region: string, key: string, identifier: string): Promise<boolean> };
  tokens: TokenVerifier;
  clock: Clock;
}

/** Answered as `x-ms-version` when the client names none. */
const SERVICE_VERSION = '2025-01-05';
const STORAGE_AUDIENCES = new Set(['https://storage.azure.com', 'https://storage.azure.com/']);
const PAGE = 512;
const WWW_AUTHENTICATE = 'Bearer resource_id=https://storage.azure.com';

class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra elements of the XML error, e.g. HeaderName. */
    readonly details: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const authenticationFailed = (detail: string) =>
  new StorageError(
    403,
    'AuthenticationFailed',
    'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
    { AuthenticationErrorDetail: detail },
  );
const permissionMismatch = () =>
  new StorageError(403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.');
const bearerRefused = (code: string, detail?: string) =>
  new StorageError(
    401,
    code,
    'Server failed to authenticate the request. Please refer to the information in the www-authenticate header.',
    detail === undefined ? {} : { AuthenticationErrorDetail: detail },
    { 'WWW-Authenticate': WWW_AUTHENTICATE },
  );
const blobNotFound = () => new StorageError(404, 'BlobNotFound', 'The specified blob does not exist.');
const invalidHeader = (name: string, value: string) =>
  new StorageError(400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format.', {
    HeaderName: name,
    HeaderValue: value,
  });
const missingHeader = (name: string) =>
  new StorageError(400, 'MissingRequiredHeader', "An HTTP header that's mandatory for this request is not specified.", {
    HeaderName: name,
  });
const invalidPageRange = () => new StorageError(416, 'InvalidPageRange', 'The page range specified is invalid.');

/** Store failures a request can cause, by the code the store gives them. */
const STORE_ERRORS: Record<string, () => StorageError> = {
  BlobNotFound: blobNotFound,
  // The staging blob is being turned into a sealed one: as far as page writes go, it is gone.
  BlobBeingSealed: blobNotFound,
  InvalidPageRange: invalidPageRange,
};

const xmlEscape = (text: string) =>
  text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function asStorageError(error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const storeCode = (error as { code?: unknown }).code;
  if (typeof storeCode === 'string' && storeCode in STORE_ERRORS) return STORE_ERRORS[storeCode]();
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new StorageError(400, 'InvalidInput', 'One of the request inputs is not valid.');
  }
  return new StorageError(500, 'InternalError', 'Server encountered an internal error. Please try again after some time.');
}

type Access = { kind: 'sas'; staging: boolean } | { kind: 'bearer' };
type Operation = 'read' | 'putPage' | 'putBlob' | 'delete';

function operationOf(method: string, comp: string | null): Operation {
  if (comp === 'page' && method === 'PUT') return 'putPage';
  if (comp !== null) {
    throw new StorageError(400, 'InvalidQueryParameterValue', 'Value for one of the query parameters specified in the request URI is invalid.', {
      QueryParameterName: 'comp',
      QueryParameterValue: comp,
    });
  }
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
  if (!Number.isSafeInteger(start) || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) return undefined;
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
    throw new StorageError(416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.', {}, {
      'Content-Range': `bytes */${size}`,
    });
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
  async function authorize(request: FastifyRequest, query: URLSearchParams, region: string, key: string): Promise<Access> {
    if (query.has('sig')) {
      const check = verifyBlobAccess(deps.sasSecret, region, key, query, deps.clock.now());
      if (!check.ok) throw authenticationFailed(check.reason);
      if (!(await deps.grants.isActive(region, key, check.identifier))) throw authenticationFailed('The access this signature was issued for has ended (endGetAccess) or was replaced.');
      return { kind: 'sas', staging: check.staging };
    }
    const authorization = header(request, 'authorization');
    if (authorization === undefined) throw bearerRefused('NoAuthenticationInformation');
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (bearer === null) throw bearerRefused('InvalidAuthenticationInfo', 'Only Bearer authorization is supported.');
    const check = await deps.tokens.verify(bearer[1]);
    if (!check.ok) throw bearerRefused('InvalidAuthenticationInfo', check.reason);
    if (!STORAGE_AUDIENCES.has(check.claims.aud)) {
      throw bearerRefused('InvalidAuthenticationInfo', `Audience validation failed: ${check.claims.aud} is not https://storage.azure.com.`);
    }
    return { kind: 'bearer' };
  }

  async function read(request: FastifyRequest, reply: FastifyReply, store: BlobStore, key: string, staging: boolean) {
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
      throw new StorageError(412, 'ConditionNotMet', 'The condition specified using HTTP conditional header(s) is not met.');
    }
    reply.header('ETag', etag);
    reply.header('x-ms-blob-type', 'PageBlob').header('Accept-Ranges', 'bytes').header('Content-Type', 'application/octet-stream');
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
    if (range?.end === undefined || range.start % PAGE !== 0 || (range.end + 1) % PAGE !== 0) throw invalidHeader(rangeHeader, raw);
    if (range.end >= size) throw invalidPageRange();
    const length = range.end - range.start + 1;
    const contentLength = header(request, 'content-length') ?? '0';
    const expected = mode === 'update' ? length : 0;
    if (contentLength !== String(expected)) throw invalidHeader('Content-Length', contentLength);
    const content = mode === 'update' ? (request.body as Readable) : Readable.from(zeroes(length), { objectMode: false });
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
      if (declared !== undefined && declared !== contentLength) throw invalidHeader('x-ms-blob-content-length', declared);
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

    scope.setErrorHandler(async (error, request, reply) => {
      const storageError = asStorageError(error);
      if (storageError.status >= 500) request.log.error({ err: error }, 'blob request failed');
      reply.code(storageError.status).header('x-ms-error-code', storageError.code).headers(storageError.headers);
      if (request.method === 'HEAD') return reply.send();
      const message = `${storageError.message}\nRequestId:${reply.getHeader('x-ms-request-id')}\nTime:${deps.clock.now().toISOString()}`;
      const details = Object.entries(storageError.details)
        .map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`)
        .join('');
      return reply
        .type('application/xml')
        .send(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${storageError.code}</Code><Message>${xmlEscape(message)}</Message>${details}</Error>`);
    });

    scope.route({
      method: ['GET', 'HEAD', 'PUT', 'DELETE'],
      url: '/blob/:region/*',
      handler: async (request, reply) => {
        const url = new URL(request.url, 'http://kiln.invalid');
        const target = parseBlobUrl(url);
        if (target === undefined) {
          throw new StorageError(400, 'InvalidUri', 'The requested URI does not represent any resource on the server.');
        }
        const store = deps.regions.get(target.region);
        if (store === undefined) throw new StorageError(404, 'ResourceNotFound', 'The specified resource does not exist.');
        const access = await authorize(request, url.searchParams, target.region, target.key);
        const operation = operationOf(request.method, url.searchParams.get('comp'));
        if (access.kind === 'sas') {
          if (operation === 'read') return read(request, reply, store, target.key, access.staging);
          if (operation === 'putPage' && access.staging) return putPage(request, reply, store, target.key);
          throw permissionMismatch();
        }
        switch (operation) {
          case 'read':
            return read(request, reply, store, target.key, false);
          case 'putBlob':
            return putBlob(request, reply, store, target.key);
          case 'delete':
            return remove(reply, store, target.key);
          case 'putPage':
            throw new StorageError(409, 'BlobImmutableDueToPolicy', 'This operation is not permitted as the blob is immutable due to a policy.');
        }
      },
    });
  });
}
