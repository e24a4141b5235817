// Issue 10, point 15: two processes must never both own a region folder. Many processes race for
// one folder at once, round after round, each round's winner killed with SIGKILL (so every round also
// takes over a dead holder's claim); a pid file of an older Kiln naming a live process does not
// block; a second claim in the same process is refused. And writeFileAtomic, which writes keys,
// config.json and certificates, fsyncs the file before its rename and the folder after, as strace sees.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { claimDirectory } from '../../src/adapters/directory-owner.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const CONTENDERS = 8;
const ROUNDS = 4;

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-claim-'));
  dirs.push(dir);
  return dir;
}
after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A folder-claimer process and its answers, one line at a time. */
function startClaimer(dir: string) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [
    '--import',
    'tsx',
    fixture('folder-claimer.ts'),
    dir,
  ]);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    async next(): Promise<string> {
      const { value, done } = await lines.next();
      assert.ok(!done, `claimer ${child.pid} ended without answering`);
      return value as string;
    },
    async kill(): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A pid no process has now: a child that has exited. */
function deadPid(): number {
  const gone = spawnSync('true');
  return gone.pid!;
}

describe('region folder claims', () => {
  it(
    'gives a folder to exactly one of many racing processes, round after round, over SIGKILLed holders',
    { timeout: 120_000 },
    async () => {
      const dir = await tempDir();
      // What the old pid-file claim raced on: a stale owner.pid, which every contender tried to take over.
      await writeFile(join(dir, 'owner.pid'), `${deadPid()}\n`);
      let claimers = Array.from({ length: CONTENDERS }, () => startClaimer(dir));
      try {
        for (const claimer of claimers) assert.equal(await claimer.next(), 'ready');
        for (let round = 1; round <= ROUNDS; round++) {
          // Told all at once, so the claims overlap.
          for (const claimer of claimers) claimer.child.stdin.write('claim\n');
          const answers = await Promise.all(claimers.map((claimer) => claimer.next()));
          const winners = claimers.filter((_, i) => answers[i] === 'claimed');
          assert.equal(
            winners.length,
            1,
            `round ${round}: ${winners.length} processes own the folder: ${answers.join(' | ')}`,
          );
          for (const answer of answers.filter((a) => a !== 'claimed'))
            assert.match(answer, /^refused The folder .* is in use by another Kiln process/);
          // The winner dies without releasing anything; the next round must take its claim over.
          await winners[0].kill();
          claimers = claimers.filter((claimer) => claimer !== winners[0]);
        }

        // A live holder is named in the refusal, and its claim goes with it when it is killed.
        const holder = claimers[0];
        holder.child.stdin.write('claim\n');
        assert.equal(await holder.next(), 'claimed');
        await assert.rejects(claimDirectory(dir), {
          name: 'DirectoryInUseError',
          message: new RegExp(`in use by another Kiln process \\(pid ${holder.child.pid}\\)`),
        });
        await holder.kill();
        const claim = await claimDirectory(dir);
        assert.equal((await readFile(join(dir, 'owner.pid'), 'utf8')).trim(), String(process.pid));
        await claim.release();
      } finally {
        await Promise.all(claimers.map((claimer) => claimer.kill()));
      }
    },
  );

  it("is not blocked by an older Kiln's pid file naming a live, unrelated process", async () => {
    const dir = await tempDir();
    const unrelated = spawn('sleep', ['30']);
    try {
      await writeFile(join(dir, 'owner.pid'), `${unrelated.pid}\n`);
      const claim = await claimDirectory(dir);
      await claim.release();
    } finally {
      unrelated.kill('SIGKILL');
    }
  });

  it('refuses a second claim in the same process until the first is released', async () => {
    const dir = await tempDir();
    const first = await claimDirectory(dir);
    await assert.rejects(claimDirectory(dir), { name: 'DirectoryInUseError', message: /already open in this process/ });
    // The refused attempt opened and closed the lock file: the first claim must still hold against
    // other processes (closing any descriptor of a file drops a process's fcntl locks on it).
    const other = startClaimer(dir);
    try {
      assert.equal(await other.next(), 'ready');
      other.child.stdin.write('claim\n');
      assert.match(await other.next(), new RegExp(`^refused .*\\(pid ${process.pid}\\)`));
    } finally {
      await other.kill();
    }
    await first.release();
    await (await claimDirectory(dir)).release();
  });
});

describe('atomic writes of keys, config and certificates', () => {
  it(
    'fsync the new file before renaming it into place, and its folder after (seen by strace)',
    { timeout: 60_000 },
    async () => {
      const dir = await tempDir();
      const target = join(dir, 'token-signing.pem');
      const trace = join(dir, 'trace.txt');
      const run = spawnSync(
        'strace',
        [
          '-f',
          '-qq',
          '-e',
          'trace=openat,fsync,fdatasync,rename,renameat,renameat2',
          '-o',
          trace,
          process.execPath,
          '--import',
          'tsx',
          fixture('atomic-writer.ts'),
          target,
          'secret key',
        ],
        { encoding: 'utf8' },
      );
      assert.equal(run.status, 0, run.stderr);
      assert.equal(await readFile(target, 'utf8'), 'secret key');
      const calls = (await readFile(trace, 'utf8')).split('\n');
      const escaped = (path: string) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      /** Index of the first call at or after `from` matching `pattern`, with its match. */
      const find = (from: number, pattern: RegExp, what: string) => {
        for (let i = from; i < calls.length; i++) {
          const match = pattern.exec(calls[i]);
          if (match) return { at: i, match };
        }
        assert.fail(
          `no ${what} after line ${from} of the trace:\n${calls.filter((c) => c.includes(dir) || /sync/.test(c)).join('\n')}`,
        );
      };
      const opened = find(
        0,
        new RegExp(`openat\\(AT_FDCWD, "(${escaped(target)}\\.[^"]+\\.tmp)", [^)]*O_CREAT[^)]*\\) = (\\d+)`),
        'creation of the temp file',
      );
      const [, temp, tempFd] = opened.match;
      const fileSync = find(opened.at + 1, new RegExp(`f(data)?sync\\(${tempFd}\\b`), 'fsync of the temp file');
      const renamed = find(
        fileSync.at + 1,
        new RegExp(`rename(at2?)?\\(.*"${escaped(temp)}".*"${escaped(target)}"`),
        'rename into place',
      );
      const folder = find(
        renamed.at + 1,
        new RegExp(`openat\\(AT_FDCWD, "${escaped(dir)}", [^)]*\\) = (\\d+)`),
        'opening of the folder',
      );
      find(folder.at + 1, new RegExp(`fsync\\(${folder.match[1]}\\b`), 'fsync of the folder');
    },
  );
});
