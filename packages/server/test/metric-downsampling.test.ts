import { metricColumnsOf } from '@labbook/core';
import { describe, expect, it } from 'vitest';
import { downsampleMinMax } from '../src/metric-downsampling.js';
import { sampleSteps } from '../src/routes/metric-bulk.js';

const points = (values: number[], steps?: number[]) =>
  metricColumnsOf(values.map((value, i) => ({ key: 'm', value, timestamp: 1000 + i, step: steps?.[i] ?? i })));

describe('min/max downsampling', () => {
  it('returns short histories whole, sorted by x', () => {
    const d = downsampleMinMax(points([3, 1, 2], [2, 0, 1]), 'step', 10);
    expect(d).toEqual({ totalPoints: 3, x: [0, 1, 2], min: [1, 2, 3], max: [1, 2, 3], last: [1, 2, 3] });
  });

  it('keeps every spike of a long history in its bucket', () => {
    const values = Array.from({ length: 1_000_000 }, (_, i) => (i === 123_456 ? 50 : i === 987_654 ? -50 : Math.sin(i / 1000)));
    const d = downsampleMinMax(points(values), 'step', 1000);
    expect(d.totalPoints).toBe(1_000_000);
    expect(d.x.length).toBe(1000);
    expect(Math.max(...d.max)).toBe(50);
    expect(Math.min(...d.min)).toBe(-50);
    expect(d.x[0]).toBe(0);
    expect(d.x).toEqual([...d.x].sort((a, b) => a - b));
  });

  it('ignores NaN in extremes and uses infinities only in buckets without finite values', () => {
    const d = downsampleMinMax(
      points([1, Number.NaN, Number.POSITIVE_INFINITY, 2, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]),
      'step',
      3,
    );
    expect(d.min).toEqual([1, 2, Number.POSITIVE_INFINITY]);
    expect(d.max).toEqual([1, 2, Number.POSITIVE_INFINITY]);
    expect(d.last[0]).toBeNaN();
  });

  it('buckets by time when asked', () => {
    const d = downsampleMinMax(points([1, 2, 3, 4]), 'timestamp', 2);
    expect(d.x).toEqual([1000, 1002]);
    expect(d.max).toEqual([2, 4]);
  });
});

describe('bulk-interval step sampling', () => {
  it('keeps the first and last steps and spreads the rest', () => {
    const steps = Array.from({ length: 101 }, (_, i) => i);
    const picked = [...sampleSteps(steps, 5)];
    expect(picked).toEqual([0, 25, 50, 75, 100]);
    expect(sampleSteps([1, 2], 5)).toEqual(new Set([1, 2]));
  });
});
