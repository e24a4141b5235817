/** Checks a network security group PUT body, reporting every bad field at once with its JSON path. */
import { Problems } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { arrayAt, checkEnvelope, checkNetworkName, checkUniqueNames, refuseOtherMembers } from '../network/fields.ts';
import { booleanAt, isObject } from '../shared/validate.ts';
import { securityRuleId, type SecurityRule } from './network-security-group.ts';
import { checkRuleConflicts, checkSecurityRuleProperties } from './validate-security-rule.ts';

export interface NetworkSecurityGroupSpec {
  location: string;
  tags?: Record<string, string>;
  flushConnection: boolean;
  securityRules: SecurityRule[];
}

export function validateNetworkSecurityGroupBody(
  ctx: DomainContext,
  body: Record<string, unknown>,
  id: string,
): NetworkSecurityGroupSpec {
  const problems = new Problems();
  const { location, tags, props } = checkEnvelope(ctx, body, problems);
  refuseOtherMembers(props, 'properties', ['securityRules', 'flushConnection'], problems, [
    'defaultSecurityRules',
    'networkInterfaces',
    'subnets',
    'flowLogs',
  ]);
  const flushConnection = booleanAt(props.flushConnection, 'properties.flushConnection', problems) ?? false;
  const rules: Array<SecurityRule & { target: string }> = [];
  const names = arrayAt(props.securityRules, 'properties.securityRules', problems).map((raw, i) => {
    const target = `properties.securityRules[${i}]`;
    if (!isObject(raw)) {
      problems.add(target, `'${target}' must be an object.`);
      return undefined;
    }
    refuseOtherMembers(raw, target, ['name', 'properties'], problems);
    const name = checkNetworkName(raw.name, `${target}.name`, problems);
    const ruleId = securityRuleId(id, name ?? '');
    const properties = checkSecurityRuleProperties(raw.properties, `${target}.properties`, ruleId, problems);
    if (name && properties)
      rules.push({
        id: ruleId,
        name,
        type: 'Microsoft.Network/networkSecurityGroups/securityRules',
        properties,
        target: `${target}.properties`,
      });
    return name;
  });
  checkUniqueNames(names, (i) => `properties.securityRules[${i}]`, problems);
  checkRuleConflicts(rules, problems);
  problems.throwIfAny();
  return { location, tags, flushConnection, securityRules: rules.map(({ target: _, ...rule }) => rule) };
}
