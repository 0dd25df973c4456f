import { describe, expect, it } from 'vitest';
import {
  decodePageToken,
  encodePageToken,
  type Experiment,
  type ModelVersion,
  parseFilter,
  parseOrderBy,
  type RegisteredModel,
  type Run,
  searchExperimentsInMemory,
  searchModelVersionsInMemory,
  searchRegisteredModelsInMemory,
  searchRunsInMemory,
} from '../src/index.js';
import { caught } from './caught.js';

describe('filter grammar', () => {
  it('parses every identifier form and alias', () => {
    const tree = parseFilter(
      'runs',
      "metrics.rmse < 1 and metric.`model acc` >= -1.5e-3 AND params.alpha = '0.5' and parameter.\"model class\" LIKE 'L%' " +
        "and param.x != \"a'b\" and tags.mlflow.runName ILIKE '%base%' and tag.`extra-key` = 'x' and attributes.status = 'FINISHED' " +
        "and attr.run_name = 'r' and run.user_id != 'bob' and created > 5 and `Run name` = 'n' and attribute.run_id IN ('a', 'b') " +
        "and run_id NOT IN ('c') and datasets.name = 'train' and dataset.context IN ('training') and end_time <= 10",
    );
    expect(tree.clauses.map((c) => [c.identifier.type, c.identifier.key, c.comparator])).toEqual([
      ['metric', 'rmse', '<'],
      ['metric', 'model acc', '>='],
      ['param', 'alpha', '='],
      ['param', 'model class', 'LIKE'],
      ['param', 'x', '!='],
      ['tag', 'mlflow.runName', 'ILIKE'],
      ['tag', 'extra-key', '='],
      ['attribute', 'status', '='],
      ['attribute', 'run_name', '='],
      ['attribute', 'user_id', '!='],
      ['attribute', 'start_time', '>'],
      ['attribute', 'run_name', '='],
      ['attribute', 'run_id', 'IN'],
      ['attribute', 'run_id', 'NOT IN'],
      ['dataset', 'name', '='],
      ['dataset', 'context', 'IN'],
      ['attribute', 'end_time', '<='],
    ]);
    expect(tree.clauses[1]!.value).toEqual({ kind: 'number', value: -0.0015 });
    expect(tree.clauses[4]!.value).toEqual({ kind: 'string', value: "a'b" });
    expect(tree.clauses[12]!.value).toEqual({ kind: 'list', values: ['a', 'b'] });
    expect(tree.clauses[0]!.position).toBe(0);
  });

  it('treats an empty filter as no clauses', () => {
    expect(parseFilter('runs', '  ').clauses).toEqual([]);
    expect(parseFilter('runs', undefined).clauses).toEqual([]);
  });

  it.each([
    ['metrics.rmse < abc', 15, 'expected a value'],
    ["metrics.rmse < '1'", 15, "a number for metric 'rmse'"],
    ["params.a > '1'", 9, 'one of =, !=, LIKE, ILIKE'],
    ['metrics.a = 1 or metrics.b = 2', 14, "'AND' (OR is not supported)"],
    ['(metrics.a = 1)', 0, 'parentheses are not supported'],
    ['foo.a = 1', 0, 'an entity type'],
    ["status IN ('a')", 7, 'one of =, !=, LIKE, ILIKE for attribute'],
    ['bogus = 1', 0, 'an attribute key'],
    ["params.a = 'x' params.b = 'y'", 15, "'AND' or the end of the filter"],
    ["params.a = 'unterminated", 11, 'a closing'],
    ['metrics.a', 9, 'a comparison operator'],
    ["run_id IN 'a'", 10, 'parenthesised list'],
  ])('rejects %j at position %i saying %j', (filter, pos, expected) => {
    const e = caught(() => parseFilter('runs', filter));
    expect(e.code).toBe('INVALID_PARAMETER_VALUE');
    expect(e.field).toBe('filter');
    expect(e.message).toContain(`at position ${pos}`);
    expect(e.message).toContain(expected);
  });

  it('applies per-entity identifier rules', () => {
    expect(parseFilter('experiments', "name LIKE 'prod-%' and tags.team = 'ml' and creation_time > 1").clauses).toHaveLength(3);
    expect(caught(() => parseFilter('experiments', 'metrics.a > 1')).message).toContain('an entity type');
    expect(parseFilter('registered_models', "name = 'm' and tags.k != 'v'").clauses).toHaveLength(2);
    expect(parseFilter('model_versions', "run_id IN ('a') and source_path LIKE 's3://%' and version_number >= 2").clauses).toHaveLength(3);
    expect(caught(() => parseFilter('model_versions', "name IN ('a')")).message).toContain('one of =, !=, LIKE, ILIKE');
  });
});

describe('order_by grammar', () => {
  it('parses directions and rejects duplicates and unknown keys', () => {
    expect(parseOrderBy('runs', ['metrics.rmse', 'params.a DESC', 'attributes.start_time asc', 'created DESC'].slice(0, 3))).toEqual([
      { identifier: { type: 'metric', key: 'rmse' }, ascending: true },
      { identifier: { type: 'param', key: 'a' }, ascending: false },
      { identifier: { type: 'attribute', key: 'start_time' }, ascending: true },
    ]);
    expect(caught(() => parseOrderBy('runs', ['metrics.a', 'metrics.a DESC'])).message).toContain('each key once');
    expect(caught(() => parseOrderBy('runs', ['metrics.a sideways'])).field).toBe('order_by');
    expect(caught(() => parseOrderBy('experiments', ['last_update'])).message).toContain('an attribute key');
    expect(parseOrderBy('experiments', ['experiment_id DESC'])[0]!.ascending).toBe(false);
  });
});

describe('page tokens', () => {
  it("are byte-for-byte MLflow's", () => {
    expect(encodePageToken(1000)).toBe('eyJvZmZzZXQiOiAxMDAwfQ==');
    expect(decodePageToken('eyJvZmZzZXQiOiAxMDAwfQ==')).toBe(1000);
    expect(decodePageToken(undefined)).toBe(0);
    expect(decodePageToken(Buffer.from('{"offset": 9007199254740991}').toString('base64'))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([
    'not-base64!!',
    Buffer.from('{"offset": 0}').toString('base64'),
    Buffer.from('[]').toString('base64'),
    Buffer.from('{"offset": -3}').toString('base64'),
    // Integers past 2^53 (and Infinity, from 1e400) print in exponent form and overflow SQL OFFSET.
    Buffer.from('{"offset": 1e20}').toString('base64'),
    Buffer.from('{"offset": 9007199254740992}').toString('base64'),
    Buffer.from('{"offset": 1e400}').toString('base64'),
    Buffer.from('{"offset": -1e400}').toString('base64'),
    Buffer.from('{"offset": 2.5}').toString('base64'),
    Buffer.from('{"offset": "5"}').toString('base64'),
    Buffer.from('null').toString('base64'),
  ])('rejects %j', (token) => {
    const e = caught(() => decodePageToken(token));
    expect(e.field).toBe('page_token');
    expect(e.message).toContain('Invalid page token');
  });
});

function run(
  id: string,
  opts: {
    metrics?: Record<string, number>;
    params?: Record<string, string>;
    tags?: Record<string, string>;
    start?: number;
    name?: string;
    status?: Run['info']['status'];
    datasets?: { name: string; context?: string }[];
  },
): Run {
  return {
    info: {
      runId: id,
      runUuid: id,
      runName: opts.name ?? id,
      experimentId: '0',
      userId: 'u',
      status: opts.status ?? 'FINISHED',
      startTime: opts.start ?? 0,
      artifactUri: `file:///x/${id}`,
      lifecycleStage: 'active',
    },
    data: {
      metrics: Object.entries(opts.metrics ?? {}).map(([key, value]) => ({ key, value, timestamp: 1, step: 0 })),
      params: Object.entries(opts.params ?? {}).map(([key, value]) => ({ key, value })),
      tags: Object.entries(opts.tags ?? {}).map(([key, value]) => ({ key, value })),
    },
    inputs: {
      datasetInputs: (opts.datasets ?? []).map((d) => ({
        dataset: { name: d.name, digest: 'd', sourceType: 'local', source: 's' },
        tags: d.context ? [{ key: 'mlflow.data.context', value: d.context }] : [],
      })),
    },
  };
}

describe('in-memory run search', () => {
  const runs = [
    run('a', {
      metrics: { rmse: 0.5 },
      params: { model: 'GBM' },
      tags: { team: 'ml' },
      start: 3,
      datasets: [{ name: 'train', context: 'training' }],
    }),
    run('b', { metrics: { rmse: Number.NaN }, params: { model: 'gbm' }, start: 2 }),
    run('c', { metrics: { rmse: 0.9 }, params: { model: 'linear' }, tags: { team: 'data' }, start: 1, status: 'FAILED' }),
    run('d', { params: { model: 'gbm_v2' }, start: 4 }),
  ];
  const ids = (filter: string, orderBy?: string[]) =>
    searchRunsInMemory(runs, { filter, ...(orderBy ? { orderBy } : {}) }).items.map((r) => r.info.runId);

  it('filters like MLflow: missing keys never match, NaN only matches !=', () => {
    expect(ids('metrics.rmse < 1')).toEqual(['a', 'c']);
    expect(ids('metrics.rmse != 0.5')).toEqual(['b', 'c']);
    expect(ids("tags.team != 'ml'")).toEqual(['c']);
    expect(ids("params.model = 'gbm'")).toEqual(['b']);
    expect(ids("params.model LIKE 'gbm%'")).toEqual(['d', 'b']);
    expect(ids("params.model ILIKE 'gbm%'")).toEqual(['d', 'a', 'b']);
    expect(ids("params.model LIKE 'gbm_v_'")).toEqual(['d']);
    expect(ids("attributes.status = 'FAILED'")).toEqual(['c']);
    expect(ids("run_id IN ('a', 'c') and start_time >= 2")).toEqual(['a']);
    expect(ids("run_id NOT IN ('a', 'c')")).toEqual(['d', 'b']);
    expect(ids("dataset.name = 'train' and dataset.context = 'training'")).toEqual(['a']);
  });

  it('orders real values first, then NaN, then missing, in both directions, then start_time DESC', () => {
    expect(ids('', ['metrics.rmse ASC'])).toEqual(['a', 'c', 'b', 'd']);
    expect(ids('', ['metrics.rmse DESC'])).toEqual(['c', 'a', 'b', 'd']);
    expect(ids('', ['tags.team'])).toEqual(['c', 'a', 'd', 'b']);
    expect(ids('')).toEqual(['d', 'a', 'b', 'c']);
    expect(ids('', ['attributes.start_time ASC'])).toEqual(['c', 'b', 'a', 'd']);
  });

  it('pages with tokens until the end, a token only while more exist', () => {
    const first = searchRunsInMemory(runs, { maxResults: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.nextPageToken).toBe(encodePageToken(3));
    const second = searchRunsInMemory(runs, { maxResults: 3, pageToken: first.nextPageToken! });
    expect(second.items.map((r) => r.info.runId)).toEqual(['c']);
    expect(second.nextPageToken).toBeUndefined();
    expect(searchRunsInMemory(runs, { maxResults: 4 }).nextPageToken).toBeUndefined();
  });
});

describe('in-memory search of experiments and the registry', () => {
  const exp = (id: string, name: string, creationTime: number, tags: Record<string, string> = {}): Experiment => ({
    experimentId: id,
    name,
    artifactLocation: '',
    lifecycleStage: 'active',
    creationTime,
    lastUpdateTime: creationTime,
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
  });

  it('orders experiments by creation_time DESC then id by default', () => {
    const list = [exp('0', 'Default', 1), exp('2', 'prod-b', 5), exp('10', 'prod-a', 5, { team: 'ml' })];
    expect(searchExperimentsInMemory(list).items.map((e) => e.experimentId)).toEqual(['2', '10', '0']);
    expect(searchExperimentsInMemory(list, { filter: "name LIKE 'prod-%'", orderBy: ['name'] }).items.map((e) => e.name)).toEqual([
      'prod-a',
      'prod-b',
    ]);
    expect(searchExperimentsInMemory(list, { filter: "tags.team = 'ml'" }).items.map((e) => e.name)).toEqual(['prod-a']);
  });

  const model = (name: string, tags: Record<string, string> = {}): RegisteredModel => ({
    name,
    creationTimestamp: 1,
    lastUpdatedTimestamp: 1,
    latestVersions: [],
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    aliases: [],
  });

  it('searches registered models, with the prompt-tag special case', () => {
    const list = [model('b'), model('a', { 'mlflow.prompt.is_prompt': 'true' }), model('c', { 'mlflow.prompt.is_prompt': 'false' })];
    expect(searchRegisteredModelsInMemory(list).items.map((m) => m.name)).toEqual(['a', 'b', 'c']);
    expect(searchRegisteredModelsInMemory(list, { filter: "tags.`mlflow.prompt.is_prompt` = 'false'" }).items.map((m) => m.name)).toEqual([
      'b',
      'c',
    ]);
    expect(searchRegisteredModelsInMemory(list, { filter: "tags.`mlflow.prompt.is_prompt` != 'true'" }).items.map((m) => m.name)).toEqual([
      'b',
      'c',
    ]);
  });

  const version = (name: string, v: string, source: string, runId = ''): ModelVersion => ({
    name,
    version: v,
    creationTimestamp: Number(v),
    lastUpdatedTimestamp: Number(v),
    currentStage: 'None',
    source,
    runId,
    status: 'READY',
    tags: [],
    aliases: [],
  });

  it('searches model versions: numeric version_number, source_path, ordering name ASC then version DESC', () => {
    const list = [version('m', '2', 's3://b/2', 'r2'), version('m', '10', 's3://b/10'), version('a', '1', 'file:///x', 'r1')];
    expect(searchModelVersionsInMemory(list).items.map((v) => `${v.name}/${v.version}`)).toEqual(['a/1', 'm/10', 'm/2']);
    expect(searchModelVersionsInMemory(list, { filter: 'version_number >= 2' }).items.map((v) => v.version)).toEqual(['10', '2']);
    expect(
      searchModelVersionsInMemory(list, { filter: "source_path LIKE 's3://%'", orderBy: ['version_number ASC'] }).items.map(
        (v) => v.version,
      ),
    ).toEqual(['2', '10']);
    expect(searchModelVersionsInMemory(list, { filter: "run_id IN ('r1', 'r2')" }).items).toHaveLength(2);
  });
});
