/**
 * The built-in run commands of a location (`az vm run-command list/show`, the SDK's
 * `virtualMachineRunCommands`), as Azure's RunCommandDocument: Azure's Linux commands with Azure's
 * ids, labels and descriptions. Kiln runs Linux VMs only, so Azure's Windows commands are not listed;
 * naming one is refused saying so (run-command.ts). Azure does not publish its documents' scripts:
 * `RunShellScript` has none (the caller's script is the command), and `ifconfig` lists the interfaces
 * with `ifconfig`, or `ip address` in an image without net-tools.
 */
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { findRegion, requireSubscription } from '../shared/scope.ts';

export interface RunCommandDocument {
  $schema: string;
  id: string;
  osType: 'Linux';
  label: string;
  description: string;
  script: string[];
  parameters?: Array<{ name: string; type: string; defaultValue?: string; required?: boolean }>;
}

const SCHEMA = 'http://schema.management.azure.com/schemas/2016-11-17/runcommands.json';

export const RUN_COMMANDS: readonly RunCommandDocument[] = [
  {
    $schema: SCHEMA,
    id: 'RunShellScript',
    osType: 'Linux',
    label: 'Executes a Linux shell script',
    description:
      'Custom multiline shell script should be defined in script property. Optional parameters can be set in parameters property.',
    script: [],
  },
  {
    $schema: SCHEMA,
    id: 'ifconfig',
    osType: 'Linux',
    label: 'List network configuration',
    description: 'Get the configuration of all network interfaces.',
    script: ['if command -v ifconfig >/dev/null 2>&1; then ifconfig; else ip address; fi'],
  },
];

/** Azure's Windows commands, which a Linux VM cannot run. */
export const WINDOWS_COMMANDS = [
  'EnableRemotePS',
  'IPConfig',
  'RunPowerShellScript',
  'EnableAdminAccount',
  'ResetAccountPassword',
  'RDPSettings',
  'SetRDPPort',
  'ResetRDPCert',
];

/** The document of `commandId` (without case, as Azure reads it), or undefined. */
export const findRunCommand = (commandId: string) =>
  RUN_COMMANDS.find((command) => command.id.toLowerCase() === commandId.toLowerCase());

/** GET .../locations/{location}/runCommands: the documents without their scripts (RunCommandDocumentBase). */
export function listRunCommands(ctx: DomainContext, subscription: string, location: string) {
  requireLocation(ctx, subscription, location);
  return RUN_COMMANDS.map(({ script: _, parameters: __, ...base }) => base);
}

/** GET .../locations/{location}/runCommands/{commandId}: one document, its script included. */
export function getRunCommand(
  ctx: DomainContext,
  subscription: string,
  location: string,
  commandId: string,
): RunCommandDocument {
  requireLocation(ctx, subscription, location);
  const found = findRunCommand(commandId);
  if (!found)
    throw new ArmError(
      404,
      'NotFound',
      `The run command '${commandId}' was not found in location '${location}'.${WINDOWS_COMMANDS.some((id) => id.toLowerCase() === commandId.toLowerCase()) ? " It is one of Azure's Windows commands; Kiln runs Linux VMs." : ''} The commands are: ${RUN_COMMANDS.map((c) => c.id).join(', ')}.`,
    );
  return found;
}

/** A location of a subscription, as Compute's location-wide lists (sizes, run commands) take it. */
export function requireLocation(ctx: DomainContext, subscription: string, location: string) {
  requireSubscription(ctx, subscription);
  if (!findRegion(ctx, location))
    throw new ArmError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location '${location}'.`,
    );
}
