/**
 * The problems a refused template names, each at its JSON path. A refusal of several problems
 * answers one summary (at the first path) with every problem in `details`: the details are the list.
 * A template whose references do not resolve is refused the same way by its PUT's operation.
 */
import { ArmRequestError } from '../../arm/errors.ts';

export interface Problem {
  path: string;
  text: string;
}

export function problemsOf(error: unknown): Problem[] {
  if (!(error instanceof ArmRequestError)) return [];
  const listed = error.details.length > 0 ? error.details : [error];
  const problems = listed.filter((e) => e.target).map((e) => ({ path: e.target!, text: `${e.code}: ${e.message}` }));
  return problems.filter((p, i) => problems.findIndex((q) => q.path === p.path && q.text === p.text) === i);
}

/** The problems at `path` (matched as ARM matches paths, case-insensitively), as one note for its field. */
export function problemAt(problems: readonly Problem[], path: string): string | undefined {
  const found = problems.filter((p) => p.path.toLowerCase() === path.toLowerCase());
  return found.length ? found.map((p) => p.text).join(' ') : undefined;
}
