import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabbookError, type MetricHistoryColumns } from '@labbook/core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { GrowableColumns } from '../src/metric-columns.js';
import { parseMetricHistory, scanMetricLines } from '../src/metric-file.js';
import { parseMetricHistoryFast } from '../src/plain-metric-lines.js';
import { formatPythonFloat } from '../src/python-float.js';
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
    await store.logBatch(runId, {
      metrics: Array.from({ length: 100 }, (_, i) => ({ key: 'loss', value: i / 4, timestamp: 1000 + i, step: i })),
    });
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

describe('the plain-line fast path', () => {
  // The general scanner is the reference: the fast path must give the same points, bit for bit, and
  // the same report, whatever mix of line shapes a file holds.
  function reference(buf: Buffer) {
    const points: number[][] = [];
    const report = scanMetricLines(buf, 0, (t, v, s) => points.push([t, v, s]));
    return { points, report };
  }

  function same(text: string) {
    const buf = Buffer.from(text, 'latin1');
    const columns = new GrowableColumns(0);
    const report = columns.appendFrom(buf);
    const want = reference(buf);
    const got = rows(columns.view());
    expect(got.length).toBe(want.points.length);
    for (let i = 0; i < got.length; i++) {
      for (let k = 0; k < 3; k++) {
        if (!Object.is(got[i]![k], want.points[i]![k]))
          throw new Error(`line ${i} field ${k}: ${got[i]![k]} vs ${want.points[i]![k]} in ${JSON.stringify(text.split('\n')[i])}`);
      }
    }
    expect(report).toEqual(want.report);
    sameObjects(buf);
  }

  /** Whole-history reads as objects: the fast path against the general parser, field by field. */
  function sameObjects(buf: Buffer) {
    const want = parseMetricHistory(buf, 'k');
    const got = parseMetricHistoryFast(buf, 'k');
    expect(got.metrics.length).toBe(want.metrics.length);
    for (let i = 0; i < got.metrics.length; i++) {
      const g = got.metrics[i]!;
      const w = want.metrics[i]!;
      // Same keys in the same order (one object shape), and every number bit for bit.
      if (Object.keys(g).join() !== Object.keys(w).join()) throw new Error(`point ${i}: keys ${Object.keys(g)} vs ${Object.keys(w)}`);
      for (const k of Object.keys(w) as Array<keyof typeof w>) {
        if (!Object.is(g[k], w[k])) throw new Error(`point ${i} field ${k}: ${String(g[k])} vs ${String(w[k])}`);
      }
    }
    expect(got.report).toEqual(want.report);
  }

  it('agrees with the general scanner on every shape of line', () => {
    same(
      [
        '1700000000000 0.5 0',
        '1 -0.0 -3',
        '2 0.1 1',
        '3 5. 2',
        '4 .25 3',
        '5 0.000123456789012345678 4',
        '6 1e-05 5',
        '7 -1.5E+20 6',
        '8 nan 7',
        '9 -inf 8',
        '10 Infinity 9',
        '11 0.30000000000000004 10',
        '12 123456789012345678901 11',
        '13 9007199254740993 12',
        '14 0.1 13 train 0123abcd',
        '15 0.2 14\r',
        ' 16 0.3 15',
        '17 0.4 16 ',
        '18  0.5 17',
        '19 0.6',
        '+20 0.7 18',
        '21 0.8 +19',
        '22.0 0.9 20',
        '1234567890123456789 1 21',
        '23 x 22',
        '24 0.5 abc',
        '',
        '25 - 23',
        '26 . 24',
        '27 1.2.3 25',
        '28 0.5 1234567890123456789',
        '29 0.00000000000000000000001 26',
        'last 1 2',
      ].join('\n') + '\n30 0.5 3',
    );
  });

  it('agrees on random values of every length, signs and magnitudes', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const out: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const digits = 1 + Math.floor(random() * 21);
      let mantissa = '';
      for (let d = 0; d < digits; d++) mantissa += Math.floor(random() * 10);
      const dot = Math.floor(random() * (digits + 1));
      const text = `${random() < 0.3 ? '-' : ''}${mantissa.slice(0, dot)}.${mantissa.slice(dot)}`;
      const magnitude = (random() - 0.5) * 10 ** Math.floor(random() * 60 - 30);
      const pick = random();
      // Decimal texts, JavaScript's shortest form (e-7), Python's (e-07, the files' own), and
      // hand-made exponents on long mantissas.
      const value =
        pick < 0.3
          ? text
          : pick < 0.45
            ? String(random() < 0.5 ? random() : magnitude)
            : pick < 0.8
              ? formatPythonFloat(magnitude)
              : `${text}e${random() < 0.5 ? '-' : '+'}${Math.floor(random() * 30)}`;
      out.push(`${1700000000000 + i} ${value} ${i - 100}`);
    }
    same(`${out.join('\n')}\n`);
  });

  it('reads whole histories as objects like the general parser: dataset fields, 2-field lines, chunk edges', () => {
    const out: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const r = i % 997;
      // Plain lines in long runs (past the fast path's chunk of points), broken by every other shape.
      if (r === 5) out.push(`${1700000000000 + i} 0.${i} ${i} train-ds 0123abcd`);
      else if (r === 17) out.push(`${1700000000000 + i} ${i / 3}`);
      else if (r === 40) out.push(`${1700000000000 + i} 1e-07 ${i}`);
      else if (r === 41) out.push('garbage line here');
      else if (r === 42) out.push(`${1700000000000 + i} nan ${i}\r`);
      else out.push(`${1700000000000 + i} ${(i * 0.37) % 13} ${i}`);
    }
    sameObjects(Buffer.from(`${out.join('\n')}\n1 2`, 'latin1'));
    // Every line with dataset fields (MLflow's metrics logged with a dataset), names in UTF-8.
    const ds = Array.from({ length: 6000 }, (_, i) => `${i} ${i / 8} ${i} jeu-de-données-${i % 3} d1g3st${i}`);
    sameObjects(Buffer.from(`${ds.join('\n')}\n`, 'utf8'));
    sameObjects(Buffer.alloc(0));
    sameObjects(Buffer.from('\n\n1 0.5 0\n\n', 'latin1'));
    sameObjects(Buffer.from('no newline at all', 'latin1'));
  });

  it('grows its columns past a low estimate without losing a point', () => {
    // Long lines first (a low estimate of the points), short ones after.
    const long = Array.from({ length: 2000 }, (_, i) => `${1700000000000 + i} 0.${'1'.repeat(17)} ${i} dataset-name-that-is-long digest`);
    const short = Array.from({ length: 50000 }, (_, i) => `${i} ${i % 10} ${i}`);
    same(`${[...long, ...short].join('\n')}\n`);
  });
});

describe('metric history pages from the columns cache', () => {
  afterAll(removeTempRoots);

  it('serves every page of a long history from one parse, the same points as a whole read', async () => {
    const root = join(tempRoot(), 'mlruns');
    const store = new FileTrackingStore({ root, fsync: false });
    const runId = (await store.createRun({ experimentId: '0' })).info.runId;
    for (let b = 0; b < 5; b++) {
      await store.logBatch(runId, {
        metrics: Array.from({ length: 1000 }, (_, i) => ({
          key: 'loss',
          value: 1 / (b * 1000 + i + 1),
          timestamp: 1000 + b * 1000 + i,
          step: b * 1000 + i,
        })),
      });
    }
    const parses = vi.spyOn(GrowableColumns.prototype, 'appendFrom');
    try {
      const whole = (await store.getMetricHistory(runId, 'loss')).items;
      expect(whole).toHaveLength(5000);
      const paged: typeof whole = [];
      let token: string | undefined;
      do {
        const page = await store.getMetricHistory(runId, 'loss', { maxResults: 700, ...(token ? { pageToken: token } : {}) });
        paged.push(...page.items);
        token = page.nextPageToken;
      } while (token);
      expect(paged).toEqual(whole);
      expect(whole[4999]).toEqual({ key: 'loss', value: 1 / 5000, timestamp: 5999, step: 4999 });
      expect(parses).toHaveBeenCalledTimes(1);
    } finally {
      parses.mockRestore();
    }
  });

  it('keeps dataset fields: a file with them is read whole, not from the columns', async () => {
    const root = join(tempRoot(), 'mlruns');
    const store = new FileTrackingStore({ root, fsync: false });
    const runId = (await store.createRun({ experimentId: '0' })).info.runId;
    await store.logBatch(runId, { metrics: [{ key: 'acc', value: 0.5, timestamp: 1, step: 0 }] });
    appendFileSync(join(root, '0', runId, 'metrics', 'acc'), '2 0.75 1 eval 3b1f2c9d\n');
    const items = (await store.getMetricHistory(runId, 'acc', { maxResults: 10 })).items;
    expect(items).toEqual([
      { key: 'acc', value: 0.5, timestamp: 1, step: 0 },
      { key: 'acc', value: 0.75, timestamp: 2, step: 1, datasetName: 'eval', datasetDigest: '3b1f2c9d' },
    ]);
  });
});
