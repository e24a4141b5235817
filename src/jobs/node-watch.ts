/**
 * The nodes (`kiln serve` processes) that share one metadata store, and what happens when one dies.
 * Each node keeps a record of its own, `/nodes/<id>`, written again every heartbeat; the record is
 * due (in the `nodes` lane) once the node has been silent for `deadAfterMs`. Every node, at each of
 * its heartbeats, claims a due record the way workers claim jobs: the claimer deletes it and enqueues
 * a `node.takeOver` job in one batch, and whichever node runs that job takes the dead node's work over
 * (the VMs it ran: jobs/tasks/node-takeover.ts). A node's record is present exactly while no takeover
 * of it has been decided.
 *
 * Invariants:
 * - One takeover per death: the claim, the delete (expecting the claimed record) and the enqueue are
 *   atomic, so of several nodes that see a node dead one decides, and a takeover that crashes runs
 *   again (it is a job).
 * - A VM never runs on two nodes: a node that has not written its record for three quarters of
 *   the limit (cut off from the database, or too slow) stops the VMs it runs (`onFenced`) before any
 *   other can decide it dead, and resumes them (`onRegistered`) when it writes again (unless it was
 *   the only node at its last look: then nobody could take them, and it stops nothing); one that finds
 *   its own record gone (taken over: it was paused past the limit) stops them before it registers
 *   again. One that finds its record claimed but not yet deleted writes it back: the claim's delete
 *   then fails and nothing is taken over. (This assumes the nodes' clocks agree within a quarter of
 *   the limit.)
 * - A node never takes itself over: its own record claimed as due is written back.
 */
import { hostname } from 'node:os';
import type { Clock } from '../core/clock.ts';
import { ExpectationFailedError, type MetadataStore, type NewRecord } from '../ports/metadata-store.ts';
import type { StoreJobQueue } from './store-job-queue.ts';
import type { TaskPayloads } from '../domain/task-payloads.ts';

export const NODE_KIND = 'kiln/nodes';
const LANE = 'nodes';

export interface NodeData {
  id: string;
  /** Where it runs, for operators: the host's name and the process id. */
  host: string;
  pid: number;
  startedAt: string;
  seenAt: string;
}

export const nodeKey = (id: string): string => `/nodes/${id}`;

/** Whether the node `id` is taken for alive: its record is there (no takeover of it was decided). */
export async function nodeIsPresent(store: MetadataStore, id: string): Promise<boolean> {
  return (await store.etag(nodeKey(id))) !== undefined;
}

export interface NodeWatchOptions {
  store: MetadataStore;
  queue: StoreJobQueue<TaskPayloads>;
  clock: Clock;
  /** This node's id (stable across its restarts: its data folder's). */
  node: string;
  heartbeatMs: number;
  /** Silence after which a node is taken over. */
  deadAfterMs: number;
  /** This node was taken over while alive: stop what it runs before it registers again. */
  onFenced(): Promise<void>;
  /** This node registered (at the start, and again after it was fenced): resume what is placed on it. */
  onRegistered(): Promise<void>;
  onError(error: unknown): void;
  /** Told when this node decides another is dead. */
  onTakeover?(node: NodeData): void;
}

export async function watchNodes(options: NodeWatchOptions): Promise<{ stop(): Promise<void> }> {
  const { store, clock, node } = options;
  const startedAt = clock.now().toISOString();
  const record = (seenAt: number): NewRecord<NodeData> => ({
    key: nodeKey(node),
    kind: NODE_KIND,
    subscription: '',
    resourceGroup: null,
    parent: null,
    due: { lane: LANE, at: seenAt + options.deadAfterMs },
    data: { id: node, host: hostname(), pid: process.pid, startedAt, seenAt: new Date(seenAt).toISOString() },
  });
  const put = async (expect?: { etag: string } | { absent: true }) =>
    (await store.apply([{ op: 'put', record: record(clock.now().getTime()), ...(expect ? { expect } : {}) }]))[0].etag;

  // A restart within `deadAfterMs` finds its record still there (or being claimed): it is the same node.
  let etag = await put();
  let lastBeat = clock.now().getTime();
  // Cut off from the store, it stops its VMs before anyone can have decided it dead (others wait the
  // whole limit from its last beat; it stops at most this much after), and resumes them once it beats.
  // A node alone at its last look has nobody to take its VMs: a laptop's sleep stops none of them.
  const fenceAfterMs = options.deadAfterMs * 0.75;
  let cutOff = false;
  let alone = false;
  await options.onRegistered();

  const heartbeat = async () => {
    try {
      etag = await put({ etag });
      lastBeat = clock.now().getTime();
      if (cutOff) {
        cutOff = false;
        await options.onRegistered();
      }
    } catch (error) {
      if (!(error instanceof ExpectationFailedError)) throw error;
      const now = await store.etag(nodeKey(node));
      if (now !== undefined) {
        etag = await put({ etag: now });
      } else {
        if (!cutOff) await options.onFenced();
        etag = await put({ absent: true });
        lastBeat = clock.now().getTime();
        cutOff = false;
        await options.onRegistered();
      }
    }
  };

  const claimDead = async () => {
    alone = (await store.list({ kind: NODE_KIND, limit: 2 })).length < 2;
    const now = clock.now().getTime();
    const dead = await store.claimDue<NodeData>({
      kind: NODE_KIND,
      lanes: [LANE],
      now,
      // Held while the batch below is written; due again in a while should this node die first.
      take: (claimed) => ({ ...claimed, due: { lane: LANE, at: now + options.deadAfterMs } }),
    });
    if (!dead) return;
    if (dead.data.id === node) {
      etag = await put({ etag: dead.etag });
      return;
    }
    try {
      await store.apply([
        { op: 'delete', key: dead.key, expect: { etag: dead.etag } },
        options.queue.enqueueWrite({ task: 'node.takeOver', payload: { node: dead.data.id } }),
      ]);
    } catch (error) {
      // It wrote its record back meanwhile: it is alive after all.
      if (error instanceof ExpectationFailedError) return;
      throw error;
    }
    options.onTakeover?.(dead.data);
    options.queue.nudge();
  };

  let stopped = false;
  let beating = false;
  let beat: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (!cutOff && !alone && clock.now().getTime() - lastBeat > fenceAfterMs) {
      cutOff = true;
      options.onFenced().catch(options.onError);
    }
    // One beat at a time: a store that hangs holds one, not a queue of them.
    if (beating || stopped) return;
    beating = true;
    beat = (async () => {
      await heartbeat();
      await claimDead();
    })()
      .catch(options.onError)
      .finally(() => (beating = false));
  }, options.heartbeatMs);
  return {
    // The record stays: a node stopped for a restart comes back as itself; one that stays down is taken over.
    async stop() {
      stopped = true;
      clearInterval(timer);
      await beat;
    },
  };
}
