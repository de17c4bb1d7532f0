import { useCallback, useEffect, useState } from 'react';

export interface Loaded<T> {
  /** The last answer; while a new one loads it is the previous one (the page does not blink). */
  data: T | undefined;
  error: Error | undefined;
  /** True until the answer for the current key (and reload) is in, from the very first render on. */
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `key` changes; the last answer wins (an older, slower one is dropped). */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [nonce, setNonce] = useState(0);
  const want = `${nonce}:${key}`;
  const [state, setState] = useState<{ data?: T; error?: Error; for?: string }>({});
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setState({ data, for: want }),
      (error: unknown) => live && setState((s) => ({ data: s.data, error: error as Error, for: want })),
    );
    return () => {
      live = false;
    };
    // `load` is a new closure each render; `want` says when what it loads changed, so it is not a dependency.
  }, [want]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.for !== want, reload };
}
