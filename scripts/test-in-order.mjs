#!/usr/bin/env node
// Node's test runner over the files given, two at a time, each started in the order given: `node --test`
// sorts the files it is handed, and scripts/test.mjs wants its longest files to start first. Run it with
// `--import tsx`, which every test process inherits. It reports as `node --test` does (spec on a
// terminal, TAP otherwise) and exits 1 when a test failed (a failing `todo` test does not count).
// The report holds a file's results back until the files before it are reported, so with the longest
// first it would show nothing for minutes: each file's end and time go to stderr as they happen.
import { relative, resolve } from 'node:path';
import { run } from 'node:test';
import { spec, tap } from 'node:test/reporters';

const files = process.argv.slice(2).map((file) => resolve(file));
run({ files, concurrency: 2 })
  .on('test:fail', (event) => {
    if (!event.todo) process.exitCode = 1;
  })
  .on('test:complete', (event) => {
    // A file's own test is named by its path; the tests in it are not.
    if (event.nesting !== 0 || event.name !== event.file) return;
    const seconds = (event.details.duration_ms / 1000).toFixed(1);
    process.stderr.write(`# ${relative(process.cwd(), event.file)} ended after ${seconds} s\n`);
  })
  .compose(process.stdout.isTTY ? spec : tap)
  .pipe(process.stdout);
