/**
 * Start, Stop, Restart and Deallocate for one VM: each enabled only in the power states it applies to,
 * when no job is moving the VM, and when the principal's role holds its action
 * (`Microsoft.Compute/virtualMachines/{action}/action`); a disabled one says why. The ones that
 * interrupt the guest ask first.
 */
import type { ReactNode } from 'react';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { ConfirmButton } from '../../ui/confirm-button.tsx';
import { Spinner } from '../../ui/spinner.tsx';
import { isBusy, POWER_ACTIONS, powerStateOf, type PowerAction, type VirtualMachine } from './vm-model.ts';

export function PowerControls(props: {
  vm: VirtualMachine;
  /** The action under way from this page, if any. */
  acting?: PowerAction['action'];
  onAct(power: PowerAction): Promise<void>;
}): ReactNode {
  const { vm, acting } = props;
  const can = usePermissions(vm.id);
  const { state } = powerStateOf(vm);
  const busy = acting !== undefined || isBusy(vm);
  return (
    <div className="actions vm-power-actions" role="group" aria-label="Power">
      {POWER_ACTIONS.map((power) => {
        const permitted = can(`Microsoft.Compute/virtualMachines/${power.action}/action`);
        const applies = state !== undefined && power.from.includes(state);
        const why = !permitted
          ? `Your role does not allow ${power.label.toLowerCase()} on this VM.`
          : busy
            ? 'Wait for the VM to finish what it is doing.'
            : !applies
              ? `${power.label} applies to a VM that is ${power.from.join(' or ')}.`
              : undefined;
        const disabled = why !== undefined;
        if (power.question)
          return (
            <ConfirmButton
              key={power.action}
              label={power.label}
              question={`${power.label} ${vm.name}? ${power.question}`}
              disabled={disabled}
              title={why}
              onConfirm={() => props.onAct(power)}
            />
          );
        return (
          <button
            key={power.action}
            type="button"
            disabled={disabled}
            title={why}
            onClick={() => void props.onAct(power)}
          >
            {acting === power.action ? <Spinner label={`${power.label}…`} /> : power.label}
          </button>
        );
      })}
    </div>
  );
}
