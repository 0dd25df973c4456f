import { ViewType } from '../entities/enums.js';
import type { LoggedModel } from '../entities/logged-model.js';
import type { Experiment, Metric, PagedList, Run } from '../entities/tracking.js';
import type { GuardedTrackingStore } from '../interfaces/tracking-store.js';

const PAGE = 1000;
const HISTORY_PAGE = 25_000;

/** Every page of a paged call, one after the other. */
export async function* allPages<T>(page: (token: string | undefined) => Promise<PagedList<T>>): AsyncGenerator<T> {
  let token: string | undefined;
  do {
    const answer = await page(token);
    for (const item of answer.items) yield item;
    token = answer.nextPageToken || undefined;
  } while (token);
}

/** Every experiment, active and deleted. */
export function allExperiments(store: GuardedTrackingStore): AsyncGenerator<Experiment> {
  return allPages((pageToken) =>
    store.searchExperiments({ viewType: ViewType.ALL, maxResults: PAGE, ...(pageToken ? { pageToken } : {}) }),
  );
}

/** Every run of an experiment, active and deleted. */
export function allRuns(store: GuardedTrackingStore, experimentId: string): AsyncGenerator<Run> {
  return allPages((pageToken) =>
    store.searchRuns({ experimentIds: [experimentId], viewType: ViewType.ALL, maxResults: PAGE, ...(pageToken ? { pageToken } : {}) }),
  );
}

/** Every logged model of an experiment (empty when either store lacks them). */
export async function allLoggedModels(store: GuardedTrackingStore, experimentId: string): Promise<LoggedModel[]> {
  if (!store.supportsLoggedModels) return [];
  const out: LoggedModel[] = [];
  for await (const m of allPages((pageToken) =>
    store.searchLoggedModels({ experimentIds: [experimentId], maxResults: PAGE, ...(pageToken ? { pageToken } : {}) }),
  ))
    out.push(m);
  return out;
}

/** Every point of every metric of a run, with dataset and model ids kept, read page by page. */
export async function fullHistory(store: GuardedTrackingStore, run: Run): Promise<Metric[]> {
  const out: Metric[] = [];
  const keys = new Set(run.data.metrics.map((m) => m.key));
  for (const key of keys) {
    for await (const m of allPages((pageToken) =>
      store.getMetricHistory(run.info.runId, key, { maxResults: HISTORY_PAGE, ...(pageToken ? { pageToken } : {}) }),
    )) {
      const point: Metric = { key: m.key, value: m.value, timestamp: m.timestamp, step: m.step ?? 0 };
      if (m.datasetName) point.datasetName = m.datasetName;
      if (m.datasetDigest) point.datasetDigest = m.datasetDigest;
      if (m.modelId) point.modelId = m.modelId;
      out.push(point);
    }
  }
  return out;
}

/** How many points a run's metrics hold, from the fast column path. */
export async function pointCount(store: GuardedTrackingStore, runId: string, keys: Iterable<string>): Promise<number> {
  let n = 0;
  for (const key of new Set(keys)) n += (await store.getMetricHistoryColumns(runId, key)).length;
  return n;
}
