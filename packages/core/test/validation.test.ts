import { afterEach, describe, expect, it } from 'vitest';
import {
  validateAlias,
  validateBatch,
  validateExperimentName,
  validateKey,
  validateMaxResults,
  validateModelName,
  validateModelVersion,
  validateParam,
  validateRunId,
  validateRunTag,
} from '../src/index.js';
import { caught } from './caught.js';

describe('keys', () => {
  it.each(['loss', 'a/b', 'train loss', 'acc:top-1', 'v1.0', 'ключ', 'a..b'])('accepts %s', (key) => {
    expect(() => validateKey(key, 'metric', 'key')).not.toThrow();
  });

  it.each([
    ['a//b', 'normalized'],
    ['./a', 'normalized'],
    ['a/', 'normalized'],
    ['/a', 'normalized'],
    ['..', 'normalized'],
    ['../x', 'normalized'],
    ['a/../b', 'normalized'],
    ['.', 'normalized'],
    ['a\\b', 'alphanumerics'],
    ['a#b', 'alphanumerics'],
    ['a\u0000b', 'alphanumerics'],
  ])('rejects %j naming the reason', (key, reason) => {
    const e = caught(() => validateKey(key, 'metric', 'metrics[2].key'));
    expect(e.code).toBe('INVALID_PARAMETER_VALUE');
    expect(e.field).toBe('metrics[2].key');
    expect(e.message).toContain(reason);
  });

  it('names the 250 limit', () => {
    const e = caught(() => validateKey('k'.repeat(251), 'param', 'params[0].key'));
    expect(e.limit).toBe(250);
    expect(e.message).toContain('exceeded length limit of 250');
    expect(e.message).toContain('params[0].key');
  });

  it('reports a missing key as MLflow does', () => {
    expect(caught(() => validateKey('', 'tag', 'key')).message).toContain("Missing value for required parameter 'key'");
  });
});

describe('values', () => {
  afterEach(() => {
    delete process.env.MLFLOW_TRUNCATE_LONG_VALUES;
  });

  it('truncates long param values by default and refuses them when truncation is off', () => {
    expect(validateParam({ key: 'p', value: 'x'.repeat(7000) }).value).toHaveLength(6000);
    process.env.MLFLOW_TRUNCATE_LONG_VALUES = 'false';
    const e = caught(() => validateParam({ key: 'p', value: 'x'.repeat(6001) }, 'params[0]'));
    expect(e.limit).toBe(6000);
    expect(e.field).toBe('params[0].value');
  });

  it('truncates tag values at 8000', () => {
    expect(validateRunTag({ key: 't', value: 'y'.repeat(9000) }).value).toHaveLength(8000);
  });

  it('checks run ids, experiment names, max results', () => {
    expect(() => validateRunId('0123456789abcdef0123456789abcdef')).not.toThrow();
    expect(caught(() => validateRunId('../etc')).field).toBe('run_id');
    expect(caught(() => validateExperimentName('')).message).toContain("Missing value for required parameter 'name'");
    expect(caught(() => validateExperimentName('n'.repeat(501))).limit).toBe(500);
    expect(caught(() => validateMaxResults(50001, 'max_results', 50000)).message).toContain('between 1 and 50000');
    expect(caught(() => validateMaxResults(0, 'max_results', 50000)).limit).toBe(50000);
  });

  it('checks registry names, versions and aliases', () => {
    expect(caught(() => validateModelName('a/b')).message).toContain("may not contain '/'");
    expect(caught(() => validateModelVersion('0')).field).toBe('version');
    expect(caught(() => validateAlias('latest')).message).toContain('reserved');
    expect(caught(() => validateAlias('v3')).message).toContain('reserved');
    expect(caught(() => validateAlias('a b')).message).toContain('alphanumerics');
    expect(() => validateAlias('champion-2')).not.toThrow();
  });
});

describe('batches', () => {
  const metric = (i: number) => ({ key: `m${i}`, value: i, timestamp: 1, step: 0 });

  it('enforces MLflow batch limits with the count in the message', () => {
    const many = Array.from({ length: 1001 }, (_, i) => metric(i));
    const e = caught(() => validateBatch({ metrics: many }));
    expect(e.message).toContain('at most 1000 metrics');
    expect(e.limit).toBe(1000);
    const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' }));
    expect(caught(() => validateBatch({ params })).message).toContain('at most 100 params');
    const tags = Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: 'v' }));
    expect(caught(() => validateBatch({ tags })).message).toContain('at most 100 tags');
    const total = {
      metrics: Array.from({ length: 950 }, (_, i) => metric(i)),
      params: Array.from({ length: 60 }, (_, i) => ({ key: `p${i}`, value: 'v' })),
    };
    expect(caught(() => validateBatch(total)).message).toContain('at most 1000 metrics, params, and tags');
  });

  it('refuses duplicate param keys and names the JSON path of bad entities', () => {
    expect(
      caught(() =>
        validateBatch({
          params: [
            { key: 'a', value: '1' },
            { key: 'a', value: '2' },
          ],
        }),
      ).message,
    ).toContain('Duplicate parameter keys');
    const e = caught(() => validateBatch({ metrics: [metric(0), { key: 'x', value: 'nope' as never, timestamp: 1, step: 0 }] }));
    expect(e.field).toBe('metrics[1].value');
    expect(caught(() => validateBatch({ metrics: [{ key: 'x', value: 1, timestamp: -1, step: 0 }] })).field).toBe('metrics[0].timestamp');
    expect(caught(() => validateBatch({ metrics: [{ key: 'x', value: 1, timestamp: 1, step: 1.5 }] })).field).toBe('metrics[0].step');
  });

  it('accepts NaN and infinities and defaults step to 0', () => {
    const out = validateBatch({
      metrics: [{ key: 'x', value: Number.NaN, timestamp: 1 } as never, { key: 'y', value: -Infinity, timestamp: 1, step: 2 }],
    });
    expect(out.metrics[0]!.step).toBe(0);
    expect(Number.isNaN(out.metrics[0]!.value)).toBe(true);
  });
});
