import { validatedTrackingStore } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresTrackingStore } from '../src/index.js';
import { available, type PostgresTestDatabase, testDatabase } from './helpers/db.js';

describe.runIf(available)('tracking on PostgreSQL', () => {
  let db: PostgresTestDatabase;
  let raw: PostgresTrackingStore;
  let store: ReturnType<typeof validatedTrackingStore>;

  beforeAll(async () => {
    db = (await testDatabase())!;
    raw = new PostgresTrackingStore({ uri: db.url, artifactRoot: '/srv/mlruns' });
    store = validatedTrackingStore(raw);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('keeps keys that differ only in case apart (PostgreSQL compares exactly)', async () => {
    const exp = await store.createExperiment('case');
    const run = await store.createRun({ experimentId: exp, runName: 'r' });
    await store.logBatch(run.info.runId, {
      params: [
        { key: 'lr', value: '1' },
        { key: 'LR', value: '2' },
      ],
      tags: [
        { key: 't', value: 'a' },
        { key: 'T', value: 'b' },
      ],
      metrics: [
        { key: 'm', value: 1, timestamp: 1, step: 0 },
        { key: 'M', value: 2, timestamp: 1, step: 0 },
      ],
    });
    const got = (await store.getRun(run.info.runId)).data;
    expect(Object.fromEntries(got.params!.map((p) => [p.key, p.value]))).toEqual({ lr: '1', LR: '2' });
    expect(Object.fromEntries(got.metrics!.map((m) => [m.key, m.value]))).toEqual({ m: 1, M: 2 });
    const found = await store.searchRuns({ experimentIds: [exp], filter: "params.LR = '2'" });
    expect(found.items.map((r) => r.info.runId)).toEqual([run.info.runId]);
    expect((await store.searchRuns({ experimentIds: [exp], filter: "params.lr = '2'" })).items).toEqual([]);
  });

  it('stores NaN as a flag and clamps infinities, as MLflow does', async () => {
    const exp = await store.createExperiment('nan');
    const run = await store.createRun({ experimentId: exp, runName: 'r' });
    await store.logBatch(run.info.runId, {
      metrics: [
        { key: 'nan', value: Number.NaN, timestamp: 1, step: 0 },
        { key: 'inf', value: Number.NEGATIVE_INFINITY, timestamp: 1, step: 0 },
      ],
      params: [],
      tags: [],
    });
    const c = await db.connect();
    try {
      const rows = await c.query('SELECT key, value, is_nan FROM metrics WHERE run_uuid = $1 ORDER BY key', [run.info.runId]);
      expect(rows.rows).toEqual([
        { key: 'inf', value: -1.7976931348623157e308, is_nan: false },
        { key: 'nan', value: 0, is_nan: true },
      ]);
    } finally {
      await c.end();
    }
  });

  it('gives a new experiment the id after an imported one (the serial moves past explicit ids)', async () => {
    await raw.importExperiment({
      experimentId: '500',
      name: 'imported',
      artifactLocation: '/srv/mlruns/500',
      lifecycleStage: 'active',
      tags: [],
    });
    expect((await store.getExperiment('500')).name).toBe('imported');
    expect(await store.createExperiment('after import')).toBe('501');
  });

  it('orders names by code point, as MySQL (BINARY) and SQLite do', async () => {
    for (const n of ['b-order', 'B-order', 'a-order', '_-order']) await store.createExperiment(n);
    const page = await store.searchExperiments({ filter: "name LIKE '%-order'", orderBy: ['name ASC'] });
    expect(page.items.map((e) => e.name)).toEqual(['B-order', '_-order', 'a-order', 'b-order']);
  });

  it('compares BIGINT attributes with fractional and huge bounds (as doubles, like the in-memory evaluator)', async () => {
    const exp = await store.createExperiment('bounds');
    const run = await store.createRun({ experimentId: exp, runName: 'r', startTime: 21 });
    const ids = async (filter: string) => (await store.searchRuns({ experimentIds: [exp], filter })).items.map((r) => r.info.runId);
    expect(await ids('attributes.start_time > 20.5')).toEqual([run.info.runId]);
    expect(await ids('attributes.start_time < 20.5')).toEqual([]);
    expect(await ids('attributes.start_time = 21.0')).toEqual([run.info.runId]);
    expect(await ids('attributes.start_time < 1e300')).toEqual([run.info.runId]);
    const model = await store.createLoggedModel({ experimentId: exp, name: 'm' });
    const models = async (filter: string) =>
      (await store.searchLoggedModels({ experimentIds: [exp], filter })).items.map((m) => m.info.modelId);
    expect(await models('creation_timestamp > 0.5')).toEqual([model.info.modelId]);
    expect(await models('creation_timestamp > 1e300')).toEqual([]);
  });
});
