import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadOrCreateSigningKey } from '../../src/app/signing-key.ts';

it('creates the token signing key once, private to its owner, with a stable kid', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-signing-'));
  try {
    const first = await loadOrCreateSigningKey(dir);
    const again = await loadOrCreateSigningKey(dir);
    assert.equal(again.kid, first.kid);
    assert.ok(again.privateKey.equals(first.privateKey));
    assert.equal((await stat(join(dir, 'keys', 'token-signing.pem'))).mode & 0o777, 0o600);
    const other = await loadOrCreateSigningKey(join(dir, 'other'));
    assert.notEqual(other.kid, first.kid);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
