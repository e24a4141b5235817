#!/usr/bin/env node
// The CLI runs from dist/kiln.mjs, the bundle scripts/build-cli.mjs makes (`npm run build:cli`), while
// it is at least as new as every file under src/: node then loads one file. Otherwise (no bundle, or
// a source edited since) it runs the TypeScript itself through tsx, so a checkout needs no build step
// and an edit is never shadowed by an old bundle.
import { readdirSync, statSync } from 'node:fs';

const bundle = new URL('../dist/kiln.mjs', import.meta.url);
const src = new URL('../src/', import.meta.url);

function bundleIsCurrent() {
  let built;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && statSync(`${entry.parentPath}/${entry.name}`).mtimeMs > built) return false;
  }
  return true;
}

if (bundleIsCurrent()) await import(bundle.href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
