import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { publicKeyToJwk, signJwt, verifyJwt } from '../../src/core/jwt.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keys = new Map([['k1', publicKey]]);
const now = new Date('2030-01-01T00:00:00Z');
const epoch = now.getTime() / 1000;

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('jwt', () => {
  it('round-trips claims through sign and verify', () => {
    const token = signJwt({ sub: 'a', exp: epoch + 60 }, privateKey, 'k1');
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
    assert.deepEqual(header, { typ: 'JWT', alg: 'RS256', kid: 'k1' });
    assert.deepEqual(verifyJwt(token, keys, { now }), { ok: true, claims: { sub: 'a', exp: epoch + 60 } });
  });

  it('rejects a token signed by another key under a known kid', () => {
    const token = signJwt({ exp: epoch + 60 }, other.privateKey, 'k1');
    assert.deepEqual(verifyJwt(token, keys, { now }), { ok: false, reason: 'token signature is invalid' });
  });

  it('rejects an unknown kid', () => {
    const token = signJwt({ exp: epoch + 60 }, privateKey, 'k2');
    assert.deepEqual(verifyJwt(token, keys, { now }), { ok: false, reason: 'token signed with an unknown key' });
  });

  it('rejects tampered claims', () => {
    const [header, , signature] = signJwt({ sub: 'a', exp: epoch + 60 }, privateKey, 'k1').split('.');
    const forged = `${header}.${segment({ sub: 'admin', exp: epoch + 60 })}.${signature}`;
    assert.equal(verifyJwt(forged, keys, { now }).ok, false);
  });

  it('rejects algorithms other than RS256, including none', () => {
    const unsigned = `${segment({ alg: 'none', kid: 'k1' })}.${segment({ exp: epoch + 60 })}.`;
    assert.deepEqual(verifyJwt(unsigned, keys, { now }), { ok: false, reason: 'unsupported algorithm none' });
    const hs = `${segment({ alg: 'HS256', kid: 'k1' })}.${segment({ exp: epoch + 60 })}.c2ln`;
    assert.equal(verifyJwt(hs, keys, { now }).ok, false);
  });

  it('enforces exp and nbf within the clock skew', () => {
    const expired = signJwt({ exp: epoch - 301 }, privateKey, 'k1');
    assert.deepEqual(verifyJwt(expired, keys, { now }), { ok: false, reason: 'token has expired' });
    const withinSkew = signJwt({ exp: epoch - 299 }, privateKey, 'k1');
    assert.equal(verifyJwt(withinSkew, keys, { now }).ok, true);
    assert.equal(verifyJwt(withinSkew, keys, { now, clockSkewSeconds: 0 }).ok, false);
    const early = signJwt({ exp: epoch + 3600, nbf: epoch + 301 }, privateKey, 'k1');
    assert.deepEqual(verifyJwt(early, keys, { now }), { ok: false, reason: 'token is not yet valid' });
    const noExpiry = signJwt({ sub: 'a' }, privateKey, 'k1');
    assert.deepEqual(verifyJwt(noExpiry, keys, { now }), { ok: false, reason: 'token has no expiry' });
  });

  it('rejects malformed tokens', () => {
    for (const token of ['', 'a.b', 'a.b.c.d', '!!.e30.', `${segment({ alg: 'RS256', kid: 'k1' })}.e30.!!`]) {
      assert.equal(verifyJwt(token, keys, { now }).ok, false, token);
    }
  });

  it('exports the public key as a JWK that verifies signatures', () => {
    const jwk = publicKeyToJwk(publicKey, 'k1');
    assert.deepEqual(Object.keys(jwk).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
    assert.deepEqual(publicKeyToJwk(privateKey, 'k1'), jwk);
    const [header, claims, signature] = signJwt({ exp: epoch }, privateKey, 'k1').split('.');
    const key = createPublicKey({ key: { ...jwk }, format: 'jwk' });
    assert.ok(verify('sha256', Buffer.from(`${header}.${claims}`), key, Buffer.from(signature, 'base64url')));
  });
});
