import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { link, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createFsBlobStore, createFsRegionStores } from '../../src/adapters/fs-blob-store.ts';
import { describeBlobStoreContract } from './blob-store.contract.ts';
import { expectedContent } from './fixtures/fs-blob-store-writer.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kiln-fs-blob-'));
  dirs.push(dir);
  return dir;
}
after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describeBlobStoreContract('fs', async () => createFsBlobStore('test', await tempDir()));

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('fs blob store on disk', () => {
  it('copies by hard link', async () => {
    const dir = await tempDir();
    const store = createFsBlobStore('test', dir);
    await store.put('c/a.bin', Buffer.from('shared bytes'));
    await store.copy('c/a.bin', 'c/b.bin');
    const objects = await readdir(path.join(dir, 'objects'));
    assert.equal(objects.length, 2);
    const [first, second] = await Promise.all(objects.map((name) => stat(path.join(dir, 'objects', name))));
    assert.equal(first.ino, second.ino);
  });

  it('keeps staging files apart from sealed blobs, sparse', async () => {
    const dir = await tempDir();
    const store = createFsBlobStore('test', dir);
    await store.createStaging('disks/big.vhd', 1024 * 1024 * 1024);
    const [name] = await readdir(path.join(dir, '.staging'));
    const file = await stat(path.join(dir, '.staging', name));
    assert.equal(file.size, 1024 * 1024 * 1024);
    assert.ok(file.blocks * 512 < 1024 * 1024, 'no blocks allocated for a fresh staging blob');
    assert.deepEqual(await store.list(''), []);
  });

  it('sweeps crash leftovers when reopened', async () => {
    const dir = await tempDir();
    const before = createFsBlobStore('test', dir);
    await before.put('c/kept.bin', Buffer.from('kept'));
    await before.createStaging('c/uploading.vhd', 1024);
    await before.createStaging('c/sealed.vhd', 1024);
    await before.seal('c/sealed.vhd');
    // What a crash leaves: a half-written temp file, an object whose record was never committed,
    // and the staging name of a blob whose seal committed but did not finish.
    await writeFile(path.join(dir, '.tmp', 'half-written'), 'partial');
    await writeFile(path.join(dir, 'objects', 'orphan'), 'no record names me');
    const record = JSON.parse(await readFile(path.join(dir, 'index', sha256(Buffer.from('c/sealed.vhd'))), 'utf8'));
    const uploading = await readdir(path.join(dir, '.staging'));
    await link(path.join(dir, 'objects', record.object), path.join(dir, '.staging', 'leftover'));

    await before.close();
    const reopened = createFsBlobStore('test', dir);
    assert.deepEqual(
      (await reopened.list('')).map((info) => info.key),
      ['c/kept.bin', 'c/sealed.vhd'],
    );
    assert.deepEqual(await readdir(path.join(dir, '.tmp')), []);
    assert.equal((await readdir(path.join(dir, 'objects'))).length, 2);
    assert.deepEqual(await readdir(path.join(dir, '.staging')), uploading);
    assert.equal(await reopened.stagingSize('c/uploading.vhd'), 1024);
  });

  it("gives a blob's local path as its object file", async () => {
    const store = createFsBlobStore('test', await tempDir());
    await store.put('c/a.bin', Buffer.from('local bytes'));
    assert.equal(await readFile((await store.localPath('c/a.bin'))!, 'utf8'), 'local bytes');
  });

  // Claims across processes, races and kill -9 are test/security/folder-claim.test.ts's.
  it('refuses a second store on its folder until the first is closed', async () => {
    const dir = await tempDir();
    const first = createFsBlobStore('test', dir);
    await first.put('c/a.bin', Buffer.from('first'));
    await assert.rejects(createFsBlobStore('test', dir).list(''), {
      name: 'DirectoryInUseError',
      message: /already open in this process/,
    });
    await first.close();
    assert.deepEqual(
      (await createFsBlobStore('test', dir).list('')).map((info) => info.key),
      ['c/a.bin'],
    );
  });

  it('serves regions by lower-cased name and refuses shared directories', async () => {
    const [east, west] = [await tempDir(), await tempDir()];
    const stores = createFsRegionStores([
      { name: 'EastUS', dir: east },
      { name: 'westus', dir: west },
    ]);
    assert.deepEqual(stores.regions(), ['eastus', 'westus']);
    assert.equal(stores.get('EASTUS')?.region, 'eastus');
    assert.equal(stores.get('northeurope'), undefined);
    assert.throws(() =>
      createFsRegionStores([
        { name: 'a', dir: east },
        { name: 'b', dir: `${east}/` },
      ]),
    );
  });
});

describe('fs blob store under kill -9', () => {
  const fixture = fileURLToPath(new URL('./fixtures/fs-blob-store-writer.ts', import.meta.url));

  /** Runs the writer until it has printed `steps` lines, SIGKILLs it, and returns every line. */
  async function runAndKill(dir: string, steps: number): Promise<string[]> {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (data: string) => {
      output += data;
      if (output.split('\n').length > steps && child.exitCode === null) {
        // A little later than the last completed step, to land inside the next one.
        setTimeout(() => child.kill('SIGKILL'), Math.random() * 20);
      }
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])),
    );
    assert.equal(signal, 'SIGKILL', `the writer exited by itself with code ${code}`);
    return output.split('\n').slice(0, -1);
  }

  it('leaves only whole blobs whose sha256 verifies', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const lines: string[] = [];
    for (let round = 0; round < 4; round++) lines.push(...(await runAndKill(dir, 10 + round * 5)));

    const store = createFsBlobStore('crash', dir);
    const blobs = await store.list('');
    assert.ok(blobs.length > 10, `only ${blobs.length} blobs survived`);
    for (const info of blobs) {
      const data = await readAll(store.read(info.key));
      assert.equal(data.length, info.size, info.key);
      assert.equal(sha256(data), info.sha256, info.key);
      const source = info.key.startsWith('copy/') ? info.key.slice('copy/'.length) : info.key;
      assert.ok(data.equals(expectedContent(source)), `${info.key} holds other bytes`);
    }

    const keys = new Set(blobs.map((info) => info.key));
    const deleting = new Set(lines.filter((line) => line.startsWith('deleting ')).map((line) => line.split(' ')[1]));
    for (const line of lines) {
      const [step, key] = line.split(' ');
      if (step === 'put' && !deleting.has(key)) assert.ok(keys.has(key), `acknowledged ${key} is gone`);
      if (step === 'sealed' || step === 'copy') assert.ok(keys.has(key), `acknowledged ${key} is gone`);
      if (step === 'staging') {
        const staged = (await store.stagingSize(key)) !== undefined;
        assert.ok(staged !== keys.has(key), `${key} must be staged or sealed, not ${staged ? 'both' : 'neither'}`);
      }
    }
    assert.deepEqual(await readdir(path.join(dir, '.tmp')), [], 'temp files were swept');
    assert.equal((await readdir(path.join(dir, 'objects'))).length, blobs.length, 'orphan objects were swept');
  });
});
