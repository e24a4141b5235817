/**
 * "Virtual machines": every VM of the subscriptions the principal sees, with its group, size, power
 * state (from its instance view) and OS, kept current while any of them is starting or stopping.
 */
import type { ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { resourcePath } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { DataTable } from '../../ui/data-table.tsx';
import { EmptyState } from '../../ui/empty-state.tsx';
import { Loading } from '../../ui/loading.tsx';
import { Page } from '../../ui/page.tsx';
import { useSubscriptions } from '../browse/subscriptions.tsx';
import { describeImage, isBusy, powerStateOf, vmsIn, withInstanceView, type VirtualMachine } from './vm-model.ts';

const POLL_MS = 2000;

export function VirtualMachinesPage(): ReactNode {
  const { client } = useSession();
  const subscriptions = useSubscriptions();
  const ids = (subscriptions.data ?? []).map((s) => s.subscriptionId);
  const vms = useLoad(
    async () => {
      const listed = (
        await Promise.all(ids.map((id) => client.list<VirtualMachine>(vmsIn(id), API_VERSIONS.virtualMachines)))
      ).flat();
      // A VM deleted between the list and its instance view is shown as listed.
      return Promise.all(
        listed.map((vm) =>
          client.get<VirtualMachine>(withInstanceView(vm.id), API_VERSIONS.virtualMachines).catch(() => vm),
        ),
      );
    },
    [client, ids.join(',')],
    { pollMs: (rows) => (rows?.some(isBusy) ? POLL_MS : undefined) },
  );
  return (
    <Page
      title="Virtual machines"
      crumbs={[{ label: 'Home', to: '/' }]}
      actions={
        <Link to="/vms/create" className="vm-button-link">
          Create virtual machine
        </Link>
      }
    >
      {!subscriptions.data ? (
        <Loading loaded={subscriptions}>{() => null}</Loading>
      ) : (
        <Loading loaded={vms}>
          {(rows) =>
            rows.length === 0 ? (
              <EmptyState title="No virtual machines yet">
                <p>
                  <Link to="/vms/create">Create a virtual machine</Link> from a gallery image version, a managed image
                  or a platform image; it boots here under QEMU.
                </p>
              </EmptyState>
            ) : (
              <DataTable
                label="Virtual machines"
                rows={rows}
                rowKey={(vm) => vm.id}
                columns={[
                  { header: 'Name', cell: (vm) => <Link to={resourcePath(vm.id)}>{vm.name}</Link> },
                  { header: 'Resource group', cell: (vm) => vm.id.split('/')[4] },
                  { header: 'Location', cell: (vm) => vm.location },
                  { header: 'Size', cell: (vm) => vm.properties.hardwareProfile.vmSize },
                  { header: 'Power state', cell: (vm) => <PowerCell vm={vm} /> },
                  {
                    header: 'OS',
                    cell: (vm) =>
                      `${vm.properties.instanceView?.osName ?? vm.properties.storageProfile.osDisk?.osType ?? ''} (${describeImage(vm.properties.storageProfile.imageReference)})`,
                  },
                ]}
              />
            )
          }
        </Loading>
      )}
    </Page>
  );
}

function PowerCell(props: { vm: VirtualMachine }): ReactNode {
  const { state, label } = powerStateOf(props.vm);
  const failed = props.vm.properties.provisioningState === 'Failed';
  return (
    <span className={`power power-${failed ? 'failed' : (state ?? 'unknown')}`}>
      {failed ? `${label} (provisioning failed)` : label}
    </span>
  );
}
