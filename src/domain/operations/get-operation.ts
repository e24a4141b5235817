import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { requireSubscription } from '../shared/scope.ts';
import { operationKey, type OperationData } from './operation.ts';

/** An operation, named as its status URL names it: by subscription and id. */
export interface OperationRef {
  subscription: string;
  name: string;
}

export async function getOperation(ctx: DomainContext, { subscription, name }: OperationRef): Promise<OperationData> {
  requireSubscription(ctx, subscription);
  const record = await ctx.store.get<OperationData>(operationKey(subscription, name));
  if (!record) throw new ArmError(404, 'OperationNotFound', `The operation '${name}' could not be found.`);
  return record.data;
}

/** The HTTP status a failed operation reports: the client's fault unless the server failed. */
export function failureStatus(operation: OperationData): number {
  return operation.error?.code === 'InternalOperationError' ? 500 : 400;
}
