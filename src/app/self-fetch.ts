/**
 * Kiln's own URLs fetched in-process, through the HTTP app with every check it makes (a build acting
 * as its template's identity is authorized by the blob route like any caller), but without the
 * network: no TLS trust of Kiln's CA to set up, and the same answer whatever name the server listens on.
 * The body streams, as it would from the network: a large blob is never held in memory whole, and a
 * caller may cancel it unread (an error answer), which ends the injected response's stream.
 */
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
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
    return new Response(webStream(response.stream()), {
      status: response.statusCode,
      statusText: response.statusMessage,
      headers,
    });
  };
}

/**
 * A web stream pulled from `stream`. Not `Readable.toWeb`: on Node 20 a cancel there lets the stream's
 * end close the canceled controller from an event handler, an uncaught exception.
 */
function webStream(stream: Readable): ReadableStream<Uint8Array> {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value));
      },
      // Ending the iteration destroys the stream.
      cancel: async () => void (await chunks.return?.()),
    },
    { highWaterMark: 0 },
  );
}
