// The `permissions` of a role definition and how an action is matched against them. Azure writes
// actions as `{Namespace}/{type}[/{child}...]/{verb}` and lets `*` stand for any run of characters
// (`*`, `*/read`, `Microsoft.Compute/*`, `Microsoft.Compute/galleries/*/read`); matching ignores case.
import type { Problems } from '../../core/arm-error.ts';
import { isObject, refuseUnknownFields } from '../shared/validate.ts';

export interface Permission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

const FIELDS = ['actions', 'notActions', 'dataActions', 'notDataActions'] as const;

const patterns = new Map<string, RegExp>();

/** Whether `pattern` (with `*` wildcards) names `action`. */
export function actionMatches(pattern: string, action: string): boolean {
  let regex = patterns.get(pattern);
  if (!regex) {
    regex = new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      'i',
    );
    patterns.set(pattern, regex);
  }
  return regex.test(action);
}

/** A control-plane action is granted when one permission block lists it and does not exclude it. */
export function permits(permissions: readonly Permission[], action: string): boolean {
  return permissions.some(
    (p) => p.actions.some((a) => actionMatches(a, action)) && !p.notActions.some((a) => actionMatches(a, action)),
  );
}

/** A data action (blob reads and writes) is granted the same way, by `dataActions` and `notDataActions` only. */
export function permitsData(permissions: readonly Permission[], dataAction: string): boolean {
  return permissions.some(
    (p) =>
      p.dataActions.some((a) => actionMatches(a, dataAction)) &&
      !p.notDataActions.some((a) => actionMatches(a, dataAction)),
  );
}

/** Checks `permissions` as a custom role writes it; missing lists are empty, as in Azure. */
export function checkPermissions(value: unknown, target: string, problems: Problems): Permission[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.add(
      target,
      `The '${target}' property must be a non-empty array of {actions, notActions, dataActions, notDataActions}.`,
      'InvalidRoleDefinitionPermissions',
    );
    return [];
  }
  return value.map((block, i) => {
    const at = `${target}[${i}]`;
    const permission: Permission = { actions: [], notActions: [], dataActions: [], notDataActions: [] };
    if (!isObject(block)) {
      problems.add(at, `'${at}' must be an object.`, 'InvalidRoleDefinitionPermissions');
      return permission;
    }
    // Later api-versions' conditions on a block (null unless set) are not evaluated here: refused, not dropped.
    const given = Object.fromEntries(Object.entries(block).filter(([, v]) => v !== null));
    refuseUnknownFields(given, FIELDS, at, problems);
    for (const field of FIELDS) {
      const list = block[field] ?? [];
      if (!Array.isArray(list) || list.some((a) => typeof a !== 'string' || a.trim() === '' || /\s/.test(a))) {
        problems.add(
          `${at}.${field}`,
          `'${at}.${field}' must be an array of actions such as 'Microsoft.Compute/galleries/read' or 'Microsoft.Compute/*'.`,
          'InvalidActionOrNotAction',
        );
        continue;
      }
      permission[field] = list as string[];
    }
    if (permission.actions.length === 0 && permission.dataActions.length === 0) {
      problems.add(
        at,
        `'${at}' grants nothing: give at least one action or data action.`,
        'InvalidRoleDefinitionPermissions',
      );
    }
    return permission;
  });
}
