/**
 * A VM's serial console as a build keeps it: each line goes to the build log under the VM's name
 * (live, within the log's own cap) and to the VM's own file, `<work>/serial/<vm>.log`, which the run
 * seals into a blob when it ends (`serialLogFiles`). Boots of the same VM (a restart) continue its
 * file, as a real serial console would. Each line carries its time, as the log's do.
 *
 * A guest may print without end: a file takes at most `SERIAL_MAX_BYTES`, then one line saying the
 * rest was left out. Files are 0600 (they hold whatever the guest printed).
 */
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { logLines } from '../../core/log-lines.ts';
import type { StepContext } from '../step-runner.ts';

/** A serial file's cap: many boots' worth of a chatty kernel, little enough to keep per run. */
export const SERIAL_MAX_BYTES = 8 * 1024 * 1024;

export interface SerialCapture {
  line(text: string): void;
  end(): void;
}

const folder = (work: string) => join(work, 'serial');

export function captureSerial(ctx: StepContext, work: string, vm: string): SerialCapture {
  const stream = ctx.log.stream(vm);
  mkdirSync(folder(work), { recursive: true });
  const file = openSerialFile(join(folder(work), `${vm.replaceAll(' ', '-')}.log`));
  return {
    line(text) {
      stream.line(text);
      file.line(text);
    },
    end() {
      stream.end();
      file.end();
    },
  };
}

/** A VM's serial file alone (a running VM's boot diagnostics): appended to, timed, capped. */
export function openSerialFile(path: string): SerialCapture {
  let fd: number | undefined = openSync(path, 'a', 0o600);
  let size = fstatSync(fd).size;
  let cut = false;
  return {
    line(text) {
      if (fd === undefined || cut) return;
      const lines = logLines(text, new Date());
      if (size + Buffer.byteLength(lines) > SERIAL_MAX_BYTES) {
        cut = true;
        writeSync(
          fd,
          logLines(
            `… the serial console printed more than ${SERIAL_MAX_BYTES} bytes; the rest is left out`,
            new Date(),
          ),
        );
        return;
      }
      size += writeSync(fd, lines);
    },
    end() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** The serial files a build's VMs left, by VM name. */
export async function serialLogFiles(work: string): Promise<Array<{ vm: string; path: string }>> {
  const names = await readdir(folder(work)).catch(() => [] as string[]);
  return names
    .filter((name) => name.endsWith('.log'))
    .sort()
    .map((name) => ({ vm: name.slice(0, -'.log'.length), path: join(folder(work), name) }));
}
