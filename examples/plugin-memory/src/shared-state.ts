/** Process-wide state per URI, so every store opened on `memory://x` sees the same data. */
const states = new Map<string, unknown>();

/** The state of one URI (created with `init` on first use). */
export function stateFor<T>(kind: string, uri: string, init: () => T): T {
  const key = `${kind} ${uri}`;
  let state = states.get(key) as T | undefined;
  if (state === undefined) {
    state = init();
    states.set(key, state);
  }
  return state;
}
