import { describe, expect, it } from 'vitest';
import type { LoggedModel, Metric, ModelVersion } from '../src/api/types';
import {
  loggedModelIdOfUri,
  loggedModelIdOfVersion,
  registeredVersionsOf,
  versionsOfLoggedModel,
  versionsOfTag,
} from '../src/logged-model-links';
import {
  DEFAULT_MODEL_SORT,
  latestMetrics,
  modelKeysOf,
  modelRowOf,
  nextSort,
  orderByOf,
  sortKeyOf,
  statusOf,
} from '../src/logged-models-table';
import { loggedModelArtifacts, runArtifacts } from '../src/artifact-source';
import { hrefOf, parseRoute, titleOf } from '../src/route';

const ID = `m-${'a'.repeat(32)}`;
const OTHER = `m-${'b'.repeat(32)}`;
const metric = (key: string, value: number, step: number, timestamp: number, extra: Partial<Metric> = {}): Metric => ({
  key,
  value,
  step,
  timestamp,
  ...extra,
});
const version = (name: string, v: string, extra: Partial<ModelVersion> = {}): ModelVersion => ({ name, version: v, ...extra });

describe('logged model routes', () => {
  it('parses and prints the models tab and a model page, round trip', () => {
    for (const hash of ['#/experiments/3/models', `#/experiments/3/models/${ID}`, `#/logged-models/${ID}`]) {
      expect(hrefOf(parseRoute(hash))).toBe(hash);
    }
    expect(parseRoute(`#/experiments/3/models/${ID}`)).toEqual({ page: 'logged-model', modelId: ID, experimentId: '3' });
    expect(parseRoute(`#/logged-models/${ID}`)).toEqual({ page: 'logged-model', modelId: ID });
    const withFilter = { page: 'logged-models' as const, experimentId: '3', filter: "metrics.acc > 0.5 and name = 'a b'" };
    expect(parseRoute(hrefOf(withFilter))).toEqual(withFilter);
    expect(hrefOf(withFilter)).not.toMatch(/[ ']/);
    // The runs view of the same experiment is still its own route.
    expect(parseRoute('#/experiments/3')).toEqual({ page: 'runs', experimentId: '3' });
    expect(parseRoute('#/experiments/3/elsewhere').page).toBe('not-found');
    expect(titleOf(parseRoute(`#/logged-models/${ID}`))).toBe('Logged model m-aaaaaaaa · labbook');
  });
});

describe('logged models sort', () => {
  it('builds order_by objects with the model id as tie break', () => {
    expect(orderByOf(DEFAULT_MODEL_SORT)).toEqual([
      { field_name: 'creation_timestamp', ascending: false },
      { field_name: 'model_id', ascending: true },
    ]);
    expect(orderByOf({ column: { kind: 'metric', key: 'val acc' }, descending: false })[0]).toEqual({
      field_name: 'metrics.val acc',
      ascending: true,
    });
  });

  it('a click on the sorted column flips it, on another starts descending', () => {
    const byAcc = nextSort(DEFAULT_MODEL_SORT, { kind: 'metric', key: 'acc' });
    expect(byAcc).toEqual({ column: { kind: 'metric', key: 'acc' }, descending: true });
    expect(nextSort(byAcc, { kind: 'metric', key: 'acc' }).descending).toBe(false);
    // A metric named like an attribute is another column.
    expect(nextSort(byAcc, { kind: 'attribute', key: 'name' }).descending).toBe(true);
    expect(sortKeyOf(byAcc)).not.toBe(sortKeyOf(nextSort(byAcc, { kind: 'metric', key: 'acc' })));
  });
});

describe('logged models table', () => {
  it('takes the latest value of a metric: highest step, then newest', () => {
    const latest = latestMetrics([
      metric('acc', 0.1, 0, 5),
      metric('acc', 0.9, 2, 1),
      metric('acc', 0.5, 1, 9),
      metric('loss', 3, 0, 1),
      metric('loss', 2, 0, 2),
    ]);
    expect(latest.get('acc')?.value).toBe(0.9);
    expect(latest.get('loss')?.value).toBe(2);
    expect(latestMetrics(undefined).size).toBe(0);
  });

  it('columns are the metric and param keys of every row, sorted', () => {
    const model = (id: string, params: Record<string, string>, metrics: Metric[]): LoggedModel => ({
      info: { model_id: id, experiment_id: '1', name: id },
      data: { params: Object.entries(params).map(([key, value]) => ({ key, value })), metrics },
    });
    const rows = [
      model(ID, { lr: '0.1' }, [metric('loss', 0.25, 0, 1)]),
      model(OTHER, { epochs: '3' }, [metric('acc', 0.123456, 0, 1)]),
    ].map(modelRowOf);
    expect(modelKeysOf(rows)).toEqual({ metrics: ['acc', 'loss'], params: ['epochs', 'lr'] });
    expect(rows[1]?.metrics.get('acc')).toBe('0.1235');
    expect(rows[0]?.params.get('lr')).toBe('0.1');
    // A model without data (a server that omits empty lists) is a row with empty cells.
    expect(modelRowOf({ info: { model_id: ID, experiment_id: '1', name: 'x' } }).metrics.size).toBe(0);
  });

  it('statuses read as words, by name or by proto number', () => {
    expect(statusOf('LOGGED_MODEL_READY')).toEqual({ label: 'Ready', css: 'ready' });
    expect(statusOf('LOGGED_MODEL_UPLOAD_FAILED')).toEqual({ label: 'Upload failed', css: 'upload-failed' });
    expect(statusOf(1).label).toBe('Pending');
    expect(statusOf(undefined).label).toBe('Unspecified');
    expect(statusOf('SOMETHING_NEW').label).toBe('SOMETHING_NEW');
  });
});

describe('registry versions and logged models', () => {
  it('finds the model a version came from by model_id or by a models:/<id> source', () => {
    expect(loggedModelIdOfUri(`models:/${ID}`)).toBe(ID);
    expect(loggedModelIdOfUri(`models:/${ID}/sub`)).toBe(ID);
    expect(loggedModelIdOfUri('models:/classifier/3')).toBeUndefined();
    expect(loggedModelIdOfUri('runs:/abc/model')).toBeUndefined();
    expect(loggedModelIdOfVersion(version('c', '1', { model_id: ID, source: 'mlflow-artifacts:/1/models/x/artifacts' }))).toBe(ID);
    expect(loggedModelIdOfVersion(version('c', '1', { source: `models:/${OTHER}` }))).toBe(OTHER);
    expect(loggedModelIdOfVersion(version('c', '1', { source: 'runs:/r/model' }))).toBeUndefined();
  });

  it('keeps the versions of one model, newest first', () => {
    const versions = [
      version('a', '1', { model_id: ID, creation_timestamp: 1 }),
      version('a', '2', { source: `models:/${ID}`, creation_timestamp: 2 }),
      version('a', '3', { model_id: OTHER, creation_timestamp: 3 }),
      version('b', '1', { source: 'runs:/r/model', creation_timestamp: 4 }),
    ];
    expect(versionsOfLoggedModel(versions, ID).map((v) => `${v.name}/${v.version}`)).toEqual(['a/2', 'a/1']);
  });

  it('reads the mlflow.modelVersions tag and merges it with the searched versions, once each', () => {
    expect(versionsOfTag('[{"name": "a", "version": 1}, {"name": "b", "version": "2"}, {"oops": 1}]')).toEqual([
      { name: 'a', version: '1' },
      { name: 'b', version: '2' },
    ]);
    expect(versionsOfTag('not json')).toEqual([]);
    expect(versionsOfTag('{"name": "a"}')).toEqual([]);
    const merged = registeredVersionsOf(
      ID,
      [version('a', '1', { model_id: ID })],
      '[{"name": "a", "version": 1}, {"name": "z", "version": 4}]',
    );
    expect(merged.map((v) => `${v.name}/${v.version}/${v.found ? 'found' : 'tag'}`)).toEqual(['a/1/found', 'z/4/tag']);
  });
});

describe('artifact sources', () => {
  it('a logged model reads its files through its own endpoints, relative to the page', () => {
    const source = loggedModelArtifacts(ID);
    expect(source.url('sub dir/MLmodel')).toBe(
      `ajax-api/2.0/mlflow/logged-models/${ID}/artifacts/files?artifact_file_path=sub+dir%2FMLmodel`,
    );
    expect(source.modelUri('')).toBe(`models:/${ID}`);
    expect(source.key).not.toBe(runArtifacts(ID).key);
  });

  it('a run keeps get-artifact and runs:/ URIs', () => {
    const source = runArtifacts('r1');
    expect(source.url('model/MLmodel')).toBe('get-artifact?run_id=r1&path=model%2FMLmodel');
    expect(source.modelUri('model')).toBe('runs:/r1/model');
    expect(source.modelUri('')).toBe('runs:/r1');
  });
});
