/**
 * Kiln's own URLs fetched in-process, through the HTTP app with every check it makes (a build acting
 * as its template's identity is authorized by the blob route like any caller), but without the
 * network: no TLS trust of Kiln's CA to set up, and the same answer whatever name the server listens on.
 * The body streams, as it would from the network: a large blob is never held in memory whole.
 */
import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import type { FetchLike } from '../imaging/customizers/download-into-image.ts';

export function selfFetch(app: FastifyInstance): FetchLike {
  return async (href, init) => {
    const url = new URL(href);
    const response = await app.inject({
      method: 'GET',
      url: `${url.pathname}${url.search}`,
      headers: init.headers,
      signal: init.signal,
      payloadAsStream: true,
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      for (const one of [value ?? []].flat()) headers.append(name, String(one));
    }
    return new Response(Readable.toWeb(response.stream()) as ReadableStream<Uint8Array>, {
      status: response.statusCode,
      statusText: response.statusMessage,
      headers,
    });
  };
}
