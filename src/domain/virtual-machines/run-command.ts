/**
 * `runCommand` (what `az vm run-command invoke` calls): a built-in command of the location
 * (run-command-documents.ts) by its `commandId`, its `script` lines (the document's unless the body
 * gives its own, which `RunShellScript` needs) run as root in the running VM, through Kiln's agent
 * account (provisioning-seed.ts), as Azure runs them through its VM agent. Named parameters become
 * environment variables, every value a positional argument as well. The result is Azure's: one
 * `ProvisioningState/succeeded` status whose message holds the last 4096 bytes of standard output and
 * of standard error, and says when the script failed.
 */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { newGuid } from '../../core/ids.ts';
import type { DomainContext } from '../context.ts';
import type { OperationData } from '../operations/operation.ts';
import type { ResourceRef } from '../shared/resource-ref.ts';
import { isObject } from '../shared/validate.ts';
import { enqueueMachineJob } from './machine-requests.ts';
import { getVirtualMachine } from './operations.ts';
import { findRunCommand, RUN_COMMANDS, WINDOWS_COMMANDS } from './run-command-documents.ts';

/** What Azure keeps of each output stream. */
const KEPT_BYTES = 4096;

export async function runCommand(
  ctx: DomainContext,
  ref: ResourceRef,
  body: Record<string, unknown>,
): Promise<OperationData> {
  const command = guestCommand(body);
  const record = await getVirtualMachine(ctx, ref);
  if (record.data.internal.power !== 'running' || record.data.resource.properties.provisioningState !== 'Succeeded')
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `Operation 'runCommand' is not allowed on VM '${record.data.resource.name}' since the VM is ${record.data.internal.power}${record.data.resource.properties.provisioningState === 'Succeeded' ? '' : ` (${record.data.resource.properties.provisioningState.toLowerCase()})`}.`,
    );
  return (await enqueueMachineJob(ctx, record, 'runCommand', 'running', { command })).operation;
}

/** The argv the agent runs: the script under `sh`, its stderr after a marker line no script prints. */
function guestCommand(body: Record<string, unknown>): string[] {
  const problems = new Problems();
  const document = typeof body.commandId === 'string' ? findRunCommand(body.commandId) : undefined;
  if (!document) {
    const windows = WINDOWS_COMMANDS.some((id) => id.toLowerCase() === String(body.commandId).toLowerCase());
    problems.add(
      'commandId',
      `The value '${String(body.commandId)}' of 'commandId' is not valid. Allowed values: ${RUN_COMMANDS.map((c) => c.id).join(', ')}.${windows ? " It is one of Azure's Windows commands; Kiln runs Linux VMs." : ''}`,
    );
  }
  const script = body.script ?? (document?.script.length ? document.script : undefined);
  if (!Array.isArray(script) || script.length === 0 || script.some((line) => typeof line !== 'string'))
    problems.add('script', "'script' must be a non-empty array of command lines.");
  const parameters = body.parameters ?? [];
  const named: string[] = [];
  const values: string[] = [];
  if (!Array.isArray(parameters)) problems.add('parameters', "'parameters' must be an array of { name, value }.");
  else
    parameters.forEach((parameter, i) => {
      const { name, value } = isObject(parameter) ? parameter : {};
      if (typeof value !== 'string')
        return problems.add(`parameters[${i}].value`, `'parameters[${i}].value' must be a string.`);
      if (name !== undefined && (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)))
        return problems.add(`parameters[${i}].name`, `'parameters[${i}].name' must be a shell variable name.`);
      if (name) named.push(`${name}=${value}`);
      values.push(value);
    });
  problems.throwIfAny();
  const marker = `---- kiln-run-command stderr ${newGuid()} ----`;
  const wrapper = `script="$1"; shift; e=$(mktemp); sh -c "$script" run-command "$@" 2>"$e"; rc=$?; echo '${marker}'; cat "$e"; rm -f "$e"; exit $rc`;
  return ['env', ...named, 'sh', '-c', wrapper, 'run-command', (script as string[]).join('\n'), ...values];
}

/** Azure's RunCommandResult from what the command printed (`lines`, the marker splitting stdout from stderr) and its exit code. */
export function runCommandResult(command: string[], lines: string[], exitCode: number) {
  const marker = command
    .find((arg) => arg.includes('kiln-run-command stderr'))!
    .match(/'(---- kiln-run-command stderr [^']+)'/)![1];
  // Output without a last newline puts the marker at the end of its last line.
  const split = lines.findIndex((line) => line.endsWith(marker));
  const out =
    split < 0
      ? lines
      : [...lines.slice(0, split), lines[split].slice(0, -marker.length)].filter(
          (l, i, all) => i < all.length - 1 || l !== '',
        );
  const stdout = out.join('\n');
  const stderr = split < 0 ? '' : lines.slice(split + 1).join('\n');
  const head =
    exitCode === 0
      ? 'Enable succeeded: '
      : `Enable failed: failed to execute command: command terminated with exit status=${exitCode}`;
  return {
    value: [
      {
        code: 'ProvisioningState/succeeded',
        level: 'Info',
        displayStatus: 'Provisioning succeeded',
        message: `${head}\n[stdout]\n${last(stdout)}\n[stderr]\n${last(stderr)}\n`,
      },
    ],
  };
}

const last = (text: string) => {
  const bytes = Buffer.from(text);
  return bytes.length <= KEPT_BYTES ? text : bytes.subarray(bytes.length - KEPT_BYTES).toString();
};
