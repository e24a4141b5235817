/**
 * The ARM pipeline's steps (api-version, authentication, authorization, registration, linked access)
 * as Fastify hooks that finish in the same turn when they can. A step returns nothing when it decided
 * without waiting (a cached token verdict, a cached caller's access, a check that reads nothing) and
 * a promise only when it must wait (a store read, a signature check); a thrown error or a rejected
 * promise fails the request as an async hook's would. Fastify runs the next hook at once when one
 * calls `done`, where an async hook costs a promise and a microtask turn on every call.
 *
 * Steps see only ARM routes (those with an `arm` config, arm-route.ts): others pass them all.
 */
import type { FastifyRequest } from 'fastify';
import type { ArmRouteConfig } from './route-config.ts';

export type PipelineStep = (request: FastifyRequest, arm: ArmRouteConfig) => void | Promise<void>;

type Done = (error?: Error) => void;

/** `steps` in order as one hook (onRequest, preHandler): the route's config is read once for all of them. */
export function hookOf(...steps: PipelineStep[]) {
  return (request: FastifyRequest, _reply: unknown, done: Done): void => {
    const arm = request.routeOptions.config.arm;
    if (arm) runFrom(0, steps, request, arm, done);
    else done();
  };
}

function runFrom(first: number, steps: PipelineStep[], request: FastifyRequest, arm: ArmRouteConfig, done: Done): void {
  for (let i = first; i < steps.length; i += 1) {
    let waiting: void | Promise<void>;
    try {
      waiting = steps[i](request, arm);
    } catch (error) {
      done(error as Error);
      return;
    }
    if (waiting) {
      waiting.then(() => runFrom(i + 1, steps, request, arm, done), done);
      return;
    }
  }
  // Outside the try: `done` runs the next hooks, whose errors are theirs to report.
  done();
}

/** `next` applied to `value` at once when it is at hand, else once its promise settles. */
export function whenReady<T>(value: T | Promise<T>, next: (value: T) => void | Promise<void>): void | Promise<void> {
  return value instanceof Promise ? value.then(next) : next(value);
}
