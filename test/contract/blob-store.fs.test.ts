import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, mkdtemp, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { storedChunks, type SealedRecord, type StagingRecord } from '../../src/adapters/fs-blob-records.ts';
import { createFsBlobStore, createFsRegionStores } from '../../src/adapters/fs-blob-store.ts';
import { CHUNK_SIZE, contentHasher, zeroChunkSha } from '../../src/core/content-id.ts';
import { assertSameBytes, describeBlobStoreContract, readAll } from './blob-store.contract.ts';
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

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** The content name a store gives `data`. */
function contentName(data: Buffer): string {
  const hasher = contentHasher();
  hasher.update(data);
  return hasher.digest();
}

/** The chunks that have a file; a delta's file, `<sha>-<base>`, is chunk `sha`'s. */
const chunkFiles = async (dir: string) =>
  (await readdir(path.join(dir, 'chunks'))).map((name) => name.split('-')[0]).sort();
const readJson = async <T>(file: string) => JSON.parse(await readFile(file, 'utf8')) as T;
const sealedRecord = (dir: string, key: string) => readJson<SealedRecord>(path.join(dir, 'index', sha256(key)));

/** Every chunk the records in `dir` name, and the base of each such chunk kept as a delta: exactly the chunk files. */
async function namedChunks(dir: string): Promise<string[]> {
  const named = new Set<string>();
  for (const name of await readdir(path.join(dir, 'index')))
    for (const sha of storedChunks(await readJson<SealedRecord>(path.join(dir, 'index', name)))) named.add(sha);
  for (const name of await readdir(path.join(dir, '.staging')))
    for (const sha of Object.values((await readJson<StagingRecord>(path.join(dir, '.staging', name))).written))
      named.add(sha);
  for (const name of await readdir(path.join(dir, 'chunks'))) {
    const [sha, base] = name.split('-');
    if (base !== undefined && base !== '0' && named.has(sha)) named.add(base);
  }
  return [...named].sort();
}

describe('fs blob store on disk', () => {
  it('copies a blob as a new record: no chunk file is added', async () => {
    const dir = await tempDir();
    const store = createFsBlobStore('test', dir);
    const data = randomBytes(2 * CHUNK_SIZE + 100);
    await store.put('c/a.bin', data);
    assert.equal((await chunkFiles(dir)).length, 3);
    const before = await chunkFiles(dir);
    const copied = await store.copy('c/a.bin', 'c/b.bin');
    assert.deepEqual(await chunkFiles(dir), before);
    assert.deepEqual((await sealedRecord(dir, 'c/b.bin')).runs, (await sealedRecord(dir, 'c/a.bin')).runs);
    assert.equal(copied.sha256, contentName(data));
    await store.delete('c/a.bin');
    assert.deepEqual(await chunkFiles(dir), before, 'the copy still names every chunk');
    assertSameBytes(await readAll(store.read('c/b.bin')), data);
  });

  it('copies a range on chunk boundaries as a record of its runs: no chunk file is added', async () => {
    const dir = await tempDir();
    const store = createFsBlobStore('test', dir);
    const data = randomBytes(3 * CHUNK_SIZE + 100);
    await store.put('c/a.bin', data);
    const before = await chunkFiles(dir);
    const source = await sealedRecord(dir, 'c/a.bin');
    const copied = await store.copy('c/a.bin', 'c/tail.bin', { start: CHUNK_SIZE, end: 3 * CHUNK_SIZE + 99 });
    assert.deepEqual(await chunkFiles(dir), before);
    const record = await sealedRecord(dir, 'c/tail.bin');
    assert.deepEqual(record.runs, source.runs.slice(1));
    assert.deepEqual(await store.chunks('c/tail.bin'), record.runs);
    assert.equal(copied.sha256, contentName(data.subarray(CHUNK_SIZE)));
    // An unaligned range stores the chunks it cuts, like a put of its bytes.
    await store.copy('c/a.bin', 'c/cut.bin', { start: 10, end: CHUNK_SIZE - 1 });
    assert.deepEqual(await chunkFiles(dir), [...before, sha256(data.subarray(10, CHUNK_SIZE))].sort());
    await store.delete('c/a.bin');
    assert.deepEqual(await chunkFiles(dir), await namedChunks(dir), 'the copies keep the chunks they name');
    assertSameBytes(await readAll(store.read('c/tail.bin')), data.subarray(CHUNK_SIZE));
    await store.delete('c/tail.bin');
    await store.delete('c/cut.bin');
    assert.deepEqual(await chunkFiles(dir), []);
  });

  it('adopts a chunk as a record naming it: no chunk file is added, and it goes with the last blob naming it', async () => {
    const dir = await tempDir();
    const store = createFsBlobStore('test', dir);
    const data = randomBytes(2 * CHUNK_SIZE + 100);
    const [second, last] = [data.subarray(CHUNK_SIZE, 2 * CHUNK_SIZE), data.subarray(2 * CHUNK_SIZE)];
    await store.put('c/a.bin', data);
    const before = await chunkFiles(dir);
    assert.equal((await store.adopt('c/second', sha256(second)))?.sha256, sha256(second));
    assert.equal((await store.adopt('c/last', sha256(last)))?.size, 100);
    assert.equal((await store.adopt('c/zeros', zeroChunkSha(CHUNK_SIZE)))?.size, CHUNK_SIZE);
    await assert.rejects(store.adopt('c/a.bin', sha256(second)), { code: 'BlobAlreadyExists' });
    assert.deepEqual(await chunkFiles(dir), before, 'no chunk file was added');
    assert.deepEqual((await sealedRecord(dir, 'c/second')).runs, [{ sha: sha256(second), count: 1 }]);

    await store.delete('c/a.bin');
    assert.deepEqual(await chunkFiles(dir), [sha256(second), sha256(last)].sort(), 'the adopted chunks stay');
    // Reopened, the store counts the adopted records' references as any.
    await store.close();
    const reopened = createFsBlobStore('test', dir);
    assert.deepEqual(await chunkFiles(dir), [sha256(second), sha256(last)].sort());
    assertSameBytes(await readAll(reopened.read('c/second')), second);
    assertSameBytes(await readAll(reopened.read('c/last')), last);
    assertSameBytes(await readAll(reopened.read('c/zeros')), Buffer.alloc(CHUNK_SIZE));
    await reopened.delete('c/second');
    assert.deepEqual(await chunkFiles(dir), [sha256(last)], 'the last delete freed the chunk');
    assert.equal(await reopened.adopt('c/again', sha256(second)), undefined, 'a freed chunk is not adopted');
    await reopened.delete('c/last');
    await reopened.delete('c/zeros');
    assert.deepEqual(await chunkFiles(dir), []);
    assert.deepEqual(await reopened.list(''), []);
  });

  it('adopts a chunk whose last blob is being deleted, or misses it, never naming a chunk it lost', async () => {
    const dir = await tempDir();
    const store = createFsBlobStore('test', dir);
    const data = randomBytes(CHUNK_SIZE);
    const outcomes = { adopted: 0, missed: 0 };
    const later = (ms: number, work: () => Promise<unknown>) =>
      new Promise((resolve) => setTimeout(resolve, ms)).then(work);
    for (let i = 0; i < 24; i++) {
      await store.put('c/source.bin', data);
      const key = `c/adopted-${i}`;
      // Each first by turns, the other started 0 to 30 ms later.
      const delay = [0, 1, 2, 5, 10, 30][Math.floor(i / 2) % 6];
      const deleting = () => store.delete('c/source.bin');
      const adopting = () => store.adopt(key, sha256(data));
      const [adopted] = await Promise.all(
        i % 2 === 0 ? [adopting(), later(delay, deleting)] : [later(delay, adopting), deleting()],
      );
      assert.deepEqual(await chunkFiles(dir), await namedChunks(dir), `round ${i}`);
      if (adopted === undefined) {
        outcomes.missed++;
        assert.equal(await store.stat(key), undefined);
        continue;
      }
      outcomes.adopted++;
      assertSameBytes(await readAll(store.read(key)), data, `round ${i}`);
      await store.delete(key);
      assert.deepEqual(await chunkFiles(dir), [], `round ${i}`);
    }
    assert.ok(outcomes.adopted > 0 && outcomes.missed > 0, JSON.stringify(outcomes));
  });

  it('stores a chunk once however many blobs share it, and removes it with the last blob naming it', async () => {
    const dir = await tempDir();
    const store = createFsBlobStore('test', dir);
    const source = randomBytes(4 * CHUNK_SIZE);
    const output = Buffer.from(source);
    output.write('changed by a build', 2 * CHUNK_SIZE + 10);
    await store.put('images/source.vhd', source);
    await store.put('images/output.vhd', output);
    assert.equal((await chunkFiles(dir)).length, 5, 'the output added only the chunk it changed');
    // A blob repeating one chunk stores it once; zero chunks have no file.
    const repeated = Buffer.concat([
      source.subarray(0, CHUNK_SIZE),
      source.subarray(0, CHUNK_SIZE),
      Buffer.alloc(CHUNK_SIZE),
    ]);
    await store.put('images/repeated.vhd', repeated);
    assert.equal((await chunkFiles(dir)).length, 5);
    assertSameBytes(await readAll(store.read('images/repeated.vhd')), repeated);

    await store.delete('images/source.vhd');
    assert.equal((await chunkFiles(dir)).length, 4, "only the source's own chunk went");
    assertSameBytes(await readAll(store.read('images/output.vhd')), output);
    await store.put('images/output.vhd', Buffer.from('smaller'), { overwrite: true });
    assert.deepEqual(await chunkFiles(dir), [sha256(source.subarray(0, CHUNK_SIZE)), sha256('smaller')].sort());
    await store.delete('images/repeated.vhd');
    await store.delete('images/output.vhd');
    assert.deepEqual(await chunkFiles(dir), []);
  });

  it('keeps a reader streaming while its blob is deleted', async () => {
    const dir = await tempDir();
    const store = createFsBlobStore('test', dir);
    const data = randomBytes(3 * CHUNK_SIZE);
    await store.put('c/read.bin', data);
    const reading = store.read('c/read.bin');
    const first = (await reading[Symbol.asyncIterator]().next()).value as Buffer;
    await store.delete('c/read.bin');
    assert.equal((await chunkFiles(dir)).length, 3, 'the reader holds the chunks');
    const rest = await readAll(reading);
    assertSameBytes(Buffer.concat([first, rest]), data);
    assert.deepEqual(await chunkFiles(dir), []);
  });

  it('seals an empty 32,767 GiB disk storing no chunk but its footer', { timeout: 20_000 }, async () => {
    const dir = await tempDir();
    const store = createFsBlobStore('test', dir);
    const dataBytes = 32767 * 1024 ** 3;
    const footer = randomBytes(512);
    const started = performance.now();
    await store.createStaging('disks/empty.vhd', dataBytes + 512);
    assert.deepEqual(await chunkFiles(dir), []);
    assert.deepEqual(await store.list(''), [], 'a staging blob is no sealed one');
    await store.writeStaging('disks/empty.vhd', dataBytes, footer);
    const info = await store.seal('disks/empty.vhd');
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1000, `created, written and sealed in ${Math.round(elapsed)} ms`);
    assert.deepEqual(await chunkFiles(dir), [sha256(footer)]);
    assert.deepEqual(await readdir(path.join(dir, '.staging')), []);
    const record = await sealedRecord(dir, 'disks/empty.vhd');
    assert.equal(record.runs.length, 2);
    assert.equal(record.sha256, info.sha256);
    assert.deepEqual(await store.chunks('disks/empty.vhd'), [
      { sha: zeroChunkSha(CHUNK_SIZE), count: dataBytes / CHUNK_SIZE },
      { sha: sha256(footer), count: 1 },
    ]);
    // A put of zeros stores nothing either.
    await store.put('disks/zeros.bin', Buffer.alloc(2 * CHUNK_SIZE + 512));
    assert.deepEqual(await chunkFiles(dir), [sha256(footer)]);
    assertSameBytes(await readAll(store.read('disks/zeros.bin')), Buffer.alloc(2 * CHUNK_SIZE + 512));
  });

  it('sweeps crash leftovers when reopened', async () => {
    const dir = await tempDir();
    const before = createFsBlobStore('test', dir);
    await before.put('c/kept.bin', Buffer.from('kept'));
    await before.createStaging('c/uploading.vhd', 1024);
    await before.writeStaging('c/uploading.vhd', 512, Buffer.alloc(512, 7));
    await before.createStaging('c/sealed.vhd', 1024);
    await before.writeStaging('c/sealed.vhd', 0, Buffer.alloc(512, 9));
    await before.seal('c/sealed.vhd');
    // What a crash leaves: a half-written temp file, a chunk no record names yet, and the staging
    // record of a blob whose seal committed but did not finish.
    await writeFile(path.join(dir, '.tmp', 'half-written'), 'partial');
    await writeFile(path.join(dir, 'chunks', sha256('no record names me')), 'no record names me');
    const sealed = await sealedRecord(dir, 'c/sealed.vhd');
    const leftover: StagingRecord = { key: 'c/sealed.vhd', id: sealed.sealedFrom!, size: 1024, written: {} };
    await writeFile(path.join(dir, '.staging', sha256('c/sealed.vhd')), JSON.stringify(leftover));
    const uploading = (await readdir(path.join(dir, '.staging'))).filter((name) => name !== sha256('c/sealed.vhd'));

    await before.close();
    const reopened = createFsBlobStore('test', dir);
    assert.deepEqual(
      (await reopened.list('')).map((info) => info.key),
      ['c/kept.bin', 'c/sealed.vhd'],
    );
    assert.deepEqual(await readdir(path.join(dir, '.tmp')), []);
    assert.deepEqual(await chunkFiles(dir), await namedChunks(dir));
    assert.equal((await chunkFiles(dir)).length, 3);
    assert.deepEqual(await readdir(path.join(dir, '.staging')), uploading);
    assert.equal(await reopened.stagingSize('c/sealed.vhd'), undefined);
    assert.equal(await reopened.stagingSize('c/uploading.vhd'), 1024);
    assertSameBytes(
      await readAll(reopened.readStaging('c/uploading.vhd')),
      Buffer.concat([Buffer.alloc(512), Buffer.alloc(512, 7)]),
    );
    assertSameBytes(
      await readAll(reopened.read('c/sealed.vhd')),
      Buffer.concat([Buffer.alloc(512, 9), Buffer.alloc(512)]),
    );
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

  it('fails a probe once its folder is gone, where a stat still answers "absent"', async () => {
    const dir = await tempDir();
    const store = createFsBlobStore('test', dir);
    await store.open();
    await store.probe();
    await rm(dir, { recursive: true, force: true });
    assert.equal(await store.stat('c/a.bin'), undefined);
    await assert.rejects(store.probe(), { code: 'ENOENT' });
    await store.close();
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

/** Runs the node script `fixture` on `dir`, calling `onLine` for each line it prints; resolves with its end. */
function runFixture(fixture: string, dir: string, onLine: (line: string, kill: () => void) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (data: string) => {
    const lines = (pending + data).split('\n');
    pending = lines.pop()!;
    for (const line of lines) onLine(line, () => child.exitCode === null && child.kill('SIGKILL'));
  });
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
}

describe('fs blob store under kill -9', () => {
  const fixture = fileURLToPath(new URL('./fixtures/fs-blob-store-writer.ts', import.meta.url));

  /** Runs the writer until it has printed `steps` lines, SIGKILLs it, and returns every line. */
  async function runAndKill(dir: string, steps: number): Promise<string[]> {
    const lines: string[] = [];
    const { code, signal } = await runFixture(fixture, dir, (line, kill) => {
      lines.push(line);
      // A little later than the last completed step, to land inside the next one.
      if (lines.length === steps) setTimeout(kill, Math.random() * 20);
    });
    assert.equal(signal, 'SIGKILL', `the writer exited by itself with code ${code}`);
    return lines;
  }

  it('leaves only whole blobs whose content names verify, and every chunk named', { timeout: 180_000 }, async () => {
    const dir = await tempDir();
    const lines: string[] = [];
    for (let round = 0; round < 4; round++) lines.push(...(await runAndKill(dir, 10 + round * 5)));

    const store = createFsBlobStore('crash', dir);
    const blobs = await store.list('');
    assert.ok(blobs.length > 10, `only ${blobs.length} blobs survived`);
    assert.ok(
      blobs.some((info) => info.size > CHUNK_SIZE),
      'some blobs span several chunks',
    );
    for (const info of blobs) {
      const data = await readAll(store.read(info.key));
      assert.equal(data.length, info.size, info.key);
      assert.equal(contentName(data), info.sha256, info.key);
      assert.ok(data.equals(expectedContent(info.key)), `${info.key} holds other bytes`);
    }

    const keys = new Set(blobs.map((info) => info.key));
    const deleting = new Set(lines.filter((line) => line.startsWith('deleting ')).map((line) => line.split(' ')[1]));
    for (const line of lines) {
      const [step, key] = line.split(' ');
      if (step === 'put' && !deleting.has(key)) assert.ok(keys.has(key), `acknowledged ${key} is gone`);
      if (step === 'sealed' || step === 'copy' || step === 'adopted')
        assert.ok(keys.has(key), `acknowledged ${key} is gone`);
      if (step === 'deleted') assert.ok(!keys.has(key), `deleted ${key} is back`);
      if (step === 'staging') {
        const staged = (await store.stagingSize(key)) !== undefined;
        assert.ok(staged !== keys.has(key), `${key} must be staged or sealed, not ${staged ? 'both' : 'neither'}`);
      }
    }
    for (const step of ['deleted', 'copy', 'adopted'])
      assert.ok(
        lines.some((line) => line.startsWith(`${step} `)),
        `no ${step} step ran`,
      );
    assert.deepEqual(await readdir(path.join(dir, '.tmp')), [], 'temp files were swept');
    assert.deepEqual(await chunkFiles(dir), await namedChunks(dir), 'every chunk file is named, and only those');
  });
});

describe('fs blob store migrating a folder an older Kiln wrote', () => {
  /** Old-layout contents: sealed blobs as whole files in objects/, staging blobs as sparse files. */
  interface OldFolder {
    sealed: Map<string, Buffer>;
    staging: Map<string, Buffer>;
  }

  /**
   * Writes what an older Kiln left: `sealed` records naming objects (a copy as a hard link, an
   * orphan object), old staging sparse files (one all holes) and the staging name a finished seal
   * left on its object; returns the contents every blob must keep.
   */
  async function writeOldFolder(dir: string, sealed: Array<[string, Buffer]>): Promise<OldFolder> {
    for (const sub of ['objects', 'index', '.staging', '.tmp']) await mkdir(path.join(dir, sub), { recursive: true });
    const objects = new Map<string, string>();
    const record = async (key: string, object: string, data: Buffer) => {
      const old = { key, size: data.length, sha256: sha256(data), object, lastModified: new Date().toISOString() };
      await writeFile(path.join(dir, 'index', sha256(key)), JSON.stringify(old), { mode: 0o644 });
    };
    for (const [key, data] of sealed) {
      const object = randomUUID();
      await writeFile(path.join(dir, 'objects', object), data, { mode: 0o644 });
      await record(key, object, data);
      objects.set(key, object);
    }
    const [[firstKey, firstData]] = sealed;
    const copyObject = randomUUID();
    await link(path.join(dir, 'objects', objects.get(firstKey)!), path.join(dir, 'objects', copyObject));
    await record(`copy/${firstKey}`, copyObject, firstData);
    await writeFile(path.join(dir, 'objects', randomUUID()), 'an orphan object');
    // A seal that committed and died before unlinking the staging name of its object.
    const [lastKey] = sealed[sealed.length - 1];
    await link(path.join(dir, 'objects', objects.get(lastKey)!), path.join(dir, '.staging', sha256(lastKey)));

    const staging = new Map<string, Buffer>();
    const upload = Buffer.alloc(3 * CHUNK_SIZE + 512);
    randomBytes(CHUNK_SIZE).copy(upload, CHUNK_SIZE + 4096);
    randomBytes(512).copy(upload, upload.length - 512);
    const file = await open(path.join(dir, '.staging', sha256('disks/upload.vhd')), 'w', 0o644);
    await file.truncate(upload.length);
    await file.write(upload, CHUNK_SIZE + 4096, CHUNK_SIZE, CHUNK_SIZE + 4096);
    await file.write(upload, upload.length - 512, 512, upload.length - 512);
    await file.close();
    staging.set('disks/upload.vhd', upload);
    const holes = await open(path.join(dir, '.staging', sha256('disks/holes.vhd')), 'w');
    await holes.truncate(1024 ** 3);
    await holes.close();
    staging.set('disks/holes.vhd', Buffer.alloc(0));
    return { sealed: new Map([...sealed, [`copy/${firstKey}`, firstData]]), staging };
  }

  async function checkMigrated(dir: string, old: OldFolder): Promise<void> {
    const store = createFsBlobStore('migrated', dir);
    const blobs = await store.list('');
    assert.deepEqual(
      blobs.map((info) => info.key),
      [...old.sealed.keys()].sort(),
    );
    for (const info of blobs) {
      const data = old.sealed.get(info.key)!;
      assert.deepEqual({ size: info.size, sha256: info.sha256 }, { size: data.length, sha256: contentName(data) });
      assertSameBytes(await readAll(store.read(info.key)), data, info.key);
    }
    const upload = old.staging.get('disks/upload.vhd')!;
    assert.equal(await store.stagingSize('disks/upload.vhd'), upload.length);
    assertSameBytes(await readAll(store.readStaging('disks/upload.vhd')), upload);
    assert.equal(await store.stagingSize('disks/holes.vhd'), 1024 ** 3);
    const [lastKey] = [...old.sealed.keys()].filter((key) => !key.startsWith('copy/')).slice(-1);
    assert.equal(await store.stagingSize(lastKey), undefined, "a finished seal's staging name is no upload");
    assert.deepEqual(
      (await readdir(dir)).filter((name) => ['objects', '.staging-migrating'].includes(name)),
      [],
    );
    assert.deepEqual(await chunkFiles(dir), await namedChunks(dir));
    for (const name of await chunkFiles(dir))
      assert.equal((await stat(path.join(dir, 'chunks', name))).mode & 0o777, 0o600, name);
    // The migrated upload takes writes and seals like any.
    const footer = randomBytes(512);
    await store.writeStaging('disks/upload.vhd', upload.length - 512, footer);
    footer.copy(upload, upload.length - 512);
    assert.equal((await store.seal('disks/upload.vhd')).sha256, contentName(upload));
    await store.close();
  }

  it('turns objects, old records and sparse staging files into chunks, keeping every blob', async () => {
    const dir = await tempDir();
    const zeroMiddle = Buffer.concat([randomBytes(CHUNK_SIZE), Buffer.alloc(CHUNK_SIZE), randomBytes(100)]);
    const old = await writeOldFolder(dir, [
      ['images/a.vhd', zeroMiddle],
      ['$user/scripts/setup.sh', Buffer.from('echo hi')],
      ['empty.bin', Buffer.alloc(0)],
      ['disks/sealed.vhd', randomBytes(CHUNK_SIZE + 512)],
    ]);
    await checkMigrated(dir, old);
    // Reopening finds nothing left to migrate.
    const again = createFsBlobStore('migrated', dir);
    assert.equal((await again.list('')).length, old.sealed.size + 1);
    await again.close();
  });

  it('finishes a migration killed at any moment when reopened', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const sealed: Array<[string, Buffer]> = [];
    for (let i = 0; i < 16; i++) sealed.push([`images/${i}.vhd`, randomBytes(CHUNK_SIZE + i * 300_000)]);
    const old = await writeOldFolder(dir, sealed);
    const opener = fileURLToPath(new URL('./fixtures/fs-blob-store-opener.ts', import.meta.url));
    let killed = 0;
    for (let round = 0; round < 6; round++) {
      const { signal } = await runFixture(opener, dir, (line, kill) => {
        if (line === 'opening') setTimeout(kill, 50 + Math.random() * 300);
      });
      if (signal === 'SIGKILL') killed++;
    }
    assert.ok(killed > 0, 'no opening was killed');
    await checkMigrated(dir, old);
  });
});

describe('fs blob store: copies from another region', () => {
  it('checks every chunk it copies: a source chunk file changed on disk fails the copy, and nothing of it stays', async () => {
    const [fromDir, toDir] = [await tempDir(), await tempDir()];
    const [from, to] = [createFsBlobStore('a', fromDir), createFsBlobStore('b', toDir)];
    const data = randomBytes(CHUNK_SIZE + 4096);
    await from.put('image.vhd', data);
    const [chunk] = await readdir(path.join(fromDir, 'chunks'));
    const file = await open(path.join(fromDir, 'chunks', chunk), 'r+');
    await file.write(Buffer.from('rot'), 0, 3, 100);
    await file.close();
    await assert.rejects(to.copyFrom!(from, 'image.vhd', 'image.vhd'), /holds [0-9a-f]{64}; it was not kept/);
    assert.equal(await to.stat('image.vhd'), undefined);
    assert.deepEqual(await readdir(path.join(toDir, 'chunks')), [], 'no chunk kept');
    assert.deepEqual(await readdir(path.join(toDir, '.tmp')), [], 'no temp file left');
    await Promise.all([from.close?.(), to.close?.()]);
  });
});
