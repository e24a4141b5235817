/**
 * How Kiln confines the QEMU of every VM it boots (the driver's `confine`): under bubblewrap with the
 * same tree the disk tools get (imaging/disk/confine.ts: host programs read-only, nothing else of the
 * host but what the grant names: the disk, the VM's own folder, /dev/kvm under KVM), in a cgroup of its
 * own sized from the guest (imaging/limits/cgroup.ts), with the host's network namespace only because
 * QEMU's user-mode network listens on the host's loopback. Inside, QEMU still drops root for `nobody`
 * under its seccomp filter; bubblewrap's PID namespace ends it with its parent, however that parent dies.
 *
 * The SSH client that talks to the guest parses what the guest sends: each run is confined the same
 * way (the key and the user table readable, the host's network for the VM's loopback port), without a
 * cgroup of its own: it lives for one command and holds a few MiB.
 */
import type { ConfineQemu } from '../adapters/qemu-vm-driver.ts';
import type { ConfineSsh } from '../adapters/ssh-communicator.ts';
import { bubblewrap } from '../imaging/bubblewrap.ts';
import { confinedArgs, findTool } from '../imaging/disk/confine.ts';
import { createSandboxCgroup } from '../imaging/limits/cgroup.ts';

/**
 * What QEMU may use beyond its guest's memory: its translation cache under TCG, device models, the
 * page cache its disk reads charge to the cgroup (reclaimed at the limit, not fatal).
 */
const QEMU_OVERHEAD_MIB = 1024;
/** QEMU's threads: one per vCPU, its main loop, and a pool of I/O workers (64 at most). */
const QEMU_PROCESSES = 256;

export const confineQemu: ConfineQemu = async (qemuArgs, grant) => {
  const [tool, bwrap] = await Promise.all([findTool('qemu-system-x86_64'), bubblewrap('to confine its VMs')]);
  if (!tool) throw new Error('qemu-system-x86_64 is not installed (scripts/setup.sh installs qemu-system-x86).');
  const cgroup = await createSandboxCgroup({
    processes: QEMU_PROCESSES,
    memoryMiB: grant.memoryMiB + QEMU_OVERHEAD_MIB,
    // A vCPU's thread, and one more for QEMU's own: the guest can never take the whole host.
    cpus: grant.cpus + 1,
  });
  const { file, args } = cgroup.joinAndExec(bwrap, confinedArgs(tool, qemuArgs, grant));
  return { file, args, release: () => cgroup.remove() };
};

export const confineSshClient: ConfineSsh = async (sshArgs, grant) => {
  const [tool, bwrap] = await Promise.all([findTool('ssh'), bubblewrap('to confine its SSH client')]);
  if (!tool) throw new Error('ssh is not installed (scripts/setup.sh installs openssh-client).');
  return { file: bwrap, args: confinedArgs(tool, sshArgs, grant) };
};
