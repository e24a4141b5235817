import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blobKeyProblem, formatBlobUrl, parseBlobPath, parseBlobUrl, userBlobKey } from '../../src/core/blob-url.ts';

describe('blob URLs', () => {
  it('formats and parses back, encoding each segment', () => {
    const url = formatBlobUrl('https://kiln.example.com:8443/', 'EastUS', 'disks/a b/c#1.vhd');
    assert.equal(url, 'https://kiln.example.com:8443/blob/eastus/disks/a%20b/c%231.vhd');
    assert.deepEqual(parseBlobUrl(url), {
      region: 'eastus',
      container: 'disks',
      name: 'a b/c#1.vhd',
      key: '$user/disks/a b/c#1.vhd',
      signed: false,
    });
  });

  it('names a user blob without a SAS, and the signed key with one; any host', () => {
    assert.deepEqual(parseBlobUrl('http://127.0.0.1:9000/blob/westus/vhds/x.vhd?sv=1&sig=abc'), {
      region: 'westus',
      container: 'vhds',
      name: 'x.vhd',
      key: 'vhds/x.vhd',
      signed: true,
    });
    assert.equal(parseBlobUrl(new URL('https://other-name/blob/westus/vhds/x.vhd'))?.key, '$user/vhds/x.vhd');
    assert.equal(userBlobKey('vhds', 'a/b.vhd'), '$user/vhds/a/b.vhd');
    assert.throws(() => userBlobKey('$user', 'x'));
  });

  it('parses a raw path once, refusing what normalisation would change', () => {
    assert.deepEqual(parseBlobPath('/blob/EastUS/c1'), { region: 'eastus', container: 'c1' });
    assert.deepEqual(parseBlobPath('/blob/eastus/c1/a%20b/x'), { region: 'eastus', container: 'c1', name: 'a b/x' });
    for (const path of [
      '/blob/eastus/../westus/c1/x',
      '/blob/eastus/%2e%2e/westus/c1/x',
      '/blob/eastus/.%2e/westus/c1/x',
      '/blob/eastus/%2E./westus/c1/x',
      '/blob/eastus/c1/./x',
      '/blob/eastus/c1/a%2fb',
      '/blob/eastus/c1/a%5Cb',
      '/blob/eastus/c1\\..\\x',
      '/blob/eastus//c1/x',
      '/blob/eastus/c1/x%00',
      '/blob/eastus/c1/%zz',
      '/other/eastus/c1/x',
    ]) {
      assert.ok('problem' in parseBlobPath(path), path);
    }
    // A string is parsed raw, not through URL's normalisation.
    assert.equal(parseBlobUrl('https://h/blob/eastus/../westus/c1/x'), undefined);
    assert.equal(parseBlobUrl('https://h/blob/eastus/%2e%2e/westus/c1/x'), undefined);
  });

  it('rejects what is not a blob URL', () => {
    for (const url of [
      'not a url',
      'https://h/other/westus/c/x.vhd',
      'https://h/blob/westus/container-only',
      'https://h/blob/westus/c//x.vhd',
      'https://h/blob//c/x.vhd',
      'https://h/blob/westus/c/%2e%2e%2fx.vhd',
      'https://h/blob/westus/c/%E0%A4%A.vhd',
      'https://h/blob/westus/Not_A_Container/x.vhd',
    ]) {
      assert.equal(parseBlobUrl(url), undefined, url);
    }
  });

  it('refuses a base URL with a path', () => {
    assert.throws(() => formatBlobUrl('https://h/kiln', 'eastus', 'c/x.vhd'));
  });

  it('names what is wrong with a key', () => {
    assert.equal(blobKeyProblem('disks/0b1c/abcd.vhd'), undefined);
    for (const key of ['', '/abs', 'a//b', 'a/', './a', 'a/../b', 'a\0b', 'x'.repeat(1025)]) {
      assert.notEqual(blobKeyProblem(key), undefined, JSON.stringify(key).slice(0, 20));
    }
  });
});
