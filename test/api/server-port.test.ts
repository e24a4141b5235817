// A server asked for port 0 picks its port before its URL exists (tokens name it) and listens seconds
// later. On a busy machine other processes take free ports meanwhile: the picked port must stay
// held until the server listens on it. While it was let go at once, this test failed with
// EADDRINUSE on every run (3 of 3).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { startTestServer } from '../support/test-server.ts';

const STARTS = 4;
/** Ports the other listeners hold at once; past that they let the oldest go, so they keep taking new ones. */
const HELD_AT_MOST = 2000;

describe('a server on port 0', () => {
  it('starts while other listeners keep taking the free ports the OS hands out', async () => {
    for (let start = 0; start < STARTS; start++) {
      const held: Server[] = [];
      let taken = 0;
      let taking = true;
      const taker = (async () => {
        while (taking) {
          const other = createServer();
          await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
          held.push(other);
          if (held.length > HELD_AT_MOST) held.shift()!.close();
          // Now and then a turn of the event loop, so the server's start goes on meanwhile.
          if (++taken % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      try {
        const kiln = await startTestServer();
        await kiln.stop();
      } finally {
        taking = false;
        await taker;
        await Promise.all(held.map((other) => new Promise((resolve) => other.close(resolve))));
      }
      assert.ok(taken > 0, 'other listeners took ports while the server started');
    }
  });
});
