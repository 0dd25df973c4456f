import { describe, expect, it } from 'vitest';
import { imageTypeOf, previewKindOf } from '../src/artifact-kind';
import { alignSeries, runSeries } from '../src/charts/series';
import { differingParams, scatterColumns, scatterOf } from '../src/charts/scatter';
import { filterProblemOf } from '../src/filter-error';
import { formatBytes, formatDuration, formatMetric, toNumber } from '../src/formatting';
import { hrefOf, parseRoute, titleOf } from '../src/route';
import { cellOf, defaultColumns, orderTermOf, parseColumns, rowOf } from '../src/runs-table-columns';
import type { Run } from '../src/api/types';

const run = (id: string, params: Record<string, string>, metrics: Record<string, number | string>): Run => ({
  info: { run_id: id, run_name: id, experiment_id: '1', status: 'FINISHED', lifecycle_stage: 'active' },
  data: {
    params: Object.entries(params).map(([key, value]) => ({ key, value })),
    metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: 0, step: 0 })),
  },
});

describe('routes', () => {
  it('parses and prints every page, round trip', () => {
    for (const hash of ['#/experiments', '#/experiments/12', '#/runs/abc', '#/compare?runs=a,b', '#/models', '#/models/my%20model']) {
      expect(hrefOf(parseRoute(hash))).toBe(hash);
    }
    expect(parseRoute('')).toEqual({ page: 'experiments' });
    expect(parseRoute('#/models/my%20model')).toEqual({ page: 'model', name: 'my model' });
    expect(parseRoute('#/nowhere').page).toBe('not-found');
    const withFilter = { page: 'runs' as const, experimentId: '3', filter: "params.opt = 'a b' and metrics.x > 1" };
    expect(parseRoute(hrefOf(withFilter))).toEqual(withFilter);
    expect(hrefOf(withFilter)).not.toMatch(/[ ']/);
    expect(titleOf(parseRoute('#/compare?runs=a,b'))).toBe('Compare 2 runs · labbook');
    expect(titleOf(parseRoute('#/models/my%20model'))).toBe('Model my model · labbook');
  });
});

describe('formatting', () => {
  it('reads wire numbers, including the NaN and infinity strings', () => {
    expect(toNumber('NaN')).toBeNaN();
    expect(toNumber('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
    expect(formatMetric('Infinity')).toBe('∞');
    expect(formatMetric(0.123456)).toBe('0.1235');
    expect(formatMetric(12345678)).toBe('1.235e+7');
    expect(formatMetric(undefined)).toBe('');
  });
  it('formats durations and sizes', () => {
    expect(formatDuration(0, 75_000)).toBe('1m 15s');
    expect(formatDuration(0, 3_700_000)).toBe('1h 1m');
    expect(formatBytes(1536)).toBe('1.5 KB');
  });
});

describe('filter errors', () => {
  it('finds the parser position and the first line', () => {
    const p = filterProblemOf(
      "Invalid filter 'metrics.a >' at position 11: expected a value, found the end of the input.\nmetrics.a >\n           ^",
    );
    expect(p.position).toBe(11);
    expect(p.message).toMatch(/^Invalid filter/);
    expect(filterProblemOf('something else').position).toBeUndefined();
  });
});

describe('chart series', () => {
  it('turns NaN and infinities into gaps and timestamps into seconds', () => {
    const s = runSeries({
      run_id: 'r',
      metric_key: 'm',
      x_axis: 'timestamp',
      total_points: 3,
      x: [1000, 2000, 3000],
      min: [1, 'NaN', 2],
      max: [1, 'Infinity', 3],
      last: [1, 'NaN', 3],
    });
    expect(s.x).toEqual([1, 2, 3]);
    expect(s.line).toEqual([1, null, 3]);
    expect(s.max).toEqual([1, null, 3]);
  });
  it('aligns runs with different steps on one x column', () => {
    const a = { x: [0, 2], line: [1, 2], min: [], max: [] };
    const b = { x: [1, 2], line: [5, 6], min: [], max: [] };
    expect(alignSeries([a, b])).toEqual({
      x: [0, 1, 2],
      lines: [
        [1, null, 2],
        [null, 5, 6],
      ],
    });
  });
});

describe('compare', () => {
  it('plots numeric params on a number line and others as categories', () => {
    const runs = [
      run('a', { lr: '0.1', opt: 'sgd' }, { acc: 0.8 }),
      run('b', { lr: '0.01', opt: 'adam' }, { acc: 0.9 }),
      run('c', { opt: 'sgd' }, { acc: 'NaN' }),
    ];
    expect(scatterOf(runs, 'lr', 'acc')).toMatchObject({ x: [0.01, 0.1], y: [0.9, 0.8], categories: undefined });
    expect(scatterOf(runs, 'opt', 'acc')).toMatchObject({ x: [0, 1], categories: ['adam', 'sgd'] });
    expect([...differingParams(runs)].sort()).toEqual(['lr', 'opt']);
    // One column per run with a point, each holding only that run's y.
    const lr = scatterOf(runs, 'lr', 'acc');
    expect(lr.runIndex).toEqual([1, 0]);
    expect(scatterColumns(lr)).toEqual({
      runs: [0, 1],
      columns: [
        [null, 0.8],
        [0.9, null],
      ],
    });
  });
});

describe('runs table columns', () => {
  it('quotes keys in order_by terms and picks default columns', () => {
    expect(orderTermOf({ kind: 'metric', key: 'val loss' }, true)).toBe('metrics.`val loss` DESC');
    expect(orderTermOf({ kind: 'attribute', key: 'start_time' }, false)).toBe('attributes.`start_time` ASC');
    const rows = [rowOf(run('a', { p: '1' }, { m: 2 }))];
    expect(defaultColumns(rows)).toEqual([
      { kind: 'metric', key: 'm' },
      { kind: 'param', key: 'p' },
    ]);
    expect(cellOf(rows[0]!, { kind: 'metric', key: 'm' })).toBe('2');
  });
  it('reads a saved column choice, ignoring what is not one', () => {
    expect(parseColumns('[{"kind":"param","key":"lr"},{"kind":"bogus","key":"x"},{"kind":"metric"},7]')).toEqual([
      { kind: 'param', key: 'lr' },
    ]);
    expect(parseColumns('not json')).toBeUndefined();
    expect(parseColumns('{"kind":"param"}')).toBeUndefined();
    expect(parseColumns(null)).toBeUndefined();
  });
});

describe('artifact previews', () => {
  it('chooses the preview from the name', () => {
    expect(previewKindOf('a/b/plot.PNG')).toBe('image');
    expect(previewKindOf('model/MLmodel')).toBe('text');
    expect(previewKindOf('data.csv')).toBe('csv');
    expect(previewKindOf('x.json')).toBe('json');
    expect(previewKindOf('weights.bin')).toBe('none');
    expect(imageTypeOf('a.jpg')).toBe('image/jpeg');
  });
});
