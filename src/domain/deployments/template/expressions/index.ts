/**
 * The ARM template language: what the deployment engine calls to evaluate template values and to read
 * expressions without evaluating them (to find reference(), copyIndex(), resourceId() calls).
 */
export { TemplateExpressionError } from './errors.ts';
export { evaluateExpressionText, evaluateTemplateValue } from './evaluate.ts';
export { functionCalls, isExpression, parseExpression } from './parse.ts';
export type { Expression, FunctionCall } from './parse.ts';
export { userFunctionsFromTemplate } from './scope.ts';
export type { DeploymentScopeKind, ExpressionScope, UserFunction } from './scope.ts';
