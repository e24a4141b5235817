/**
 * The serial console lines the boot benchmarks time a Debian boot at, the same for every side: the
 * kernel's first (`Linux version`: firmware and GRUB before it) and systemd's `Started ssh.service`
 * (sshd listening; after it, the SSH polls and the first login).
 */
export const KERNEL = /Linux version/;
export const SSHD = /Started .*ssh\.service/;

/** When the first line matching `pattern` came, in the serial console's own unit; undefined when none did. */
export const when = (serial: Array<[number, string]>, pattern: RegExp) =>
  serial.find(([, line]) => pattern.test(line))?.[0];
