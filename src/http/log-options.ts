/**
 * The server's log: pino's JSON lines (Fastify's logger), one as each request arrives and one as it
 * is answered, each carrying `requestId` (the `x-ms-request-id` the response has),
 * `correlationId` (the `x-ms-correlation-request-id` it has) and the client's own
 * `x-ms-client-request-id` as `clientRequestId` when it sent one, so a client's report finds its lines.
 *
 * Invariant: no secret reaches a line. Headers and bodies are not logged (Authorization is redacted
 * too, should anything log headers; a token request's client_secret is in a body), and every line
 * is scrubbed as written: a SAS signature (`sig=`, in a blob URL's query or an error quoting one)
 * and anything shaped like a JWT (a bearer token an error quotes) become `REDACTED`.
 */
import { LogController, type FastifyServerOptions } from 'fastify';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** Where log lines go instead of standard output (tests read them). */
export interface LogDestination {
  write(line: string): void;
}

const SAS_SIGNATURE = /\bsig=[^&"'\s\\#]+/gi;
const JWT = /\beyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/g;

export function scrubSecrets(line: string): string {
  return line.replace(SAS_SIGNATURE, 'sig=REDACTED').replace(JWT, 'REDACTED');
}

/** The correlation id a response carries: the client's, else the request's own id (as ARM does). */
export function correlationIdOf(headers: IncomingHttpHeaders, requestId: string): string {
  const given = headers['x-ms-correlation-request-id'];
  return typeof given === 'string' ? given : requestId;
}

/** Fastify's logging options: none when `logger` is false or absent. */
export function logOptions(
  logger: boolean | LogDestination | undefined,
): Pick<FastifyServerOptions, 'logger' | 'logController' | 'childLoggerFactory'> {
  if (!logger) return { logger: false };
  return {
    logger: {
      redact: ['req.headers.authorization', 'req.body.client_secret'],
      hooks: { streamWrite: scrubSecrets },
      ...(logger === true ? {} : { stream: logger }),
    },
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    childLoggerFactory: (log, bindings, options, raw) => {
      const { headers } = raw as IncomingMessage;
      const client = headers['x-ms-client-request-id'];
      const ids = {
        correlationId: correlationIdOf(headers, String(bindings.requestId)),
        ...(typeof client === 'string' ? { clientRequestId: client } : {}),
      };
      return log.child({ ...bindings, ...ids }, options);
    },
  };
}
