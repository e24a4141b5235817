/**
 * Submitting a create form: the PUT followed to the end of its long-running operation (an image
 * copies its source's bytes first), then a toast and the new resource's page. A refusal, or an
 * operation that ends Failed, stays on the form as `error`, for the fields to show at their paths.
 */
import { useState, type FormEvent } from 'react';
import { resourcePath } from '../../arm/ids.ts';
import { navigate } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { useToast } from '../../ui/toasts.tsx';
import type { ComputeKind } from './model.ts';

export function useCreate(kind: ComputeKind) {
  const { client } = useSession();
  const toast = useToast();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = (id: string, body: () => unknown) => async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await client.change('PUT', id, kind.apiVersion, body());
      toast.success(`The ${kind.noun} ${decodeURIComponent(id.split('/').at(-1)!)} was created`);
      navigate(resourcePath(id));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return { error, busy, submit };
}
