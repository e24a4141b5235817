/**
 * Azure Storage's failures: an XML `<Error>` with Azure's code (which the SDK and azcopy act on), the
 * code again in `x-ms-error-code`, and the request id and time in the message, as Azure writes them.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.ts';

const WWW_AUTHENTICATE = 'Bearer resource_id=https://storage.azure.com';

export class StorageError extends Error {
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

export const authenticationFailed = (detail: string) =>
  new StorageError(
    403,
    'AuthenticationFailed',
    'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
    { AuthenticationErrorDetail: detail },
  );
export const permissionMismatch = () =>
  new StorageError(
    403,
    'AuthorizationPermissionMismatch',
    'This request is not authorized to perform this operation using this permission.',
  );
export const bearerRefused = (code: string, detail?: string) =>
  new StorageError(
    401,
    code,
    'Server failed to authenticate the request. Please refer to the information in the www-authenticate header.',
    detail === undefined ? {} : { AuthenticationErrorDetail: detail },
    { 'WWW-Authenticate': WWW_AUTHENTICATE },
  );
export const resourceNotFound = () =>
  new StorageError(404, 'ResourceNotFound', 'The specified resource does not exist.');
export const blobNotFound = () => new StorageError(404, 'BlobNotFound', 'The specified blob does not exist.');
export const invalidHeader = (name: string, value: string) =>
  new StorageError(400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format.', {
    HeaderName: name,
    HeaderValue: value,
  });
export const missingHeader = (name: string) =>
  new StorageError(400, 'MissingRequiredHeader', "An HTTP header that's mandatory for this request is not specified.", {
    HeaderName: name,
  });
export const invalidQueryValue = (name: string, value: string) =>
  new StorageError(
    400,
    'InvalidQueryParameterValue',
    'Value for one of the query parameters specified in the request URI is invalid.',
    {
      QueryParameterName: name,
      QueryParameterValue: value,
    },
  );
export const invalidPageRange = () => new StorageError(416, 'InvalidPageRange', 'The page range specified is invalid.');
/** A request URI Kiln refuses to guess the meaning of; `reason` says what is wrong with it. */
export const invalidUri = (reason: string) =>
  new StorageError(400, 'InvalidUri', 'The requested URI does not represent any resource on the server.', {
    UriProblem: reason,
  });
export const invalidResourceName = () =>
  new StorageError(400, 'InvalidResourceName', 'The specifed resource name contains invalid characters.');
/** A body larger than the operation takes; `limit` is that operation's limit in bytes. */
export const bodyTooLarge = (operation: string, limit: number) =>
  new StorageError(
    413,
    'RequestBodyTooLarge',
    'The request body is too large and exceeds the maximum permissible limit.',
    {
      MaxLimit: String(limit),
      Operation: operation,
    },
  );

/** Store failures a request can cause, by the code the store gives them. */
const STORE_ERRORS: Record<string, () => StorageError> = {
  BlobNotFound: blobNotFound,
  // The staging blob is being turned into a sealed one: as far as page writes go, it is gone.
  BlobBeingSealed: blobNotFound,
  InvalidPageRange: invalidPageRange,
};

export const xmlEscape = (text: string) =>
  text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

export function header(request: FastifyRequest, name: string): string | undefined {
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
  return new StorageError(
    500,
    'InternalError',
    'Server encountered an internal error. Please try again after some time.',
  );
}

/** The data plane's error handler. */
export function sendStorageError(clock: Clock) {
  return async (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const storageError = asStorageError(error);
    if (storageError.status >= 500) request.log.error({ err: error }, 'blob request failed');
    reply.code(storageError.status).header('x-ms-error-code', storageError.code).headers(storageError.headers);
    if (request.method === 'HEAD') return reply.send();
    const message = `${storageError.message}\nRequestId:${reply.getHeader('x-ms-request-id')}\nTime:${clock.now().toISOString()}`;
    const details = Object.entries(storageError.details)
      .map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`)
      .join('');
    return reply
      .type('application/xml')
      .send(
        `<?xml version="1.0" encoding="utf-8"?><Error><Code>${storageError.code}</Code><Message>${xmlEscape(message)}</Message>${details}</Error>`,
      );
  };
}
