import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blobKeyProblem, formatBlobUrl, parseBlobUrl } from '../../src/core/blob-url.ts';

describe('blob URLs', () => {
  it('formats and parses back, encoding each segment', () => {
    const url = formatBlobUrl('https://kiln.example.com:8443/', 'EastUS', 'disks/a b/c#1.vhd');
    assert.equal(url, 'https://kiln.example.com:8443/blob/eastus/disks/a%20b/c%231.vhd');
    assert.deepEqual(parseBlobUrl(url), { region: 'eastus', key: 'disks/a b/c#1.vhd' });
  });

  it('accepts any host and ignores the query', () => {
    assert.deepEqual(parseBlobUrl('http://127.0.0.1:9000/blob/westus/vhds/x.vhd?sv=1&sig=abc'), {
      region: 'westus',
      key: 'vhds/x.vhd',
    });
    assert.deepEqual(parseBlobUrl(new URL('https://other-name/blob/westus/vhds/x.vhd')), { region: 'westus', key: 'vhds/x.vhd' });
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
