// What the API's access cache keeps of a token's verdict, and which store writes clear it
// (domain/authorization/access-cache.ts), with a verifier and a store the test stands in for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACCESS_CACHE_TTL_MS,
  createAccessCache,
  touchesAccess,
  watchAccessWrites,
} from '../../src/domain/authorization/access-cache.ts';
import { roleAssignmentKey, roleDefinitionKey } from '../../src/domain/authorization/records.ts';
import { parseScope } from '../../src/domain/authorization/scope.ts';
import { servicePrincipalKey } from '../../src/domain/identity/service-principals.ts';
import type { TokenCheck } from '../../src/domain/identity/token-authority.ts';
import { ExpectationFailedError, type MetadataStore, type Write } from '../../src/ports/metadata-store.ts';

function setup() {
  let now = Date.parse('2030-01-01T00:00:00Z');
  const cache = createAccessCache({ now: () => new Date(now) });
  const verdicts: TokenCheck[] = [];
  let verified = 0;
  const verifier = cache.tokens({
    verify: async () => {
      verified += 1;
      return verdicts.shift()!;
    },
  });
  const admit = (expInMs: number): TokenCheck => ({
    ok: true,
    claims: { tid: 't', oid: 'o', appid: 'a', aud: 'https://management.azure.com/', exp: (now + expInMs) / 1000 },
  });
  return { cache, verifier, verdicts, admit, verified: () => verified, advance: (ms: number) => (now += ms) };
}

describe('access cache', () => {
  it('keeps an admitted token for ACCESS_CACHE_TTL_MS and then asks the verifier again', async () => {
    const { verifier, verdicts, admit, verified, advance } = setup();
    verdicts.push(admit(3600_000), { ok: false, reason: 'service principal a no longer exists' });
    assert.equal((await verifier.verify('t1')).ok, true);
    advance(ACCESS_CACHE_TTL_MS - 1);
    assert.equal((await verifier.verify('t1')).ok, true);
    assert.equal(verified(), 1);
    advance(1);
    assert.deepEqual(await verifier.verify('t1'), { ok: false, reason: 'service principal a no longer exists' });
    assert.equal(verified(), 2);
  });

  it('never serves a kept token at or past its exp: the verifier decides again', async () => {
    const { verifier, verdicts, admit, verified, advance } = setup();
    verdicts.push(admit(300), { ok: false, reason: 'token has expired' });
    assert.equal((await verifier.verify('t1')).ok, true);
    advance(299);
    assert.equal((await verifier.verify('t1')).ok, true);
    advance(1);
    assert.deepEqual(await verifier.verify('t1'), { ok: false, reason: 'token has expired' });
    assert.equal(verified(), 2);
  });

  it('keeps no refusal, and keys verdicts by the exact token', async () => {
    const { verifier, verdicts, admit, verified } = setup();
    verdicts.push({ ok: false, reason: 'token signature is invalid' }, admit(3600_000), admit(3600_000));
    assert.equal((await verifier.verify('forged')).ok, false);
    assert.equal((await verifier.verify('forged')).ok, true, 'the refusal was not kept: verified again');
    assert.equal((await verifier.verify('forged ')).ok, true);
    assert.equal(verified(), 3);
  });

  it('shares kept claims frozen, so no request changes them for the others', async () => {
    const { verifier, verdicts, admit } = setup();
    verdicts.push(admit(3600_000));
    const check = await verifier.verify('t1');
    assert.ok(check.ok && Object.isFrozen(check.claims));
  });

  it('is cleared by writes of role assignments, role definitions and service principals, and by no others', () => {
    const scope = parseScope('/subscriptions/s/resourceGroups/g')!;
    const put = (key: string): Write => ({
      op: 'put',
      record: { key, kind: 'k', subscription: '', resourceGroup: null, parent: null, data: {} },
    });
    for (const key of [
      roleAssignmentKey(scope, 'a'),
      roleAssignmentKey(parseScope('/')!, 'a'),
      roleDefinitionKey('d'),
      servicePrincipalKey('p'),
    ]) {
      assert.ok(touchesAccess(put(key)), key);
      assert.ok(touchesAccess({ op: 'delete', key }), key);
    }
    for (const key of ['/subscriptions/s/resourcegroups/g', '/principals/p', '/kiln/jobs/1'])
      assert.ok(!touchesAccess({ op: 'delete', key }), key);
  });

  it('clears after a batch that touches access, also when the batch fails', async () => {
    let cleared = 0;
    let fail = false;
    const inner = {
      apply: async () => {
        if (fail) throw new ExpectationFailedError('k', { absent: true });
        return [];
      },
    } as unknown as MetadataStore;
    const store = watchAccessWrites(inner, { clear: () => (cleared += 1) });
    await store.apply([{ op: 'delete', key: '/kiln/jobs/1' }]);
    assert.equal(cleared, 0);
    await store.apply([
      { op: 'delete', key: '/kiln/jobs/1' },
      { op: 'delete', key: roleDefinitionKey('d') },
    ]);
    assert.equal(cleared, 1);
    fail = true;
    await assert.rejects(store.apply([{ op: 'delete', key: servicePrincipalKey('p') }]), ExpectationFailedError);
    assert.equal(cleared, 2);
  });
});
