// Client secrets Kiln generates go onto command lines as `kiln login -p SECRET` (and az's): every one
// must parse as the flag's value. One in 64 used to begin with '-', which the parser takes for a flag,
// so `kiln login` exited 2 at random (the e2e suites that log in with a fresh server's admin).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFlags } from '../../src/cli/arm/args.ts';
import { login } from '../../src/cli/commands/login.ts';
import { newClientSecret } from '../../src/domain/identity/service-principals.ts';

// With one bad secret in 64, all 5000 draws pass by chance with probability (63/64)^5000 < 1e-34.
const DRAWS = 5000;

describe('generated client secrets', () => {
  it('are 240-bit URL-safe strings that `kiln login -p SECRET` takes as the password', () => {
    const seen = new Set<string>();
    for (let i = 0; i < DRAWS; i++) {
      const secret = newClientSecret();
      assert.match(secret, /^[A-Za-z0-9_-]{40}$/);
      const args = parseFlags(
        ['--service-principal', '-u', 'app', '-p', secret, '--tenant', 't', '--server', 'https://127.0.0.1:8443'],
        login.flags,
      );
      assert.equal(args.string('password'), secret);
      seen.add(secret);
    }
    assert.equal(seen.size, DRAWS, 'no secret repeats');
  });

  it('still begin with every other URL-safe character', () => {
    const firsts = new Set(Array.from({ length: DRAWS }, () => newClientSecret()[0]));
    assert.equal(firsts.size, 63, [...firsts].sort().join(''));
  });
});
