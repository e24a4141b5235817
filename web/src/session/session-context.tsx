/**
 * The signed-in session for every page: its ARM client, and `signOut(reason)` which any page (or
 * the client, on a 401) calls to end it. The session ends by itself when its token expires.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ArmClient } from '../arm/client.ts';
import { forgetSession, storedSession, type Session } from './session.ts';

interface SessionState {
  session: Session;
  client: ArmClient;
  signOut(reason?: string): void;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

export const EXPIRED = 'Your session has expired. Sign in again to go on.';

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside a signed-in page');
  return state;
}

export function SessionProvider(props: {
  session: Session;
  onEnd: (reason?: string) => void;
  children: ReactNode;
}): ReactNode {
  const { session, onEnd } = props;
  const [ended, setEnded] = useState(false);
  const signOut = useCallback(
    (reason?: string) => {
      forgetSession();
      setEnded(true);
      onEnd(reason);
    },
    [onEnd],
  );
  useEffect(() => {
    const timer = setTimeout(() => signOut(EXPIRED), Math.max(0, session.expiresAt - Date.now()));
    return () => clearTimeout(timer);
  }, [session, signOut]);
  const client = useMemo(
    () => new ArmClient({ token: () => session.accessToken, onUnauthorized: () => signOut(EXPIRED) }),
    [session, signOut],
  );
  if (ended) return null;
  return <SessionContext.Provider value={{ session, client, signOut }}>{props.children}</SessionContext.Provider>;
}

export { storedSession };
