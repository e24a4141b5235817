/**
 * What to do about each kind of template error, printed under it by `kiln validate` and `kiln build`.
 * The message says what is wrong; the hint says where to look or what to run.
 */
import type { ArmErrorDetail } from '../core/arm-error.ts';

const BY_CODE: Record<string, string> = {
  InvalidTemplate: 'Fix the JSON at that line and column (a trailing comma or a missing quote, usually).',
  TemplateNotReadable: 'Check the path and that the file is readable.',
  MissingTemplateValue:
    'Azure sample templates mark values to fill as <placeholders> and [parameters(...)]: give each one with --var NAME=VALUE.',
  BadSourceType:
    "Use a PlatformImage ('kiln platform-image list' shows what Kiln has), a ManagedImage, a SharedImageVersion or an ISO.",
  BadCustomizerType: 'Use one of the allowed values the message lists.',
  UnsupportedCustomizerType:
    'A WindowsRestart restarts the build VM, so it needs kilnBuildMode Auto or VM; WindowsUpdate needs a Windows image, which Kiln does not build yet.',
  BadDistributeType: 'Distribute to VHD, ManagedImage or SharedImage.',
  NoCustomizerScript: "Give either 'inline' (a list of commands) or 'scriptUri', not both.",
  LinkedInvalidPropertyId:
    "Resource ids look like /subscriptions/<subscription>/resourceGroups/<group>/providers/<namespace>/<type>/<name>; 'kiln account show' prints your subscription id.",
};

const BY_FIELD: Array<[RegExp, string]> = [
  [
    /(^|\.)location$|targetRegions|replicationRegions/,
    "Regions are those of the data folder's config.json; the message lists them.",
  ],
  [/sha256Checksum$/, "Compute it with 'sha256sum FILE' on the file the URI serves."],
  [/runOutputName$/, 'Every distribution target needs its own runOutputName: it names the run output.'],
  [/\.name$/, 'Every customizer needs a name of its own: it names the step in the log.'],
  [/destination$/, 'Azure only lets the File customizer write under /tmp on Linux; move the file with a Shell step.'],
];

export function hintFor(problem: ArmErrorDetail): string {
  const byCode = BY_CODE[problem.code];
  if (byCode) return byCode;
  const byField = BY_FIELD.find(([pattern]) => pattern.test(problem.target ?? ''));
  if (byField) return byField[1];
  return "See the field in Azure's reference: https://learn.microsoft.com/azure/templates/microsoft.virtualmachineimages/imagetemplates";
}
