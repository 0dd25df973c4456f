import { describe, it } from 'vitest';
import { expectAlreadyExists, expectLabbookError, expectInvalid, expectNotFound } from '../assertions.js';
import { UNKNOWN_EXPERIMENT_ID, uniqueName } from '../names.js';
import type { TrackingSuiteContext } from './context.js';

/** Experiments: create, get, get by name, rename, tags, delete and restore, the default experiment. */
export function trackingExperimentTests(ctx: TrackingSuiteContext): void {
  describe('experiments', () => {
    it('has the default experiment "0" named Default', async ({ expect }) => {
      const exp = await ctx.store.getExperiment('0');
      expect(exp.experimentId).toBe('0');
      expect(exp.name).toBe('Default');
      expect(exp.lifecycleStage).toBe('active');
      const byName = await ctx.store.getExperimentByName('Default');
      expect(byName?.experimentId).toBe('0');
    });

    it('creates an experiment and reads it back by id and by name', async ({ expect }) => {
      const name = uniqueName('exp');
      const before = Date.now();
      const id = await ctx.store.createExperiment(name, undefined, [{ key: 'team', value: 'ml' }]);
      expect(typeof id).toBe('string');
      expect(id).toMatch(/^[a-zA-Z0-9][\w-]{0,63}$/);
      const exp = await ctx.store.getExperiment(id);
      expect(exp).toMatchObject({ experimentId: id, name, lifecycleStage: 'active' });
      expect(exp.artifactLocation).toEqual(expect.any(String));
      expect(exp.artifactLocation.length).toBeGreaterThan(0);
      expect(exp.tags).toContainEqual({ key: 'team', value: 'ml' });
      if (exp.creationTime !== undefined) expect(exp.creationTime).toBeGreaterThanOrEqual(before - 1000);
      if (exp.lastUpdateTime !== undefined) expect(exp.lastUpdateTime).toBeGreaterThanOrEqual(before - 1000);
      expect((await ctx.store.getExperimentByName(name))?.experimentId).toBe(id);
    });

    it('keeps an explicit artifact location', async ({ expect }) => {
      const name = uniqueName('exp-loc');
      const location = ctx.options.artifactLocationFor?.(name) ?? `${ctx.options.name.replace(/[^\w]/g, '')}-artifacts/${name}`;
      const id = await ctx.store.createExperiment(name, location);
      const exp = await ctx.store.getExperiment(id);
      expect(exp.artifactLocation).toContain(name);
    });

    it('gives new experiments ids of the declared form', async ({ expect }) => {
      const a = await ctx.newExperiment('ids');
      const b = await ctx.newExperiment('ids');
      expect(a).not.toBe(b);
      if (ctx.capabilities.experimentIds === 'sequential') {
        expect(a).toMatch(/^[1-9]\d*$/);
        expect(Number(b)).toBeGreaterThan(Number(a));
      } else if (ctx.capabilities.experimentIds === 'random18') {
        expect(a).toMatch(/^[1-9]\d{17}$/);
        expect(b).toMatch(/^[1-9]\d{17}$/);
      } else {
        expect(a).toMatch(/^[a-zA-Z0-9][\w-]{0,63}$/);
      }
    });

    it('refuses a duplicate name, also of a deleted experiment', async ({ expect }) => {
      const name = uniqueName('dup');
      const id = await ctx.store.createExperiment(name);
      await expectAlreadyExists(expect, () => ctx.store.createExperiment(name), name);
      await ctx.store.deleteExperiment(id);
      await expectAlreadyExists(expect, () => ctx.store.createExperiment(name), name);
    });

    it('reports a missing experiment', async ({ expect }) => {
      await expectNotFound(expect, () => ctx.store.getExperiment(UNKNOWN_EXPERIMENT_ID), UNKNOWN_EXPERIMENT_ID);
      expect(await ctx.store.getExperimentByName(uniqueName('missing'))).toBeNull();
      await expectNotFound(expect, () => ctx.store.deleteExperiment(UNKNOWN_EXPERIMENT_ID));
      await expectNotFound(expect, () => ctx.store.restoreExperiment(UNKNOWN_EXPERIMENT_ID));
      await expectNotFound(expect, () => ctx.store.renameExperiment(UNKNOWN_EXPERIMENT_ID, uniqueName('x')));
      await expectNotFound(expect, () => ctx.store.setExperimentTag(UNKNOWN_EXPERIMENT_ID, { key: 'k', value: 'v' }));
    });

    it('renames an experiment; the new name must be free', async ({ expect }) => {
      const oldName = uniqueName('rename-old');
      const newName = uniqueName('rename-new');
      const id = await ctx.store.createExperiment(oldName);
      await ctx.store.renameExperiment(id, newName);
      expect((await ctx.store.getExperiment(id)).name).toBe(newName);
      expect((await ctx.store.getExperimentByName(newName))?.experimentId).toBe(id);
      expect(await ctx.store.getExperimentByName(oldName)).toBeNull();
      const otherName = uniqueName('rename-other');
      await ctx.store.createExperiment(otherName);
      await expectAlreadyExists(expect, () => ctx.store.renameExperiment(id, otherName), otherName);
      expect((await ctx.store.getExperiment(id)).name).toBe(newName);
    });

    it('sets (upserts) and deletes experiment tags', async ({ expect }) => {
      const id = await ctx.newExperiment('exp-tags');
      await ctx.store.setExperimentTag(id, { key: 'owner', value: 'alice' });
      await ctx.store.setExperimentTag(id, { key: 'owner', value: 'bob' });
      await ctx.store.setExperimentTag(id, { key: 'note', value: '' });
      let tags = (await ctx.store.getExperiment(id)).tags;
      expect(tags.filter((t) => t.key === 'owner')).toEqual([{ key: 'owner', value: 'bob' }]);
      expect(tags).toContainEqual({ key: 'note', value: '' });
      await ctx.store.deleteExperimentTag(id, 'owner');
      tags = (await ctx.store.getExperiment(id)).tags;
      expect(tags.find((t) => t.key === 'owner')).toBeUndefined();
      await expectNotFound(expect, () => ctx.store.deleteExperimentTag(id, 'owner'), 'owner');
    });

    it('deletes and restores an experiment with its runs', async ({ expect }) => {
      const name = uniqueName('lifecycle');
      const id = await ctx.store.createExperiment(name);
      const run = await ctx.store.createRun({ experimentId: id, startTime: Date.now() });
      await ctx.store.deleteExperiment(id);
      const deleted = await ctx.store.getExperiment(id);
      expect(deleted.lifecycleStage).toBe('deleted');
      expect((await ctx.store.getExperimentByName(name))?.lifecycleStage).toBe('deleted');
      expect((await ctx.store.getRun(run.info.runId)).info.lifecycleStage).toBe('deleted');
      await ctx.store.restoreExperiment(id);
      expect((await ctx.store.getExperiment(id)).lifecycleStage).toBe('active');
      expect((await ctx.store.getRun(run.info.runId)).info.lifecycleStage).toBe('active');
    });

    it('refuses tags and new runs on a deleted experiment', async ({ expect }) => {
      const id = await ctx.newExperiment('deleted-exp');
      await ctx.store.deleteExperiment(id);
      await expectInvalid(expect, () => ctx.store.setExperimentTag(id, { key: 'k', value: 'v' }));
      await expectLabbookError(expect, () => ctx.store.createRun({ experimentId: id }), ctx.capabilities.deletedExperimentRunError);
      await expectNotFound(expect, () => ctx.store.createRun({ experimentId: UNKNOWN_EXPERIMENT_ID }));
    });

    it(
      ctx.capabilities.canDeleteDefaultExperiment
        ? 'deletes and restores the default experiment'
        : 'refuses to delete the default experiment',
      async ({ expect }) => {
        await ctx.withFreshStore(async (store) => {
          if (ctx.capabilities.canDeleteDefaultExperiment) {
            await store.deleteExperiment('0');
            expect((await store.getExperiment('0')).lifecycleStage).toBe('deleted');
            await store.restoreExperiment('0');
          } else {
            await expectLabbookError(expect, () => store.deleteExperiment('0'), [
              'INVALID_PARAMETER_VALUE',
              'INTERNAL_ERROR',
              'INVALID_STATE',
            ]);
          }
          expect((await store.getExperiment('0')).lifecycleStage).toBe('active');
        });
      },
    );

    it('starts each fresh store with only the default experiment', async ({ expect }) => {
      await ctx.withFreshStore(async (store) => {
        const all = await store.searchExperiments({ viewType: 'ALL' });
        expect(all.items.map((e) => e.experimentId)).toEqual(['0']);
        expect(all.nextPageToken).toBeUndefined();
      });
    });
  });
}
