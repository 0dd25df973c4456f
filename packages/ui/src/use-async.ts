/** Loading state of one async value, reloaded when its dependencies change or on demand. */
import { useCallback, useEffect, useState } from 'preact/hooks';

export interface AsyncState<T> {
  value?: T;
  error?: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads a value with `load` whenever `deps` change (or `reload` is called); answers to superseded loads
 * are dropped.
 */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ value?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (value) => live && setState({ value, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}
