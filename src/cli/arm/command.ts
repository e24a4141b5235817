/**
 * The declarative shape of the Azure-CLI-style commands: a tree of groups, each command with its
 * flags, help and examples, and a handler. Parsing and help both come from these tables.
 */
import type { Args, Flag } from './args.ts';
import type { TableTransformer } from './output.ts';
import type { Progress } from './progress.ts';
import type { Session } from './session.ts';

export interface Context {
  args: Args;
  /** The logged-in session (opened on first use, with the --subscription override). */
  session(): Promise<Session>;
  progress: Progress;
  /** --no-wait on a long-running command. */
  noWait: boolean;
  /** Prints text as it is (for commands whose output is not a JSON document, such as logs). */
  write(text: string): void;
  /** What followed `--` on the command line, for a command that takes it (`trailing`). */
  trailing: string[];
}

export interface Example {
  title: string;
  command: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  flags: Flag[];
  examples: Example[];
  /** Accepts --no-wait. */
  longRunning?: boolean;
  /** A show command: a missing resource exits 3, as az's show commands do. */
  show?: boolean;
  /** Its resources keep `properties` nested, as az shows types whose SDK models do not flatten them (deployments). */
  nested?: boolean;
  /** How `-o table` shows an item (az's table transformers); without it, the automatic table. */
  table?: TableTransformer;
  /** Takes the arguments after `--` (as `vm ssh` takes OpenSSH's): their name and help. */
  trailing?: { name: string; help: string };
  /** Returns what to print (shaped by -o and --query); undefined prints nothing. */
  run(ctx: Context): Promise<unknown>;
}

/** Ends a command with this exit status and nothing more printed: a child's own, as `vm ssh` passes OpenSSH's on. */
export class ExitStatus extends Error {
  override name = 'ExitStatus';
  constructor(readonly status: number) {
    super(`exit status ${status}`);
  }
}

export interface GroupSpec {
  name: string;
  summary: string;
  commands: CommandSpec[];
  groups?: GroupSpec[];
}
