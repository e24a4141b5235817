/**
 * Reads the built portal (web/dist, made by `npm run build:web`) into memory once, at start: the
 * portal's routes then serve a fixed set of files, never a path a request names.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import type { PortalFile, PortalFiles } from '../http/routes/portal-routes.ts';

export const PORTAL_DIST = resolve(import.meta.dirname, '../../web/dist');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** The portal's files by path under /portal/, or undefined when it is not built. */
export async function loadPortalFiles(dist = PORTAL_DIST): Promise<PortalFiles> {
  const names = await readdir(dist, { recursive: true, withFileTypes: true }).catch(() => undefined);
  if (!names) return undefined;
  const files = new Map<string, PortalFile>();
  for (const entry of names) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dist, path).split(sep).join('/'), {
      body: await readFile(path),
      contentType: CONTENT_TYPES[extname(entry.name)] ?? 'application/octet-stream',
    });
  }
  return files.has('index.html') ? files : undefined;
}
