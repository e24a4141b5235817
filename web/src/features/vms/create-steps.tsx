/**
 * The steps of a VM's create as they happen (the network pieces, then the VM): each says what it
 * made, reused or removed, with a spinner while it works and the failure where it stopped.
 */
import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { Spinner } from '../../ui/spinner.tsx';
import type { CreateStep } from './vm-network.ts';

const DONE: Record<Exclude<CreateStep['state'], 'working'>, string> = {
  created: 'Created',
  reused: 'Using the existing',
  failed: 'Failed:',
  removed: 'Removed',
};

/** The steps so far; a report of a step already listed (by what it concerns) changes it in place. */
export function useSteps() {
  const [list, setList] = useState<CreateStep[]>([]);
  const report = useCallback(
    (step: CreateStep) =>
      setList((all) =>
        all.some((s) => s.what === step.what) ? all.map((s) => (s.what === step.what ? step : s)) : [...all, step],
      ),
    [],
  );
  const clear = useCallback(() => setList([]), []);
  const failWorking = useCallback(
    () => setList((all) => all.map((s) => (s.state === 'working' ? { ...s, state: 'failed' } : s))),
    [],
  );
  return useMemo(() => ({ list, report, clear, failWorking }), [list, report, clear, failWorking]);
}

export function CreateSteps(props: { steps: readonly CreateStep[] }): ReactNode {
  if (props.steps.length === 0) return null;
  return (
    <ol className="vm-steps" aria-label="Progress">
      {props.steps.map((step) => (
        <li key={step.what} className={`vm-step-${step.state}`}>
          {step.state === 'working' ? <Spinner label={`Creating ${step.what}…`} /> : `${DONE[step.state]} ${step.what}`}
        </li>
      ))}
    </ol>
  );
}
