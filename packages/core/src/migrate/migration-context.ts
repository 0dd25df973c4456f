import { LabbookError, alreadyExists } from '../errors.js';
import type { GuardedTrackingStore } from '../interfaces/tracking-store.js';
import type { StoreFactoryOptions } from '../plugins/define-plugin.js';
import type { RepositoryResolver } from './copy-artifacts.js';
import { type EntityCounts, type MigrateOptions, type MigrateProgress, type MigrateReport, zeroCounts } from './migrate-types.js';

/** What the steps of one migration share: the stores, the settings, the counts and the id maps. */
export interface MigrationContext {
  readonly source: GuardedTrackingStore;
  readonly target: GuardedTrackingStore;
  /** Copy artifact files (asked for, or forced by new ids). */
  readonly copy: boolean;
  /** Give the target its default locations (only with `artifacts: 'copy'`; new ids get them anyway). */
  readonly relocate: boolean;
  readonly dryRun: boolean;
  readonly importing: boolean;
  readonly report: MigrateReport;
  readonly totals: Partial<EntityCounts>;
  readonly resolve: RepositoryResolver;
  readonly sourceArtifactOptions: StoreFactoryOptions;
  readonly targetArtifactOptions: StoreFactoryOptions;
  /** Source artifact root → target artifact root, for rewriting model version sources. */
  readonly artifactRoots: Array<[string, string]>;
  /** Source logged model id → target id. */
  readonly modelIds: Map<string, string>;
  /** Target run ids and logged model ids of the migrated set, for the closing count. */
  readonly migratedModels: Array<{ sourceId: string; targetId: string }>;
  readonly targetName: string;
  progress(phase: MigrateProgress['phase']): void;
}

/**
 * The context of a migration from its options. `importing` defaults to what the target says it
 * supports; false when a target that claims import refused it (a server over a store without it).
 */
export function migrationContext(
  options: MigrateOptions,
  resolve: RepositoryResolver,
  importing: boolean = options.target.supportsImport,
): MigrationContext {
  const copy = options.artifacts === 'copy' || !importing;
  const report: MigrateReport = {
    dryRun: options.dryRun === true,
    idsKept: importing,
    source: zeroCounts(),
    target: zeroCounts(),
    written: zeroCounts(),
    skipped: zeroCounts(),
    runIds: new Map(),
    experimentIds: new Map(),
    notes: [],
  };
  const totals: Partial<EntityCounts> = {};
  return {
    source: options.source,
    target: options.target,
    copy,
    relocate: options.artifacts === 'copy',
    dryRun: options.dryRun === true,
    importing,
    report,
    totals,
    resolve,
    sourceArtifactOptions: options.sourceArtifactOptions ?? {},
    targetArtifactOptions: options.targetArtifactOptions ?? {},
    artifactRoots: [],
    modelIds: new Map(),
    migratedModels: [],
    targetName: options.targetName ?? 'the target store',
    progress(phase) {
      if (!options.onProgress) return;
      const done = zeroCounts();
      for (const k of Object.keys(done) as (keyof EntityCounts)[]) done[k] = report.written[k] + report.skipped[k];
      options.onProgress({ phase, done, totals: { ...totals } });
    },
  };
}

/** Adds to a count of the report: written, or found already there. */
export function tally(ctx: MigrationContext, outcome: 'created' | 'exists', entity: keyof EntityCounts, n = 1): void {
  (outcome === 'created' ? ctx.report.written : ctx.report.skipped)[entity] += n;
}

/** True for a RESOURCE_DOES_NOT_EXIST error. */
export function isMissing(error: unknown): boolean {
  return LabbookError.is(error) && error.code === 'RESOURCE_DOES_NOT_EXIST';
}

/** The value of `call`, or undefined when it fails with RESOURCE_DOES_NOT_EXIST. */
export async function orMissing<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** The refusal migrate gives for data in the target it did not write. */
export function conflict(ctx: MigrationContext, what: string, todo: string): LabbookError {
  return alreadyExists(`Cannot migrate ${what} into ${ctx.targetName}: ${todo}`);
}
