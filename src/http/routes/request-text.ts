/** The small XML bodies of the blob service's own requests (Set Container ACL, Get User Delegation Key), read whole up to a limit. */
import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { bodyTooLarge } from './storage-error.ts';

/** The body as text; past `limit` characters the request is refused as `operation`'s 413, before more is read. */
export async function requestText(request: FastifyRequest, limit: number, operation: string): Promise<string> {
  if (!(request.body instanceof Readable)) return '';
  let text = '';
  for await (const chunk of request.body) {
    text += String(chunk);
    if (text.length > limit) throw bodyTooLarge(operation, limit);
  }
  return text;
}
