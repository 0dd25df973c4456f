import { type GuardedRegistryStore, type RegistryStore, validatedRegistryStore } from '@labbook/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectAlreadyExists, expectInvalid, expectNotFound } from '../assertions.js';
import { type RegistryCapabilities, resolveRegistryCapabilities } from '../capabilities.js';
import { CONTRACT_VERSION } from '../contract-version.js';
import { uniqueName } from '../names.js';

/** Options of {@link describeRegistryStore}. */
export interface RegistrySuiteOptions {
  name: string;
  /** Returns a fresh, empty registry store. */
  /** Returns a fresh, empty registry store: the plugin's v2 store (guarded by the suite) or an already guarded one. */
  create: () => Promise<RegistryStore | GuardedRegistryStore>;
  cleanup?: (store: RegistryStore | GuardedRegistryStore) => Promise<void>;
  capabilities?: RegistryCapabilities;
  additionalTests?: (ctx: RegistrySuiteContext) => void;
}

/** What registry test groups receive. */
export interface RegistrySuiteContext {
  /** The shared store, behind core's guard. */
  readonly store: GuardedRegistryStore;
  readonly options: RegistrySuiteOptions;
  readonly capabilities: Required<RegistryCapabilities>;
}

/** Creates the shared registry store for the groups of the current `describe`. */
export function registrySuiteContext(options: RegistrySuiteOptions): RegistrySuiteContext {
  let raw: RegistryStore | GuardedRegistryStore | undefined;
  let store: GuardedRegistryStore | undefined;
  beforeAll(async () => {
    raw = await options.create();
    store = validatedRegistryStore(raw);
  });
  afterAll(async () => {
    if (raw) await (options.cleanup ? options.cleanup(raw) : raw.close?.());
  });
  return {
    get store() {
      if (!store) throw new TypeError('[labbook] [testkit] the registry store is only available inside tests');
      return store;
    },
    options,
    capabilities: resolveRegistryCapabilities(options.capabilities),
  };
}

const RUN_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** Registered models: create, get, update, rename, tags, delete, search. */
export function registryModelTests(ctx: RegistrySuiteContext): void {
  describe('registered models', () => {
    it('creates, reads, describes, renames and deletes a model', async ({ expect }) => {
      const name = uniqueName('model');
      const created = await ctx.store.createRegisteredModel(name, [{ key: 'team', value: 'ml' }], 'first');
      expect(created).toMatchObject({ name, description: 'first', tags: [{ key: 'team', value: 'ml' }], latestVersions: [] });
      expect(created.creationTimestamp).toBeGreaterThan(0);
      await expectAlreadyExists(expect, () => ctx.store.createRegisteredModel(name), name);
      expect((await ctx.store.updateRegisteredModel(name, 'second')).description).toBe('second');
      await ctx.store.createModelVersion({ name, source: 's3://bucket/model', runId: RUN_ID });
      await ctx.store.setRegisteredModelAlias(name, 'champion', '1');
      const renamed = uniqueName('renamed');
      const moved = await ctx.store.renameRegisteredModel(name, renamed);
      expect(moved.name).toBe(renamed);
      await expectNotFound(expect, () => ctx.store.getRegisteredModel(name));
      expect((await ctx.store.getModelVersion(renamed, '1')).name).toBe(renamed);
      expect((await ctx.store.getModelVersionByAlias(renamed, 'champion')).version).toBe('1');
      await ctx.store.deleteRegisteredModel(renamed);
      await expectNotFound(expect, () => ctx.store.getRegisteredModel(renamed));
      await expectNotFound(expect, () => ctx.store.getModelVersion(renamed, '1'));
    });

    it('sets and deletes model tags; deleting a missing tag is a no-op, a missing model an error', async ({ expect }) => {
      const name = uniqueName('tags');
      await ctx.store.createRegisteredModel(name);
      await ctx.store.setRegisteredModelTag(name, { key: 'k', value: 'v1' });
      await ctx.store.setRegisteredModelTag(name, { key: 'k', value: 'v2' });
      expect((await ctx.store.getRegisteredModel(name)).tags).toEqual([{ key: 'k', value: 'v2' }]);
      await ctx.store.deleteRegisteredModelTag(name, 'k');
      expect((await ctx.store.getRegisteredModel(name)).tags).toEqual([]);
      // MLflow's stores ignore a missing model tag on delete.
      await ctx.store.deleteRegisteredModelTag(name, 'k');
      await expectNotFound(expect, () => ctx.store.setRegisteredModelTag(uniqueName('none'), { key: 'k', value: 'v' }));
    });

    it('validates names, tags and search limits', async ({ expect }) => {
      await expectInvalid(expect, () => ctx.store.createRegisteredModel(''), "Missing value for required parameter 'name'");
      await expectInvalid(expect, () => ctx.store.createRegisteredModel('a/b'), "may not contain '/'");
      await expectInvalid(
        expect,
        () => ctx.store.createRegisteredModel(uniqueName('m'), [{ key: 'bad//key', value: 'v' }]),
        'Invalid tag name',
      );
      await expectInvalid(expect, () => ctx.store.searchRegisteredModels({ maxResults: 1001 }), 'between 1 and 1000');
    });

    it('searches models by name and tag, ordered and paged', async ({ expect }) => {
      const prefix = uniqueName('search');
      for (const n of ['c', 'a', 'b'])
        await ctx.store.createRegisteredModel(`${prefix}-${n}`, n === 'b' ? [{ key: 'stage', value: 'prod' }] : []);
      const all = await ctx.store.searchRegisteredModels({ filter: `name LIKE '${prefix}-%'` });
      expect(all.items.map((m) => m.name)).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
      const desc = await ctx.store.searchRegisteredModels({ filter: `name LIKE '${prefix}-%'`, orderBy: ['name DESC'] });
      expect(desc.items.map((m) => m.name)).toEqual([`${prefix}-c`, `${prefix}-b`, `${prefix}-a`]);
      const tagged = await ctx.store.searchRegisteredModels({ filter: `name LIKE '${prefix}-%' and tags.stage = 'prod'` });
      expect(tagged.items.map((m) => m.name)).toEqual([`${prefix}-b`]);
      const first = await ctx.store.searchRegisteredModels({ filter: `name LIKE '${prefix}-%'`, maxResults: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.nextPageToken).toBeDefined();
      const second = await ctx.store.searchRegisteredModels({
        filter: `name LIKE '${prefix}-%'`,
        maxResults: 2,
        pageToken: first.nextPageToken!,
      });
      expect(second.items.map((m) => m.name)).toEqual([`${prefix}-c`]);
      await expectInvalid(expect, () => ctx.store.searchRegisteredModels({ filter: 'name = ' }));
    });
  });
}

/** Model versions: numbering, stages, aliases, tags, delete, search, download URI. */
export function registryVersionTests(ctx: RegistrySuiteContext): void {
  describe('model versions', () => {
    it('numbers versions from 1 and reads them back', async ({ expect }) => {
      const name = uniqueName('versions');
      await ctx.store.createRegisteredModel(name);
      const v1 = await ctx.store.createModelVersion({
        name,
        source: 's3://b/m1',
        runId: RUN_ID,
        description: 'd',
        tags: [{ key: 'k', value: 'v' }],
        runLink: 'http://x',
      });
      const v2 = await ctx.store.createModelVersion({ name, source: 's3://b/m2' });
      expect([v1.version, v2.version]).toEqual(['1', '2']);
      expect(v1).toMatchObject({
        name,
        source: 's3://b/m1',
        runId: RUN_ID,
        currentStage: 'None',
        status: 'READY',
        description: 'd',
        tags: [{ key: 'k', value: 'v' }],
      });
      expect(await ctx.store.getModelVersionDownloadUri(name, '1')).toBe('s3://b/m1');
      expect((await ctx.store.updateModelVersion(name, '2', 'updated')).description).toBe('updated');
      await expectNotFound(expect, () => ctx.store.getModelVersion(name, '3'));
      await expectNotFound(expect, () => ctx.store.createModelVersion({ name: uniqueName('missing'), source: 's3://b/x' }));
    });

    it('transitions stages, archiving others on request, and reports latest versions per stage', async ({ expect }) => {
      const name = uniqueName('stages');
      await ctx.store.createRegisteredModel(name);
      for (let i = 0; i < 3; i++) await ctx.store.createModelVersion({ name, source: `s3://b/${i}` });
      expect((await ctx.store.transitionModelVersionStage(name, '1', 'production', false)).currentStage).toBe('Production');
      await ctx.store.transitionModelVersionStage(name, '2', 'Production', true);
      expect((await ctx.store.getModelVersion(name, '1')).currentStage).toBe('Archived');
      await ctx.store.transitionModelVersionStage(name, '3', 'Staging', false);
      const latest = await ctx.store.getLatestVersions(name, []);
      expect(Object.fromEntries(latest.map((v) => [v.currentStage, v.version]))).toEqual({ Production: '2', Staging: '3', Archived: '1' });
      expect((await ctx.store.getLatestVersions(name, ['Production'])).map((v) => v.version)).toEqual(['2']);
      await expectInvalid(expect, () => ctx.store.transitionModelVersionStage(name, '1', 'Nope', false), 'Invalid Model Version stage');
      await expectInvalid(expect, () => ctx.store.transitionModelVersionStage(name, '1', 'Archived', true), 'not an Active stage');
    });

    it('sets, moves and deletes aliases; reserved alias names are refused', async ({ expect }) => {
      const name = uniqueName('aliases');
      await ctx.store.createRegisteredModel(name);
      await ctx.store.createModelVersion({ name, source: 's3://b/1' });
      await ctx.store.createModelVersion({ name, source: 's3://b/2' });
      await ctx.store.setRegisteredModelAlias(name, 'champion', '1');
      expect((await ctx.store.getModelVersionByAlias(name, 'champion')).version).toBe('1');
      await ctx.store.setRegisteredModelAlias(name, 'champion', '2');
      expect((await ctx.store.getModelVersionByAlias(name, 'champion')).version).toBe('2');
      expect((await ctx.store.getModelVersion(name, '2')).aliases).toEqual(['champion']);
      expect((await ctx.store.getRegisteredModel(name)).aliases).toEqual([{ alias: 'champion', version: '2' }]);
      await ctx.store.deleteRegisteredModelAlias(name, 'champion');
      await expectNotFound(expect, () => ctx.store.getModelVersionByAlias(name, 'champion'));
      await expectInvalid(expect, () => ctx.store.setRegisteredModelAlias(name, 'latest', '1'), 'reserved');
      await expectInvalid(expect, () => ctx.store.setRegisteredModelAlias(name, 'v1', '1'), 'reserved');
      await expectNotFound(expect, () => ctx.store.setRegisteredModelAlias(name, 'ghost', '9'));
    });

    it('soft-deletes a version: it disappears, its aliases go, numbering continues', async ({ expect }) => {
      const name = uniqueName('delete');
      await ctx.store.createRegisteredModel(name);
      await ctx.store.createModelVersion({ name, source: 's3://b/1' });
      await ctx.store.createModelVersion({ name, source: 's3://b/2' });
      await ctx.store.setRegisteredModelAlias(name, 'keep', '2');
      await ctx.store.deleteModelVersion(name, '2');
      await expectNotFound(expect, () => ctx.store.getModelVersion(name, '2'));
      await expectNotFound(expect, () => ctx.store.getModelVersionByAlias(name, 'keep'));
      expect((await ctx.store.searchModelVersions({ filter: `name = '${name}'` })).items.map((v) => v.version)).toEqual(['1']);
      expect((await ctx.store.createModelVersion({ name, source: 's3://b/3' })).version).toBe('3');
    });

    it('sets and deletes version tags', async ({ expect }) => {
      const name = uniqueName('vtags');
      await ctx.store.createRegisteredModel(name);
      await ctx.store.createModelVersion({ name, source: 's3://b/1' });
      await ctx.store.setModelVersionTag(name, '1', { key: 'validated', value: 'yes' });
      expect((await ctx.store.getModelVersion(name, '1')).tags).toEqual([{ key: 'validated', value: 'yes' }]);
      await ctx.store.deleteModelVersionTag(name, '1', 'validated');
      expect((await ctx.store.getModelVersion(name, '1')).tags).toEqual([]);
      await ctx.store.deleteModelVersionTag(name, '1', 'validated');
      await expectNotFound(expect, () => ctx.store.setModelVersionTag(name, '9', { key: 'k', value: 'v' }));
    });

    it('searches versions by name, run id, source and number', async ({ expect }) => {
      const name = uniqueName('vsearch');
      await ctx.store.createRegisteredModel(name);
      await ctx.store.createModelVersion({ name, source: 's3://b/1', runId: RUN_ID });
      await ctx.store.createModelVersion({ name, source: 'gs://c/2' });
      await ctx.store.createModelVersion({ name, source: 's3://b/3' });
      const q = async (filter: string, orderBy?: string[]) =>
        (await ctx.store.searchModelVersions({ filter: `name = '${name}' and ${filter}`, ...(orderBy ? { orderBy } : {}) })).items.map(
          (v) => v.version,
        );
      expect(await q("source_path LIKE 's3://%'")).toEqual(['3', '1']);
      expect(await q(`run_id = '${RUN_ID}'`)).toEqual(['1']);
      expect(await q('version_number >= 2', ['version_number ASC'])).toEqual(['2', '3']);
      await expectInvalid(expect, () => ctx.store.searchModelVersions({ maxResults: 200001 }), 'between 1 and 200000');
    });
  });
}

/** The conformance suite for a plugin's RegistryStore (contract {@link CONTRACT_VERSION}), run through core's guard. */
export function describeRegistryStore(options: RegistrySuiteOptions): void {
  describe(`RegistryStore conformance (plugin contract v${CONTRACT_VERSION}): ${options.name}`, () => {
    const ctx = registrySuiteContext(options);
    registryModelTests(ctx);
    registryVersionTests(ctx);
    options.additionalTests?.(ctx);
  });
}
