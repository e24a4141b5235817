/**
 * A VM's overview on its resource page: its power state from the instance view, read again every
 * second while Kiln's job moves the VM (a create, start, stop, restart or deallocate) so the state
 * changes on screen as it goes, and every few seconds while it runs; the power actions its state and
 * the principal's role allow; how to reach it over SSH; and its serial console (serial-log.tsx).
 */
import { useId, useState, type ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { useSession } from '../../session/session-context.tsx';
import { Loading } from '../../ui/loading.tsx';
import { Spinner } from '../../ui/spinner.tsx';
import { useToast } from '../../ui/toasts.tsx';
import type { ResourceViewProps } from '../feature.ts';
import { PowerControls } from './power-controls.tsx';
import { SerialLog } from './serial-log.tsx';
import { SshCommand } from './ssh-command.tsx';
import {
  describeImage,
  failureOf,
  isBusy,
  powerStateOf,
  withInstanceView,
  type PowerAction,
  type VirtualMachine,
} from './vm-model.ts';

/** While a job moves the VM: its state changes on screen as it goes. */
const MOVING_POLL_MS = 1000;
/** While it runs: a stop or restart asked by another client shows too. */
const RUNNING_POLL_MS = 5000;

export function VirtualMachineView(props: ResourceViewProps): ReactNode {
  const { client } = useSession();
  const toast = useToast();
  const [acting, setActing] = useState<PowerAction['action']>();
  const loaded = useLoad(
    () => client.get<VirtualMachine>(withInstanceView(props.id), API_VERSIONS.virtualMachines),
    [client, props.id],
    {
      pollMs: (vm) =>
        acting || isBusy(vm) ? MOVING_POLL_MS : powerStateOf(vm).state === 'running' ? RUNNING_POLL_MS : undefined,
    },
  );
  const { reload } = loaded;
  const act = async (power: PowerAction, vm: VirtualMachine) => {
    setActing(power.action);
    reload();
    try {
      await client.change('POST', `${props.id}/${power.action}`, API_VERSIONS.virtualMachines);
      toast.success(`${vm.name} ${power.done}`);
    } catch (failure) {
      toast.error(failure, `${power.label} ${vm.name} failed`);
    } finally {
      setActing(undefined);
      reload();
      props.reload();
    }
  };
  return (
    <Loading loaded={loaded} label="Reading the VM's state…">
      {(vm) => (
        <>
          <PowerState vm={vm} />
          <PowerControls vm={vm} acting={acting} onAct={(power) => act(power, vm)} />
          <Facts vm={vm} />
          <SerialLog id={props.id} settled={!acting && !isBusy(vm)} running={powerStateOf(vm).state === 'running'} />
        </>
      )}
    </Loading>
  );
}

function PowerState(props: { vm: VirtualMachine }): ReactNode {
  const { vm } = props;
  const label = useId();
  const { state, label: text } = powerStateOf(vm);
  const failure = failureOf(vm);
  const creating = vm.properties.provisioningState === 'Creating';
  return (
    <>
      <p className="vm-power">
        <span id={label}>Power state</span>
        <strong role="status" aria-labelledby={label} className={`power power-${state ?? 'unknown'}`}>
          {text}
        </strong>
        {isBusy(vm) && (
          <Spinner
            label={
              creating
                ? 'Creating: the OS disk is made from the image, then the VM boots…'
                : 'The request is under way…'
            }
          />
        )}
      </p>
      {failure && (
        <div className="form-error" role="alert">
          <p>Provisioning failed: {failure}</p>
        </div>
      )}
    </>
  );
}

function Facts(props: { vm: VirtualMachine }): ReactNode {
  const { vm } = props;
  const { properties } = vm;
  const os = properties.instanceView?.osName ?? properties.storageProfile.osDisk?.osType;
  const facts: [string, ReactNode][] = [
    ['Provisioning state', properties.provisioningState],
    ['Size', properties.hardwareProfile.vmSize],
    ['Location', vm.location],
    ['Operating system', os],
    ['Image', describeImage(properties.storageProfile.imageReference)],
    ['Computer name', properties.osProfile?.computerName],
    ['SSH', <SshCommand vm={vm} key="ssh" />],
  ];
  return (
    <dl className="vm-facts">
      {facts.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}
