import { useCallback, useEffect, useState } from 'react';

export interface Resource<T> {
  /** The latest answer; while a new one loads, the previous one (or undefined at first). */
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Loads once per change of `key` (and on `reload`); answers to an earlier key are dropped. */
export function useResource<T>(load: () => Promise<T>, key: string): Resource<T> {
  const [version, setVersion] = useState(0);
  const [result, setResult] = useState<{ request: string; data?: T; error: unknown } | null>(null);
  const request = `${version}:${key}`;

  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setResult({ request, data, error: null }),
      (error: unknown) => live && setResult({ request, error }),
    );
    return () => {
      live = false;
    };
    // `load` changes identity on every render; `request` says when the query really changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [request]);

  const reload = useCallback(() => setVersion((value) => value + 1), []);
  const loading = result?.request !== request;
  return {
    data: result?.data,
    error: loading ? null : (result?.error ?? null),
    loading,
    reload,
  };
}
