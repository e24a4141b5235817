#!/usr/bin/env node
// The whole test suite: type check, lint, format check, then every test under test/ with Node's test runner.
// It starts what the tests need: a PostgreSQL server (when none answers), a CA for the HTTPS tests,
// and Debian's azure-cli for the test that drives it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const root = resolve(import.meta.dirname, '..');
const run = (cmd, args, env = process.env) => {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

const postgresUrl = execFileSync('bash', [join(root, 'scripts/ensure-postgres.sh')], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
})
  .trim()
  .split('\n')
  .pop();
run('bash', [join(root, 'scripts/ensure-azure-cli.sh')]);
const caDir = join(tmpdir(), 'kiln-test-ca');
mkdirSync(caDir, { recursive: true });
const caPath = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/test-ca.ts'), caDir], {
  cwd: root,
  encoding: 'utf8',
})
  .trim()
  .split('\n')
  .pop();

// The checks only read the code: they run side by side (25 s instead of 33 s one after the other
// here, medians of 4), and the tests start once all three have passed.
await all([
  [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root],
  [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', join(root, 'web')],
  [join(root, 'node_modules/eslint/bin/eslint.js'), 'src', 'test', 'scripts', 'bench', 'web', 'eslint.config.js'],
  // The formatter's verdict (.prettierrc.json); `npm run format` fixes what it reports.
  [
    join(root, 'node_modules/prettier/bin/prettier.cjs'),
    '--check',
    '--log-level',
    'warn',
    'src',
    'test',
    'scripts',
    'bench',
    'web',
    'eslint.config.js',
  ],
]);
// The portal as the tests' servers serve it: built from the sources checked above, whatever web/dist held.
run(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', join(root, 'web'), '--logLevel', 'warn']);

// The files that boot Debian VMs under TCG take minutes where most others take seconds (in a whole
// run of .ci/run at fd259b3: vm-build 531 s, virtual-machines 377, debian-boot 170, cli-vm 161,
// azure-cli-vm 127; of the other files only run-disk-limit passed 80 s, most took under 10). In name
// order vm-build starts some 14 minutes in and ends alone, one core idle for its last 2.5; started
// first, the short files fill the other slot around the long ones. By that run's per-file times the
// tests take 22.1 min this way and 23.2 in name order; that run took 21.9. The rest follow in name order.
const LONGEST_FIRST = [
  'test/e2e/vm-build.test.ts',
  'test/api/virtual-machines.sdk.test.ts',
  'test/e2e/azure-cli-vm.test.ts',
  'test/e2e/debian-boot.test.ts',
  'test/e2e/cli-vm.test.ts',
].map((file) => join(root, file));

const only = process.argv.slice(2);
const files = only.length > 0 ? only : longestFirst(findTests(join(root, 'test')));
const env = {
  ...process.env,
  KILN_TEST_POSTGRES_URL: postgresUrl,
  KILN_TEST_TLS_DIR: join(caDir, 'tls'),
  NODE_EXTRA_CA_CERTS: caPath,
};
// Not `node --test`: it sorts the files it is given. test-in-order.mjs starts them in this order.
run(process.execPath, ['--import', 'tsx', join(root, 'scripts/test-in-order.mjs'), ...files], env);

/** LONGEST_FIRST's files that exist, then the others in the order found. */
function longestFirst(found) {
  return [...LONGEST_FIRST.filter((file) => found.includes(file)), ...found.filter((f) => !LONGEST_FIRST.includes(f))];
}

/** Runs each Node script with its arguments at once; exits with the first failure's status once all have ended. */
async function all(scripts) {
  const statuses = await Promise.all(
    scripts.map(
      (args) =>
        new Promise((done) =>
          spawn(process.execPath, args, { cwd: root, stdio: 'inherit' }).once('close', (code) => done(code ?? 1)),
        ),
    ),
  );
  const failed = statuses.find((status) => status !== 0);
  if (failed !== undefined) process.exit(failed);
}

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return findTests(path);
      return entry.name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}
