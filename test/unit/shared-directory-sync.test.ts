import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { hashFile } from '../../src/adapters/file-hasher.ts';
import { sharedDirectorySync } from '../../src/adapters/sync-directory.ts';

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kiln-shared-sync-'));
  dirs.push(dir);
  return dir;
};
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

describe('sharedDirectorySync', () => {
  it('answers every call with an fsync started after it, calls made during one sharing the next', async () => {
    const started: Array<() => void> = [];
    const sync = sharedDirectorySync('/unused', () => new Promise<void>((resolve) => started.push(resolve)));
    let firstDone = false;
    const first = sync().then(() => void (firstDone = true));
    assert.equal(started.length, 1);
    // Made while the first is under way: they may have missed it, so they take one more, together.
    const later = [sync(), sync(), sync()];
    assert.equal(later[0], later[1], 'calls during an fsync share the next one');
    assert.equal(later[1], later[2]);
    let laterDone = false;
    void Promise.all(later).then(() => void (laterDone = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(started.length, 1, 'the next fsync waits for the one under way');
    started[0]();
    await first;
    assert.ok(firstDone);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(started.length, 2, 'then one fsync starts for the three calls made meanwhile');
    assert.equal(laterDone, false, 'they are not answered by the fsync that may have missed their change');
    started[1]();
    await Promise.all(later);
    // Once all is done, a call starts its own at once.
    const alone = sync();
    assert.equal(started.length, 3);
    started[2]();
    await alone;
  });

  it('syncs a real folder', async () => {
    await sharedDirectorySync(await tempDir())();
  });

  it('fails the calls an fsync failed for, and the next call tries again', async () => {
    const dir = await tempDir();
    const gone = path.join(dir, 'gone');
    const sync = sharedDirectorySync(gone);
    await assert.rejects(sync(), { code: 'ENOENT' });
    await mkdir(gone);
    await sync();
  });
});

describe('hashFile', () => {
  it('answers the sha256 and length of a file as it reads now, off the event loop', async () => {
    const dir = await tempDir();
    const files = await Promise.all(
      [0, 1, 1024 * 1024, 4 * 1024 * 1024 + 7].map(async (size, i) => {
        const data = randomBytes(size);
        const file = path.join(dir, `f${i}`);
        await writeFile(file, data);
        return { file, size, sha: createHash('sha256').update(data).digest('hex') };
      }),
    );
    const hashed = await Promise.all(files.map(({ file }) => hashFile(file)));
    assert.deepEqual(
      hashed,
      files.map(({ sha, size }) => ({ sha, size })),
    );
  });

  it('rejects with the error of a file it cannot read, and goes on hashing', async () => {
    const dir = await tempDir();
    await assert.rejects(hashFile(path.join(dir, 'absent')), { code: 'ENOENT' });
    const file = path.join(dir, 'present');
    await writeFile(file, 'kiln');
    assert.equal((await hashFile(file)).sha, createHash('sha256').update('kiln').digest('hex'));
  });

  it('keeps no process alive once its answers are in', async () => {
    const module = new URL('../../src/adapters/file-hasher.ts', import.meta.url).href;
    const script = `const { hashFile } = await import(${JSON.stringify(module)}); console.log((await hashFile(process.execPath)).size);`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: 20_000 },
    );
    assert.match(stdout, /^[1-9][0-9]*\n$/);
  });
});
