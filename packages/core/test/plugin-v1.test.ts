// Plugins of contract v1 still load: core adapts their text searches to v2 queries, behind the guard.
import { describe, expect, it } from 'vitest';
import {
  definePlugin,
  isGuardedRegistryStore,
  isGuardedTrackingStore,
  LabbookError,
  PLUGIN_API_VERSION,
  PluginRegistry,
  validatedTrackingStore,
} from '../src/index.js';
import { adaptTrackingStoreV1, buildRunsQuery } from '../src/plugin.js';
import v1Plugin, { made } from './fixtures/plugin-v1/plugin.js';
import { V1TrackingStore } from './fixtures/plugin-v1/tracking-store.js';

function registryWithFixture(): PluginRegistry {
  const plugins = new PluginRegistry({ roots: [] });
  plugins.register(v1Plugin);
  return plugins;
}

describe('plugin contract v1 through the adapter', () => {
  it('is contract v2 today; a definition without apiVersion is a published v1 plugin', () => {
    expect(PLUGIN_API_VERSION).toBe(2);
    expect(definePlugin({ name: 'x', apiVersion: 2 }).apiVersion).toBe(2);
    expect(definePlugin({ name: 'x' }).apiVersion).toBe(1);
    expect(v1Plugin.apiVersion).toBe(1);
  });

  it('resolves guarded stores from a v1 plugin and lists its version', async () => {
    const plugins = registryWithFixture();
    const tracking = await plugins.trackingStore('v1mem://guarded');
    const registry = await plugins.registryStore('v1mem://guarded');
    expect(isGuardedTrackingStore(tracking)).toBe(true);
    expect(isGuardedRegistryStore(registry)).toBe(true);
    // Wrapped once: guarding a resolved store again is a no-op.
    expect(validatedTrackingStore(tracking)).toBe(tracking);
    expect(plugins.list().find((p) => p.name === 'labbook-plugin-v1-fixture')?.apiVersion).toBe(1);
  });

  it('creates and searches runs with a filter, order_by and page tokens', async () => {
    const store = await registryWithFixture().trackingStore('v1mem://runs');
    const experimentId = await store.createExperiment('v1-runs');
    for (const [i, loss] of [0.5, 0.1, 0.9, 0.3, 0.7].entries()) {
      const run = await store.createRun({ experimentId, startTime: 1000 + i, runName: `r${i}` });
      await store.logBatch(run.info.runId, { metrics: [{ key: 'loss', value: loss, timestamp: 1, step: 0 }] });
    }
    const search = { experimentIds: [experimentId], filter: 'metrics.loss < 0.8', orderBy: ['metrics.loss ASC'], maxResults: 2 };
    const first = await store.searchRuns(search);
    expect(first.items.map((r) => r.info.runName)).toEqual(['r1', 'r3']);
    expect(first.nextPageToken).toBeDefined();
    const second = await store.searchRuns({ ...search, pageToken: first.nextPageToken! });
    expect(second.items.map((r) => r.info.runName)).toEqual(['r0', 'r4']);
    expect(second.nextPageToken).toBeUndefined();

    // The v1 store received the caller's text, not a parsed query.
    const v1 = made.get('v1mem://runs')?.tracking;
    expect(v1?.searches.at(-1)).toEqual({
      experimentIds: [experimentId],
      viewType: 'ACTIVE_ONLY',
      filter: 'metrics.loss < 0.8',
      orderBy: ['metrics.loss ASC'],
      maxResults: 2,
      pageToken: first.nextPageToken,
    });
  });

  it('searches experiments and the registry', async () => {
    const plugins = registryWithFixture();
    const tracking = await plugins.trackingStore('v1mem://rest');
    await tracking.createExperiment('alpha');
    await tracking.createExperiment('beta');
    const experiments = await tracking.searchExperiments({ filter: "name LIKE 'a%'" });
    expect(experiments.items.map((e) => e.name)).toEqual(['alpha']);

    const registry = await plugins.registryStore('v1mem://rest');
    for (const name of ['m-b', 'm-a', 'other']) await registry.createRegisteredModel(name);
    await registry.createModelVersion({ name: 'm-a', source: 'memory:/a/1' });
    await registry.createModelVersion({ name: 'm-a', source: 'memory:/a/2' });
    const models = await registry.searchRegisteredModels({ filter: "name LIKE 'm-%'", orderBy: ['name ASC'], maxResults: 1 });
    expect(models.items.map((m) => m.name)).toEqual(['m-a']);
    const rest = await registry.searchRegisteredModels({
      filter: "name LIKE 'm-%'",
      orderBy: ['name ASC'],
      pageToken: models.nextPageToken!,
    });
    expect(rest.items.map((m) => m.name)).toEqual(['m-b']);
    const versions = await registry.searchModelVersions({ filter: "name = 'm-a'" });
    expect(versions.items.map((v) => v.version).sort()).toEqual(['1', '2']);
  });

  it('rejects what the guard rejects before the v1 store sees it', async () => {
    const store = await registryWithFixture().trackingStore('v1mem://invalid');
    const experimentId = await store.createExperiment('v1-invalid');
    // An async wrapper: the guard may refuse before it returns a promise.
    await expect((async () => store.searchRuns({ experimentIds: [experimentId], filter: 'metrics.loss <' }))()).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    });
    expect(made.get('v1mem://invalid')?.tracking?.searches).toEqual([]);
  });

  it('passes optional methods through only when the v1 store has them', async () => {
    const v1 = new V1TrackingStore();
    const adapted = adaptTrackingStoreV1(v1);
    expect(adapted.getMetricHistoryColumns).toBeUndefined();
    await adapted.close?.();
    expect(v1.closed).toBe(true);
    const answer = await adapted.searchRuns(buildRunsQuery({ experimentIds: ['1'] }));
    expect(answer).toEqual({ kind: 'page', page: { items: [] } });
  });

  it('refuses a plugin built for a newer contract, naming the upgrade', () => {
    const newer = { name: 'from-the-future', apiVersion: PLUGIN_API_VERSION + 1 };
    const error = (() => {
      try {
        new PluginRegistry({ roots: [] }).register(newer as never);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(LabbookError.is(error)).toBe(true);
    expect((error as Error).message).toMatch(/plugin API version 3.*supports up to 2; upgrade @labbook\/core/);
  });

  it('loads a plugin with no apiVersion at all as v1', async () => {
    const { apiVersion: _dropped, ...bare } = v1Plugin;
    const plugins = new PluginRegistry({ roots: [] });
    plugins.register(bare);
    const store = await plugins.trackingStore('v1mem://bare');
    const experimentId = await store.createExperiment('bare');
    expect((await store.searchExperiments({ filter: `name = 'bare'` })).items.map((e) => e.experimentId)).toEqual([experimentId]);
  });
});
