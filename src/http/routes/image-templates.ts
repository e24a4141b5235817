/** Routes of Microsoft.VirtualMachineImages/imageTemplates, their run outputs and their triggers. */
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
import type { ImageTemplate } from '../../domain/image-templates/image-template.ts';
import { armRoute, jsonBody, params, refOf, routePath } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest, sendAccepted } from '../arm/reply.ts';
import { apiVersionOf } from '../arm/urls.ts';
import { cancelTemplateRun, runTemplate } from '../../domain/image-templates/run-template.ts';
import { openCustomizationLog } from '../../domain/image-templates/customization-log.ts';
import { listRunHistory } from '../../domain/image-templates/run-history.ts';
import { ArmError } from '../../core/arm-error.ts';
import { IMAGE_TEMPLATE_TYPE, RUN_OUTPUT_TYPE, TRIGGER_TYPE } from '../../domain/image-templates/descriptor.ts';
import {
  createOrUpdateTrigger,
  deleteTrigger,
  getTrigger,
  listTriggers,
  type TriggerRef,
} from '../../domain/image-templates/triggers/operations.ts';
import type { ListScope } from '../../domain/shared/resource-ref.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import type { AppDeps } from '../deps.ts';

const TEMPLATE_PATH = routePath(IMAGE_TEMPLATE_TYPE.path);
const templateRef = refOf<TemplateRef>;

export function registerImageTemplateRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  // Deprecated spellings are accepted; each leaves a warning in a header so tools can show it.
  // With `done`, not async: the hook runs on every ARM call of the scope, not only the templates'.
  scope.addHook('onSend', (request, reply, payload, done) => {
    const warnings = (request as FastifyRequest & { templateWarnings?: Warning[] }).templateWarnings;
    if (warnings?.length) reply.header('x-ms-kiln-warnings', JSON.stringify(warnings));
    done(null, payload);
  });
  const keepWarnings = (request: FastifyRequest, warnings: Warning[]) => {
    (request as FastifyRequest & { templateWarnings?: Warning[] }).templateWarnings = warnings;
  };
  registerResourceRoutes<TemplateRef, ListScope>(scope, deps, {
    type: IMAGE_TEMPLATE_TYPE,
    view: (template, request) => templateView(domain, template as ImageTemplate, apiVersionOf(request)),
    async put(ref, request) {
      const result = await createOrUpdateTemplate(
        domain,
        ref,
        jsonBody(request),
        conditionsOf(request),
        apiVersionOf(request),
      );
      keepWarnings(request, result.warnings);
      // A new template answers Creating with its operation to poll; a repeated PUT answers at once (provisioning.ts).
      return {
        status: result.status,
        body: result.accepted ?? result.template,
        etag: result.etag,
        operation: result.operation,
        alwaysPolled: result.accepted !== undefined,
      };
    },
    async patch(ref, request) {
      const result = await updateTemplate(domain, ref, jsonBody(request), conditionsOf(request), apiVersionOf(request));
      keepWarnings(request, result.warnings);
      return { status: 200, body: result.template, etag: result.etag, operation: result.operation };
    },
    async get(ref) {
      const record = await getTemplate(domain, ref);
      return { body: record.data.resource, etag: record.etag };
    },
    delete: (ref, request) => deleteTemplate(domain, ref, conditionsOf(request)),
    list: (where, request) => listTemplates(domain, where, pageRequest(request)),
  });
  armRoute(scope, 'POST', `${TEMPLATE_PATH}/run`, IMAGE_TEMPLATE_TYPE, async (request, reply) => {
    const operation = await runTemplate(domain, templateRef(request));
    return sendAccepted(request, reply, 202, operation);
  });
  armRoute(scope, 'POST', `${TEMPLATE_PATH}/cancel`, IMAGE_TEMPLATE_TYPE, async (request, reply) => {
    const operation = await cancelTemplateRun(domain, templateRef(request));
    return sendAccepted(request, reply, 202, operation);
  });
  // Kiln's own addition: the live customization.log (Azure keeps it in the staging storage account),
  // streamed from `offset` to where it ends now: the server never holds a log in memory.
  armRoute(scope, 'GET', `${TEMPLATE_PATH}/customizationLog`, IMAGE_TEMPLATE_TYPE, async (request, reply) => {
    const given = (request.query as Record<string, string | undefined>).offset ?? '0';
    if (!/^\d{1,15}$/.test(given))
      throw new ArmError(
        400,
        'InvalidParameter',
        `The query parameter 'offset' must be a byte offset (a whole number from 0), not '${given}'.`,
        'offset',
      );
    const log = await openCustomizationLog(domain, templateRef(request), Number(given));
    return reply
      .type('text/plain; charset=utf-8')
      .headers({
        'content-length': String(log.bytes),
        'x-ms-kiln-next-offset': String(log.nextOffset),
        'x-ms-kiln-log-complete': String(log.complete),
      })
      .send(log.content);
  });
  // Kiln's own addition too: Azure keeps only lastRunStatus; this lists the runs Kiln kept, with their sub-states' times.
  armRoute(scope, 'GET', `${TEMPLATE_PATH}/runHistory`, IMAGE_TEMPLATE_TYPE, async (request) => ({
    value: await listRunHistory(domain, templateRef(request)),
  }));
  armRoute(scope, 'GET', routePath(RUN_OUTPUT_TYPE.collections[0]), RUN_OUTPUT_TYPE, async (request) => ({
    value: await listRunOutputs(domain, templateRef(request)),
  }));
  armRoute(scope, 'GET', routePath(RUN_OUTPUT_TYPE.path), RUN_OUTPUT_TYPE, async (request) =>
    getRunOutput(domain, { ...templateRef(request), runOutputName: params(request).runOutputName }),
  );
  registerResourceRoutes<TriggerRef, TemplateRef>(scope, deps, {
    type: TRIGGER_TYPE,
    async put(ref, request) {
      const result = await createOrUpdateTrigger(domain, ref, jsonBody(request), conditionsOf(request));
      return { status: result.status, body: result.trigger, etag: result.etag };
    },
    read: (ref) => getTrigger(domain, ref),
    delete: (ref, request) => deleteTrigger(domain, ref, conditionsOf(request)),
    list: (ref, request) => listTriggers(domain, ref, pageRequest(request)),
  });
}
