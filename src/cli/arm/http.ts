/**
 * HTTPS (or plain HTTP) requests to a Kiln server. Trust: the system roots and NODE_EXTRA_CA_CERTS,
 * as Node has them, plus the CA saved at login (`kiln login --ca-cert`).
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { rootCertificates } from 'node:tls';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface HttpRequest {
  method: string;
  headers?: Record<string, string>;
  /** A stream is sent as it is read (a disk file uploaded); its `content-length` header is the caller's. */
  body?: string | Readable;
}

const TIMEOUT_MS = 120_000;
const TLS_TRUST_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

export class HttpClient {
  private readonly https: HttpsAgent;
  private readonly http = new HttpAgent({ keepAlive: true });

  /** `caCert`: PEM of a CA to trust besides Node's defaults. */
  constructor(caCert?: string) {
    this.https = new HttpsAgent({
      keepAlive: true,
      ca: caCert ? [...rootCertificates, ...extraCaCerts(), caCert] : undefined,
    });
  }

  send(url: string, init: HttpRequest): Promise<HttpResponse> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : init.body;
    const headers = { ...init.headers, ...(Buffer.isBuffer(body) ? { 'content-length': String(body.length) } : {}) };
    return new Promise((resolve, reject) => {
      const request = (secure ? httpsRequest : httpRequest)(
        target,
        { method: init.method, headers, agent: secure ? this.https : this.http },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      request.setTimeout(TIMEOUT_MS, () => request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
      request.on('error', (error: Error & { code?: string }) => reject(connectionError(target, error)));
      if (body instanceof Readable) pipeline(body, request).catch((error: Error) => request.destroy(error));
      else request.end(body);
    });
  }

  close(): void {
    this.https.destroy();
    this.http.destroy();
  }
}

export const statusText = (status: number) => STATUS_CODES[status] ?? `HTTP ${status}`;

/** NODE_EXTRA_CA_CERTS, which Node adds to its defaults but not to an explicit `ca` list. */
function extraCaCerts(): string[] {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return [readFileSync(file, 'utf8')];
  } catch {
    return [];
  }
}

function connectionError(target: URL, error: Error & { code?: string }): Error {
  const hint = TLS_TRUST_ERRORS.test(error.code ?? '')
    ? " The server's certificate is not trusted: pass its CA with 'kiln login --ca-cert FILE' (DATA/tls/ca.pem of 'kiln serve'), or set NODE_EXTRA_CA_CERTS."
    : '';
  return new Error(
    `Could not reach ${target.origin}: ${error.message}${error.code && !error.message.includes(error.code) ? ` (${error.code})` : ''}.${hint}`,
  );
}
