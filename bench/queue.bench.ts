/**
 * The job queue on PostgreSQL, this tree's engine beside an older one (`--before-rev`, by default the
 * commit before the indexed claim) in one run: 2 processes x 2 workers (`bench/support/queue-worker.ts`)
 * on a fresh schema each.
 *
 * 1. Backlog: 10,000 no-op jobs queued before the workers start; time to drain them, jobs/s, and the
 *    claim latency: per worker, the gap between the end of one job and the start of the next (its
 *    settle and its next claim).
 * 2. Idle: 5 s of workers with nothing to do.
 * 3. Steady: 1,000 small real jobs (64 KiB written with fsync, a result record landed with the job's
 *    removal) enqueued one per batch at 50/s from this process, as an API would: pickup latency
 *    (enqueue to start) p50/p99.
 * Database load of each phase from pg_stat_database (transactions, rows read) and the CPU time of the
 * postgres processes on this machine.
 *
 *   node --import tsx bench/queue.bench.ts [--before-rev REV] [--jobs 10000] [--small 1000] [--rate 50]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Ran } from './support/queue-worker.ts';
import { machine, markdownTable } from './support/report.ts';

const { values } = parseArgs({
  options: {
    'before-rev': { type: 'string', default: 'dd1b3a2^' },
    jobs: { type: 'string', default: '10000' },
    small: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '50' },
  },
});
const URL = process.env.KILN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PROCESSES = 2;
const WORKERS = 2;
const IDLE_MS = 5000;
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Load {
  ms: number;
  xacts: number;
  rowsRead: number;
  pgCpuS: number;
}
interface SideResult {
  drainS: number;
  gaps: number[];
  pickups: number[];
  backlog: Load;
  idle: Load;
  steady: Load;
  steadyS: number;
}

/** The older tree, checked out once beside the repository's git data and sharing its node_modules. */
function olderTree(rev: string): string {
  const commit = execFileSync('git', ['-C', repo, 'rev-parse', '--short', rev], { encoding: 'utf8' }).trim();
  const dir = join(tmpdir(), `kiln-queue-before-${commit}`);
  if (!existsSync(dir)) {
    execFileSync('git', ['-C', repo, 'worktree', 'add', '--detach', dir, commit], { stdio: 'ignore' });
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  }
  return dir;
}

const clockTicks = 100;
/** CPU seconds of every postgres process on this machine (0 when PostgreSQL runs elsewhere). */
function postgresCpu(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended while we looked
    }
  }
  return ticks / clockTicks;
}

async function snapshot(admin: pg.Client): Promise<Omit<Load, 'ms'> & { at: number }> {
  await admin.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await admin.query(
    `SELECT xact_commit + xact_rollback AS xacts, tup_returned + tup_fetched AS rows
     FROM pg_stat_database WHERE datname = current_database()`,
  );
  return { at: Date.now(), xacts: Number(rows[0].xacts), rowsRead: Number(rows[0].rows), pgCpuS: postgresCpu() };
}

/** Load between two snapshots; statistics reach pg_stat_database within about a second, so wait that first. */
async function loadSince(admin: pg.Client, from: Awaited<ReturnType<typeof snapshot>>, until: number): Promise<Load> {
  await new Promise((r) => setTimeout(r, 1500));
  const to = await snapshot(admin);
  return {
    ms: until - from.at,
    xacts: to.xacts - from.xacts,
    rowsRead: to.rowsRead - from.rowsRead,
    pgCpuS: to.pgCpuS - from.pgCpuS,
  };
}

function lines(child: ChildProcess): AsyncIterator<string> {
  return createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
}

async function runSide(name: string, src: string, admin: pg.Client): Promise<SideResult> {
  const schema = `kiln_queue_bench_${name}_${randomBytes(3).toString('hex')}`;
  const workDir = await mkdtemp(join(tmpdir(), 'kiln-queue-bench-'));
  const { openPostgresMetadataStore } = await import(resolve(src, 'adapters/postgres-metadata-store.ts'));
  const { StoreJobQueue } = await import(resolve(src, 'jobs/store-job-queue.ts'));
  const store = await openPostgresMetadataStore(URL, { schema });
  const queue = new StoreJobQueue({ now: () => new Date() }, store);
  const remaining = async () =>
    Number((await admin.query(`SELECT count(*) AS n FROM "${schema}".records WHERE kind = 'kiln/jobs'`)).rows[0].n);
  const drained = async () => {
    while ((await remaining()) > 0) await new Promise((r) => setTimeout(r, 100));
    return Date.now();
  };
  try {
    const jobs = Number(values.jobs);
    for (let i = 0; i < jobs; i += 500) {
      const batch = Array.from({ length: Math.min(500, jobs - i) }, () =>
        queue.enqueueWrite({ task: 'noop', payload: {} }),
      );
      await store.apply(batch);
    }
    const children = Array.from({ length: PROCESSES }, () =>
      spawn(
        process.execPath,
        ['--import', 'tsx', join(repo, 'bench/support/queue-worker.ts'), src, URL, schema, workDir, String(WORKERS)],
        { stdio: ['pipe', 'pipe', 'inherit'], cwd: repo },
      ),
    );
    const outputs = children.map(lines);
    for (const output of outputs) if ((await output.next()).value !== 'ready') throw new Error('worker did not start');

    process.stderr.write(`${name}: draining ${jobs} no-op jobs\n`);
    const beforeBacklog = await snapshot(admin);
    for (const child of children) child.stdin!.write('go\n');
    const drainedAt = await drained();
    const backlog = await loadSince(admin, beforeBacklog, drainedAt);

    const beforeIdle = await snapshot(admin);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idle = await loadSince(admin, beforeIdle, Date.now());

    const small = Number(values.small);
    process.stderr.write(`${name}: ${small} small jobs at ${values.rate}/s\n`);
    const beforeSteady = await snapshot(admin);
    const interval = 1000 / Number(values.rate);
    for (let n = 0; n < small; n++) {
      const due = beforeSteady.at + n * interval;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      await store.apply([queue.enqueueWrite({ task: 'small', payload: { n, enqueuedAt: Date.now() } })]);
      queue.nudge();
    }
    const steadyAt = await drained();
    const steady = await loadSince(admin, beforeSteady, steadyAt);

    for (const child of children) child.stdin!.write('stop\n');
    const perProcess: Ran[][] = [];
    for (const output of outputs) perProcess.push(JSON.parse((await output.next()).value) as Ran[]);
    for (const child of children) child.stdin!.end();
    const ran = perProcess.flat();

    const noops = ran.filter((r) => r.task === 'noop');
    if (noops.length !== jobs) throw new Error(`${noops.length} no-op runs for ${jobs} jobs`);
    const gaps: number[] = [];
    for (const runs of perProcess) {
      for (let w = 0; w < WORKERS; w++) {
        const mine = runs.filter((r) => r.task === 'noop' && r.worker === w).sort((a, b) => a.start - b.start);
        for (let i = 1; i < mine.length; i++) gaps.push(mine[i].start - mine[i - 1].end);
      }
    }
    const pickups = ran.filter((r) => r.task === 'small').map((r) => r.start - r.enqueuedAt!);
    return {
      drainS: (drainedAt - beforeBacklog.at) / 1000,
      gaps,
      pickups,
      backlog,
      idle,
      steady,
      steadyS: (steadyAt - beforeSteady.at) / 1000,
    };
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await rm(workDir, { recursive: true, force: true });
  }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const ms = (value: number) => value.toFixed(1);

const before = olderTree(values['before-rev']!);
const admin = new pg.Client({ connectionString: URL });
await admin.connect();
console.log(`${machine()}; PostgreSQL ${(await admin.query('SHOW server_version')).rows[0].server_version}`);
console.log(
  `${PROCESSES} processes x ${WORKERS} workers; before = ${values['before-rev']} (${before}), after = this tree`,
);
const sides: Array<[string, SideResult]> = [];
for (const [name, src] of [
  ['before', join(before, 'src')],
  ['after', join(repo, 'src')],
] as const) {
  sides.push([name, await runSide(name, src, admin)]);
}
await admin.end();

const [b, a] = [sides[0][1], sides[1][1]];
const row = (what: string, of: (side: SideResult) => number, format: (n: number) => string) => [
  what,
  format(of(b)),
  format(of(a)),
  (of(a) / of(b)).toFixed(2),
];
const perSecond = (load: Load, of: (load: Load) => number) => of(load) / (load.ms / 1000);
const count = (n: number) => n.toFixed(0);
console.log(
  markdownTable(
    ['measure', 'before', 'after', 'after / before'],
    [
      row(
        `backlog: drain ${values.jobs} no-op jobs, s`,
        (s) => s.drainS,
        (n) => n.toFixed(2),
      ),
      row('backlog: jobs/s', (s) => Number(values.jobs) / s.drainS, count),
      row('backlog: claim latency p50, ms', (s) => percentile(s.gaps, 50), ms),
      row('backlog: claim latency p99, ms', (s) => percentile(s.gaps, 99), ms),
      row('backlog: db transactions', (s) => s.backlog.xacts, count),
      row('backlog: db rows read', (s) => s.backlog.rowsRead, count),
      row(
        'backlog: postgres CPU s',
        (s) => s.backlog.pgCpuS,
        (n) => n.toFixed(2),
      ),
      row('idle: db transactions/s', (s) => perSecond(s.idle, (l) => l.xacts), count),
      row('idle: db rows read/s', (s) => perSecond(s.idle, (l) => l.rowsRead), count),
      row(
        `steady: ${values.small} small jobs at ${values.rate}/s, s`,
        (s) => s.steadyS,
        (n) => n.toFixed(2),
      ),
      row('steady: pickup latency p50, ms', (s) => percentile(s.pickups, 50), ms),
      row('steady: pickup latency p99, ms', (s) => percentile(s.pickups, 99), ms),
      row('steady: db transactions', (s) => s.steady.xacts, count),
      row('steady: db rows read', (s) => s.steady.rowsRead, count),
      row(
        'steady: postgres CPU s',
        (s) => s.steady.pgCpuS,
        (n) => n.toFixed(2),
      ),
    ],
  ),
);
