/**
 * Toasts: a failure says what ARM said (code, message, the field's JSON path) and stays until
 * dismissed; a success fades after a few seconds. They are announced to screen readers (role
 * alert for failures, status for the rest).
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { ArmRequestError } from '../arm/errors.ts';

interface Toast {
  id: number;
  kind: 'error' | 'success';
  title: string;
  detail?: string;
}

interface Toaster {
  error(error: unknown, title?: string): void;
  success(title: string): void;
}

const ToastContext = createContext<Toaster | undefined>(undefined);
const SUCCESS_MS = 5000;

export function useToast(): Toaster {
  const toaster = useContext(ToastContext);
  if (!toaster) throw new Error('useToast outside <ToastProvider>');
  return toaster;
}

/** Title and detail for an error as a person reads it: `Code: message` and the field it names. */
export function describeError(error: unknown): { title: string; detail?: string } {
  if (error instanceof ArmRequestError)
    return { title: `${error.code}: ${error.message}`, detail: error.target ? `at ${error.target}` : undefined };
  return { title: error instanceof Error ? error.message : String(error) };
}

let next = 1;

export function ToastProvider(props: { children: ReactNode }): ReactNode {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const toaster = useMemo<Toaster>(
    () => ({
      error(error, title) {
        const described = describeError(error);
        const toast: Toast = {
          id: next++,
          kind: 'error',
          title: title ?? described.title,
          detail: title ? [described.title, described.detail].filter(Boolean).join(' ') : described.detail,
        };
        setToasts((all) => [...all, toast]);
      },
      success(title) {
        const toast: Toast = { id: next++, kind: 'success', title };
        setToasts((all) => [...all, toast]);
        setTimeout(() => dismiss(toast.id), SUCCESS_MS);
      },
    }),
    [dismiss],
  );
  return (
    <ToastContext.Provider value={toaster}>
      {props.children}
      <div className="toasts" aria-live="polite">
        {toasts.map((toast) => (
          <div
            key={toast.id}
            className={`toast toast-${toast.kind}`}
            role={toast.kind === 'error' ? 'alert' : 'status'}
          >
            <div>
              <strong>{toast.title}</strong>
              {toast.detail && <div className="toast-detail">{toast.detail}</div>}
            </div>
            <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
