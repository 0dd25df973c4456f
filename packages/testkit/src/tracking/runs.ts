import type { RunTag } from '@labbook/core';
import { describe, it } from 'vitest';
import { expectInvalid, expectNotFound } from '../assertions.js';
import { unknownRunId } from '../names.js';
import type { TrackingSuiteContext } from './context.js';

function tagValue(tags: RunTag[], key: string): string | undefined {
  return tags.find((t) => t.key === key)?.value;
}

/** Runs: create, get, update (status, end time, name), delete and restore, tags, dataset inputs. */
export function trackingRunTests(ctx: TrackingSuiteContext): void {
  describe('runs', () => {
    it('creates a RUNNING run with its info, tags and name', async ({ expect }) => {
      const experimentId = await ctx.newExperiment('runs');
      const startTime = 1_700_000_000_000;
      const run = await ctx.store.createRun({
        experimentId,
        userId: 'alice',
        startTime,
        runName: 'baseline',
        tags: [{ key: 'team', value: 'vision' }],
      });
      const { info } = run;
      expect(info.runId).toMatch(/^[a-zA-Z0-9][\w-]{0,255}$/);
      expect(info.runUuid).toBe(info.runId);
      expect(info).toMatchObject({
        experimentId,
        userId: 'alice',
        status: 'RUNNING',
        startTime,
        runName: 'baseline',
        lifecycleStage: 'active',
      });
      expect(info.endTime).toBeUndefined();
      expect(info.artifactUri.length).toBeGreaterThan(0);
      expect(tagValue(run.data.tags, 'team')).toBe('vision');
      expect(tagValue(run.data.tags, 'mlflow.runName')).toBe('baseline');
      const read = await ctx.store.getRun(info.runId);
      expect(read.info).toEqual(info);
      expect(tagValue(read.data.tags, 'mlflow.runName')).toBe('baseline');
      expect(read.data.metrics).toEqual([]);
      expect(read.data.params).toEqual([]);
    });

    it('gives every run a distinct id', async ({ expect }) => {
      const experimentId = await ctx.newExperiment('ids');
      const runs = await Promise.all(Array.from({ length: 5 }, () => ctx.store.createRun({ experimentId })));
      expect(new Set(runs.map((r) => r.info.runId)).size).toBe(5);
    });

    it('generates a run name when none is given, and keeps the tag in sync', async ({ expect }) => {
      const run = await ctx.newRun();
      expect(run.info.runName.length).toBeGreaterThan(0);
      expect(tagValue(run.data.tags, 'mlflow.runName')).toBe(run.info.runName);
    });

    it('takes the run name from the mlflow.runName tag', async ({ expect }) => {
      const run = await ctx.newRun({ tags: [{ key: 'mlflow.runName', value: 'from-tag' }] });
      expect(run.info.runName).toBe('from-tag');
      expect((await ctx.store.getRun(run.info.runId)).info.runName).toBe('from-tag');
    });

    it('refuses a run_name that disagrees with the mlflow.runName tag', async ({ expect }) => {
      const experimentId = await ctx.newExperiment('name-clash');
      await expectInvalid(
        expect,
        () => ctx.store.createRun({ experimentId, runName: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] }),
        'run_name',
        'mlflow.runName',
      );
    });

    it('reports a missing run for every run method', async ({ expect }) => {
      const id = unknownRunId();
      await expectNotFound(expect, () => ctx.store.getRun(id), id);
      await expectNotFound(expect, () => ctx.store.updateRunInfo(id, { status: 'FINISHED' }));
      await expectNotFound(expect, () => ctx.store.deleteRun(id));
      await expectNotFound(expect, () => ctx.store.restoreRun(id));
      await expectNotFound(expect, () => ctx.store.logBatch(id, { tags: [{ key: 'k', value: 'v' }] }));
      await expectNotFound(expect, () => ctx.store.deleteTag(id, 'k'));
      await expectNotFound(expect, () => ctx.store.getMetricHistory(id, 'm'));
      await expectNotFound(expect, () =>
        ctx.store.logInputs(id, [{ tags: [], dataset: { name: 'd', digest: 'abc', sourceType: 'local', source: '/x' } }]),
      );
    });

    it('updates status and end time, changing only the fields given', async ({ expect }) => {
      const run = await ctx.newRun({ runName: 'keep-me' });
      const endTime = run.info.startTime! + 5000;
      const info = await ctx.store.updateRunInfo(run.info.runId, { status: 'FINISHED', endTime });
      expect(info).toMatchObject({ status: 'FINISHED', endTime, runName: 'keep-me', runId: run.info.runId });
      const read = await ctx.store.getRun(run.info.runId);
      expect(read.info).toMatchObject({ status: 'FINISHED', endTime, runName: 'keep-me', startTime: run.info.startTime });
      const again = await ctx.store.updateRunInfo(run.info.runId, { status: 'FAILED' });
      expect(again).toMatchObject({ status: 'FAILED', endTime });
    });

    it('renames a run through updateRunInfo and through the mlflow.runName tag', async ({ expect }) => {
      const run = await ctx.newRun({ runName: 'first' });
      await ctx.store.updateRunInfo(run.info.runId, { runName: 'second' });
      let read = await ctx.store.getRun(run.info.runId);
      expect(read.info.runName).toBe('second');
      expect(tagValue(read.data.tags, 'mlflow.runName')).toBe('second');
      await ctx.store.logBatch(run.info.runId, { tags: [{ key: 'mlflow.runName', value: 'third' }] });
      read = await ctx.store.getRun(run.info.runId);
      expect(read.info.runName).toBe('third');
      expect(tagValue(read.data.tags, 'mlflow.runName')).toBe('third');
    });

    it('deletes and restores a run', async ({ expect }) => {
      const run = await ctx.newRun();
      await ctx.store.deleteRun(run.info.runId);
      expect((await ctx.store.getRun(run.info.runId)).info.lifecycleStage).toBe('deleted');
      await ctx.store.restoreRun(run.info.runId);
      expect((await ctx.store.getRun(run.info.runId)).info.lifecycleStage).toBe('active');
    });

    it('refuses writes to a deleted run', async ({ expect }) => {
      const run = await ctx.newRun({ tags: [{ key: 'keep', value: '1' }] });
      const id = run.info.runId;
      await ctx.store.deleteRun(id);
      await expectInvalid(expect, () => ctx.store.logBatch(id, { metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }] }));
      await expectInvalid(expect, () => ctx.store.logBatch(id, { params: [{ key: 'p', value: '1' }] }));
      await expectInvalid(expect, () => ctx.store.logBatch(id, { tags: [{ key: 't', value: '1' }] }));
      await expectInvalid(expect, () => ctx.store.deleteTag(id, 'keep'));
      await expectInvalid(expect, () => ctx.store.updateRunInfo(id, { status: 'FINISHED' }));
      const read = await ctx.store.getRun(id);
      expect(read.data.metrics).toEqual([]);
      expect(read.data.params).toEqual([]);
      expect(tagValue(read.data.tags, 'keep')).toBe('1');
    });

    it('sets, overwrites and deletes run tags', async ({ expect }) => {
      const run = await ctx.newRun();
      const id = run.info.runId;
      await ctx.store.logBatch(id, {
        tags: [
          { key: 'stage', value: 'dev' },
          { key: 'empty', value: '' },
        ],
      });
      await ctx.store.logBatch(id, { tags: [{ key: 'stage', value: 'prod' }] });
      let tags = (await ctx.store.getRun(id)).data.tags;
      expect(tags.filter((t) => t.key === 'stage')).toEqual([{ key: 'stage', value: 'prod' }]);
      expect(tagValue(tags, 'empty')).toBe('');
      await ctx.store.logBatch(id, {
        tags: [
          { key: 'twice', value: 'a' },
          { key: 'twice', value: 'b' },
        ],
      });
      tags = (await ctx.store.getRun(id)).data.tags;
      expect(tags.filter((t) => t.key === 'twice')).toEqual([{ key: 'twice', value: 'b' }]);
      await ctx.store.deleteTag(id, 'stage');
      tags = (await ctx.store.getRun(id)).data.tags;
      expect(tagValue(tags, 'stage')).toBeUndefined();
      await expectNotFound(expect, () => ctx.store.deleteTag(id, 'stage'), 'stage');
    });

    it('records dataset inputs once', async ({ expect }) => {
      const run = await ctx.newRun();
      const input = {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: {
          name: 'iris',
          digest: 'abc123',
          sourceType: 'local',
          source: '{"uri": "/data/iris.csv"}',
          schema: '{}',
          profile: '{"rows": 150}',
        },
      };
      await ctx.store.logInputs(run.info.runId, [input]);
      await ctx.store.logInputs(run.info.runId, [input]);
      const read = await ctx.store.getRun(run.info.runId);
      expect(read.inputs.datasetInputs).toHaveLength(1);
      const got = read.inputs.datasetInputs[0]!;
      expect(got.dataset).toMatchObject({ name: 'iris', digest: 'abc123', sourceType: 'local', source: '{"uri": "/data/iris.csv"}' });
      expect(got.tags).toContainEqual({ key: 'mlflow.data.context', value: 'training' });
    });
  });
}
