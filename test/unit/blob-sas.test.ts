import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signBlobAccess, verifyBlobAccess } from '../../src/core/blob-sas.ts';

const secret = Buffer.from('0123456789abcdef0123456789abcdef');
const now = new Date('2030-01-01T12:00:00.000Z');
const expiresOn = new Date('2030-01-01T13:00:00.750Z');

describe('blob SAS', () => {
  it('is an Azure-style service SAS query', () => {
    const query = new URLSearchParams(
      signBlobAccess(secret, { region: 'eastus', key: 'c/x.vhd', permissions: 'r', expiresOn, identifier: 'grant-1' }),
    );
    assert.deepEqual([...query.keys()], ['sv', 'sr', 'sp', 'se', 'si', 'sig']);
    assert.equal(query.get('sr'), 'b');
    assert.equal(query.get('sp'), 'r');
    assert.equal(query.get('se'), '2030-01-01T13:00:00Z');
    assert.equal(Buffer.from(query.get('sig')!, 'base64').length, 32);
  });

  it('grants reads of the sealed blob, and read-write of the staging blob', () => {
    const read = signBlobAccess(secret, {
      region: 'eastus',
      key: 'c/x.vhd',
      permissions: 'r',
      expiresOn,
      identifier: 'grant-1',
    });
    assert.deepEqual(verifyBlobAccess(secret, 'eastus', 'c/x.vhd', read, now), {
      ok: true,
      permissions: 'r',
      staging: false,
      identifier: 'grant-1',
    });
    const write = signBlobAccess(secret, {
      region: 'EastUS',
      key: 'c/x.vhd',
      permissions: 'rw',
      expiresOn,
      identifier: 'grant-1',
    });
    assert.deepEqual(verifyBlobAccess(secret, 'eastus', 'c/x.vhd', new URLSearchParams(write), now), {
      ok: true,
      permissions: 'rw',
      staging: true,
      identifier: 'grant-1',
    });
  });

  it('refuses other blobs, regions, secrets, tampered fields and expired grants', () => {
    const sas = signBlobAccess(secret, {
      region: 'eastus',
      key: 'c/x.vhd',
      permissions: 'r',
      expiresOn,
      identifier: 'grant-1',
    });
    const tampered = (name: string, value: string) => {
      const query = new URLSearchParams(sas);
      query.set(name, value);
      return query;
    };
    const refusals: Array<[string, ReturnType<typeof verifyBlobAccess>]> = [
      ['other key', verifyBlobAccess(secret, 'eastus', 'c/y.vhd', sas, now)],
      ['other region', verifyBlobAccess(secret, 'westus', 'c/x.vhd', sas, now)],
      ['other secret', verifyBlobAccess(Buffer.from('another secret'), 'eastus', 'c/x.vhd', sas, now)],
      ['widened permissions', verifyBlobAccess(secret, 'eastus', 'c/x.vhd', tampered('sp', 'rw'), now)],
      ['other grant', verifyBlobAccess(secret, 'eastus', 'c/x.vhd', tampered('si', 'grant-2'), now)],
      ['later expiry', verifyBlobAccess(secret, 'eastus', 'c/x.vhd', tampered('se', '2031-01-01T00:00:00Z'), now)],
      ['flipped signature', verifyBlobAccess(secret, 'eastus', 'c/x.vhd', tampered('sig', 'A'.repeat(43) + '='), now)],
      ['missing signature', verifyBlobAccess(secret, 'eastus', 'c/x.vhd', sas.replace(/&sig=.*/, ''), now)],
      ['repeated field', verifyBlobAccess(secret, 'eastus', 'c/x.vhd', `${sas}&sp=r`, now)],
      ['expired', verifyBlobAccess(secret, 'eastus', 'c/x.vhd', sas, new Date('2030-01-01T13:00:00Z'))],
    ];
    for (const [what, check] of refusals) assert.equal(check.ok, false, what);
    const expired = refusals.at(-1)![1];
    assert.match(
      expired.ok ? '' : expired.reason,
      /^Signed expiry time \[Tue, 01 Jan 2030 13:00:00 GMT\] has to be after current time/,
    );
    const forged = refusals[4][1];
    assert.equal(forged.ok ? '' : forged.reason, 'Signature did not match.');
  });
});
