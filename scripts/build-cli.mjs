// Bundles the CLI and everything it imports from src/ into dist/kiln.mjs, which bin/kiln.js runs
// while it is at least as new as every source file. Node then loads one file instead of compiling
// some 900 TypeScript modules through tsx's loader at every start (issue 12 (b): the CLI's start).
//
// Packages stay outside the bundle (node_modules as they are). A module's `import.meta.url` and
// `import.meta.dirname` keep naming its own source file, not the bundle, so the files Kiln finds
// beside its code (fusermount-fd.py, qmp-run.py, web/dist) are found from either.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');

/** @type {import('esbuild').Plugin} */
const sourceLocations = {
  name: 'source-locations',
  setup(plugin) {
    plugin.onLoad({ filter: /\/src\/.*\.ts$/ }, async ({ path }) => {
      const text = await readFile(path, 'utf8');
      const contents = text
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(path)));
      return { contents, loader: 'ts' };
    });
  },
};

await build({
  entryPoints: [resolve(root, 'src/cli/main.ts')],
  outfile: resolve(root, 'dist/kiln.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  plugins: [sourceLocations],
  logLevel: 'warning',
  banner: { js: '// Made by scripts/build-cli.mjs from src/: do not edit.' },
});
