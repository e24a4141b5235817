/**
 * The reference server of api.bench.ts, in a process of its own: node:https with nothing else,
 * answering each path it was given with the JSON body it was given, 404 to anything else.
 *
 *   node --import tsx bench/support/bare-https-main.ts <cert.pem> <key.pem> <routes.json>
 *
 * routes.json maps a path with its query (as a request line has it) to the body's text. The server
 * listens on a port of 127.0.0.1 the OS picks and prints `listening on <port>` once it does.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

const [certPath, keyPath, routesPath] = process.argv.slice(2);
const routes = new Map(Object.entries(JSON.parse(readFileSync(routesPath, 'utf8')) as Record<string, string>));
const server = createServer({ cert: readFileSync(certPath), key: readFileSync(keyPath) }, (request, response) => {
  const body = routes.get(request.url ?? '');
  if (body === undefined) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body);
});
server.listen(0, '127.0.0.1', () => console.log(`listening on ${(server.address() as AddressInfo).port}`));
process.once('SIGTERM', () => process.exit(0));
