/**
 * The `stage` step: the run's staging resource group (`IT_<group>_<template>_<id>`, or the template's
 * own `stagingResourceGroup`, which lasts), which users see while the run lasts, as Azure's `IT_`
 * group. It is made first and removed last (unless it lasts), after every other
 * step's cleanup, unless a customizer failed under `onCustomizerError: abort` (or a validator under
 * `onValidationError: abort`), which keeps it and the work folder for debugging.
 */
import { ExpectationFailedError, type MetadataStore, type Write } from '../../ports/metadata-store.ts';
import type { BuildStep } from '../step-runner.ts';
import type { ImageBuildState } from './image-build-state.ts';

/** The staging group's record, made by the domain (`image-templates/run/run-status.ts`). */
export interface StagingGroup {
  name: string;
  key: string;
  /** The write that creates it: for a lasting group, only where it is absent. */
  write: Write;
  /** A group that outlives the run (a template's named staging group): made when absent, never removed here. */
  lasting: boolean;
}

export function stageStep(store: MetadataStore, group: StagingGroup): BuildStep<ImageBuildState> {
  return {
    name: 'stage',
    run: async (_state, { log }) => {
      log.line(`Staging resource group ${group.name}`);
      try {
        await store.apply([group.write]);
      } catch (error) {
        // A lasting group that exists already (made by the user, or by an earlier run) is used as it is.
        if (!(group.lasting && error instanceof ExpectationFailedError)) throw error;
      }
    },
    cleanup: async (state, { log }) => {
      if (state.keep) log.line(`Keeping ${group.name} and ${state.work} for debugging (errorHandling: abort).`);
      else if (!group.lasting) await store.apply([{ op: 'delete', key: group.key }]);
    },
  };
}
