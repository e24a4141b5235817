/**
 * The shape of a built-in template function. Most take their arguments evaluated (`call`); the few that
 * choose what to evaluate (`if`, `and`, `or`, `lambda`) take the argument trees (`lazy`). Only the
 * lambda functions may receive lambda values (`takesLambdas`).
 */
import type { Expression } from '../parse.ts';
import type { ExpressionScope } from '../scope.ts';
import type { Lambda } from '../values.ts';

export interface CallContext {
  /** The function's name as ARM spells it, for messages. */
  readonly name: string;
  readonly scope: ExpressionScope;
  /** Lambda variables in scope, by lower-cased name. */
  readonly lambdaVariables: ReadonlyMap<string, unknown>;
  /** `parameters(name)`: the deployment's parameter, or inside a user-defined function its own parameter. */
  parameter(name: string): unknown;
  /** Evaluates an argument's tree in the caller's frame (for lazy functions). */
  evaluate(node: Expression): Promise<unknown>;
  /** Calls a lambda with values for its parameters. */
  invoke(lambda: Lambda, values: unknown[]): Promise<unknown>;
}

export interface TemplateFunction {
  name: string;
  /** Least and most arguments (Infinity: no limit). */
  min: number;
  max: number;
  takesLambdas?: boolean;
  call?(args: unknown[], context: CallContext): unknown;
  lazy?(args: Expression[], context: CallContext): Promise<unknown>;
}

/** A function taking its arguments evaluated. */
export const define = (name: string, min: number, max: number, call: TemplateFunction['call']): TemplateFunction => ({
  name,
  min,
  max,
  call,
});
