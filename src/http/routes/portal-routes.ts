/**
 * The web portal (web/), served on the API's origin so its calls to the ARM API need no CORS and
 * carry the signed-in principal's own token: the portal is a client like the Azure CLI, with no
 * rights of its own. Only the files built into web/dist at start are served, from memory; any other
 * path under /portal/ is the app's own route and gets index.html. No file name from a request ever
 * reaches the file system.
 *
 * Every answer carries a Content-Security-Policy that allows scripts, styles and connections to this
 * origin only, so a value shown on a page (a resource's tags, a build log line) cannot run as code
 * even if a rendering bug let it through, and the portal cannot be framed.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';

export interface PortalFile {
  body: Buffer;
  contentType: string;
}

/** The built portal: path under /portal/ (e.g. `assets/index-3f2a.js`) to file; undefined when not built. */
export type PortalFiles = ReadonlyMap<string, PortalFile> | undefined;

export const PORTAL_BASE = '/portal/';

const SECURITY_HEADERS = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const NOT_BUILT = `<!doctype html><html lang="en"><title>Kiln portal</title><body><main>
<h1>The Kiln portal is not built</h1><p>Run <code>npm run build:web</code> (npm ci does it) and restart <code>kiln serve</code>.</p>
</main></body></html>`;

export function registerPortalRoutes(app: FastifyInstance, files: PortalFiles): void {
  const send = (reply: FastifyReply, file: PortalFile, immutable: boolean) =>
    reply
      .headers(SECURITY_HEADERS)
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .type(file.contentType)
      .send(file.body);

  const page = (reply: FastifyReply) => {
    const index = files?.get('index.html');
    if (index) return send(reply, index, false);
    return reply.status(503).headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(NOT_BUILT);
  };

  // The router ignores trailing slashes: `/portal` is also `/portal/`, the portal's home.
  app.get('/portal', (_request, reply) => page(reply));
  app.get(`${PORTAL_BASE}*`, (request, reply) => {
    const path = request.url.slice(PORTAL_BASE.length).split(/[?#]/)[0];
    const file = files?.get(path);
    // Vite names every asset by its content's hash: those never change, the page itself always may.
    if (file && path !== 'index.html') return send(reply, file, path.startsWith('assets/'));
    return page(reply);
  });
  // A browser pointed at the server's address lands in the portal; API clients never GET /.
  app.get('/', (request, reply) => {
    if (!request.headers.accept?.includes('text/html')) return reply.callNotFound();
    return reply.redirect(PORTAL_BASE, 302);
  });
}
