// Issue 10, point 14: another local user must not read Kiln's data (the database of principals, the
// keys it holds, users' disks). A server started on a fresh data folder, and then again on the same folder
// loosened to what older Kilns left (folders 0755, files 0644), leaves nothing that grants access to
// others (but the public CA certificate), also in a region folder outside the data folder; and
// `nobody` fails to read the database (which holds the keys), the config and a blob.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultConfig } from '../../src/app/config.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/** Every path below `root` (itself included) with its permission bits. */
async function modesUnder(root: string): Promise<Map<string, number>> {
  const modes = new Map<string, number>([[root, (await lstat(root)).mode & 0o7777]]);
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    modes.set(path, (await lstat(path)).mode & 0o7777);
  }
  return modes;
}

/** What an older Kiln left: every folder 0755, every file 0644. */
async function loosen(root: string): Promise<void> {
  for (const [path] of await modesUnder(root)) await chmod(path, (await lstat(path)).isDirectory() ? 0o755 : 0o644);
}

/** `cat path` as the user nobody: its exit status and error output. */
function catAsNobody(path: string) {
  const run = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'cat', path], {
    encoding: 'utf8',
  });
  return { status: run.status, stderr: run.stderr };
}

describe(
  "the data folder is its owner's alone",
  { skip: process.getuid?.() !== 0 && 'reading as another user needs root' },
  () => {
    let parent: string;
    let dataDir: string;
    let outsideRegion: string;
    let server: TestServer | undefined;
    let blobChunk: string;

    before(async () => {
      // World-searchable parents, as a home directory or /srv is: only Kiln's own modes may stop others.
      parent = await mkdtemp(join(tmpdir(), 'kiln-modes-'));
      await chmod(parent, 0o755);
      dataDir = join(parent, 'data');
      outsideRegion = join(parent, 'elsewhere', 'eastus');
      await mkdir(join(parent, 'elsewhere'), { mode: 0o755 });
      await chmod(join(parent, 'elsewhere'), 0o755);
      const regions = defaultConfig().regions.map((region) =>
        region.name === 'eastus' ? { ...region, dir: outsideRegion } : region,
      );
      await mkdir(dataDir, { mode: 0o755 });
      await chmod(dataDir, 0o755);
      server = await startTestServer({ dataDir, config: { regions } });
      const store = server.server.kiln.domain.regions.get('eastus')!;
      const disk = await store.put('private/disk.vhd', Buffer.from("a user's disk"));
      await store.createStaging('private/upload.vhd', 4096);
      await store.writeStaging('private/upload.vhd', 0, Buffer.alloc(512, 1));
      // A blob of one chunk is named by its bytes' sha256, which names its chunk file too.
      blobChunk = join(outsideRegion, 'chunks', disk.sha256);
    });
    after(async () => {
      await server?.stop();
      await rm(parent, { recursive: true, force: true });
    });

    /** Paths under the data folder and the outside region that grant anything to group or others. */
    async function openToOthers(): Promise<string[]> {
      const modes = new Map([...(await modesUnder(dataDir)), ...(await modesUnder(outsideRegion))]);
      return [...modes]
        .filter(([path, mode]) => (mode & 0o077) !== 0 && path !== join(dataDir, 'tls', 'ca.pem'))
        .map(([path, mode]) => `${relative(parent, path)} ${mode.toString(8)}`);
    }

    function assertUnreadableByOthers(): void {
      // The control: nobody reads a world-readable file beside the data folder.
      const control = join(parent, 'readable.txt');
      assert.equal(catAsNobody(control).status, 0, 'the user nobody can read a world-readable file');
      for (const path of [join(dataDir, 'kiln.db'), join(dataDir, 'config.json'), blobChunk]) {
        const read = catAsNobody(path);
        assert.notEqual(read.status, 0, `nobody read ${path}`);
        assert.match(read.stderr, /Permission denied/, path);
      }
    }

    it('creates every folder 0700 and every file 0600 in a fresh data folder and region folder', async () => {
      await writeFile(join(parent, 'readable.txt'), 'anyone may read this', { mode: 0o644 });
      const paths = [...(await modesUnder(dataDir)).keys()].map((path) => relative(dataDir, path));
      for (const known of [
        'kiln.db',
        'kiln.db-wal',
        'kiln.db-shm',
        'config.json',
        'admin-credentials.json',
        'tls/server-key.pem',
      ]) {
        assert.ok(paths.includes(known), `${known} was created`);
      }
      assert.deepEqual(await openToOthers(), []);
      for (const chunk of await readdir(join(outsideRegion, 'chunks')))
        assert.equal((await lstat(join(outsideRegion, 'chunks', chunk))).mode & 0o777, 0o600, `chunk ${chunk}`);
      assert.equal((await lstat(blobChunk)).mode & 0o777, 0o600, "the user's disk's chunk");
      assertUnreadableByOthers();
    });

    it('tightens an older install at start: the data folder, its known files and the region folders', async () => {
      await server!.stop({ keepData: true });
      server = undefined;
      await loosen(dataDir);
      await loosen(outsideRegion);
      assert.equal(
        catAsNobody(join(dataDir, 'kiln.db')).status,
        0,
        'the loosened folder is readable by others before the start',
      );

      server = await startTestServer({ dataDir });
      const left = await openToOthers();
      // Left as they were, below folders that are now 0700: blobs, their records and the regions' subfolders.
      const below = (path: string) =>
        [join(dataDir, 'regions'), outsideRegion].some((region) => path.startsWith(relative(parent, region) + '/'));
      assert.deepEqual(
        left.filter((path) => !below(path)),
        [],
      );
      for (const region of [outsideRegion, join(dataDir, 'regions'), join(dataDir, 'regions', 'westus')]) {
        assert.equal((await lstat(region)).mode & 0o777, 0o700, region);
      }
      assertUnreadableByOthers();
    });
  },
);
