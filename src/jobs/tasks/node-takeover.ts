/**
 * The `node.takeOver` job (jobs/node-watch.ts decided the node dead): the node that runs it takes the
 * dead node's VMs (domain/virtual-machines/placement.ts) and then the jobs waiting in the dead node's
 * lanes, which run here from the start, due at once. It runs again from the start after a crash:
 * what moved stays moved, the rest moves.
 *
 * A node that came back before the job ran (its record is there again) keeps its VMs: nothing moves.
 * The dead node never runs its own takeover: it waits for another node, or for the node to register
 * again (then nothing moves).
 */
import { takeOverMachines } from '../../domain/virtual-machines/placement.ts';
import type { DomainContext } from '../../domain/context.ts';
import { ExpectationFailedError } from '../../ports/metadata-store.ts';
import { JOB_KIND, jobRecord, nodeLane, type JobData } from '../job-record.ts';
import { nodeIsPresent } from '../node-watch.ts';
import { RetryLater, type TaskHandler } from '../task.ts';
import { forgetMachine } from './machine-folders.ts';
import type { MachineSettings } from './virtual-machine.ts';

/** Jobs moved per listing of a lane. */
const PAGE = 500;

export function nodeTakeoverTask(
  ctx: DomainContext,
  machines: Pick<MachineSettings, 'node' | 'root'>,
  taskNames: () => string[],
): TaskHandler<{ node: string }> {
  return {
    run: async ({ node: dead }) => {
      if (await nodeIsPresent(ctx.store, dead)) return [];
      if (dead === machines.node) throw new RetryLater(2000, 'a node is not taken over by itself');
      await takeOverMachines(ctx, dead, machines.node, (vmId) => forgetMachine(machines.root, vmId));
      for (const task of taskNames()) await moveLane(ctx, nodeLane(task, dead), machines.node);
      ctx.jobs.nudge();
      return [];
    },
    fail: async () => [],
  };
}

/** Moves every job of `lane` to `node`, queued and due now (a lease the dead node held means nothing). */
async function moveLane(ctx: DomainContext, lane: string, node: string): Promise<void> {
  for (;;) {
    const jobs = await ctx.store.list<JobData>({ kind: JOB_KIND, lane, limit: PAGE });
    if (jobs.length === 0) return;
    for (const job of jobs) {
      const moved = jobRecord({
        ...job.data,
        node,
        state: 'queued',
        runAfter: ctx.clock.now().toISOString(),
        leaseOwner: undefined,
        leaseUntil: undefined,
      });
      await ctx.store.apply([{ op: 'put', record: moved, expect: { etag: job.etag } }]).catch((error: unknown) => {
        // Finished or changed meanwhile: the next listing shows what is left.
        if (!(error instanceof ExpectationFailedError)) throw error;
      });
    }
  }
}
