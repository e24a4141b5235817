// `kiln platform-image bootstrap debian` with a stand-in for debootstrap (tests reach no network):
// the tree becomes a partitioned ext4 disk in the catalog, and the tree is cached for next time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { withDiskImage } from '../support/disk-inspection.ts';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

// Lays out a tiny tree where debootstrap would put Debian, and counts its calls.
const STAND_IN = `#!/bin/sh
set -e
target="$3"
echo "$@" >> "$(dirname "$target")/debootstrap-calls"
mkdir -p "$target/bin" "$target/etc" "$target/tmp" "$target/root" "$target/var/log" "$target/var/cache/apt/archives"
cp /bin/busybox "$target/bin/busybox"
for applet in sh ls cat echo; do ln -s busybox "$target/bin/$applet"; done
echo 12.5 > "$target/etc/debian_version"
echo "stale package" > "$target/var/cache/apt/archives/x.deb"
`;

it('bootstraps a Debian base disk into the catalog and reuses the cached tree', async () => {
  const data = await mkdtemp(join(tmpdir(), 'kiln-debian-'));
  dirs.push(data);
  const standIn = join(data, 'debootstrap-stand-in');
  await writeFile(standIn, STAND_IN);
  await chmod(standIn, 0o755);
  const bootstrap = () =>
    spawnSync(
      process.execPath,
      [
        'bin/kiln.js',
        'platform-image',
        'bootstrap',
        'debian',
        '--data',
        data,
        '--debootstrap',
        standIn,
        '--size-mib',
        '64',
      ],
      { encoding: 'utf8' },
    );

  const first = bootstrap();
  assert.equal(first.status, 0, first.stderr);
  const image = JSON.parse(first.stdout) as {
    publisher: string;
    offer: string;
    sku: string;
    version: string;
    blob: { region: string; key: string };
  };
  assert.deepEqual([image.publisher, image.offer, image.sku], ['Debian', 'debian-12', '12']);
  assert.match(image.version, /^0\.\d{8}\.0$/);
  assert.match(
    await readFile(join(data, 'cache', 'debootstrap-calls'), 'utf8'),
    /^--variant=minbase bookworm .*debian-bookworm\.partial http:\/\/deb\.debian\.org\/debian\n$/,
  );

  const second = bootstrap();
  assert.equal(second.status, 0, second.stderr);
  assert.equal(
    (await readFile(join(data, 'cache', 'debootstrap-calls'), 'utf8')).split('\n').filter(Boolean).length,
    1,
    'the second bootstrap used the cache',
  );

  // Opening the region store claims its folder for this process: only once the CLI is done with it.
  const config = JSON.parse(await readFile(join(data, 'config.json'), 'utf8')) as {
    regions: Array<{ name: string; dir?: string }>;
  };
  const region = config.regions.find((r) => r.name === image.blob.region)!;
  const { createFsRegionStores } = await import('../../src/adapters/fs-blob-store.ts');
  const store = createFsRegionStores([
    { name: region.name, dir: join(data, region.dir ?? join('regions', region.name)) },
  ]).get(region.name)!;
  const { createWriteStream } = await import('node:fs');
  const { pipeline } = await import('node:stream/promises');
  await pipeline(store.read(image.blob.key), createWriteStream(join(data, 'debian.vhd')));
  await withDiskImage(join(data, 'debian.vhd'), async ({ rootfs }) => {
    assert.equal(await readFile(join(rootfs, 'etc/debian_version'), 'utf8'), '12.5\n');
    assert.equal(
      await readFile(join(rootfs, 'etc/fstab'), 'utf8'),
      'LABEL=debian-root / ext4 defaults,errors=remount-ro 0 1\n',
    );
    assert.equal(await readFile(join(rootfs, 'etc/machine-id'), 'utf8'), '');
    assert.equal(
      spawnSync('ls', [join(rootfs, 'var/cache/apt/archives')], { encoding: 'utf8' }).stdout.trim(),
      'partial',
      'downloaded packages are not kept in the image',
    );
  });
});
