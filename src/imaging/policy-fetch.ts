/**
 * The `fetch` builds download with: GET over the network under the operator's download policy
 * (download-policy.ts), following redirects itself so that every hop is decided anew.
 *
 * Invariants: a host name is resolved once per hop and the connection goes to the address the policy
 * allowed (the URL's host still sent as `Host` and TLS server name, and the certificate checked
 * against it), so no second DNS answer can slip in between check and connect; at most
 * `MAX_REDIRECTS` redirects; headers the caller gave (a token) go to the first hop only; a download
 * stops at the policy's size and time limits, with an error naming the setting. URLs `inProcess`
 * claims (Kiln's own blob URLs, served by this process) skip the network and so the policy.
 */
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import type { FetchLike } from './customizers/download-into-image.ts';
import { allowedAddress, type DownloadPolicy, type ResolvedAddress } from './download-policy.ts';

export const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MiB = 1024 * 1024;

/** A download the policy refused or stopped: the message says why and what setting changes it. */
export class DownloadRefused extends Error {
  override name = 'DownloadRefused';
}

export function policyFetch(
  policy: DownloadPolicy,
  options: { inProcess?: (url: URL) => FetchLike | undefined } = {},
): FetchLike {
  return async (href, init) => {
    const timeout = new AbortController();
    const timer = setTimeout(
      () =>
        timeout.abort(
          new DownloadRefused(`it took longer than ${policy.timeoutMs / 1000} s (build.downloads.timeoutSeconds)`),
        ),
      policy.timeoutMs,
    );
    // The download's own socket keeps the process alive while it lasts; the timer alone should not.
    timer.unref();
    const signal = AbortSignal.any([init.signal, timeout.signal]);
    const done = () => clearTimeout(timer);
    try {
      let url = new URL(href);
      let headers = init.headers;
      for (let redirects = 0; ; redirects++) {
        const via = redirects === 0 ? '' : `redirect ${redirects} went to ${shown(url)}: `;
        const inProcess = options.inProcess?.(url);
        const response = inProcess
          ? await inProcess(url.href, { signal, headers })
          : await overNetwork(policy, url, headers, signal, via);
        const location = REDIRECTS.has(response.status) ? response.headers.get('location') : null;
        if (location === null) return bounded(response, policy, signal, done);
        await response.body?.cancel();
        if (redirects === MAX_REDIRECTS) throw new DownloadRefused(`it redirected more than ${MAX_REDIRECTS} times`);
        url = new URL(location, url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:')
          throw new DownloadRefused(`it redirected to a ${url.protocol} URL; only http and https are downloaded`);
        headers = undefined;
      }
    } catch (error) {
      done();
      throw timeout.signal.aborted ? timeout.signal.reason : error;
    }
  };
}

/** One GET to the address the policy allows for `url`, without following a redirect. */
async function overNetwork(
  policy: DownloadPolicy,
  url: URL,
  headers: Record<string, string> | undefined,
  signal: AbortSignal,
  via: string,
): Promise<Response> {
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses: ResolvedAddress[] = isIP(hostname)
    ? [{ address: hostname, family: isIP(hostname) }]
    : await lookup(hostname, { all: true });
  const decision = allowedAddress(policy, url, addresses);
  if ('refused' in decision) throw new DownloadRefused(`${via}${decision.refused}`);
  const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)({
    host: decision.address.address,
    family: decision.address.family,
    port: url.port || undefined,
    path: `${url.pathname}${url.search}`,
    headers: { ...headers, host: url.host },
    // TLS: the server name and the certificate check are the URL's host, not the address.
    servername: isIP(hostname) ? undefined : hostname,
    agent: false,
    signal,
  });
  const answer = await new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
    request.end();
  });
  const headersOut = new Headers();
  for (const [name, value] of Object.entries(answer.headers))
    for (const one of [value ?? []].flat()) headersOut.append(name, one);
  const empty = answer.statusCode === 204 || answer.statusCode === 304;
  if (empty) answer.destroy();
  // Canceling the web stream destroys the connection.
  const body = empty ? null : (Readable.toWeb(answer) as ReadableStream<Uint8Array>);
  return new Response(body, { status: answer.statusCode, statusText: answer.statusMessage, headers: headersOut });
}

/**
 * The final answer, its body stopped past `maxBytes` or when the download's time is up (with the
 * error saying which setting); whichever way the body ends, the timer stops.
 */
function bounded(response: Response, policy: DownloadPolicy, signal: AbortSignal, done: () => void): Response {
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > policy.maxBytes) {
    response.body?.cancel().catch(() => undefined);
    throw tooLarge(policy, `it is ${length} bytes`);
  }
  const source = response.body;
  if (source === null) {
    done();
    return response;
  }
  const reader = source.getReader();
  let bytes = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await reader.read();
          if (next.done) {
            done();
            return controller.close();
          }
          bytes += next.value.byteLength;
          if (bytes > policy.maxBytes) throw tooLarge(policy, `it is more than ${policy.maxBytes} bytes`);
          controller.enqueue(next.value);
        } catch (error) {
          done();
          // Closes the connection; a source that already failed has nothing more to say.
          reader.cancel().catch(() => undefined);
          controller.error(signal.aborted && signal.reason instanceof DownloadRefused ? signal.reason : error);
        }
      },
      cancel: (reason) => {
        done();
        return reader.cancel(reason);
      },
    },
    // Nothing is read before the consumer asks.
    { highWaterMark: 0 },
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

const tooLarge = (policy: DownloadPolicy, what: string) =>
  new DownloadRefused(`${what}, more than the ${policy.maxBytes / MiB} MiB downloads may be (build.downloads.maxMiB)`);

/** A hop's URL for messages: never its query (a SAS) or user info. */
const shown = (url: URL) => `${url.origin}${url.pathname}`;
