import { parseArgs } from 'node:util';
import { openKiln } from '../../app/kiln.ts';
import { bootstrapBusybox } from '../../app/busybox-base.ts';
import { bootstrapDebian } from '../../app/debian-base.ts';
import { importPlatformImage, platformImages } from '../../app/platform-images.ts';
import { defaultDataDir } from '../data-dir.ts';
import { outputOptions, printResult } from '../local-output.ts';

export const platformImageHelp = `Usage: kiln platform-image <command> [options]

The catalog that PlatformImage sources of image templates resolve in.

Commands:
  import   add a disk file (raw, VHD, qcow2, vmdk, vhdx holding a Linux root file system)
           --publisher P --offer O --sku S --version V --file F [--hyper-v-generation V1|V2]
           [--replace] [--data DIR] [--db URL]
  list     list the catalog as JSON [--data DIR] [--db URL]
  bootstrap debian
           make a bootable Debian base image from Debian's packages (debootstrap) and import it
           as two SKUs of one disk: Debian:debian-12:12 (V1, BIOS) and Debian:debian-12:12-gen2 (V2, UEFI)
           [--suite bookworm] [--mirror URL] [--size-mib N] [--cache DIR] [--if-missing] [--data DIR] [--db URL]
  bootstrap busybox
           a tiny base image from the host's busybox, no network needed, as kiln:busybox:busybox
           [--size-mib N] [--if-missing] [--data DIR] [--db URL]

--hyper-v-generation: the firmware the image boots with, V1 (BIOS, the default) or V2 (UEFI).
--cache: where the debootstrap download is kept (default DIR/cache).
--if-missing: keep the images the catalog already has for those skus instead of making new ones.
Every command prints JSON; -o json|jsonc|table|tsv|yaml|none and --query (JMESPath) as the other commands.

Examples:
  kiln platform-image import --data ./kiln-data --publisher Canonical --offer UbuntuServer --sku 22.04-LTS --version 22.4.1 --file ubuntu.qcow2
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
      ...outputOptions,
    },
    allowPositionals: true,
  });
  if (action !== 'import' && action !== 'list' && action !== 'bootstrap')
    throw new Error(`unknown command 'kiln platform-image ${action ?? ''}'\n\n${platformImageHelp}`);
  const kiln = await openKiln({ dataDir: values.data ?? defaultDataDir(), db: values.db });
  try {
    if (action === 'list') return printResult(await platformImages(kiln), values);
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
    const missing = ['publisher', 'offer', 'sku', 'version', 'file'].filter((f) => !values[f as keyof typeof values]);
    if (missing.length > 0)
      throw new Error(`missing ${missing.map((m) => `--${m}`).join(', ')}\n\n${platformImageHelp}`);
    const image = await importPlatformImage(kiln, {
      publisher: values.publisher!,
      offer: values.offer!,
      sku: values.sku!,
      version: values.version!,
      file: values.file!,
      replace: values.replace,
      hyperVGeneration: values['hyper-v-generation'],
    });
    printResult(image, values);
  } finally {
    await kiln.close();
  }
}
