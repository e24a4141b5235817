/**
 * The portal's routes serve only the files built into web/dist, from memory: an asset by its path,
 * index.html for any other portal path (the app's own routes) and never a file a request names;
 * every answer carries the same-origin CSP; a browser opening the server's root lands in the portal.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { loadPortalFiles } from '../../src/app/portal-files.ts';
import { registerPortalRoutes } from '../../src/http/routes/portal-routes.ts';

let dist: string;
let app: FastifyInstance;

before(async () => {
  dist = await mkdtemp(join(tmpdir(), 'kiln-portal-'));
  await mkdir(join(dist, 'assets'));
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>portal</title>');
  await writeFile(join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
  await writeFile(join(dist, 'favicon.svg'), '<svg/>');
  app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  registerPortalRoutes(app, await loadPortalFiles(dist));
});
after(async () => {
  await app.close();
  await rm(dist, { recursive: true });
});

test('assets are served by path with their type, hashed ones cached for good, with the CSP', async () => {
  const script = await app.inject('/portal/assets/index-abc.js');
  assert.equal(script.statusCode, 200);
  assert.equal(script.body, 'console.log(1)');
  assert.match(script.headers['content-type'] as string, /^text\/javascript/);
  assert.match(script.headers['cache-control'] as string, /immutable/);
  assert.match(script.headers['content-security-policy'] as string, /script-src 'self'/);
  assert.match(script.headers['content-security-policy'] as string, /frame-ancestors 'none'/);
  assert.equal(script.headers['x-content-type-options'], 'nosniff');
  const icon = await app.inject('/portal/favicon.svg');
  assert.equal(icon.headers['content-type'], 'image/svg+xml');
  assert.equal(icon.headers['cache-control'], 'no-cache');
});

test("the portal's own paths and unknown files get index.html, never a file outside the build", async () => {
  for (const path of [
    '/portal',
    '/portal/',
    '/portal/resources?type=x',
    '/portal/resource/subscriptions/s/resourceGroups/g',
    '/portal/assets/missing.js',
  ]) {
    const page = await app.inject(path);
    assert.equal(page.statusCode, 200, path);
    assert.equal(page.body, '<!doctype html><title>portal</title>', path);
    assert.equal(page.headers['cache-control'], 'no-cache', path);
    assert.match(page.headers['content-security-policy'] as string, /default-src 'none'/, path);
  }
  for (const path of ['/portal/../package.json', '/portal/%2e%2e/%2e%2e/etc/passwd']) {
    const climbing = await app.inject(path);
    assert.doesNotMatch(climbing.body, /"name": "kiln"|root:/, path);
  }
});

test('a browser at the root is sent to the portal; an API client is not', async () => {
  const browser = await app.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml' } });
  assert.equal(browser.statusCode, 302);
  assert.equal(browser.headers.location, '/portal/');
  const client = await app.inject({ url: '/', headers: { accept: 'application/json' } });
  assert.equal(client.statusCode, 404);
});

test('without a build, the portal says how to build it', async () => {
  assert.equal(await loadPortalFiles(join(dist, 'absent')), undefined);
  const bare = Fastify();
  registerPortalRoutes(bare, undefined);
  const page = await bare.inject('/portal/');
  assert.equal(page.statusCode, 503);
  assert.match(page.body, /npm run build:web/);
  await bare.close();
});
