import type { Metric, TrackingStore } from '@labbook/core';

/** Reads a metric's whole history, following page tokens. */
export async function readWholeHistory(store: TrackingStore, runId: string, key: string): Promise<Metric[]> {
  const first = await store.getMetricHistory(runId, key, {});
  if (!first.nextPageToken) return first.items;
  const all = [...first.items];
  let token: string | undefined = first.nextPageToken;
  while (token) {
    const page = await store.getMetricHistory(runId, key, { pageToken: token });
    for (const m of page.items) all.push(m);
    token = page.nextPageToken;
  }
  return all;
}
