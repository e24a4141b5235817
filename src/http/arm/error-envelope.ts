import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ArmError } from '../../core/arm-error.ts';
import { JSON_BODY_LIMITS, bodyTooLargeMessage } from '../json-body.ts';

/**
 * Last step: every failure leaves as the ARM/CloudError envelope. User mistakes Fastify itself
 * detects (unparseable JSON, wrong media type, oversized body) become 4xx with ARM's codes; only
 * genuine faults become 500.
 */
export function renderError(error: FastifyError | ArmError | Error, request: FastifyRequest, reply: FastifyReply) {
  const arm = toArmError(error);
  if (arm.status >= 500) request.log.error({ err: error }, 'request failed');
  return reply.status(arm.status).headers(arm.headers).send(arm.toBody());
}

function toArmError(error: FastifyError | ArmError | Error): ArmError {
  if (error instanceof ArmError) return error;
  const fastify = error as FastifyError;
  switch (fastify.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ArmError(
        415,
        'UnsupportedMediaType',
        `The content media type '${mediaType(fastify)}' is not supported. Only 'application/json' is supported.`,
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ArmError(
        400,
        'InvalidRequestContent',
        'The request content was invalid and could not be deserialized: the body is empty or truncated.',
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ArmError(400, 'InvalidRequestContent', bodyTooLargeMessage(JSON_BODY_LIMITS.bytes));
  }
  if (error instanceof SyntaxError || fastify.statusCode === 400) {
    return new ArmError(
      400,
      'InvalidRequestContent',
      `The request content was invalid and could not be deserialized: '${error.message}'.`,
    );
  }
  if (fastify.statusCode && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return new ArmError(fastify.statusCode, 'BadRequest', error.message);
  }
  return new ArmError(
    500,
    'InternalServerError',
    'The server encountered an internal error. Please retry the request.',
  );
}

function mediaType(error: FastifyError): string {
  return /: (.*)$/.exec(error.message)?.[1] ?? 'unknown';
}
