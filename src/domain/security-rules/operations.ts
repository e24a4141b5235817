/**
 * Microsoft.Network/networkSecurityGroups/securityRules and defaultSecurityRules: one function per
 * REST operation (NRP has no PATCH for rules; default rules are read only). A rule lives in its
 * group's record, so every write rewrites the group, guarded by its etag, which is also the rule's.
 */
import { Problems } from '../../core/arm-error.ts';
import type { ResourceId } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { refuseOtherMembers } from '../network/fields.ts';
import { retryOnRace } from '../shared/retry-on-race.ts';
import { putOwnRecord } from '../network/own-record.ts';
import {
  findRule,
  networkSecurityGroupId,
  presentRule,
  securityRuleId,
  type NetworkSecurityGroup,
  type NetworkSecurityGroupData,
  type SecurityRule,
} from '../network-security-groups/network-security-group.ts';
import { checkRuleConflicts, checkSecurityRuleProperties } from '../network-security-groups/validate-security-rule.ts';
import { requireResource, resourceNotFound, type ResourceRecord } from '../shared/arm-resource.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import type { ResourceRef } from '../shared/resource-ref.ts';
import { requireResourceGroup, requireWritableResourceGroup } from '../shared/scope.ts';
import { checkComputeResourceName } from '../shared/validate.ts';

/** A rule: its own name, and its group's. */
export interface SecurityRuleRef extends ResourceRef {
  networkSecurityGroup: string;
}

type GroupRecord = ResourceRecord<NetworkSecurityGroup, Record<string, never>>;
type Collection = 'securityRules' | 'defaultSecurityRules';

const groupOf = (ref: Omit<SecurityRuleRef, 'name'>): ResourceId =>
  networkSecurityGroupId({
    subscription: ref.subscription,
    resourceGroup: ref.resourceGroup,
    name: ref.networkSecurityGroup,
  });

/** The rule's security group; a write also needs its resource group not being deleted. */
async function requireGroup(
  ctx: DomainContext,
  ref: Omit<SecurityRuleRef, 'name'>,
  write = false,
): Promise<GroupRecord> {
  await (write ? requireWritableResourceGroup : requireResourceGroup)(ctx, ref.subscription, ref.resourceGroup);
  return requireResource<NetworkSecurityGroup, Record<string, never>>(ctx, groupOf(ref));
}

/** PUT: 201 for a new rule, 200 for a replaced one; its priority must be free in its direction. */
export function createOrUpdateSecurityRule(
  ctx: DomainContext,
  ref: SecurityRuleRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
) {
  checkComputeResourceName(ref.name, 'name');
  return retryOnRace(async () => {
    const record = await requireGroup(ctx, ref, true);
    checkConditions(conditions, record.etag);
    const nsg = record.data.resource;
    const existing = findRule(nsg.properties.securityRules, ref.name);
    const id = securityRuleId(nsg.id, existing?.name ?? ref.name);
    const problems = new Problems();
    refuseOtherMembers(body, '', ['properties'], problems);
    const properties = checkSecurityRuleProperties(body.properties, 'properties', id, problems);
    problems.throwIfAny();
    const rule: SecurityRule = {
      id,
      name: existing?.name ?? ref.name,
      type: 'Microsoft.Network/networkSecurityGroups/securityRules',
      properties: properties!,
    };
    const others = nsg.properties.securityRules.filter((r) => r !== existing);
    checkRuleConflicts([...others.map((r) => ({ ...r, target: '' })), { ...rule, target: 'properties' }], problems);
    problems.throwIfAny();
    const rules = existing ? nsg.properties.securityRules.map((r) => (r === existing ? rule : r)) : [...others, rule];
    const data: NetworkSecurityGroupData = {
      resource: { ...nsg, properties: { ...nsg.properties, securityRules: rules } },
      internal: {},
    };
    const etag = await putOwnRecord(ctx, data, record, []);
    return { status: existing ? (200 as const) : (201 as const), body: presentRule(rule, etag), etag };
  });
}

async function getRuleIn(ctx: DomainContext, ref: SecurityRuleRef, collection: Collection) {
  const record = await requireGroup(ctx, ref);
  const rule = findRule(record.data.resource.properties[collection], ref.name);
  if (!rule)
    throw resourceNotFound({
      ...groupOf(ref),
      types: [
        ['networkSecurityGroups', ref.networkSecurityGroup],
        [collection, ref.name],
      ],
    });
  return { body: presentRule(rule, record.etag), etag: record.etag };
}

async function listRulesIn(ctx: DomainContext, ref: Omit<SecurityRuleRef, 'name'>, collection: Collection) {
  const record = await requireGroup(ctx, ref);
  return { value: record.data.resource.properties[collection].map((rule) => presentRule(rule, record.etag)) };
}

export const getSecurityRule = (ctx: DomainContext, ref: SecurityRuleRef) => getRuleIn(ctx, ref, 'securityRules');
export const listSecurityRules = (ctx: DomainContext, ref: Omit<SecurityRuleRef, 'name'>) =>
  listRulesIn(ctx, ref, 'securityRules');
export const getDefaultSecurityRule = (ctx: DomainContext, ref: SecurityRuleRef) =>
  getRuleIn(ctx, ref, 'defaultSecurityRules');
export const listDefaultSecurityRules = (ctx: DomainContext, ref: Omit<SecurityRuleRef, 'name'>) =>
  listRulesIn(ctx, ref, 'defaultSecurityRules');

export function deleteSecurityRule(ctx: DomainContext, ref: SecurityRuleRef, conditions?: Conditions) {
  return retryOnRace(async () => {
    const record = await requireGroup(ctx, ref);
    const nsg = record.data.resource;
    const existing = findRule(nsg.properties.securityRules, ref.name);
    checkConditions(conditions, existing && record.etag);
    if (!existing) return false;
    const rules = nsg.properties.securityRules.filter((r) => r !== existing);
    const data: NetworkSecurityGroupData = {
      resource: { ...nsg, properties: { ...nsg.properties, securityRules: rules } },
      internal: {},
    };
    await putOwnRecord(ctx, data, record, []);
    return true;
  });
}
