/** `kiln role`: Azure RBAC, as `az role`. */
import type { GroupSpec } from '../arm/command.ts';
import { roleAssignment } from './role-assignment.ts';
import { roleDefinition } from './role-definition.ts';

export const role: GroupSpec = {
  name: 'role',
  summary: 'Manage role assignments and definitions (who may do what, where).',
  commands: [],
  groups: [roleAssignment, roleDefinition],
};
