/**
 * The ARM pipeline's steps (api-version, authentication, authorization, registration, linked access)
 * as Fastify hooks that finish in the same turn when they can. A step returns nothing when it decided
 * without waiting (a cached token verdict, a cached caller's access, a check that reads nothing) and
 * a promise only when it must wait (a store read, a signature check); a thrown error or a rejected
 * promise fails the request as an async hook's would. Fastify runs the next hook at once when one
 * calls `done`, where an async hook costs a promise and a microtask turn on every call.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export type PipelineStep = (request: FastifyRequest, reply: FastifyReply) => void | Promise<void>;

/** `step` as an onRequest or preHandler hook. */
export function hookOf(step: PipelineStep) {
  return (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
    let waiting: void | Promise<void>;
    try {
      waiting = step(request, reply);
    } catch (error) {
      done(error as Error);
      return;
    }
    // Outside the try: `done` runs the next hooks, whose errors are theirs to report.
    if (waiting) waiting.then(() => done(), done);
    else done();
  };
}

/** `next` applied to `value` at once when it is at hand, else once its promise settles. */
export function whenReady<T>(value: T | Promise<T>, next: (value: T) => void | Promise<void>): void | Promise<void> {
  return value instanceof Promise ? value.then(next) : next(value);
}
