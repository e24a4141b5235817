/**
 * Resource Groups - Export Template: the group's tracked resources (or those the request names) as a
 * template Kiln's deployments deploy again (exported-resource.ts, template-names.ts). A resource whose
 * type does not say which of its fields only the server sets (its descriptor's `readOnly`) is left out
 * and named in `error.details`, as ARM names the resources it could not export; the rest is still
 * answered. Reads only: nothing changes.
 */
import type { ArmErrorBody, ArmErrorDetail } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { RESOURCE_TYPES } from '../resource-types.ts';
import { allTrackedResources } from '../resources/all-resources.ts';
import type { ResourceGroupRef } from '../shared/resource-ref.ts';
import { requireResourceGroup } from '../shared/scope.ts';
import { exportedResource, type TemplateResource } from './exported-resource.ts';
import { parseExportRequest } from './export-request.ts';
import { TemplateNames, type TemplateParameter } from './template-names.ts';

export const DEPLOYMENT_TEMPLATE_SCHEMA =
  'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';

export interface ExportedTemplate {
  $schema: string;
  contentVersion: '1.0.0.0';
  parameters: Record<string, TemplateParameter>;
  variables: Record<string, never>;
  resources: TemplateResource[];
}

/** ARM's ResourceGroupExportResult. */
export interface ExportResult {
  template: ExportedTemplate;
  error?: ArmErrorBody;
}

export async function exportTemplate(
  ctx: DomainContext,
  { subscription, name }: ResourceGroupRef,
  body: Record<string, unknown>,
): Promise<ExportResult> {
  const group = (await requireResourceGroup(ctx, subscription, name)).data.resource;
  const { only, options } = parseExportRequest(body, subscription, group.name);
  const records = (await allTrackedResources(ctx, subscription, group.name)).filter((r) => !only || only.has(r.key));
  const details: ArmErrorDetail[] = [];
  for (const key of only ?? []) {
    if (!records.some((r) => r.key === key))
      details.push({
        code: 'ResourceNotFound',
        target: key,
        message: `The resource '${key}' was not found in resource group '${group.name}'; it is not exported.`,
      });
  }
  const exportable = records.flatMap((record) => {
    const descriptor = RESOURCE_TYPES.find((t) => t.type.toLowerCase() === record.kind && t.readOnly !== undefined);
    if (descriptor) return [{ record, descriptor }];
    const { type, id } = record.data.resource;
    details.push({
      code: 'ResourceTypeSchemaNotFound',
      target: id,
      message: `The schema of resource type '${type}' is not available. Resources of this type will not be exported to the template.`,
    });
    return [];
  });
  const names = new TemplateNames(options, new Set(exportable.map((e) => e.record.key)));
  const resources = exportable.map(({ record, descriptor }) => exportedResource(record, descriptor, names, options));
  const template: ExportedTemplate = {
    $schema: DEPLOYMENT_TEMPLATE_SCHEMA,
    contentVersion: '1.0.0.0',
    parameters: names.parameters(),
    variables: {},
    resources,
  };
  if (details.length === 0) return { template };
  return {
    template,
    error: {
      code: 'ExportTemplateCompletedWithErrors',
      message:
        'Export template operation completed with errors. Some resources were not exported. Please see details for more information.',
      details,
    },
  };
}
