/** A value in a TF.js `logs` object: a number, or a scalar tensor not yet read. */
export type LogValue = number | { data(): Promise<ArrayLike<number>>; isDisposed?: boolean };

/** Keys TF.js adds to batch logs that are bookkeeping, not metrics. */
const BOOKKEEPING = new Set(['batch', 'size']);

/**
 * Reads a TF.js `logs` object into numbers. TF.js hands callbacks scalar tensors (and disposes batch
 * tensors right after `onBatchEnd`), so they are read here, inside the callback, with the async
 * `data()` that does not block the backend.
 */
export async function readLogs(logs: Record<string, unknown> | undefined): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  if (!logs) return out;
  const pending: Promise<void>[] = [];
  for (const [key, value] of Object.entries(logs)) {
    if (BOOKKEEPING.has(key)) continue;
    if (typeof value === 'number') out[key] = value;
    else if (value && typeof (value as { data?: unknown }).data === 'function' && !(value as { isDisposed?: boolean }).isDisposed) {
      pending.push(
        (value as { data(): Promise<ArrayLike<number>> }).data().then((d) => {
          if (d.length > 0) out[key] = Number(d[0]);
        }),
      );
    }
  }
  await Promise.all(pending);
  return out;
}
