// resourceKey (core/resource-id.ts): the store key of an id is the id lower-cased with one leading
// slash and none at the end, whether the id comes in that shape already (the quick path every GET
// takes) or not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resourceKey } from '../../src/core/resource-id.ts';

describe('resourceKey', () => {
  it('lower-cases an id, with one leading slash and none at the end', () => {
    const keys: Array<[string, string]> = [
      ['/subscriptions/S/resourceGroups/G', '/subscriptions/s/resourcegroups/g'],
      ['subscriptions/S', '/subscriptions/s'],
      ['//subscriptions/S//', '/subscriptions/s'],
      ['/subscriptions/S/', '/subscriptions/s'],
      ['/a//b', '/a//b'],
      ['/A', '/a'],
      ['/', '/'],
      ['///', '/'],
      ['', '/'],
    ];
    for (const [id, key] of keys) assert.equal(resourceKey(id), key, `'${id}'`);
    assert.equal(
      resourceKey({
        subscription: 'S',
        resourceGroup: 'G',
        namespace: 'Microsoft.Compute',
        types: [['galleries', 'X']],
      }),
      '/subscriptions/s/resourcegroups/g/providers/microsoft.compute/galleries/x',
    );
  });
});
