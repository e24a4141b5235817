/**
 * Generalizing inside the VM (the VM build mode), with the choice the in-place generalizer makes
 * (generalize.ts): the user's /tmp/DeprovisioningScript.sh when a customizer wrote one, else the
 * Azure Linux agent's deprovisioning when the image has waagent, else Kiln's own, which resets what
 * cloud-init, sshd and systemd regenerate for a new machine. Whichever ran, the key the build's
 * communicator was let in with is removed from root's authorized_keys (by its comment), then the
 * guest powers off, so its file systems are clean when the disk becomes the image.
 *
 * First it waits for cloud-init to finish (bounded): the build talks to the guest as soon as sshd
 * answers, and on a slow boot, or the boot after a WindowsRestart, cloud-init's last stage can still
 * be running, and would write its instance state again after it was removed (seen under load).
 */
import type { GuestSession } from '../../ports/guest-communicator.ts';
import type { StepContext } from '../step-runner.ts';

/** How long generalizing waits for cloud-init's last stage: it ends in seconds unless a user's cloud-config hangs. */
const CLOUD_INIT_WAIT_S = 300;

const KILN_DEPROVISION = [
  'rm -f /etc/ssh/ssh_host_*',
  'rm -rf /var/lib/cloud/instances /var/lib/cloud/instance /var/lib/cloud/data /var/lib/cloud/sem',
  ': > /etc/machine-id',
  'rm -f /var/lib/dbus/machine-id /var/lib/systemd/random-seed',
  'find /var/log -type f -exec truncate -s 0 {} +',
  'rm -f /root/.bash_history /root/.ash_history /home/*/.bash_history',
  'rm -rf /tmp/* /var/tmp/*',
].join('\n');

const SCRIPT = `set -e
if command -v cloud-init >/dev/null 2>&1; then
  echo "Generalization: waiting for cloud-init to finish"
  timeout ${CLOUD_INIT_WAIT_S} cloud-init status --wait >/dev/null 2>&1 || true
fi
if [ -f /tmp/DeprovisioningScript.sh ]; then
  echo "Generalization: running the user's /tmp/DeprovisioningScript.sh"
  /bin/sh /tmp/DeprovisioningScript.sh
elif [ -x /usr/sbin/waagent ]; then
  echo "Generalization: running /usr/sbin/waagent -force -deprovision+user"
  /usr/sbin/waagent -force -deprovision+user && export HISTSIZE=0
else
  echo "Generalization: Kiln's own (SSH host keys, cloud-init state, machine-id, logs, histories, /tmp)"
${KILN_DEPROVISION}
fi
if [ -f /root/.ssh/authorized_keys ]; then sed -i '/ kiln-build$/d' /root/.ssh/authorized_keys; fi
sync`;

export async function generalizeInGuest(session: GuestSession, ctx: StepContext): Promise<void> {
  const output = ctx.log.stream('generalize');
  let code: number;
  try {
    code = await session.run(['/bin/sh', '-c', SCRIPT], { output: output.line, signal: ctx.signal });
  } finally {
    output.end();
  }
  if (code !== 0) throw new Error(`Generalization inside the VM failed with exit code ${code}; see the log above.`);
}
