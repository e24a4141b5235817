/**
 * A template ARM refuses before deploying anything: 400 `InvalidTemplate`, in ARM's words
 * ("Deployment template validation failed: '...'"), `target` the JSON path in the template.
 */
import { ArmError } from '../../../core/arm-error.ts';
import { findKey } from './expressions/values.ts';

export function invalidTemplate(message: string, target?: string): ArmError {
  return new ArmError(400, 'InvalidTemplate', `Deployment template validation failed: '${message}'.`, target);
}

/** What a failed evaluation says, whatever threw it: the evaluator's own errors carry ARM's message. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export { isObject } from './expressions/values.ts';

/** A member of an ARM JSON object by name, ignoring case as ARM does. */
export function member(object: Record<string, unknown>, name: string): unknown {
  const key = findKey(object, name);
  return key === undefined ? undefined : object[key];
}
