/**
 * A form's submission: busy while its request runs (for the button's spinner) and the error it ended
 * with, which the form shows at the fields whose JSON paths the error names (errorAt) and the rest in
 * FormError. The action does the work and what follows success (a toast, a reload, clearing fields).
 */
import { useState, type FormEvent } from 'react';

export function useFormSubmit(action: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}
