/**
 * Kiln's own run history of an image template: Azure keeps only `lastRunStatus`, so a template's
 * earlier runs are gone there. Kiln keeps, in the template's internal facts, the sub-states the run
 * under way went through with when each began, and, when a run ends, a summary of it (state, message,
 * start and end, its sub-states), newest first, the last RUN_HISTORY_LIMIT of them. Runs that ended
 * before a Kiln that kept this are not in it. The outputs and log are still the last run's only
 * (`runOutputs`, `customizationLog`): what earlier runs made is not kept.
 */
import type { ImageTemplate, ImageTemplateInternal, RunState, RunSubState } from '../image-template.ts';

export const RUN_HISTORY_LIMIT = 20;

/** A sub-state a run went through and when it began; it ended when the next one began, or the run ended. */
export interface RunStep {
  runSubState: RunSubState;
  startTime: string;
}

export interface RunHistoryEntry {
  runId: string;
  runState: RunState;
  message: string;
  startTime?: string;
  endTime?: string;
  subStates: RunStep[];
}

/** The internal facts once the current run reached `runSubState` at `now`. */
export function withRunStep(
  internal: ImageTemplateInternal,
  runSubState: RunSubState,
  now: Date,
): ImageTemplateInternal {
  return { ...internal, runSteps: [...(internal.runSteps ?? []), { runSubState, startTime: now.toISOString() }] };
}

/** The internal facts once the current run ended as `ended` shows: its summary first in the history. */
export function withEndedRun(internal: ImageTemplateInternal, ended: ImageTemplate): ImageTemplateInternal {
  const entry = currentEntry(internal, ended);
  const rest: ImageTemplateInternal = { ...internal };
  delete rest.runSteps;
  if (!entry) return rest;
  return { ...rest, runHistory: [entry, ...(internal.runHistory ?? [])].slice(0, RUN_HISTORY_LIMIT) };
}

/** The run under way (when there is one) then the ended runs, newest first. */
export function runHistoryOf(template: ImageTemplate, internal: ImageTemplateInternal): RunHistoryEntry[] {
  const running = ['Running', 'Canceling'].includes(template.properties.lastRunStatus?.runState ?? '');
  const current = running ? currentEntry(internal, template) : undefined;
  return [...(current ? [current] : []), ...(internal.runHistory ?? [])];
}

function currentEntry(internal: ImageTemplateInternal, template: ImageTemplate): RunHistoryEntry | undefined {
  const status = template.properties.lastRunStatus;
  if (!internal.runId || !status) return undefined;
  return {
    runId: internal.runId,
    runState: status.runState,
    message: status.message,
    ...(status.startTime ? { startTime: status.startTime } : {}),
    ...(status.endTime ? { endTime: status.endTime } : {}),
    subStates: internal.runSteps ?? [],
  };
}
