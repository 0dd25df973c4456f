import type { ModelVersion, RegisteredModel } from '../entities/registry.js';
import type { GuardedRegistryStore } from '../interfaces/registry-store.js';
import { type MigrationContext, conflict, orMissing, tally } from './migration-context.js';
import { allPages } from './source-reader.js';

/** A source version's `source` and run id as the target must hold them (new run and model ids, moved files). */
export function targetSource(ctx: MigrationContext, version: ModelVersion): { source: string; runId?: string } {
  let source = version.source;
  const runs = /^runs:\/([^/]+)(\/.*)?$/.exec(source);
  const models = /^models:\/(m-[0-9a-f]{32})(\/.*)?$/.exec(source);
  if (runs) {
    const mapped = ctx.report.runIds.get(runs[1]!);
    if (mapped) source = `runs:/${mapped}${runs[2] ?? ''}`;
  } else if (models) {
    const mapped = ctx.modelIds.get(models[1]!);
    if (mapped) source = `models:/${mapped}${models[2] ?? ''}`;
  } else {
    // The longest source root the version's files sit under moves to its copy's root.
    let best: [string, string] | undefined;
    for (const pair of ctx.artifactRoots) {
      const [from] = pair;
      if ((source === from || source.startsWith(`${from}/`)) && (!best || from.length > best[0].length)) best = pair;
    }
    if (best) source = best[1] + source.slice(best[0].length);
  }
  const runId = version.runId ? (ctx.report.runIds.get(version.runId) ?? version.runId) : undefined;
  return runId ? { source, runId } : { source };
}

function sameVersion(ctx: MigrationContext, there: ModelVersion, version: ModelVersion): boolean {
  const want = targetSource(ctx, version);
  return there.source === want.source && (there.runId || undefined) === want.runId;
}

/** Every registered model of a registry. */
async function registeredModels(store: GuardedRegistryStore): Promise<RegisteredModel[]> {
  const out: RegisteredModel[] = [];
  for await (const m of allPages((pageToken) => store.searchRegisteredModels({ maxResults: 1000, ...(pageToken ? { pageToken } : {}) }))) {
    out.push(m);
  }
  return out;
}

/**
 * Every live version of a model, ascending. Read one by one up to the highest live number, so the
 * gaps left by deleted versions are seen for what they are, whatever a store's search grammar quotes.
 */
async function versionsOf(store: GuardedRegistryStore, name: string): Promise<Map<number, ModelVersion>> {
  const latest = await store.getLatestVersions(name, []);
  const max = latest.reduce((n, v) => Math.max(n, Number(v.version)), 0);
  const out = new Map<number, ModelVersion>();
  for (let n = 1; n <= max; n++) {
    const v = await orMissing(() => store.getModelVersion(name, String(n)));
    if (v) out.set(n, v);
  }
  return out;
}

/**
 * Copies the registry through its public API: every model with its tags and description; its versions
 * created in ascending order with the same numbers (a number the source lost to a deleted version is
 * taken by a version created and deleted again); then each version's stage, tags and description, and
 * the model's aliases. What is already there from an earlier run (same source and run) is kept; a model
 * or version that differs is refused, naming it.
 */
export async function copyRegistry(ctx: MigrationContext, source: GuardedRegistryStore, target: GuardedRegistryStore): Promise<void> {
  for (const model of await registeredModels(source)) {
    await copyModel(ctx, source, target, model);
    ctx.progress('registry');
  }
}

async function copyModel(ctx: MigrationContext, source: GuardedRegistryStore, target: GuardedRegistryStore, listed: RegisteredModel) {
  const name = listed.name;
  const model = await source.getRegisteredModel(name);
  const versions = await versionsOf(source, name);
  ctx.report.source.registeredModels++;
  ctx.report.source.versions += versions.size;
  ctx.report.source.aliases += model.aliases.length;
  const there = await orMissing(() => target.getRegisteredModel(name));
  const max = Math.max(0, ...versions.keys());
  if (there) {
    const theirs = await target.getLatestVersions(name, []);
    const theirMax = theirs.reduce((n, v) => Math.max(n, Number(v.version)), 0);
    if (theirMax > max) {
      throw conflict(
        ctx,
        `registered model '${name}'`,
        `it holds version ${theirMax} there, past the source's last version ${max}. Rename or delete that model in the target, then migrate again.`,
      );
    }
  }
  tally(ctx, there ? 'exists' : 'created', 'registeredModels');
  if (ctx.dryRun) {
    for (const [n, v] of versions) {
      const t = there ? await orMissing(() => target.getModelVersion(name, String(n))) : undefined;
      if (t && !sameVersion(ctx, t, v)) throw versionConflict(ctx, name, n);
      tally(ctx, t ? 'exists' : 'created', 'versions');
    }
    tally(ctx, 'created', 'aliases', model.aliases.length);
    return;
  }
  if (!there) {
    await target.createRegisteredModel(name, model.tags, model.description);
  } else {
    if ((model.description ?? '') !== (there.description ?? '')) await target.updateRegisteredModel(name, model.description ?? '');
    for (const tag of model.tags) {
      if (there.tags.find((t) => t.key === tag.key)?.value !== tag.value) await target.setRegisteredModelTag(name, tag);
    }
  }
  for (let n = 1; n <= max; n++) {
    const want = versions.get(n);
    const t = await orMissing(() => target.getModelVersion(name, String(n)));
    if (!want) {
      // A gap: a version there is a filler an interrupted run left (it copies a later version's source).
      if (t) {
        const later = [...versions.entries()].find(([k]) => k > n)?.[1];
        if (!later || !sameVersion(ctx, t, later)) throw versionConflict(ctx, name, n);
        await target.deleteModelVersion(name, String(n));
      }
      continue;
    }
    if (t) {
      if (!sameVersion(ctx, t, want)) throw versionConflict(ctx, name, n);
      tally(ctx, 'exists', 'versions');
      await completeVersion(target, t, want);
      continue;
    }
    const made = await createNumbered(ctx, target, name, n, want);
    tally(ctx, 'created', 'versions');
    await completeVersion(target, made, want);
  }
  for (const { alias, version } of model.aliases) {
    const current = await orMissing(() => target.getModelVersionByAlias(name, alias));
    if (current && current.version !== version) {
      throw conflict(
        ctx,
        `alias '${alias}' of registered model '${name}'`,
        `it points at version ${current.version} there, not ${version}. Move or delete that alias in the target, then migrate again.`,
      );
    }
    if (!current) await target.setRegisteredModelAlias(name, alias, version);
    tally(ctx, current ? 'exists' : 'created', 'aliases');
  }
}

function versionConflict(ctx: MigrationContext, name: string, n: number) {
  return conflict(
    ctx,
    `version ${n} of registered model '${name}'`,
    'a different version with that number is there (another source or run). Rename or delete that model in the target, then migrate again.',
  );
}

/**
 * Creates the version numbered `n`: versions the target numbers lower (the source's gaps) are created
 * and deleted again until the number matches.
 */
async function createNumbered(
  ctx: MigrationContext,
  target: GuardedRegistryStore,
  name: string,
  n: number,
  version: ModelVersion,
): Promise<ModelVersion> {
  const where = targetSource(ctx, version);
  for (;;) {
    const made = await target.createModelVersion({
      name,
      ...where,
      ...(version.runLink ? { runLink: version.runLink } : {}),
      ...(version.modelId ? { modelId: ctx.modelIds.get(version.modelId) ?? version.modelId } : {}),
    });
    const got = Number(made.version);
    if (got === n) return made;
    await target.deleteModelVersion(name, made.version);
    if (got > n) {
      throw conflict(
        ctx,
        `version ${n} of registered model '${name}'`,
        `the target numbers the next version ${got} (it lost numbers to deleted versions). Delete that model in the target, then migrate again.`,
      );
    }
  }
}

/** Brings a version's stage, tags and description to the source's. */
async function completeVersion(target: GuardedRegistryStore, there: ModelVersion, want: ModelVersion): Promise<void> {
  if (there.currentStage !== want.currentStage)
    await target.transitionModelVersionStage(there.name, there.version, want.currentStage, false);
  for (const tag of want.tags) {
    if (there.tags.find((t) => t.key === tag.key)?.value !== tag.value) await target.setModelVersionTag(there.name, there.version, tag);
  }
  if ((want.description ?? '') !== (there.description ?? ''))
    await target.updateModelVersion(there.name, there.version, want.description ?? '');
}

/** The registry counts of the migrated models as the target holds them. */
export async function countRegistry(ctx: MigrationContext, source: GuardedRegistryStore, target: GuardedRegistryStore): Promise<void> {
  for (const model of await registeredModels(source)) {
    const there = await orMissing(() => target.getRegisteredModel(model.name));
    if (!there) continue;
    ctx.report.target.registeredModels++;
    ctx.report.target.versions += (await versionsOf(target, model.name)).size;
    ctx.report.target.aliases += there.aliases.length;
  }
}
