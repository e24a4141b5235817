/**
 * The sha256 of a file's bytes as they read back now, computed off the event loop: a few worker
 * threads (one per core, at most two) read each file in 1 MiB pieces into one reused buffer and hash
 * them, so a store checking many copied chunks hashes on every core while its own thread goes on
 * with the next copies, and no chunk-sized buffer is allocated per file. The worker is plain
 * JavaScript given as text (`eval`), so it needs no file of its own next to a bundle.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const piece = Buffer.allocUnsafe(1024 * 1024);
parentPort.on('message', ({ id, file }) => {
  let fd;
  try {
    fd = openSync(file, 'r');
    const hash = createHash('sha256');
    let size = 0;
    for (let read; (read = readSync(fd, piece, 0, piece.length, size)) > 0; size += read)
      hash.update(piece.subarray(0, read));
    parentPort.postMessage({ id, sha: hash.digest('hex'), size });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: error.message, code: error.code } });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});
`;

interface Answer {
  id: number;
  sha?: string;
  size?: number;
  error?: { message: string; code?: string };
}

interface Pending {
  resolve: (hashed: { sha: string; size: number }) => void;
  reject: (error: Error) => void;
}

interface HashWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

const workers: Array<HashWorker | undefined> = [];
let nextId = 0;

function startWorker(slot: number): HashWorker {
  // Plain JavaScript: none of the parent's loaders (tsx) are wanted, and they would hold the process open.
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
  const entry: HashWorker = { worker, pending: new Map() };
  worker.on('message', ({ id, sha, size, error }: Answer) => {
    const waiting = entry.pending.get(id);
    entry.pending.delete(id);
    if (entry.pending.size === 0) worker.unref();
    if (waiting === undefined) return;
    if (error !== undefined) waiting.reject(Object.assign(new Error(error.message), { code: error.code }));
    else waiting.resolve({ sha: sha!, size: size! });
  });
  const fail = (error: Error) => {
    if (workers[slot] === entry) workers[slot] = undefined;
    for (const waiting of entry.pending.values()) waiting.reject(error);
    entry.pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`The file hashing worker exited with code ${code}.`)));
  // An idle worker does not keep the process alive; after the listeners, as adding one refs it again.
  worker.unref();
  return entry;
}

/** The least busy worker, started on first use (or again after one died). */
function pickWorker(): HashWorker {
  const count = Math.max(1, Math.min(2, availableParallelism()));
  let best: HashWorker | undefined;
  for (let slot = 0; slot < count; slot += 1) {
    const entry = (workers[slot] ??= startWorker(slot));
    if (best === undefined || entry.pending.size < best.pending.size) best = entry;
  }
  return best!;
}

/** The sha256 (hex) and length of the file at `file`, read from its first byte to its end. */
export function hashFile(file: string): Promise<{ sha: string; size: number }> {
  const entry = pickWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    entry.pending.set(id, { resolve, reject });
    entry.worker.ref();
    entry.worker.postMessage({ id, file });
  });
}
