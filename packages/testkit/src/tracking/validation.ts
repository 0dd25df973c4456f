import { LIMITS } from '@labbook/core';
import { describe, it } from 'vitest';
import { expectInvalid } from '../assertions.js';
import type { TrackingSuiteContext } from './context.js';

const metric = (key: string, value: number = 1) => ({ key, value, timestamp: 1_700_000_000_000, step: 0 });

/** Every validation error core raises before a store sees the input: code, field and limit. */
export function trackingValidationTests(ctx: TrackingSuiteContext): void {
  describe('validation', () => {
    it.for(['a//b', './a', 'a/', '/a', '..', '../x', 'a/../b', 'a\\b', 'a#b', 'bad\u0000key'])(
      'refuses the key %j for metrics, params and tags',
      async (key, { expect }) => {
        const run = await ctx.newRun();
        const id = run.info.runId;
        for (const batch of [{ metrics: [metric(key)] }, { params: [{ key, value: 'v' }] }, { tags: [{ key, value: 'v' }] }]) {
          const e = await expectInvalid(expect, () => ctx.store.logBatch(id, batch), 'Invalid');
          expect(e.field).toMatch(/^(metrics|params|tags)\[0\]\.key$/);
        }
      },
    );

    it('names the 250-character key limit', async ({ expect }) => {
      const run = await ctx.newRun();
      const e = await expectInvalid(
        expect,
        () => ctx.store.logBatch(run.info.runId, { params: [{ key: 'k'.repeat(251), value: 'v' }] }),
        'length limit of 250',
      );
      expect(e.limit).toBe(LIMITS.entityKeyLength);
    });

    it('truncates over-long param and tag values by default (MLflow 6000 / 8000)', async ({ expect }) => {
      const run = await ctx.newRun();
      await ctx.store.logBatch(run.info.runId, {
        params: [{ key: 'long', value: 'p'.repeat(6500) }],
        tags: [{ key: 'long', value: 't'.repeat(9000) }],
      });
      const got = await ctx.store.getRun(run.info.runId);
      expect(got.data.params.find((p) => p.key === 'long')?.value).toHaveLength(6000);
      expect(got.data.tags.find((t) => t.key === 'long')?.value).toHaveLength(8000);
    });

    it('refuses experiment tag values over 5000 and names over 500 characters', async ({ expect }) => {
      const id = await ctx.newExperiment('validation');
      expect((await expectInvalid(expect, () => ctx.store.setExperimentTag(id, { key: 'k', value: 'v'.repeat(5001) }), '5000')).limit).toBe(
        5000,
      );
      expect((await expectInvalid(expect, () => ctx.store.createExperiment('n'.repeat(501)), '500')).limit).toBe(500);
      await expectInvalid(expect, () => ctx.store.createExperiment(''), "Missing value for required parameter 'name'");
    });

    it('enforces the batch limits: 1000 metrics, 100 params, 100 tags, 1000 entities, unique params', async ({ expect }) => {
      const id = (await ctx.newRun()).info.runId;
      const e1 = await expectInvalid(
        expect,
        () => ctx.store.logBatch(id, { metrics: Array.from({ length: 1001 }, (_, i) => metric(`m${i}`)) }),
        'at most 1000 metrics',
      );
      expect(e1.limit).toBe(1000);
      await expectInvalid(
        expect,
        () => ctx.store.logBatch(id, { params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' })) }),
        'at most 100 params',
      );
      await expectInvalid(
        expect,
        () => ctx.store.logBatch(id, { tags: Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: 'v' })) }),
        'at most 100 tags',
      );
      await expectInvalid(
        expect,
        () =>
          ctx.store.logBatch(id, {
            metrics: Array.from({ length: 950 }, (_, i) => metric(`m${i}`)),
            params: Array.from({ length: 51 }, (_, i) => ({ key: `p${i}`, value: 'v' })),
          }),
        'at most 1000 metrics, params, and tags',
      );
      await expectInvalid(
        expect,
        () =>
          ctx.store.logBatch(id, {
            params: [
              { key: 'd', value: '1' },
              { key: 'd', value: '2' },
            ],
          }),
        'Duplicate parameter keys',
      );
      const nothing = await ctx.store.getRun(id);
      expect(nothing.data.metrics).toEqual([]);
    });

    it('checks metric values, timestamps and steps', async ({ expect }) => {
      const id = (await ctx.newRun()).info.runId;
      expect(
        (
          await expectInvalid(
            expect,
            () => ctx.store.logBatch(id, { metrics: [{ key: 'm', value: 'x' as never, timestamp: 1, step: 0 }] }),
            'valid double',
          )
        ).field,
      ).toBe('metrics[0].value');
      expect(
        (
          await expectInvalid(
            expect,
            () => ctx.store.logBatch(id, { metrics: [{ key: 'm', value: 1, timestamp: -5, step: 0 }] }),
            'nonnegative',
          )
        ).field,
      ).toBe('metrics[0].timestamp');
      expect(
        (await expectInvalid(expect, () => ctx.store.logBatch(id, { metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0.5 }] }), 'Step'))
          .field,
      ).toBe('metrics[0].step');
    });

    it('refuses malformed run and experiment ids before the store sees them', async ({ expect }) => {
      expect((await expectInvalid(expect, () => ctx.store.getRun('../../etc'), 'Invalid run ID')).field).toBe('run_id');
      expect((await expectInvalid(expect, () => ctx.store.getExperiment('a/b'), 'Invalid experiment ID')).field).toBe('experiment_id');
      await expectInvalid(expect, () => ctx.store.searchRuns({ experimentIds: ['0'], maxResults: 50001 }), 'between 1 and 50000');
      await expectInvalid(expect, () => ctx.store.searchExperiments({ maxResults: 0 }), 'between 1 and 50000');
      await expectInvalid(expect, () => ctx.store.createExperiment('loc', 'runs:/abc/x'), 'runs:/');
      await expectInvalid(expect, () => ctx.store.createExperiment('frag', 'file:///tmp/x#frag'), 'fragments');
    });
  });
}
