import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react';
import {
  createBillingClient,
  isBillingApiError,
  type AccountView,
  type BillingClient,
  type PublicConfig,
} from '@billing-service/client';

const STORAGE_KEY = 'billing-demo.session';

/** Who is signed in: the token and, for the header, how to call them. */
export interface StoredSession {
  token: string;
  expiresAt: string;
  /** "Ada Lovelace" or "Grace Hopper · Acme Inc. (member)". */
  label: string;
}

function readStored(): StoredSession | null {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as StoredSession | null;
    if (stored === null || new Date(stored.expiresAt).getTime() <= Date.now()) return null;
    return stored;
  } catch {
    return null;
  }
}

interface SessionState {
  client: BillingClient;
  config: PublicConfig | null;
  configError: unknown;
  session: StoredSession | null;
  /** The account view of the signed-in person; null while loading or signed out. */
  account: AccountView | null;
  signIn: (session: StoredSession) => void;
  signOut: () => void;
  /** Reloads the account view (e.g. after a 401). */
  refreshAccount: () => void;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<StoredSession | null>(readStored);
  const [account, setAccount] = useState<AccountView | null>(null);
  const [config, setConfig] = useState<PublicConfig | null>(null);
  const [configError, setConfigError] = useState<unknown>(null);
  const [accountVersion, setAccountVersion] = useState(0);

  // One client for the app; it reads the current token before every call.
  const client = useMemo(
    () => createBillingClient({ baseUrl: '', getToken: () => readStored()?.token }),
    [],
  );

  const signIn = useCallback((next: StoredSession) => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setAccount(null);
    setSession(next);
  }, []);

  const signOut = useCallback(() => {
    localStorage.removeItem(STORAGE_KEY);
    setAccount(null);
    setSession(null);
  }, []);

  useEffect(() => {
    let live = true;
    client.config().then(
      (value) => live && setConfig(value),
      (error: unknown) => live && setConfigError(error),
    );
    return () => {
      live = false;
    };
  }, [client]);

  useEffect(() => {
    if (session === null) return;
    let live = true;
    client.account().then(
      (value) => live && setAccount(value),
      (error: unknown) => {
        // A token the service no longer accepts (expired, another sandbox secret): sign out.
        if (live && isBillingApiError(error, 'UNAUTHENTICATED')) signOut();
      },
    );
    return () => {
      live = false;
    };
  }, [client, session, accountVersion, signOut]);

  // Another tab signed in or out.
  useEffect(() => {
    const onStorage = (event: StorageEvent): void => {
      if (event.key === STORAGE_KEY) setSession(readStored());
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const value = useMemo<SessionState>(
    () => ({
      client,
      config,
      configError,
      session,
      account,
      signIn,
      signOut,
      refreshAccount: () => setAccountVersion((version) => version + 1),
    }),
    [client, config, configError, session, account, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (state === null) throw new Error('useSession outside SessionProvider');
  return state;
}
