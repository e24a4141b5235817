/**
 * A template's `provisioningState`, as Azure serves it. Azure refuses a template's shape at PUT
 * (400), but what the template points to is checked after the PUT is accepted, by its asynchronous
 * template validation: the template stays, `Failed` with a `provisioningError`, and the PUT's
 * long-running operation fails with the same error, which is how the SDKs' pollers report it.
 * Kiln looks the references up at once, so the operation is born finished; a template whose
 * references resolve needs no operation at all. Templates are immutable, so repeating the PUT is
 * how a user asks for the check again once the missing resource exists.
 */
import type { ArmErrorBody } from '../../core/arm-error.ts';
import { parseResourceId } from '../../core/resource-id.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { finishOperation, startOperationOn, type OperationData } from '../operations/operation.ts';
import type { ImageTemplate, ImageTemplateProperties } from './image-template.ts';
import { checkReferences, type ReferenceProblem } from './template-references.ts';

export interface Provisioned {
  template: ImageTemplate;
  /** The PUT's or PATCH's operation, already Failed, when the template failed validation. */
  operation?: { data: OperationData; write: Write };
}

/** Checks the template's references and sets its provisioning state from them. */
export async function provision(ctx: DomainContext, template: ImageTemplate): Promise<Provisioned> {
  const problems = await checkReferences(ctx, template);
  const properties: ImageTemplateProperties = { ...template.properties, provisioningState: 'Succeeded' };
  delete properties.provisioningError;
  if (problems.length === 0) return { template: { ...template, properties } };
  const provisioningError = provisioningErrorOf(problems);
  const failed: ImageTemplate = {
    ...template,
    properties: { ...properties, provisioningState: 'Failed', provisioningError },
  };
  const now = ctx.clock.now();
  const started = startOperationOn(
    template,
    { subscription: parseResourceId(template.id)!.subscription, namespace: 'Microsoft.VirtualMachineImages' },
    now,
  );
  const error: ArmErrorBody = {
    code: provisioningError.provisioningErrorCode,
    message: provisioningError.message,
    target: problems[0].target,
    ...(problems.length > 1 ? { details: problems } : {}),
  };
  const write = finishOperation(started.data, now, { status: 'Failed', error });
  return {
    template: failed,
    operation: { data: { ...started.data, status: 'Failed', error, endTime: now.toISOString() }, write },
  };
}

/** Azure keeps one code: the first problem's. The message names every problem with its JSON path. */
function provisioningErrorOf(problems: ReferenceProblem[]): NonNullable<ImageTemplateProperties['provisioningError']> {
  return {
    provisioningErrorCode: problems[0].code,
    message: problems.map((p) => `${p.target}: ${p.message}`).join(' '),
  };
}
