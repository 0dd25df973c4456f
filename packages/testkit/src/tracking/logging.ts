import type { Metric } from '@labbook/core';
import { describe, it } from 'vitest';
import { expectInvalid } from '../assertions.js';
import { uniqueName } from '../names.js';
import type { TrackingSuiteContext } from './context.js';

const DOUBLE_MAX = 1.7976931348623157e308;

function point(m: Metric): [number, number, number] {
  return [m.value, m.timestamp, m.step];
}

/** Params (immutability), metrics (latest value, history, NaN and infinities) and key characters. */
export function trackingLoggingTests(ctx: TrackingSuiteContext): void {
  describe('params', () => {
    it('logs params and reads them back', async ({ expect }) => {
      const run = await ctx.newRun();
      await ctx.store.logBatch(run.info.runId, {
        params: [
          { key: 'alpha', value: '0.5' },
          { key: 'empty', value: '' },
        ],
      });
      const params = (await ctx.store.getRun(run.info.runId)).data.params;
      expect(params).toContainEqual({ key: 'alpha', value: '0.5' });
      expect(params).toContainEqual({ key: 'empty', value: '' });
      expect(params).toHaveLength(2);
    });

    it('accepts the same value again and refuses a different one with MLflow’s message', async ({ expect }) => {
      const run = await ctx.newRun();
      const id = run.info.runId;
      await ctx.store.logBatch(id, { params: [{ key: 'lr', value: '0.1' }] });
      await ctx.store.logBatch(id, { params: [{ key: 'lr', value: '0.1' }] });
      await expectInvalid(
        expect,
        () => ctx.store.logBatch(id, { params: [{ key: 'lr', value: '0.2' }] }),
        'Changing param values is not allowed',
        "key='lr'",
        "value='0.1'",
        id,
        "'0.2'",
      );
      expect((await ctx.store.getRun(id)).data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    });
  });

  describe('metrics', () => {
    it('keeps the latest value by (step, timestamp, value)', async ({ expect }) => {
      const run = await ctx.newRun();
      const id = run.info.runId;
      await ctx.store.logBatch(id, {
        metrics: [
          { key: 'loss', value: 5, timestamp: 100, step: 3 },
          { key: 'loss', value: 1, timestamp: 999, step: 1 },
          { key: 'acc', value: 0.5, timestamp: 10, step: 0 },
          { key: 'acc', value: 0.4, timestamp: 20, step: 0 },
          { key: 'tie', value: 2, timestamp: 10, step: 0 },
          { key: 'tie', value: 7, timestamp: 10, step: 0 },
          { key: 'tie', value: 3, timestamp: 10, step: 0 },
        ],
      });
      const metrics = (await ctx.store.getRun(id)).data.metrics;
      const byKey = Object.fromEntries(metrics.map((m) => [m.key, m]));
      expect(metrics).toHaveLength(3);
      expect(point(byKey.loss!)).toEqual([5, 100, 3]);
      expect(point(byKey.acc!)).toEqual([0.4, 20, 0]);
      expect(point(byKey.tie!)).toEqual([7, 10, 0]);
      await ctx.store.logBatch(id, { metrics: [{ key: 'loss', value: 9, timestamp: 50, step: 4 }] });
      const later = (await ctx.store.getRun(id)).data.metrics.find((m) => m.key === 'loss')!;
      expect(point(later)).toEqual([9, 50, 4]);
    });

    it('defaults the step to 0', async ({ expect }) => {
      const run = await ctx.newRun();
      await ctx.store.logBatch(run.info.runId, { metrics: [{ key: 'm', value: 1.5, timestamp: 7 } as Metric] });
      const [m] = (await ctx.store.getMetricHistory(run.info.runId, 'm')).items;
      expect(m).toMatchObject({ key: 'm', value: 1.5, timestamp: 7, step: 0 });
    });

    it('stores NaN and ±Infinity', async ({ expect }) => {
      const run = await ctx.newRun();
      const id = run.info.runId;
      await ctx.store.logBatch(id, {
        metrics: [
          { key: 'nan', value: Number.NaN, timestamp: 1, step: 0 },
          { key: 'pinf', value: Number.POSITIVE_INFINITY, timestamp: 1, step: 0 },
          { key: 'ninf', value: Number.NEGATIVE_INFINITY, timestamp: 1, step: 0 },
          { key: 'tiny', value: 1e-300, timestamp: 1, step: 0 },
          { key: 'neg', value: -0.25, timestamp: 1, step: 0 },
        ],
      });
      const latest = Object.fromEntries((await ctx.store.getRun(id)).data.metrics.map((m) => [m.key, m.value]));
      const inf = ctx.capabilities.infClamped ? DOUBLE_MAX : Number.POSITIVE_INFINITY;
      expect(latest.nan).toBeNaN();
      expect(latest.pinf).toBe(inf);
      expect(latest.ninf).toBe(-inf);
      expect(latest.tiny).toBe(1e-300);
      expect(latest.neg).toBe(-0.25);
      expect((await ctx.store.getMetricHistory(id, 'nan')).items[0]!.value).toBeNaN();
      expect((await ctx.store.getMetricHistory(id, 'pinf')).items[0]!.value).toBe(inf);
      expect((await ctx.store.getMetricHistory(id, 'ninf')).items[0]!.value).toBe(-inf);
    });

    it('returns the whole history of a metric in the declared order', async ({ expect }) => {
      const run = await ctx.newRun();
      const id = run.info.runId;
      const logged: Metric[] = [
        { key: 'h', value: 3, timestamp: 30, step: 2 },
        { key: 'h', value: 1, timestamp: 10, step: 0 },
        { key: 'h', value: 2, timestamp: 20, step: 1 },
        { key: 'other', value: 9, timestamp: 5, step: 0 },
      ];
      await ctx.store.logBatch(id, { metrics: logged.slice(0, 2) });
      await ctx.store.logBatch(id, { metrics: logged.slice(2) });
      const history = await ctx.store.getMetricHistory(id, 'h');
      expect(history.nextPageToken).toBeUndefined();
      expect(history.items.every((m) => m.key === 'h')).toBe(true);
      const got = history.items.map(point);
      if (ctx.capabilities.historyOrder === 'sorted') {
        expect(got).toEqual([
          [1, 10, 0],
          [2, 20, 1],
          [3, 30, 2],
        ]);
      } else {
        expect(got).toEqual([
          [3, 30, 2],
          [1, 10, 0],
          [2, 20, 1],
        ]);
      }
      expect((await ctx.store.getMetricHistory(id, 'never-logged')).items).toEqual([]);
    });

    it('pages through a metric history with tokens', async ({ expect }) => {
      const run = await ctx.newRun();
      const id = run.info.runId;
      const metrics = Array.from({ length: 25 }, (_, i) => ({ key: 'paged', value: i, timestamp: 1000 + i, step: i }));
      await ctx.store.logBatch(id, { metrics });
      const seen: number[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await ctx.store.getMetricHistory(id, 'paged', { maxResults: 10, ...(token ? { pageToken: token } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(10);
        seen.push(...page.items.map((m) => m.step));
        token = page.nextPageToken;
        pages++;
        expect(pages).toBeLessThan(10);
      } while (token);
      expect(seen).toEqual(metrics.map((m) => m.step));
    });

    it(
      ctx.capabilities.dedupesMetricPoints ? 'stores an identical metric point once' : 'appends an identical metric point again',
      async ({ expect }) => {
        const run = await ctx.newRun();
        const m = { key: 'dup', value: 1, timestamp: 5, step: 1 };
        await ctx.store.logBatch(run.info.runId, { metrics: [m] });
        await ctx.store.logBatch(run.info.runId, { metrics: [m] });
        const history = await ctx.store.getMetricHistory(run.info.runId, 'dup');
        expect(history.items).toHaveLength(ctx.capabilities.dedupesMetricPoints ? 1 : 2);
      },
    );

    it('accepts every legal key character and nested keys', async ({ expect }) => {
      const run = await ctx.newRun();
      const keys = ['a/b/c', 'with space', 'colon:key', 'dash-dot.key', 'ünïcödé_ключ', 'x'.repeat(250), 'a..b', '.hidden'];
      await ctx.store.logBatch(run.info.runId, {
        metrics: keys.map((key, i) => ({ key, value: i, timestamp: 1, step: 0 })),
        params: keys.map((key) => ({ key, value: `p-${key.length}` })),
        tags: keys.map((key) => ({ key, value: `t-${key.length}` })),
      });
      const read = await ctx.store.getRun(run.info.runId);
      expect(read.data.metrics.map((m) => m.key).sort()).toEqual([...keys].sort());
      expect(read.data.params.map((p) => p.key).sort()).toEqual([...keys].sort());
      for (const key of keys) expect(read.data.tags).toContainEqual({ key, value: `t-${key.length}` });
      expect((await ctx.store.getMetricHistory(run.info.runId, 'a/b/c')).items).toHaveLength(1);
    });

    it('writes metrics, params and tags of one batch together', async ({ expect }) => {
      const run = await ctx.newRun();
      const key = uniqueName('k');
      await ctx.store.logBatch(run.info.runId, {
        metrics: [{ key, value: 1, timestamp: 1, step: 0 }],
        params: [{ key, value: 'p' }],
        tags: [{ key, value: 't' }],
      });
      const read = await ctx.store.getRun(run.info.runId);
      expect(read.data.metrics.map((m) => m.key)).toEqual([key]);
      expect(read.data.params).toEqual([{ key, value: 'p' }]);
      expect(read.data.tags).toContainEqual({ key, value: 't' });
    });
  });
}
