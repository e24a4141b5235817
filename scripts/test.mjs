#!/usr/bin/env node
// The whole test suite: type check, lint, format check, then every test under test/ with Node's test runner.
// It starts what the tests need: a PostgreSQL server (when none answers), a CA for the HTTPS tests,
// and Debian's azure-cli for the test that drives it.
import { execFileSync, spawnSync } from 'node:child_process';
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

run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root]);
run(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), 'src', 'test', 'scripts', 'bench']);
// The formatter's verdict (.prettierrc.json); `npm run format` fixes what it reports.
run(process.execPath, [
  join(root, 'node_modules/prettier/bin/prettier.cjs'),
  '--check',
  '--log-level',
  'warn',
  'src',
  'test',
  'scripts',
  'bench',
  'eslint.config.js',
]);

// The files that boot Debian VMs under TCG take minutes where the others take seconds (each run alone
// on this 2-core host: vm-build 700 s, virtual-machines 290 s, azure-cli-vm 205 s, debian-boot 175 s,
// cli-vm 165 s, vm-capture 130 s; of the other 109 files none passed 85 s, most under 20 s). In name
// order vm-build starts some 18 minutes in and runs on alone for its last 6, one core idle; started
// first, the short files fill the other slot around the long ones (by those times: 30.0 min of
// tests become 27.3). The rest follow in name order.
const LONGEST_FIRST = [
  'test/e2e/vm-build.test.ts',
  'test/api/virtual-machines.sdk.test.ts',
  'test/e2e/azure-cli-vm.test.ts',
  'test/e2e/debian-boot.test.ts',
  'test/e2e/cli-vm.test.ts',
  'test/api/vm-capture.sdk.test.ts',
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

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return findTests(path);
      return entry.name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}
