/**
 * "Create virtual machine": where it goes and its size (vm-placement.tsx), the image it boots, and its
 * administrator (user name and SSH public key; no password). Submitting makes the network the VM
 * needs as `az vm create` does (vm-network.ts), each piece shown as it is made, then sends the VM;
 * once the server accepts it, the VM's page follows the long-running create live. A refused VM
 * removes the network pieces made for it, and its errors show at the fields whose JSON paths the
 * server names, the rest above the button.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { resourcePath } from '../../arm/ids.ts';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { navigate } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { FormError, TextAreaField, TextField } from '../../ui/field.tsx';
import { Page } from '../../ui/page.tsx';
import { Spinner } from '../../ui/spinner.tsx';
import { useToast } from '../../ui/toasts.tsx';
import { CreateSteps, useSteps } from './create-steps.tsx';
import { errorsUnder } from './form-errors.ts';
import { ImageSourceField, imageReferenceOf, type ImageChoice } from './image-source-field.tsx';
import type { ImageReference } from './vm-model.ts';
import { prepareNetwork, removeCreated } from './vm-network.ts';
import { NO_PICKS, PlacementFields, usePlacement, type Picks, type Placement } from './vm-placement.tsx';

interface Admin {
  adminUsername: string;
  sshKey: string;
}

/** The JSON paths each field shows errors at (and below). */
const PATHS = {
  name: ['name', 'properties.osProfile.computerName'],
  location: ['location'],
  size: ['properties.hardwareProfile.vmSize'],
  image: ['properties.storageProfile.imageReference'],
  adminUsername: ['properties.osProfile.adminUsername'],
  sshKey: ['properties.osProfile.linuxConfiguration.ssh.publicKeys'],
};

export function CreateVirtualMachinePage(): ReactNode {
  const { client } = useSession();
  const toast = useToast();
  const [picks, setPicks] = useState<Picks>(NO_PICKS);
  const placement = usePlacement(picks);
  const [image, setImage] = useState<ImageChoice>({ kind: 'gallery', id: '', urn: {} });
  const [admin, setAdmin] = useState<Admin>({ adminUsername: 'azureuser', sshKey: '' });
  const [publicIp, setPublicIp] = useState(true);
  const can = usePermissions(placement.groupScope);
  const allowed = can('Microsoft.Compute/virtualMachines/write') && can('Microsoft.Network/networkInterfaces/write');
  const steps = useSteps();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const imageReference = imageReferenceOf(image);
  const { name, location, size, groupScope } = placement;
  const complete = Boolean(groupScope && name && location && size && imageReference && admin.sshKey.trim());

  const fieldErrors = Object.fromEntries(
    Object.entries(PATHS).map(([field, paths]) => [field, errorsUnder(error, paths)]),
  ) as Record<keyof typeof PATHS, ReturnType<typeof errorsUnder>>;
  const shown = Object.values(fieldErrors).flatMap((found) => found.targets);
  const nameOrPlaceholder = name || '<name>';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!groupScope || !imageReference) return;
    setBusy(true);
    setError(undefined);
    steps.clear();
    const created: string[] = [];
    const vmId = `${groupScope}/providers/Microsoft.Compute/virtualMachines/${encodeURIComponent(name)}`;
    try {
      const plan = { subscription: placement.subscription, group: placement.group, name, location, publicIp };
      const nic = await prepareNetwork(client, plan, steps.report, created);
      steps.report({ what: `virtual machine ${name}`, state: 'working' });
      await client.send('PUT', vmId, API_VERSIONS.virtualMachines, vmBody(placement, imageReference, admin, nic));
      toast.success(`Creating virtual machine ${name}`);
      navigate(resourcePath(vmId));
    } catch (failure) {
      steps.failWorking();
      setError(failure);
      const left = await removeCreated(client, created, steps.report);
      if (left.length) toast.error(new Error(`Could not remove what was made for the VM: ${left.join(', ')}`));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page
      title="Create virtual machine"
      crumbs={[
        { label: 'Home', to: '/' },
        { label: 'Virtual machines', to: '/vms' },
      ]}
    >
      <form className="stacked vm-create" aria-label="Create virtual machine" onSubmit={submit}>
        <PlacementFields
          placement={placement}
          pick={(change) => setPicks((now) => ({ ...now, ...change }))}
          errors={{
            name: fieldErrors.name.message,
            location: fieldErrors.location.message,
            size: fieldErrors.size.message,
          }}
        />
        <ImageSourceField
          subscriptions={placement.subscriptionIds}
          subscription={placement.subscription}
          location={location}
          choice={image}
          onChange={setImage}
          error={fieldErrors.image.message}
        />
        <fieldset>
          <legend>Administrator account</legend>
          <TextField
            label="Admin user name"
            required
            value={admin.adminUsername}
            onChange={(e) => setAdmin({ ...admin, adminUsername: e.target.value })}
            error={fieldErrors.adminUsername.message}
          />
          <TextAreaField
            label="SSH public key"
            required
            value={admin.sshKey}
            onChange={(e) => setAdmin({ ...admin, sshKey: e.target.value })}
            hint="OpenSSH format (ssh-ed25519 AAAA… or ssh-rsa AAAA…). The VM takes no password."
            error={fieldErrors.sshKey.message}
          />
        </fieldset>
        <fieldset>
          <legend>Networking</legend>
          <p className="field-hint">{networkPlan(nameOrPlaceholder, location || 'the location')}</p>
          <label className="checkbox">
            <input type="checkbox" checked={publicIp} onChange={(e) => setPublicIp(e.target.checked)} />
            {`Public IP address ${nameOrPlaceholder}PublicIP (an address of this host; SSH on port 22)`}
          </label>
        </fieldset>
        {!allowed && (
          <p className="notice">
            Your role does not let you create virtual machines and network interfaces in {placement.group}.
          </p>
        )}
        <FormError error={error} shown={shown} />
        <CreateSteps steps={steps.list} />
        <div className="actions">
          <button type="submit" disabled={busy || !complete || !allowed}>
            {busy ? <Spinner label="Creating…" /> : 'Create virtual machine'}
          </button>
        </div>
      </form>
    </Page>
  );
}

/** What vm-network.ts will make, in the user's words. */
const networkPlan = (name: string, location: string) =>
  `Made for the VM as az vm create makes them: the group's first virtual network in ${location} is reused, ` +
  `else ${name}VNET (10.0.0.0/16) with the subnet ${name}Subnet; the security group ${name}NSG lets SSH (TCP 22) in; ` +
  `the interface ${name}VMNic joins them. Deleting the VM deletes its OS disk and interface, not the rest.`;

/** The VM PUT body: a Linux VM with SSH key login only, its OS disk and interface deleted with it, boot diagnostics on. */
function vmBody(placement: Placement, imageReference: ImageReference, admin: Admin, nic: string) {
  const user = admin.adminUsername;
  return {
    location: placement.location,
    properties: {
      hardwareProfile: { vmSize: placement.size },
      storageProfile: {
        imageReference,
        osDisk: {
          createOption: 'FromImage',
          deleteOption: 'Delete',
          managedDisk: { storageAccountType: 'Standard_LRS' },
        },
      },
      osProfile: {
        computerName: placement.name,
        adminUsername: user,
        linuxConfiguration: {
          disablePasswordAuthentication: true,
          ssh: { publicKeys: [{ path: `/home/${user}/.ssh/authorized_keys`, keyData: admin.sshKey.trim() }] },
        },
      },
      networkProfile: { networkInterfaces: [{ id: nic, properties: { primary: true, deleteOption: 'Delete' } }] },
      diagnosticsProfile: { bootDiagnostics: { enabled: true } },
    },
  };
}
