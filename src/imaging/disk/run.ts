/**
 * Runs programs with argument arrays, never through a shell, and turns a failure into an Error that
 * carries what the program said. `runConfined` is for every program that reads or writes image
 * content: it runs under confine.ts's bubblewrap and reaches only the paths its call grants. `run`
 * is for the rest, whose input Kiln made itself (debootstrap, busybox, losetup and mount of its own
 * files).
 */
import { spawn } from 'node:child_process';
import { CgroupsUnavailable, createSandboxCgroup } from '../limits/cgroup.ts';
import { defaultLimits } from '../limits/resource-limits.ts';
import { bubblewrap } from '../bubblewrap.ts';
import { confinedArgs, findTool, type ToolAccess } from './confine.ts';

/**
 * What a disk tool may use: the defaults customizer steps get, which leave room for qemu-img's I/O
 * threads and for debugfs and e2fsck on multi-TiB file systems (their tables stay in the hundreds of MiB).
 */
export const TOOL_LIMITS = defaultLimits();

export interface RunOptions {
  /** Written to the tool's stdin (debugfs reads its command list from there). */
  input?: string;
  /** An open file descriptor the program gets as its fd 3 (`run` only: mount's `fd=3` names a FUSE connection). */
  fd3?: number;
  cwd?: string;
  /**
   * A run's cancel or timeout: the program's process group is killed (its cgroup's removal kills
   * whatever left the group) and the call rejects with a `ToolCanceled`.
   */
  signal?: AbortSignal;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** The most of a tool's output an error message carries; e2fsck on a broken disk says a lot. */
const MAX_MESSAGE_OUTPUT = 8000;

/**
 * e2fsprogs and sfdisk live in /usr/sbin, which Debian leaves out of ordinary users' PATH; adding it
 * lets the tools that need no privileges run for anyone.
 */
function toolPath(): string {
  const path = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  const dirs = path.split(':');
  return [...dirs, ...['/usr/sbin', '/sbin'].filter((dir) => !dirs.includes(dir))].join(':');
}

function describeCommand(command: string, args: readonly string[]): string {
  return [command, ...args].map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ');
}

function toolOutput(result: RunResult): string {
  const text = `${result.stderr.trim()}\n${result.stdout.trim()}`.trim();
  return text.length > MAX_MESSAGE_OUTPUT ? `…${text.slice(-MAX_MESSAGE_OUTPUT)}` : text;
}

export class ToolError extends Error {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly result: RunResult,
  ) {
    super(`${describeCommand(command, args)} failed (exit ${exitCode ?? 'by signal'}): ${toolOutput(result)}`);
    this.name = 'ToolError';
  }
}

/** A tool stopped because its caller was canceled (a run's cancel or timeout), not because it failed. */
export class ToolCanceled extends Error {
  constructor(command: string, signal: AbortSignal) {
    super(`${command} was canceled and killed: the run it worked for was canceled or reached its timeout.`, {
      cause: signal.reason,
    });
    this.name = 'ToolCanceled';
  }
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const env = { ...process.env, PATH: toolPath(), LC_ALL: 'C' };
  return runProgram(command, args, { program: command, argv: args, env, missing: notInstalled(command) }, options);
}

/**
 * Runs a program on image content, confined to `grant` (see confine.ts) and in a cgroup of its own
 * held to the default resource limits, so a crafted image that sends a parser into a loop of
 * allocations or forks stops there; errors name the program, not bubblewrap.
 */
export async function runConfined(
  command: string,
  args: readonly string[],
  grant: ToolAccess,
  options: RunOptions = {},
): Promise<RunResult> {
  const [tool, bwrap] = await Promise.all([findTool(command), bubblewrap('to confine its disk tools')]);
  if (!tool) throw new Error(notInstalled(command));
  if (options.signal?.aborted) throw new ToolCanceled(command, options.signal);
  const cgroup = await createSandboxCgroup(TOOL_LIMITS);
  try {
    const start = cgroup.joinAndExec(bwrap, confinedArgs(tool, args, grant, options.cwd));
    return await runProgram(
      command,
      args,
      { program: start.file, argv: start.args, env: {}, missing: notInstalled(start.file), joinErrors: cgroup.version },
      { input: options.input, signal: options.signal },
    );
  } catch (error) {
    const limit = await cgroup.hit();
    if (limit) {
      const bound =
        limit === 'processes' ? `${TOOL_LIMITS.processes} processes` : `${TOOL_LIMITS.memoryMiB} MiB of memory`;
      throw new Error(
        `${command} was stopped at the limit every disk tool runs under, ${bound}: an image that needs more is damaged or hostile.`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    await cgroup.remove();
  }
}

const notInstalled = (command: string) =>
  `${command} is not installed; scripts/setup.sh installs the tools Kiln's disk builds use.`;

/** How `command args` is started: `program argv`, in `env`; `missing` is the error when `program` is not installed. */
interface Launch {
  program: string;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  missing: string;
  /** Set (to the cgroup's version) when the program first joins a cgroup and reports a failure to on fd 3. */
  joinErrors?: string;
}

function runProgram(command: string, args: readonly string[], launch: Launch, options: RunOptions): Promise<RunResult> {
  const { signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ToolCanceled(command, signal));
    const child = spawn(launch.program, launch.argv, {
      cwd: options.cwd,
      env: launch.env,
      // Its own process group, so a cancel kills the program and what it started in one call.
      detached: signal !== undefined,
      stdio: [
        options.input === undefined ? 'ignore' : 'pipe',
        'pipe',
        'pipe',
        launch.joinErrors ? 'pipe' : (options.fd3 ?? 'ignore'),
      ],
    });
    let canceled = false;
    const onAbort = () => {
      canceled = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    let joinFailure = '';
    child.stdio[3]?.on('data', (chunk: Buffer) => (joinFailure += chunk.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', onAbort);
      reject(err.code === 'ENOENT' ? new Error(launch.missing) : err);
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      const result = { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
      if (canceled) reject(new ToolCanceled(command, signal!));
      else if (joinFailure)
        reject(
          new CgroupsUnavailable(`cannot move ${command} into its ${launch.joinErrors} cgroup (${joinFailure.trim()})`),
        );
      else if (code === 0) resolve(result);
      else reject(new ToolError(command, args, code, result));
    });
    if (options.input !== undefined) {
      // A tool that exits before reading all its input reports why through its exit status.
      child.stdin!.on('error', () => {});
      child.stdin!.end(options.input);
    }
  });
}
