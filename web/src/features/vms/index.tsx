/**
 * Virtual machines: the list across subscriptions, the create page (image, size, admin, the network
 * made as az does), and each VM's overview with its power state, power actions and serial log.
 */
import type { Feature } from '../feature.ts';
import { CreateVirtualMachinePage } from './create-vm-page.tsx';
import { VirtualMachinesPage } from './vm-list.tsx';
import { VirtualMachineView } from './vm-view.tsx';
import './vms.css';

export const virtualMachines: Feature = {
  nav: [{ label: 'Virtual machines', to: '/vms' }],
  routes: [
    { pattern: '/vms', render: () => <VirtualMachinesPage /> },
    { pattern: '/vms/create', render: () => <CreateVirtualMachinePage /> },
  ],
  views: {
    'microsoft.compute/virtualmachines': (props) => <VirtualMachineView {...props} />,
  },
};
