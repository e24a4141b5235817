/** Routes of Microsoft.Network/networkSecurityGroups, their securityRules and defaultSecurityRules. */
import type { FastifyInstance } from 'fastify';
import { NETWORK_SECURITY_GROUP_TYPE } from '../../domain/network-security-groups/descriptor.ts';
import {
  createOrUpdateNetworkSecurityGroup,
  deleteNetworkSecurityGroup,
  getNetworkSecurityGroup,
  listNetworkSecurityGroups,
  updateNetworkSecurityGroupTags,
} from '../../domain/network-security-groups/operations.ts';
import { DEFAULT_SECURITY_RULE_TYPE, SECURITY_RULE_TYPE } from '../../domain/security-rules/descriptor.ts';
import {
  createOrUpdateSecurityRule,
  deleteSecurityRule,
  getDefaultSecurityRule,
  getSecurityRule,
  listDefaultSecurityRules,
  listSecurityRules,
  type SecurityRuleRef,
} from '../../domain/security-rules/operations.ts';
import type { ListScope, ResourceRef } from '../../domain/shared/resource-ref.ts';
import { armRoute, jsonBody, refOf, routePath } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest, sendPage, sendResource } from '../arm/reply.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import type { AppDeps } from '../deps.ts';

export function registerNetworkSecurityGroupRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  registerResourceRoutes<ResourceRef, ListScope>(scope, deps, {
    type: NETWORK_SECURITY_GROUP_TYPE,
    put: (ref, request) => createOrUpdateNetworkSecurityGroup(domain, ref, jsonBody(request), conditionsOf(request)),
    async patch(ref, request) {
      const updated = await updateNetworkSecurityGroupTags(domain, ref, jsonBody(request), conditionsOf(request));
      return { status: 200, ...updated };
    },
    get: (ref) => getNetworkSecurityGroup(domain, ref),
    delete: (ref, request) => deleteNetworkSecurityGroup(domain, ref, conditionsOf(request)),
    list: (where, request) => listNetworkSecurityGroups(domain, where, pageRequest(request)),
  });

  registerResourceRoutes<SecurityRuleRef, Omit<SecurityRuleRef, 'name'>>(scope, deps, {
    type: SECURITY_RULE_TYPE,
    put: (ref, request) => createOrUpdateSecurityRule(domain, ref, jsonBody(request), conditionsOf(request)),
    get: (ref) => getSecurityRule(domain, ref),
    delete: (ref, request) => deleteSecurityRule(domain, ref, conditionsOf(request)),
    list: (group) => listSecurityRules(domain, group),
  });

  // Azure's default rules are read only: GET one, or the list.
  const defaults = DEFAULT_SECURITY_RULE_TYPE;
  armRoute(scope, 'GET', routePath(defaults.path), defaults, async (request, reply) => {
    const { body, etag } = await getDefaultSecurityRule(domain, refOf<SecurityRuleRef>(request));
    return sendResource(reply, 200, body, etag);
  });
  armRoute(scope, 'GET', routePath(defaults.collections[0]), defaults, async (request, reply) =>
    sendPage(request, reply, await listDefaultSecurityRules(domain, refOf<SecurityRuleRef>(request))),
  );
}
