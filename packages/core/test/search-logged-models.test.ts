// The logged-model search (MLflow 3's SearchLoggedModelsUtils): grammar, datasets, order_by objects
// with MLflow's tie-breaks, through buildLoggedModelsQuery and the shared evaluator.
import { describe, expect, it } from 'vitest';
import type { LoggedModel, Metric } from '../src/index.js';
import { buildLoggedModelsQuery, pageCandidates } from '../src/plugin.js';
import { caught } from './caught.js';

function model(
  id: number,
  name: string,
  created: number,
  metrics: Partial<Metric>[] = [],
  extra: Partial<LoggedModel['info']> = {},
): LoggedModel {
  const modelId = `m-${id.toString(16).padStart(32, '0')}`;
  return {
    info: {
      modelId,
      experimentId: '1',
      name,
      artifactUri: `file:///m/1/models/${modelId}/artifacts`,
      creationTimestampMs: created,
      lastUpdatedTimestampMs: created,
      status: 'LOGGED_MODEL_READY',
      tags: [{ key: 'team', value: name.length > 4 ? 'ml' : 'data' }],
      ...extra,
    },
    data: {
      params: [{ key: 'depth', value: String(id) }],
      metrics: metrics.map((m) => ({ key: 'acc', value: 0, timestamp: 1, step: 0, modelId, ...m })),
    },
  };
}

const models = [
  model(1, 'alpha', 100, [{ value: 0.9, datasetName: 'eval', datasetDigest: 'e1' }]),
  model(2, 'beta', 300, [
    { value: 0.1, timestamp: 1 },
    { value: 0.7, timestamp: 2, datasetName: 'eval', datasetDigest: 'e2' },
  ]),
  model(3, 'gamma', 200, [{ value: 0.8, datasetName: 'test' }], { modelType: 'linear', status: 'LOGGED_MODEL_PENDING' }),
  model(4, 'delta', 200),
];
const names = (request: Partial<Parameters<typeof buildLoggedModelsQuery>[0]>) =>
  pageCandidates(buildLoggedModelsQuery({ experimentIds: ['1'], ...request }), models).items.map((m) => m.info.name);

describe('logged-model search', () => {
  it('orders by creation_timestamp DESC, then model_id, without an order_by', () => {
    expect(names({})).toEqual(['beta', 'gamma', 'delta', 'alpha']);
  });

  it('filters on the latest metric value, params, tags and attributes (with aliases and IN)', () => {
    expect(names({ filter: 'metrics.acc > 0.75' })).toEqual(['gamma', 'alpha']);
    expect(names({ filter: "params.depth = '2'" })).toEqual(['beta']);
    expect(names({ filter: "tags.team = 'data'" })).toEqual(['beta']);
    expect(names({ filter: "status = 'LOGGED_MODEL_PENDING'" })).toEqual(['gamma']);
    expect(names({ filter: "model_type IN ('linear')" })).toEqual(['gamma']);
    expect(names({ filter: "creation_time >= 200 AND name LIKE '%a'" })).toEqual(['beta', 'gamma', 'delta']);
  });

  it('restricts metric clauses to datasets, and without one keeps models with a metric on them', () => {
    expect(names({ datasets: [{ datasetName: 'eval' }] })).toEqual(['beta', 'alpha']);
    expect(names({ datasets: [{ datasetName: 'eval', datasetDigest: 'e1' }] })).toEqual(['alpha']);
    expect(names({ datasets: [{ datasetName: 'eval' }], filter: 'metrics.acc > 0.5' })).toEqual(['beta', 'alpha']);
    expect(names({ datasets: [{ datasetName: 'test' }], filter: 'metrics.acc > 0.9' })).toEqual([]);
  });

  it('orders by metrics (missing last), per dataset, by text or MLflow objects', () => {
    expect(names({ orderBy: [{ fieldName: 'metrics.acc', ascending: false }] })).toEqual(['alpha', 'gamma', 'beta', 'delta']);
    expect(names({ orderBy: ['metrics.acc ASC'] })).toEqual(['beta', 'gamma', 'alpha', 'delta']);
    expect(names({ orderBy: [{ fieldName: 'metrics.acc', datasetName: 'eval' }] })).toEqual(['beta', 'alpha', 'gamma', 'delta']);
    expect(names({ orderBy: [{ fieldName: 'creation_time', ascending: true }] })).toEqual(['alpha', 'gamma', 'delta', 'beta']);
  });

  it('fails with the field and what to write instead', () => {
    expect(caught(() => buildLoggedModelsQuery({ experimentIds: ['1'], orderBy: [{ fieldName: 'params.depth' }] })).message).toContain(
      'only `metrics.<name>` is allowed',
    );
    expect(
      caught(() => buildLoggedModelsQuery({ experimentIds: ['1'], orderBy: [{ fieldName: 'metrics.acc', datasetDigest: 'x' }] })).message,
    ).toContain('dataset_name');
    expect(caught(() => buildLoggedModelsQuery({ experimentIds: ['1'], filter: 'dataset.name = "x"' })).code).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect(caught(() => buildLoggedModelsQuery({ experimentIds: ['1'], maxResults: 50001 })).message).toContain('between 1 and 50000');
  });
});
