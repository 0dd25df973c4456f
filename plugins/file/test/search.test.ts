import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Run } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GuardedTrackingStore, validatedTrackingStore } from '@labbook/core';
import { FileTrackingStore } from '../src/index.js';
import { searchRunsInMemory } from '@labbook/core';
import { removeTempRoots, tempRoot } from './helpers/temp-root.js';

const RUNS = 300;
const ids = (runs: Run[]) => runs.map((r) => r.info.runId);

describe('searchRuns over the stat-validated cache', () => {
  let root: string;
  let exp: string;
  let store: GuardedTrackingStore;
  const runIds: string[] = [];

  beforeAll(async () => {
    root = join(tempRoot(), 'mlruns');
    store = validatedTrackingStore(new FileTrackingStore({ root, fsync: false }));
    exp = await store.createExperiment('search');
    for (let r = 0; r < RUNS; r++) {
      const run = await store.createRun({ experimentId: exp, startTime: 1_700_000_000_000 + r, runName: `run-${r}` });
      runIds.push(run.info.runId);
      await store.logBatch(run.info.runId, {
        metrics: [
          { key: 'loss', value: (r % 17) / 17, timestamp: 1, step: 0 },
          { key: 'loss', value: (r % 13) / 13, timestamp: 2, step: 1 },
          ...(r % 10 === 0 ? [] : [{ key: 'acc', value: r / RUNS, timestamp: 1, step: 0 }]),
        ],
        params: [{ key: 'model', value: ['a', 'b', 'c'][r % 3]! }],
        tags: [{ key: 'team', value: r % 2 ? 'x' : 'y' }],
      });
    }
  }, 60_000);
  afterAll(removeTempRoots);

  /** What the search must return: every run loaded in full, then core's evaluator. */
  async function reference(filter: string, orderBy: string[], maxResults = 1000) {
    const all = await Promise.all(runIds.map((id) => store.getRun(id)));
    return searchRunsInMemory(
      all.filter((r) => r.info.lifecycleStage === 'active'),
      { filter, orderBy, maxResults },
    );
  }

  it.each([
    ["metrics.loss < 0.5 and params.model = 'b'", ['metrics.acc DESC']],
    ["tags.team = 'x'", ['metrics.loss ASC', 'attributes.start_time DESC']],
    ["attributes.run_name LIKE 'run-1%'", []],
    ['metrics.acc >= 0.5', ['params.model ASC']],
    ['', ['metrics.acc DESC']],
  ])('"%s" ordered by %j returns what a full read returns, with full run data', async (filter, orderBy) => {
    const got = await validatedTrackingStore(new FileTrackingStore({ root })).searchRuns({
      experimentIds: [exp],
      filter,
      orderBy,
      maxResults: 50,
    });
    const want = await reference(filter, orderBy, 50);
    expect(ids(got.items)).toEqual(ids(want.items));
    expect(got.nextPageToken).toEqual(want.nextPageToken);
    // The page's runs are complete, not just the fields the filter read.
    for (const run of got.items) expect(run).toEqual(await store.getRun(run.info.runId));
    // Warm: the same answer again from the cache.
    const warm = await store.searchRuns({ experimentIds: [exp], filter, orderBy, maxResults: 50 });
    expect(ids(warm.items)).toEqual(ids(want.items));
  });

  it('pages with tokens through every match exactly once', async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await store.searchRuns({
        experimentIds: [exp],
        orderBy: ['metrics.loss ASC'],
        maxResults: 64,
        ...(pageToken !== undefined ? { pageToken } : {}),
      });
      seen.push(...ids(page.items));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toHaveLength(RUNS);
    expect(new Set(seen).size).toBe(RUNS);
  });

  it('never serves stale data written by another store or process', async () => {
    const warm = validatedTrackingStore(new FileTrackingStore({ root }));
    const target = runIds[5]!;
    const filter = 'metrics.loss > 5';
    expect(ids((await warm.searchRuns({ experimentIds: [exp], filter })).items)).toEqual([]);
    // Another writer appends a later point (file only grew: parsed incrementally).
    await new FileTrackingStore({ root }).logBatch(target, { metrics: [{ key: 'loss', value: 9, timestamp: 3, step: 2 }] });
    expect(ids((await warm.searchRuns({ experimentIds: [exp], filter })).items)).toEqual([target]);
    // MLflow-style raw append straight into the file.
    appendFileSync(join(root, exp, runIds[6]!, 'metrics', 'loss'), '4 7.5 9\n');
    expect(ids((await warm.searchRuns({ experimentIds: [exp], filter, orderBy: ['metrics.loss DESC'] })).items)).toEqual([
      target,
      runIds[6],
    ]);
    // A tag rewritten in place with the same length (as MLflow's FileStore writes tags).
    writeFileSync(join(root, exp, runIds[7]!, 'tags', 'team'), 'z');
    const z = await warm.searchRuns({ experimentIds: [exp], filter: "tags.team = 'z'" });
    expect(ids(z.items)).toEqual([runIds[7]]);
    expect(z.items[0]!.data.tags).toContainEqual({ key: 'team', value: 'z' });
    // meta.yaml changed by another store: status and deletion.
    const other = new FileTrackingStore({ root });
    await other.updateRunInfo(runIds[8]!, { status: 'FAILED' });
    await other.deleteRun(runIds[9]!);
    const failed = await warm.searchRuns({ experimentIds: [exp], filter: "attributes.status = 'FAILED'" });
    expect(ids(failed.items)).toEqual([runIds[8]]);
    const active = await warm.searchRuns({ experimentIds: [exp] });
    expect(ids(active.items)).not.toContain(runIds[9]);
    const deleted = await warm.searchRuns({ experimentIds: [exp], viewType: 'DELETED_ONLY' });
    expect(ids(deleted.items)).toEqual([runIds[9]]);
    // A new run created by another process appears.
    const fresh = await other.createRun({ experimentId: exp, startTime: 1 });
    expect(ids((await warm.searchRuns({ experimentIds: [exp], maxResults: 1000 })).items)).toContain(fresh.info.runId);
  });

  it('searches experiments with core’s evaluator', async () => {
    const page = await store.searchExperiments({ filter: "name = 'search'" });
    expect(page.items.map((e) => e.experimentId)).toEqual([exp]);
  });
});
