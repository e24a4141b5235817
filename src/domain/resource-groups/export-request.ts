/**
 * What Resource Groups - Export Template asks for: `resources` (`["*"]` for the whole group, else ids
 * of resources in it) and `options`, a comma-separated list of ARM's export options.
 */
import { Problems } from '../../core/arm-error.ts';
import { parseResourceId, resourceKey } from '../../core/resource-id.ts';

export interface ExportOptions {
  includeParameterDefaultValue: boolean;
  includeComments: boolean;
  skipResourceNameParameterization: boolean;
  skipAllParameterization: boolean;
}

export interface ExportRequest {
  /** Lower-cased ids of the resources to export; undefined: every resource of the group. */
  only?: Set<string>;
  options: ExportOptions;
}

const OPTIONS: Record<string, keyof ExportOptions> = {
  includeparameterdefaultvalue: 'includeParameterDefaultValue',
  includecomments: 'includeComments',
  skipresourcenameparameterization: 'skipResourceNameParameterization',
  skipallparameterization: 'skipAllParameterization',
};

export function parseExportRequest(
  body: Record<string, unknown>,
  subscription: string,
  resourceGroup: string,
): ExportRequest {
  const problems = new Problems();
  const { resources, options } = body;
  let only: Set<string> | undefined;
  if (!Array.isArray(resources) || resources.length === 0 || resources.some((r) => typeof r !== 'string'))
    problems.add(
      'resources',
      'The \'resources\' property must be a list of resource ids, or ["*"] for every resource.',
      'InvalidRequestContent',
    );
  else if (!(resources.length === 1 && resources[0] === '*')) {
    only = new Set();
    resources.forEach((raw: string, i) => {
      const id = parseResourceId(raw);
      const inGroup =
        id?.namespace !== undefined &&
        id.subscription.toLowerCase() === subscription.toLowerCase() &&
        id.resourceGroup?.toLowerCase() === resourceGroup.toLowerCase();
      if (inGroup) only!.add(resourceKey(raw));
      else
        problems.add(
          `resources[${i}]`,
          `'${raw}' is not the id of a resource in resource group '${resourceGroup}' of subscription '${subscription}'.`,
          'InvalidResourceId',
        );
    });
  }
  const chosen: ExportOptions = {
    includeParameterDefaultValue: false,
    includeComments: false,
    skipResourceNameParameterization: false,
    skipAllParameterization: false,
  };
  if (options !== undefined && options !== null) {
    if (typeof options !== 'string')
      problems.add('options', "The 'options' property must be a string.", 'InvalidRequestContent');
    else
      for (const option of options
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== '')) {
        const known = OPTIONS[option.toLowerCase()];
        if (known) chosen[known] = true;
        else
          problems.add(
            'options',
            `The export option '${option}' is not valid. Valid options are: IncludeParameterDefaultValue, IncludeComments, SkipResourceNameParameterization, SkipAllParameterization.`,
            'InvalidRequestContent',
          );
      }
  }
  problems.throwIfAny();
  return { only, options: chosen };
}
