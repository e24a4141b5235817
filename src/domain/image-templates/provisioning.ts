/**
 * A template's `provisioningState`, as Azure serves it. Azure refuses a template's shape at PUT
 * (400), but what the template points to is checked after the PUT is accepted, by its asynchronous
 * template validation: the PUT that creates a template answers 201 with it `Creating` and an
 * `Azure-AsyncOperation` to poll; the operation then succeeds, or fails with the error while the
 * template stays, `Failed` with a `provisioningError`, which is how the SDKs' pollers report it.
 * Kiln looks the references up at once, so the operation is born finished and the template stored
 * in its final state; only the create's answer shows it `Creating`, as Azure's does. Clients made from
 * the specification expect that answer: az 2.45 prints the final GET, and takes the customizers' and
 * distributors' `type` from it. Templates are immutable, so repeating the PUT is how a user asks for
 * the check again once the missing resource exists; that PUT (200) and a PATCH answer at once, with
 * an operation only when the check failed.
 */
import type { ArmErrorBody } from '../../core/arm-error.ts';
import { parseResourceId } from '../../core/resource-id.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { finishedOperationOn, type OperationData } from '../operations/operation.ts';
import type { ImageTemplate, ImageTemplateProperties } from './image-template.ts';
import { checkReferences, type ReferenceProblem } from './template-references.ts';

export interface Provisioned {
  template: ImageTemplate;
  /** The operation that checked the template, already finished: Failed when the template failed validation. */
  operation?: { data: OperationData; write: Write };
}

/** Checks the template's references and sets its provisioning state from them; an operation only when they fail. */
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
  const error: ArmErrorBody = {
    code: provisioningError.provisioningErrorCode,
    message: provisioningError.message,
    target: problems[0].target,
    ...(problems.length > 1 ? { details: problems } : {}),
  };
  return { template: failed, operation: finished(ctx, template, { status: 'Failed', error }) };
}

/** A new template: its PUT is always answered before the check, so it always has an operation to poll. */
export async function provisionNew(ctx: DomainContext, template: ImageTemplate): Promise<Required<Provisioned>> {
  const provisioned = await provision(ctx, template);
  return { ...provisioned, operation: provisioned.operation ?? finished(ctx, template, { status: 'Succeeded' }) };
}

/** The template as the PUT that creates it answers: `Creating`, its check being the operation to poll. */
export function asCreating(template: ImageTemplate): ImageTemplate {
  const properties: ImageTemplateProperties = { ...template.properties, provisioningState: 'Creating' };
  delete properties.provisioningError;
  return { ...template, properties };
}

const finished = (
  ctx: DomainContext,
  template: ImageTemplate,
  result: Parameters<typeof finishedOperationOn>[3],
): { data: OperationData; write: Write } =>
  finishedOperationOn(
    template,
    { subscription: parseResourceId(template.id)!.subscription, namespace: 'Microsoft.VirtualMachineImages' },
    ctx.clock.now(),
    result,
  );

/** Azure keeps one code: the first problem's. The message names every problem with its JSON path. */
function provisioningErrorOf(problems: ReferenceProblem[]): NonNullable<ImageTemplateProperties['provisioningError']> {
  return {
    provisioningErrorCode: problems[0].code,
    message: problems.map((p) => `${p.target}: ${p.message}`).join(' '),
  };
}
