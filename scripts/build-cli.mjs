// Bundles the CLI and everything it imports from src/ into dist/kiln.mjs, which bin/kiln.js runs
// while it is at least as new as every source file. Node then loads a few files instead of compiling
// some 900 TypeScript modules through tsx's loader at every start (issue 12 (b): the CLI's start).
//
// Split at the CLI's lazy imports (src/cli/main.ts loads each command's module when it is used):
// the code shared between commands and each command's own go to dist/kiln-<hash>.mjs chunks that
// dist/kiln.mjs imports as they are needed. In one file, every package any command imports is
// loaded at every start (ESM imports of packages are hoisted to the file's top): fastify, pg,
// prom-client and node-forge, which `kiln build` never uses, cost it ~0.25 s of its start.
// Chunks are named by their content; those the new bundle does not use are deleted once a day old,
// so a CLI still running from an earlier bundle (a long `kiln serve`) can still load its own.
//
// Packages stay outside the bundle (node_modules as they are). A module's `import.meta.url` and
// `import.meta.dirname` keep naming its own source file, not the bundle, so the files Kiln finds
// beside its code (fusermount-fd.py, qmp-run.py, web/dist) are found from either.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
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

const dist = resolve(root, 'dist');
const result = await build({
  entryPoints: { kiln: resolve(root, 'src/cli/main.ts') },
  outdir: dist,
  splitting: true,
  chunkNames: 'kiln-[hash]',
  outExtension: { '.js': '.mjs' },
  metafile: true,
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  plugins: [sourceLocations],
  logLevel: 'warning',
  banner: { js: '// Made by scripts/build-cli.mjs from src/: do not edit.' },
});

const made = new Set(Object.keys(result.metafile.outputs).map((file) => resolve(root, file)));
const DAY_MS = 24 * 60 * 60 * 1000;
for (const name of await readdir(dist)) {
  const file = resolve(dist, name);
  if (!/^kiln-\w+\.mjs$/.test(name) || made.has(file)) continue;
  if (Date.now() - (await stat(file)).mtimeMs > DAY_MS) await rm(file, { force: true });
}
