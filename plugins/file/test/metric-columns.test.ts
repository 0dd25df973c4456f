import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabbookError, type MetricHistoryColumns } from '@labbook/core';
import { afterAll, describe, expect, it } from 'vitest';
import { GrowableColumns } from '../src/metric-columns.js';
import { MetricColumnsCache } from '../src/metric-columns-cache.js';
import { FileTrackingStore } from '../src/index.js';
import { RunReader } from '../src/run-reader.js';
import { removeTempRoots, tempRoot, warnings } from './helpers/temp-root.js';

function rows(c: MetricHistoryColumns): number[][] {
  return Array.from({ length: c.length }, (_, i) => [c.timestamp[i]!, c.value[i]!, c.step[i]!]);
}

function lines(from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += `${1000 + i} ${i / 4} ${i}\n`;
  return s;
}

function expected(from: number, to: number): number[][] {
  return Array.from({ length: to - from }, (_, k) => [1000 + from + k, (from + k) / 4, from + k]);
}

describe('metric columns read through the cache', () => {
  afterAll(removeTempRoots);

  it('serves an unchanged file, appends what a growing file gained, and finishes a line cut short', async () => {
    const root = join(tempRoot(), 'mlruns');
    const w = warnings();
    const store = new FileTrackingStore({ root, onWarning: w.onWarning });
    const runId = (await store.createRun({ experimentId: '0' })).info.runId;
    await store.logBatch(runId, { metrics: Array.from({ length: 100 }, (_, i) => ({ key: 'loss', value: i / 4, timestamp: 1000 + i, step: i })) });
    const file = join(root, '0', runId, 'metrics', 'loss');

    const first = await store.getMetricHistoryColumns(runId, 'loss');
    expect(rows(first)).toEqual(expected(0, 100));
    expect(rows(await store.getMetricHistoryColumns(runId, 'loss'))).toEqual(expected(0, 100));

    // Another process appends, the last line only half written.
    appendFileSync(file, `${lines(100, 150)}1150 37.`);
    const grown = await store.getMetricHistoryColumns(runId, 'loss');
    expect(rows(grown)).toEqual(expected(0, 150));
    // A view handed out earlier is not changed by the append.
    expect(rows(first)).toEqual(expected(0, 100));

    appendFileSync(file, `5 150\n${lines(151, 160)}`);
    expect(rows(await store.getMetricHistoryColumns(runId, 'loss'))).toEqual(expected(0, 160));
    // Logged through the store too.
    await store.logBatch(runId, { metrics: [{ key: 'loss', value: 40, timestamp: 1160, step: 160 }] });
    expect(rows(await store.getMetricHistoryColumns(runId, 'loss'))).toEqual(expected(0, 161));
    expect(w.list.some((m) => m.includes('incomplete last line'))).toBe(true);
  });

  it('parses again a file replaced by another one or cut shorter, and forgets a removed one', () => {
    const dir = tempRoot();
    const file = join(dir, 'm');
    const reader = new RunReader(() => undefined);
    writeFileSync(file, lines(0, 50));
    expect(rows(reader.readMetricColumns(file))).toEqual(expected(0, 50));

    // Same size, new inode (a rename over it).
    writeFileSync(join(dir, 'next'), lines(0, 50).replaceAll(' 0.25 ', ' 9.5 '));
    renameSync(join(dir, 'next'), file);
    expect(reader.readMetricColumns(file).value[1]).toBe(9.5);

    // Same inode, shorter: nothing parsed before can be trusted.
    truncateSync(file, lines(0, 10).length);
    expect(rows(reader.readMetricColumns(file))).toHaveLength(10);

    writeFileSync(file, lines(0, 3));
    expect(reader.readMetricColumns(join(dir, 'missing')).length).toBe(0);
    expect(rows(reader.readMetricColumns(file))).toEqual(expected(0, 3));
  });

  it('keeps reading correctly with no cache at all', async () => {
    const store = new FileTrackingStore({ root: join(tempRoot(), 'mlruns'), metricColumnsCacheBytes: 0 });
    const runId = (await store.createRun({ experimentId: '0' })).info.runId;
    for (let i = 0; i < 3; i++) {
      await store.logBatch(runId, { metrics: [{ key: 'm', value: i / 4, timestamp: 1000 + i, step: i }] });
      expect(rows(await store.getMetricHistoryColumns(runId, 'm'))).toEqual(expected(0, i + 1));
    }
  });

  it('refuses a cache size that is not a whole number of bytes', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      let error: unknown;
      try {
        new FileTrackingStore({ root: join(tempRoot(), 'mlruns'), metricColumnsCacheBytes: bad });
      } catch (e) {
        error = e;
      }
      expect(LabbookError.is(error) && error.code).toBe('INVALID_PARAMETER_VALUE');
      expect(String((error as Error).message)).toContain('metricColumnsCacheBytes');
    }
  });
});

describe('MetricColumnsCache', () => {
  const entry = (points: number) => {
    const columns = new GrowableColumns(0);
    columns.appendFrom(Buffer.from(lines(0, points)));
    return { ino: 1, size: 1, mtimeMs: 1, parsedBytes: 1, columns };
  };

  it('drops the least recently used histories once past its limit, and never holds one larger than it', () => {
    const small = entry(10);
    const cache = new MetricColumnsCache(small.columns.bytes * 2);
    cache.set('a', small);
    cache.set('b', entry(10));
    expect(cache.bytes).toBe(small.columns.bytes * 2);
    cache.get('a');
    cache.set('c', entry(10));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(small);
    expect(cache.get('c')).toBeDefined();

    cache.set('huge', entry(10_000));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.bytes).toBeLessThanOrEqual(cache.limitBytes);

    cache.set('a', entry(10));
    cache.delete('a');
    cache.delete('c');
    expect(cache.bytes).toBe(0);
  });
});
