/**
 * Reaching into a running VM to run commands and copy files, as Packer's communicators do: the
 * validate stage and the VM build mode use it. A communicator is prepared for one VM before it boots
 * (`prepare`): it says what the guest needs at first boot to let it in (a cloud-init document and a
 * guest port to forward), then `connect` waits until the guest answers. What every communicator
 * guarantees:
 *
 * - Its credentials are made for that one VM and never outlive it on the host.
 * - Commands run as the guest's administrator (root on Linux), each in a fresh session; output comes
 *   line by line, stdout and stderr alike, in order per stream.
 * - `connect` gives up after its timeout, naming what it tried; `run` ends with the command's exit
 *   code, or rejects when the connection drops or the signal aborts.
 *
 * SSH with an ephemeral key (ssh-communicator.ts) is the Linux one; Windows (WinRM, or OpenSSH with
 * the same adapter) is one more implementation of these interfaces.
 */
import type { Vm } from './vm-driver.ts';

export interface GuestCommunicator {
  /** How logs name it, e.g. `ssh`. */
  readonly name: string;
  /** Credentials for one VM, and what its first boot must be given. */
  prepare(): Promise<GuestAccess>;
  /**
   * Kiln's agent in a user's long-lived VM (run command): an account of its own with passwordless
   * sudo, whose credentials are kept in `folder` (made on the first call, the same ever after, gone
   * with the folder), so the VM's first-boot provisioning creates it once and every later boot keeps it.
   * `kept`: the agent's private key as an earlier call gave it (`GuestAgent.privateKey`), for a folder
   * that lost it or a node that never had it (the VM moved): the credentials are that key's again.
   */
  agent(folder: string, kept?: string): Promise<GuestAgent>;
}

export interface GuestAgent {
  /** The agent's account in the guest, and the key line its first boot must authorize. */
  user: string;
  authorizedKey: string;
  /** Its private key (OpenSSH), for whoever boots the VM next to pass as `kept`: a secret, never shown. */
  privateKey: string;
  /** The guest TCP port the agent connects to; the VM must forward it. */
  guestPort: number;
  /** Waits until the guest answers; commands then run as the guest's administrator (through sudo). */
  connect(vm: Vm, options: { timeoutMs: number; signal: AbortSignal }): Promise<GuestSession>;
}

export interface GuestAccess {
  /** The cloud-init `#cloud-config` document that lets the communicator in. */
  cloudConfig: string;
  /** The guest TCP port the communicator connects to; the VM must forward it. */
  guestPort: number;
  /** Waits until the guest answers on `vm`'s forwarded port. */
  connect(vm: Vm, options: { timeoutMs: number; signal: AbortSignal }): Promise<GuestSession>;
  /** Forgets the credentials (removes the key files). */
  dispose(): Promise<void>;
}

export interface GuestRunOptions {
  /** Given to the command on its standard input. */
  stdin?: string;
  /** Each line the command prints. */
  output(line: string): void;
  signal: AbortSignal;
}

export interface GuestSession {
  /** Runs `argv` in the guest as its administrator; resolves with the exit code. */
  run(argv: string[], options: GuestRunOptions): Promise<number>;
  /** Copies the host file `from` to `to` in the guest (parent folders made), mode 0600 unless given. */
  upload(from: string, to: string, options: { mode?: number; signal: AbortSignal }): Promise<void>;
}
