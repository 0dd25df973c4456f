/** Runs a user action (a write through the API), keeps its error for display, then refreshes. */
import { useState } from 'preact/hooks';

/** Runs one user action: what {@link useAction} returns as `run`. */
export type Act = (fn: () => Promise<unknown>) => Promise<void>;

/**
 * Wraps user actions: `run(fn)` clears the last error, awaits `fn`, then calls `afterSuccess` (a reload);
 * a failure is kept in `error` for display instead of being thrown.
 */
export function useAction(afterSuccess: () => void): { error: unknown; run: Act } {
  const [error, setError] = useState<unknown>();
  const run: Act = async (fn) => {
    setError(undefined);
    try {
      await fn();
      afterSuccess();
    } catch (e) {
      setError(e);
    }
  };
  return { error, run };
}
