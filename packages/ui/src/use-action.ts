/** Runs a user action (a write through the API), keeps its error for display, then refreshes. */
import { useState } from 'preact/hooks';

export function useAction(afterSuccess: () => void): { error: unknown; run: (fn: () => Promise<unknown>) => Promise<void> } {
  const [error, setError] = useState<unknown>();
  const run = async (fn: () => Promise<unknown>) => {
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
