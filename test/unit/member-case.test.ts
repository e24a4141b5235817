// Azure reads a request's JSON members without case. Microsoft.Network's checks accept `Properties`
// for `properties`: the member is renamed to Kiln's spelling, so the checks after it read what was
// sent instead of passing it over, and the linked-access check of the ids a body names finds them
// whatever their case, so a differently cased reference cannot skip its authorization.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Problems } from '../../src/core/arm-error.ts';
import { NETWORK_INTERFACE_TYPE } from '../../src/domain/network-interfaces/descriptor.ts';
import { refuseUnknownFields } from '../../src/domain/shared/validate.ts';
import { linkedAccess } from '../../src/http/arm/linked-access.ts';

const NSG = '/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/networkSecurityGroups/nsg';

it('renames a member spelled in another case to the spelling the checks read', () => {
  const body: Record<string, unknown> = { Properties: { a: 1 }, LOCATION: 'westus', tags: {} };
  const problems = new Problems();
  refuseUnknownFields(body, ['location', 'tags', 'properties'], '', problems, { ignoreCase: true });
  assert.equal(problems.count, 0);
  assert.deepEqual(body, { properties: { a: 1 }, location: 'westus', tags: {} });
});

it('refuses one member given twice in two cases, and keeps case where the check asks for it', () => {
  const twice: Record<string, unknown> = { properties: {}, Properties: { a: 1 } };
  const problems = new Problems();
  refuseUnknownFields(twice, ['properties'], 'x', problems, { ignoreCase: true });
  assert.throws(
    () => problems.throwIfAny(),
    (error: Error & { target?: string }) => error.target === 'x.Properties' && /repeats the member/.test(error.message),
  );
  const exact: Record<string, unknown> = { Properties: {} };
  const strict = new Problems();
  refuseUnknownFields(exact, ['properties'], '', strict);
  assert.equal(strict.count, 1, 'without ignoreCase another spelling is an unknown field');
  assert.deepEqual(Object.keys(exact), ['Properties']);
});

it('finds the ids a body names whatever the case of its members', () => {
  const body = { Properties: { NetworkSecurityGroup: { ID: NSG } } };
  assert.deepEqual(linkedAccess(NETWORK_INTERFACE_TYPE, body), [
    {
      action: 'Microsoft.Network/networkSecurityGroups/join/action',
      scope: NSG,
      field: 'properties.networkSecurityGroup.id',
    },
  ]);
});
