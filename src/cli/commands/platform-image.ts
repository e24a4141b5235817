import { parseArgs } from 'node:util';
import { openKiln, type Kiln } from '../../app/kiln.ts';
import { bootstrapBusybox } from '../../app/busybox-base.ts';
import { bootstrapDebian } from '../../app/debian-base.ts';
import { deletePlatformImage, importPlatformImage, platformImages } from '../../app/platform-images.ts';
import { defaultDataDir } from '../data-dir.ts';
import { outputOptions, printResult } from '../local-output.ts';
import { deleteOnServer, importOnServer, listOnServer } from './platform-image-server.ts';

export const platformImageHelp = `Usage: kiln platform-image <command> [options]

The catalog that PlatformImage sources of image templates (and az vm image list) resolve in. Offline
(--data, --db) the command opens the data folder itself, so no server may be running on it; with
--server URL it changes the catalog of that running server, as 'kiln login' signed in to it (its
Microsoft.Compute.Admin API, which takes an Owner of every subscription, as the administrator is).

Commands:
  import   add a disk file (raw, VHD, qcow2, vmdk, vhdx holding a Linux root file system)
           --publisher P --offer O --sku S --version V --file F [--hyper-v-generation V1|V2]
           [--replace] [--data DIR] [--db URL]
           [--server URL [--location L] [--subscription S]]: uploads the file, and the server checks it
  list     list the catalog as JSON [--data DIR] [--db URL] [--server URL]
  delete   remove a version and its bytes --publisher P --offer O --sku S --version V
           [--data DIR] [--db URL] [--server URL]
  bootstrap debian
           make a bootable Debian base image from Debian's packages (debootstrap) and import it
           as two SKUs of one disk: Debian:debian-12:12 (V1, BIOS) and Debian:debian-12:12-gen2 (V2, UEFI)
           [--suite bookworm] [--mirror URL] [--size-mib N] [--cache DIR] [--if-missing] [--data DIR] [--db URL]
  bootstrap busybox
           a tiny base image from the host's busybox, no network needed, as kiln:busybox:busybox
           [--size-mib N] [--if-missing] [--data DIR] [--db URL]

--hyper-v-generation: the firmware the image boots with, V1 (BIOS, the default) or V2 (UEFI).
--replace: offline only; a running server never replaces a version it serves (delete it, or import another version).
--location: with --server, the region that keeps the image's bytes (the subscription's first unless given); every location lists it.
--cache: where the debootstrap download is kept (default DIR/cache).
--if-missing: keep the images the catalog already has for those skus instead of making new ones.
Every command prints JSON; -o json|jsonc|table|tsv|yaml|none and --query (JMESPath) as the other commands.

Examples:
  kiln platform-image import --data ./kiln-data --publisher Canonical --offer UbuntuServer --sku 22.04-LTS --version 22.4.1 --file ubuntu.qcow2
  kiln platform-image import --server https://kiln.example:8443 --publisher Kiln --offer busybox --sku minimal --version 1.0.0 --file busybox.raw
  kiln platform-image delete --server https://kiln.example:8443 --publisher Kiln --offer busybox --sku minimal --version 1.0.0
  kiln platform-image list --data ./kiln-data -o table
  kiln platform-image list --query "[?offer=='debian-12'].version" -o tsv
  kiln platform-image bootstrap debian --data ./kiln-data
  kiln platform-image bootstrap busybox --data ./kiln-data`;

export async function platformImage(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      data: { type: 'string' },
      db: { type: 'string' },
      publisher: { type: 'string' },
      offer: { type: 'string' },
      sku: { type: 'string' },
      version: { type: 'string' },
      file: { type: 'string' },
      replace: { type: 'boolean' },
      suite: { type: 'string' },
      mirror: { type: 'string' },
      'size-mib': { type: 'string' },
      cache: { type: 'string' },
      'hyper-v-generation': { type: 'string' },
      'if-missing': { type: 'boolean' },
      server: { type: 'string' },
      location: { type: 'string', short: 'l' },
      subscription: { type: 'string' },
      ...outputOptions,
    },
    allowPositionals: true,
  });
  if (action !== 'import' && action !== 'list' && action !== 'delete' && action !== 'bootstrap')
    throw new Error(`unknown command 'kiln platform-image ${action ?? ''}'\n\n${platformImageHelp}`);
  const named = () => {
    const fields = action === 'import' ? [...NAME_FIELDS, 'file'] : NAME_FIELDS;
    const missing = fields.filter((f) => !values[f as keyof typeof values]);
    if (missing.length > 0)
      throw new Error(`missing ${missing.map((m) => `--${m}`).join(', ')}\n\n${platformImageHelp}`);
    return { publisher: values.publisher!, offer: values.offer!, sku: values.sku!, version: values.version! };
  };
  const notInCatalog = () => new Error(`${Object.values(named()).join(':')} is not in the catalog.`);
  if (values.server !== undefined) {
    if (action === 'bootstrap' || values.replace || values.data !== undefined || values.db !== undefined)
      throw new Error(
        `--server changes a running server's catalog through its API: bootstrap, --replace, --data and --db are offline only.\n\n${platformImageHelp}`,
      );
    const target = { server: values.server, location: values.location, subscription: values.subscription };
    if (action === 'list') return printResult(await listOnServer(target), values);
    if (action === 'delete') {
      if (!(await deleteOnServer(target, named()))) throw notInCatalog();
      return;
    }
    const image = await importOnServer(target, named(), values.file!, values['hyper-v-generation']);
    return printResult(image, values);
  }
  const kiln = await openKiln({ dataDir: values.data ?? defaultDataDir(), db: values.db });
  try {
    return await offline(kiln);
  } catch (error) {
    // The folder is a running server's: its catalog is changed through it.
    if ((error as Error).name !== 'DirectoryInUseError') throw error;
    throw new Error(
      `${(error as Error).message} While 'kiln serve' runs, change its catalog through it: kiln platform-image ${action} --server URL ... (after 'kiln login').`,
    );
  } finally {
    await kiln.close();
  }

  async function offline(kiln: Kiln): Promise<void> {
    if (action === 'list') return printResult(await platformImages(kiln), values);
    if (action === 'delete') {
      if (!(await deletePlatformImage(kiln, named()))) throw notInCatalog();
      return;
    }
    if (action === 'bootstrap') {
      const sizeMiB = values['size-mib'] === undefined ? undefined : Number(values['size-mib']);
      const ifMissing = values['if-missing'] === true;
      if (rest[0] === 'busybox') return printResult(await bootstrapBusybox(kiln, { sizeMiB, ifMissing }), values);
      if (rest[0] !== 'debian')
        throw new Error(`kiln platform-image bootstrap knows 'debian' and 'busybox'\n\n${platformImageHelp}`);
      const image = await bootstrapDebian(kiln, {
        dataDir: values.data ?? defaultDataDir(),
        suite: values.suite,
        mirror: values.mirror,
        sizeMiB,
        cacheDir: values.cache,
        ifMissing,
      });
      return printResult(image, values);
    }
    const image = await importPlatformImage(kiln, {
      ...named(),
      file: values.file!,
      replace: values.replace,
      hyperVGeneration: values['hyper-v-generation'],
    });
    printResult(image, values);
  }
}

const NAME_FIELDS = ['publisher', 'offer', 'sku', 'version'];
