/** Routes of Microsoft.VirtualMachineImages/imageTemplates and their run outputs. */
import { templateView } from '../../domain/image-templates/template-view.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  createOrUpdateTemplate,
  deleteTemplate,
  getRunOutput,
  getTemplate,
  listRunOutputs,
  listTemplates,
  updateTemplate,
  type TemplateRef,
} from '../../domain/image-templates/operations.ts';
import type { Warning } from '../../domain/image-templates/normalize-template.ts';
import { armRoute, jsonBody, params } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest, sendAccepted } from '../arm/reply.ts';
import { cancelTemplateRun, runTemplate } from '../../domain/image-templates/run-template.ts';
import { openCustomizationLog } from '../../domain/image-templates/customization-log.ts';
import { ArmError } from '../../core/arm-error.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import type { AppDeps } from '../deps.ts';

const GROUP = '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName';
export const TEMPLATE_PATH = `${GROUP}/providers/Microsoft.VirtualMachineImages/imageTemplates/:imageTemplateName`;
const TEMPLATES = 'microsoft.virtualmachineimages/imagetemplates';

export const templateRef = (p: Record<string, string>): TemplateRef => ({ subscription: p.subscriptionId, resourceGroup: p.resourceGroupName, name: p.imageTemplateName });

export function registerImageTemplateRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  // Deprecated spellings are accepted; each leaves a warning in a header so tools can show it.
  scope.addHook('onSend', async (request, reply) => {
    const warnings = (request as FastifyRequest & { templateWarnings?: Warning[] }).templateWarnings;
    if (warnings?.length) reply.header('x-ms-kiln-warnings', JSON.stringify(warnings));
  });
  const keepWarnings = (request: FastifyRequest, warnings: Warning[]) => {
    (request as FastifyRequest & { templateWarnings?: Warning[] }).templateWarnings = warnings;
  };
  registerResourceRoutes(scope, deps, {
    type: TEMPLATES,
    path: TEMPLATE_PATH,
    collections: [`${GROUP}/providers/Microsoft.VirtualMachineImages/imageTemplates`, '/subscriptions/:subscriptionId/providers/Microsoft.VirtualMachineImages/imageTemplates'],
    async put(request) {
      const result = await createOrUpdateTemplate(domain, templateRef(params(request)), jsonBody(request), conditionsOf(request));
      keepWarnings(request, result.warnings);
      // A template that failed validation answers as a long-running PUT whose operation failed (see provisioning.ts).
      return { status: result.status, body: await templateView(domain, result.template), etag: result.etag, operation: result.operation };
    },
    async patch(request) {
      const result = await updateTemplate(domain, templateRef(params(request)), jsonBody(request), conditionsOf(request));
      keepWarnings(request, result.warnings);
      return { status: 200, body: await templateView(domain, result.template), etag: result.etag, operation: result.operation };
    },
    async get(request) {
      const record = await getTemplate(domain, templateRef(params(request)));
      return { body: await templateView(domain, record.data.resource), etag: record.etag };
    },
    delete: (request) => deleteTemplate(domain, templateRef(params(request)), conditionsOf(request)),
    async list(request) {
      const page = await listTemplates(domain, params(request).subscriptionId, params(request).resourceGroupName, pageRequest(request));
      return { ...page, value: await Promise.all(page.value.map((template) => templateView(domain, template))) };
    },
  });
  armRoute(scope, 'POST', `${TEMPLATE_PATH}/run`, TEMPLATES, async (request, reply) => {
    const operation = await runTemplate(domain, templateRef(params(request)));
    return sendAccepted(request, reply, 202, operation);
  });
  armRoute(scope, 'POST', `${TEMPLATE_PATH}/cancel`, TEMPLATES, async (request, reply) => {
    const operation = await cancelTemplateRun(domain, templateRef(params(request)));
    return sendAccepted(request, reply, 202, operation);
  });
  // Kiln's own addition: the live customization.log (Azure keeps it in the staging storage account),
  // streamed from `offset` to where it ends now: the server never holds a log in memory.
  armRoute(scope, 'GET', `${TEMPLATE_PATH}/customizationLog`, TEMPLATES, async (request, reply) => {
    const given = (request.query as Record<string, string | undefined>).offset ?? '0';
    if (!/^\d{1,15}$/.test(given)) throw new ArmError(400, 'InvalidParameter', `The query parameter 'offset' must be a byte offset (a whole number from 0), not '${given}'.`, 'offset');
    const log = await openCustomizationLog(domain, templateRef(params(request)), Number(given));
    return reply
      .type('text/plain; charset=utf-8')
      .headers({ 'content-length': String(log.bytes), 'x-ms-kiln-next-offset': String(log.nextOffset), 'x-ms-kiln-log-complete': String(log.complete) })
      .send(log.content);
  });
  armRoute(scope, 'GET', `${TEMPLATE_PATH}/runOutputs`, TEMPLATES, async (request) => ({ value: await listRunOutputs(domain, templateRef(params(request))) }));
  armRoute(scope, 'GET', `${TEMPLATE_PATH}/runOutputs/:runOutputName`, TEMPLATES, async (request) =>
    getRunOutput(domain, templateRef(params(request)), params(request).runOutputName),
  );
}
