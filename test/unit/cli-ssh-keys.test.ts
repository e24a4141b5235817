// The key files `kiln vm create --generate-ssh-keys` makes are ones OpenSSH reads: `ssh-keygen -y`
// derives from each private key the public key written beside it (RSA in PEM, Ed25519 in OpenSSH's
// format), with az's modes; existing files are used, never replaced; a value that is neither a file
// nor a key is refused without --generate-ssh-keys.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Args } from '../../src/cli/arm/args.ts';
import { sshPublicKeys } from '../../src/cli/commands/vm-ssh-keys.ts';

describe('SSH key files of kiln vm create', () => {
  let home: string;
  const previousHome = process.env.HOME;
  const warnings: string[] = [];
  const keys = (values: Record<string, string | string[] | boolean>) =>
    sshPublicKeys(new Args(values), (text) => warnings.push(text));

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'kiln-ssh-keys-'));
    process.env.HOME = home;
  });
  after(async () => {
    process.env.HOME = previousHome;
    await rm(home, { recursive: true, force: true });
  });

  for (const [type, file, prefix] of [
    ['RSA', 'id_rsa', 'ssh-rsa '],
    ['Ed25519', 'id_ed25519', 'ssh-ed25519 '],
  ] as const)
    it(`makes an ${type} pair OpenSSH reads, then uses it as it is`, async () => {
      const [made] = await keys({ 'generate-ssh-keys': true, 'ssh-key-type': type });
      assert.ok(made.startsWith(prefix), made);
      const privateFile = join(home, '.ssh', file);
      assert.equal((await stat(privateFile)).mode & 0o777, 0o600);
      assert.equal((await stat(`${privateFile}.pub`)).mode & 0o777, 0o644);
      assert.equal((await stat(join(home, '.ssh'))).mode & 0o777, 0o700);
      const derived = spawnSync('ssh-keygen', ['-y', '-f', privateFile], { encoding: 'utf8' });
      assert.equal(derived.status, 0, derived.stderr);
      assert.equal(derived.stdout.trim(), made);
      assert.match(
        warnings.at(-1)!,
        new RegExp(`SSH key files '${privateFile}' and '${privateFile}.pub' have been generated`),
      );

      const privateKey = await readFile(privateFile, 'utf8');
      assert.deepEqual(await keys({ 'generate-ssh-keys': true, 'ssh-key-type': type }), [made]);
      assert.equal(await readFile(privateFile, 'utf8'), privateKey, 'an existing pair is used, not replaced');
    });

  it('takes keys and key files as given, and refuses anything else without --generate-ssh-keys', async () => {
    const rsa = (await readFile(join(home, '.ssh', 'id_rsa.pub'), 'utf8')).trim();
    const file = join(home, 'other.pub');
    await writeFile(file, `${rsa} someone\n`);
    assert.deepEqual(await keys({ 'ssh-key-values': [rsa, file] }), [rsa, `${rsa} someone`]);
    await assert.rejects(keys({ 'ssh-key-values': ['not-a-key'] }), /--generate-ssh-keys to let CLI generate one/);
    await assert.rejects(keys({ 'ssh-key-values': ['ssh-rsa AAAAC3NzaC1lZDI1NTE5'] }), /An RSA key file or key value/);
  });

  it('refuses to make a public key file whose private key exists', async () => {
    const privateFile = join(home, 'lonely');
    await writeFile(privateFile, 'a key of its own\n', { mode: 0o600 });
    await assert.rejects(
      keys({ 'ssh-key-values': [`${privateFile}.pub`], 'generate-ssh-keys': true }),
      /exists but its public key file .* does not; make it with 'ssh-keygen -y -f/,
    );
    assert.equal(await readFile(privateFile, 'utf8'), 'a key of its own\n');
  });
});
