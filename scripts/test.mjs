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

const only = process.argv.slice(2);
const files = only.length > 0 ? only : findTests(join(root, 'test'));
const env = {
  ...process.env,
  KILN_TEST_POSTGRES_URL: postgresUrl,
  KILN_TEST_TLS_DIR: join(caDir, 'tls'),
  NODE_EXTRA_CA_CERTS: caPath,
};
run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], env);

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return findTests(path);
      return entry.name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}
