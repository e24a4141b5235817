// ARM's $filter of the generic resource lists (domain/resources/resource-filter.ts): what each form
// matches, what it pins for the store, and what ARM refuses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseResourceFilter, type FilteredResource } from '../../src/domain/resources/resource-filter.ts';

const shelf: FilteredResource = {
  resourceType: 'Microsoft.Compute/galleries',
  name: "o'brien-shelf",
  location: 'westus',
  resourceGroup: 'Images',
  tags: { Env: 'Prod' },
};
const matches = (filter: string, resource = shelf) => parseResourceFilter(filter).test(resource);

describe('generic resource $filter', () => {
  it('matches each form as ARM does', () => {
    assert.ok(matches(''));
    assert.ok(matches("resourceType eq 'microsoft.compute/galleries'"));
    assert.ok(matches("name eq 'O''BRIEN-SHELF'"), "'' stands for '");
    assert.ok(matches("location eq 'West US'"));
    assert.ok(matches("resourceGroup ne 'other'"));
    assert.ok(matches("(substringof('x', name) or substringof('IMAG', resourceGroup)) and location eq 'westus'"));
    assert.ok(!matches("substringof('x', name) or resourceType eq 'Microsoft.Compute/disks'"));
    assert.ok(matches("tagName eq 'env'"));
    assert.ok(matches("tagName eq 'env' and tagValue eq 'Prod'"));
    assert.ok(!matches("tagName eq 'env' and tagValue eq 'prod'"), 'values keep their case');
    assert.ok(matches("startswith(tagName, 'EN')"));
  });

  it('pins the type and group a conjunction names, and nothing under or', () => {
    const pinned = parseResourceFilter("resourceGroup eq 'Images' and resourceType eq 'Microsoft.Compute/Galleries'");
    assert.equal(pinned.type, 'microsoft.compute/galleries');
    assert.equal(pinned.resourceGroup, 'images');
    const either = parseResourceFilter("resourceType eq 'a/b' or resourceType eq 'c/d'");
    assert.equal(either.type, undefined);
  });

  it('refuses what ARM refuses, naming the filter', () => {
    for (const filter of [
      "tagName eq 'env' and name eq 'x'",
      "tagName eq 'a' and tagName eq 'b'",
      "tagValue eq 'x'",
      "identity eq 'x'",
      "substringof('x', location)",
      "name eq 'x' xor name eq 'y'",
      "name eq 'unterminated",
      "(name eq 'x'",
    ])
      assert.throws(
        () => parseResourceFilter(filter),
        (error: { status: number; code: string; message: string }) =>
          error.status === 400 && error.code === 'InvalidFilterInQueryString' && error.message.includes(filter),
        filter,
      );
  });
});
