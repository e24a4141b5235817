/**
 * Every customizer type a template may name, each described once: its `type` as Azure spells it and
 * the check of its own fields, which reports each bad field at its JSON path and returns the typed
 * customizer. The `Customizer` union, the "Allowed values" of an unknown type and the casing
 * normalization accepts all derive from `CUSTOMIZER_KINDS`, so a new type is one entry here (and its
 * runner in `imaging/customizers/`, keyed by the same name in `imaging/image-template/customizer-step.ts`;
 * a type without a runner does not compile where the run hands its customizers to the build).
 * WindowsUpdate, which only a Windows guest runs, is accepted and kept as Azure accepts it; a run of a
 * template holding one fails before any work, naming it (run/windows-refusal.ts), and that is the only
 * way its type reaches the build's.
 */
import type { Problems } from '../../core/arm-error.ts';
import { integerIn } from '../shared/validate.ts';
import { checkChecksum, checkUri, requiredString } from './template-fields.ts';
import { checkRestartTimeout } from './restart-timeout.ts';

/** Checks one customizer entry of the type, given its JSON path and its already-checked `name`. */
type FieldCheck<F> = (entry: Record<string, unknown>, at: string, name: string, problems: Problems) => F;

export interface CustomizerKind<T extends string, F> {
  type: T;
  check(
    entry: Record<string, unknown>,
    at: string,
    name: string,
    problems: Problems,
  ): ({ type: T; name: string } & F) | undefined;
}

function customizerKind<T extends string, F extends object>(type: T, checkFields: FieldCheck<F>): CustomizerKind<T, F> {
  return { type, check: (entry, at, name, problems) => ({ type, name, ...checkFields(entry, at, name, problems) }) };
}

interface ScriptFields {
  scriptUri: string | undefined;
  inline: string[] | undefined;
  sha256Checksum: string | undefined;
}

/** Shell and PowerShell: exactly one of a script to download and inline commands. */
const scriptFields: FieldCheck<ScriptFields> = (entry, at, name, problems) => {
  const scriptUri = checkUri(entry.scriptUri, `${at}.scriptUri`, problems);
  const inline = entry.inline;
  if (inline !== undefined && (!Array.isArray(inline) || inline.some((l) => typeof l !== 'string')))
    problems.add(`${at}.inline`, `'${at}.inline' must be an array of command strings.`);
  if ((scriptUri === undefined) === (inline === undefined))
    problems.add(at, `Customizer '${name}' needs exactly one of 'scriptUri' and 'inline'.`, 'NoCustomizerScript');
  return {
    scriptUri,
    inline: Array.isArray(inline) ? (inline as string[]) : undefined,
    sha256Checksum: checkChecksum(entry.sha256Checksum, `${at}.sha256Checksum`, problems),
  };
};

/** In this order in the "Allowed values" of an unknown type. */
export const CUSTOMIZER_KINDS = [
  customizerKind('Shell', scriptFields),
  customizerKind('PowerShell', (entry, at, name, problems) => {
    const codes = entry.validExitCodes ?? [0];
    if (!Array.isArray(codes) || codes.some((c) => !Number.isInteger(c)))
      problems.add(`${at}.validExitCodes`, `'${at}.validExitCodes' must be an array of integers.`);
    return {
      ...scriptFields(entry, at, name, problems),
      validExitCodes: Array.isArray(codes) ? (codes as number[]) : [0],
      runElevated: entry.runElevated === true,
      runAsSystem: entry.runAsSystem === true,
    };
  }),
  customizerKind('File', (entry, at, name, problems) => {
    const sourceUri =
      checkUri(entry.sourceUri, `${at}.sourceUri`, problems) ?? requiredString(entry, 'sourceUri', at, problems);
    const destination = requiredString(entry, 'destination', at, problems);
    // Azure's rule for Linux images: the File customizer may only write under /tmp.
    if (destination && !/^[A-Za-z]:\\/.test(destination) && !/^\/tmp\//.test(destination)) {
      problems.add(
        `${at}.destination`,
        `The File customizer '${name}' may only write under /tmp on Linux (as in Azure); '${destination}' is outside it. Copy the file to /tmp, then move it with a Shell customizer.`,
      );
    }
    return {
      sourceUri,
      destination,
      sha256Checksum: checkChecksum(entry.sha256Checksum, `${at}.sha256Checksum`, problems),
    };
  }),
  // Kiln's generic restart step (the VM build mode): Azure's fields, a Linux default command.
  customizerKind('WindowsRestart', (entry, at, _name, problems) => {
    const optional = (field: string) => {
      const value = entry[field];
      if (value === undefined || value === null || value === '') return undefined;
      if (typeof value !== 'string') problems.add(`${at}.${field}`, `'${at}.${field}' must be a command string.`);
      return typeof value === 'string' ? value : undefined;
    };
    return {
      restartCommand: optional('restartCommand'),
      restartCheckCommand: optional('restartCheckCommand'),
      restartTimeout: checkRestartTimeout(entry.restartTimeout, `${at}.restartTimeout`, problems),
    };
  }),
  // Azure's fields, each kept as given (Azure fills no defaults in its answer).
  customizerKind('WindowsUpdate', (entry, at, _name, problems) => {
    const fields: { searchCriteria?: string; filters?: string[]; updateLimit?: number } = {};
    if (entry.searchCriteria !== undefined) {
      if (typeof entry.searchCriteria !== 'string')
        problems.add(`${at}.searchCriteria`, `'${at}.searchCriteria' must be a string.`);
      else fields.searchCriteria = entry.searchCriteria;
    }
    if (entry.filters !== undefined) {
      if (!Array.isArray(entry.filters) || entry.filters.some((f) => typeof f !== 'string'))
        problems.add(`${at}.filters`, `'${at}.filters' must be an array of strings.`);
      else fields.filters = entry.filters as string[];
    }
    if (entry.updateLimit !== undefined)
      fields.updateLimit = integerIn(entry.updateLimit, 0, 2 ** 31 - 1, `${at}.updateLimit`, problems);
    return fields;
  }),
];

/** A customizer as a valid template holds it: one of the kinds above that Kiln runs. */
export type Customizer = NonNullable<ReturnType<(typeof CUSTOMIZER_KINDS)[number]['check']>>;
