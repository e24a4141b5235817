/**
 * The `stage` step: the run's staging resource group (`IT_<group>_<template>_<id>`), which users see
 * while the run lasts, as Azure's `IT_` group. It is made first and removed last, after every other
 * step's cleanup, unless a customizer failed under `onCustomizerError: abort`, which keeps it and the
 * work folder for debugging.
 */
import type { MetadataStore, Write } from '../../ports/metadata-store.ts';
import type { BuildStep } from '../step-runner.ts';
import type { ImageBuildState } from './image-build-state.ts';

/** The staging group's record, made by the domain (`image-templates/run/run-status.ts`). */
export interface StagingGroup {
  name: string;
  key: string;
  /** The write that creates it. */
  write: Write;
}

export function stageStep(store: MetadataStore, group: StagingGroup): BuildStep<ImageBuildState> {
  return {
    name: 'stage',
    run: async (_state, { log }) => {
      log.line(`Staging resource group ${group.name}`);
      await store.apply([group.write]);
    },
    cleanup: async (state, { log }) => {
      if (state.keep) log.line(`Keeping ${group.name} and ${state.work} for debugging (errorHandling: abort).`);
      else await store.apply([{ op: 'delete', key: group.key }]);
    },
  };
}
