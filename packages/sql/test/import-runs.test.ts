import { LabbookError, type Experiment, type ImportedRun, type Metric, type Run } from '@labbook/core/plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MysqlTrackingStore } from '../../../plugins/mysql/src/index.js';
import { available, testDatabase } from '../../../plugins/mysql/test/helpers/db.js';
import type { MysqlTestDatabase } from '../../../test/harness/mysql.js';

/** The error code a promise rejects with ('OK' when it resolves). */
async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (LabbookError.is(e)) return e.code;
    throw e;
  }
  return 'OK';
}

async function failure(p: Promise<unknown>): Promise<LabbookError> {
  try {
    await p;
  } catch (e) {
    if (LabbookError.is(e)) return e;
    throw e;
  }
  throw new Error('expected a LabbookError');
}

const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');

function experiment(id: string, name: string, extra: Partial<Experiment> = {}): Experiment {
  return {
    experimentId: id,
    name,
    artifactLocation: '',
    lifecycleStage: 'active',
    creationTime: 1_700_000_000_000,
    lastUpdateTime: 1_700_000_500_000,
    tags: [
      { key: 'team', value: 'vision' },
      { key: 'mlflow.note.content', value: 'imported' },
    ],
    ...extra,
  };
}

function run(experimentId: string, extra: Partial<Run['info']> = {}): Run {
  const runId = hex(32);
  return {
    info: {
      runId,
      runUuid: runId,
      runName: 'imported-run',
      experimentId,
      userId: 'ada',
      status: 'FINISHED',
      startTime: 1_700_000_100_000,
      endTime: 1_700_000_200_000,
      artifactUri: '',
      lifecycleStage: 'active',
      ...extra,
    },
    data: {
      metrics: [],
      params: [
        { key: 'lr', value: '0.01' },
        { key: 'layers', value: '4' },
      ],
      tags: [
        { key: 'mlflow.runName', value: 'imported-run' },
        { key: 'mlflow.user', value: 'ada' },
      ],
    },
    inputs: {
      datasetInputs: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: { name: 'mnist', digest: 'abc123', sourceType: 'local', source: '{"uri": "/data/mnist"}', schema: '{"x": 1}' },
        },
      ],
    },
  };
}

/** A history with NaN, ±Infinity, an exact repeat and a later step that is not the last timestamp. */
function history(): Metric[] {
  return [
    { key: 'loss', value: 1.5, timestamp: 10, step: 0 },
    { key: 'loss', value: Number.NaN, timestamp: 20, step: 1 },
    { key: 'loss', value: 0.5, timestamp: 15, step: 2 },
    { key: 'loss', value: 0.5, timestamp: 15, step: 2 },
    { key: 'loss', value: 0.7, timestamp: 30, step: 1 },
    { key: 'acc', value: Number.POSITIVE_INFINITY, timestamp: 5, step: 0 },
    { key: 'acc', value: Number.NEGATIVE_INFINITY, timestamp: 6, step: 0 },
    { key: 'acc', value: 0.9, timestamp: 7, step: 0 },
  ];
}

const byKey = <T extends { key: string }>(list: T[]) => [...list].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

describe.runIf(available)('SqlTrackingStore imports on MySQL', () => {
  let db: MysqlTestDatabase;
  let store: MysqlTrackingStore;

  beforeAll(async () => {
    db = (await testDatabase())!;
    store = new MysqlTrackingStore({ uri: db.url, artifactRoot: '/tmp/art' });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('imports an experiment with its id, location, stage, times and tags; later ids go past it', async () => {
    expect(await store.importExperiment(experiment('42', 'imported-exp'))).toBe('created');
    expect(await store.getExperiment('42')).toEqual({
      experimentId: '42',
      name: 'imported-exp',
      artifactLocation: '/tmp/art/42',
      lifecycleStage: 'active',
      creationTime: 1_700_000_000_000,
      lastUpdateTime: 1_700_000_500_000,
      tags: expect.arrayContaining([
        { key: 'team', value: 'vision' },
        { key: 'mlflow.note.content', value: 'imported' },
      ]),
    });
    const deleted = experiment('43', 'deleted-exp', { artifactLocation: 's3://bucket/43', lifecycleStage: 'deleted', tags: [] });
    expect(await store.importExperiment(deleted)).toBe('created');
    expect(await store.getExperiment('43')).toMatchObject({ artifactLocation: 's3://bucket/43', lifecycleStage: 'deleted', tags: [] });
    expect(Number(await store.createExperiment('made-after'))).toBeGreaterThan(43);
  });

  it('answers exists for a rerun and for the Default experiment, touching nothing', async () => {
    const before = await store.getExperiment('42');
    expect(await store.importExperiment(experiment('42', 'imported-exp', { tags: [{ key: 'team', value: 'other' }] }))).toBe('exists');
    expect(await store.getExperiment('42')).toEqual(before);
    expect(await store.importExperiment(experiment('0', 'Default'))).toBe('exists');
  });

  it('refuses another experiment under a taken id or name, writing nothing', async () => {
    const e = await failure(store.importExperiment(experiment('42', 'someone-else')));
    expect(e.code).toBe('RESOURCE_ALREADY_EXISTS');
    expect(e.message).toContain('experiment 42');
    expect(e.message).toMatch(/already holds different data.*empty store/);
    expect(await store.getExperimentByName('someone-else')).toBeNull();
    const byName = await failure(store.importExperiment(experiment('77', 'imported-exp')));
    expect(byName.code).toBe('RESOURCE_ALREADY_EXISTS');
    expect(byName.message).toContain('taken by experiment 42');
    expect(await code(store.getExperiment('77'))).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('imports a run whole: every field, params, tags, inputs, the full history and derived latest values', async () => {
    const r = run('42');
    const points = history();
    expect(await store.importRun({ run: r, metrics: points })).toBe('created');
    const got = await store.getRun(r.info.runId);
    expect(got.info).toEqual({ ...r.info, artifactUri: `/tmp/art/42/${r.info.runId}/artifacts` });
    expect(byKey(got.data.params)).toEqual(byKey(r.data.params));
    expect(got.data.tags).toEqual(byKey(r.data.tags));
    expect(got.inputs).toEqual(r.inputs);
    // Latest: the highest (step, timestamp, value), as logBatch decides it.
    expect(byKey(got.data.metrics)).toEqual([
      { key: 'acc', value: 0.9, timestamp: 7, step: 0 },
      { key: 'loss', value: 0.5, timestamp: 15, step: 2 },
    ]);
    const loss = (await store.getMetricHistory(r.info.runId, 'loss')).items;
    expect(loss.map((m) => [m.timestamp, m.step, m.value])).toEqual([
      [10, 0, 1.5],
      [15, 2, 0.5],
      [20, 1, Number.NaN],
      [30, 1, 0.7],
    ]);
    // ±Infinity clamped as logBatch stores it.
    const acc = (await store.getMetricHistory(r.info.runId, 'acc')).items;
    expect(acc.map((m) => m.value)).toEqual([1.7976931348623157e308, -1.7976931348623157e308, 0.9]);
  });

  it('keeps a deleted run deleted, in any experiment stage, with its own artifact URI', async () => {
    const r = run('43', { lifecycleStage: 'deleted', status: 'FAILED', artifactUri: 's3://bucket/run', runName: 'gone' });
    expect(await store.importRun({ run: r, metrics: [] })).toBe('created');
    expect((await store.getRun(r.info.runId)).info).toEqual(r.info);
    const conn = await (await store.db.pool()).query('SELECT deleted_time FROM runs WHERE run_uuid = ?', [r.info.runId]);
    expect((conn[0] as { deleted_time: number }[])[0]!.deleted_time).toBe(r.info.endTime);
  });

  it('answers exists for a rerun and refuses another run under the id, writing nothing', async () => {
    const r = run('42');
    await store.importRun({ run: r, metrics: history() });
    expect(await store.importRun({ run: { ...r, data: { ...r.data, params: [{ key: 'x', value: 'y' }] } }, metrics: [] })).toBe('exists');
    expect((await store.getRun(r.info.runId)).data.params).toHaveLength(2);
    const other = { ...r, info: { ...r.info, startTime: 1 } };
    const e = await failure(store.importRun({ run: other, metrics: [{ key: 'new', value: 1, timestamp: 1, step: 0 }] }));
    expect(e.code).toBe('RESOURCE_ALREADY_EXISTS');
    expect(e.message).toContain(r.info.runId);
    expect(e.message).toMatch(/already holds different data.*empty store/);
    expect((await store.getMetricHistory(r.info.runId, 'new')).items).toEqual([]);
    expect((await store.getRun(r.info.runId)).info.startTime).toBe(r.info.startTime);
  });

  it('lets two importers of the same run race: one creates it, the other finds it', async () => {
    const r = run('42');
    const outcomes = await Promise.all([store.importRun({ run: r, metrics: history() }), store.importRun({ run: r, metrics: history() })]);
    expect(outcomes.sort()).toEqual(['created', 'exists']);
    expect((await store.getMetricHistory(r.info.runId, 'loss')).items).toHaveLength(4);
    const e = experiment('500', 'raced-exp');
    expect((await Promise.all([store.importExperiment(e), store.importExperiment(e)])).sort()).toEqual(['created', 'exists']);
  });

  it('is all or nothing: a failure after the run row leaves no run', async () => {
    const r = run('42');
    r.data.params = [
      { key: 'p', value: '1' },
      { key: 'p', value: '2' },
    ];
    expect(await code(store.importRun({ run: r, metrics: history() }))).toBe('INVALID_PARAMETER_VALUE');
    expect(await code(store.getRun(r.info.runId))).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('needs the experiment', async () => {
    const e = await failure(store.importRun({ run: run('9999'), metrics: [] }));
    expect(e.code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(e.message).toContain('9999');
  });

  it('writes every point of a long history in chunks (20,000 points)', async () => {
    const r = run('42');
    const points: Metric[] = [];
    for (let i = 0; i < 20_000; i++) points.push({ key: 'long', value: i % 97 === 0 ? Number.NaN : i / 3, timestamp: 1_000 + i, step: i });
    const imported: ImportedRun = { run: r, metrics: points };
    expect(await store.importRun(imported)).toBe('created');
    const items = (await store.getMetricHistory(r.info.runId, 'long')).items;
    expect(items).toHaveLength(20_000);
    expect(items[19_999]).toEqual({ key: 'long', value: 19_999 / 3, timestamp: 20_999, step: 19_999 });
    expect(Number.isNaN(items[97]!.value)).toBe(true);
    expect((await store.getRun(r.info.runId)).data.metrics).toEqual([{ key: 'long', value: 19_999 / 3, timestamp: 20_999, step: 19_999 }]);
  });

  it('sends model points to a model in the target, and skips those of models it lacks', async () => {
    const model = await store.createLoggedModel({ experimentId: '42', name: 'm' });
    const r = run('42');
    r.outputs = { modelOutputs: [{ modelId: model.info.modelId, step: 3 }] };
    const points: Metric[] = [
      { key: 'f1', value: 0.8, timestamp: 100, step: 1, modelId: model.info.modelId },
      { key: 'f1', value: 0.9, timestamp: 200, step: 2, modelId: 'm-00000000000000000000000000000000' },
    ];
    expect(await store.importRun({ run: r, metrics: points })).toBe('created');
    const got = await store.getRun(r.info.runId);
    expect(got.outputs).toEqual({ modelOutputs: [{ modelId: model.info.modelId, step: 3 }] });
    expect((await store.getMetricHistory(r.info.runId, 'f1')).items).toHaveLength(2);
    const m = await store.getLoggedModel(model.info.modelId);
    expect(m.data.metrics.map((p) => [p.key, p.value, p.runId])).toEqual([['f1', 0.8, r.info.runId]]);
  });
});
