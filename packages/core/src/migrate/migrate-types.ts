import type { GuardedRegistryStore } from '../interfaces/registry-store.js';
import type { GuardedTrackingStore } from '../interfaces/tracking-store.js';
import type { ArtifactRepository } from '../interfaces/artifact-repository.js';
import type { StoreFactoryOptions } from '../plugins/define-plugin.js';

/** The entities a migration counts, source against target. */
export interface EntityCounts {
  experiments: number;
  runs: number;
  params: number;
  /** Run tags, `mlflow.runName` and migrate's own `labbook.migrate.*` markers left out. */
  tags: number;
  metricPoints: number;
  inputs: number;
  loggedModels: number;
  registeredModels: number;
  versions: number;
  aliases: number;
  /** Artifact files copied (or found already there) with `artifacts: 'copy'`. */
  artifactFiles: number;
}

/** The entity names of {@link EntityCounts}, in the order reports show them. */
export const ENTITY_NAMES: readonly (keyof EntityCounts)[] = [
  'experiments',
  'runs',
  'params',
  'tags',
  'metricPoints',
  'inputs',
  'loggedModels',
  'registeredModels',
  'versions',
  'aliases',
  'artifactFiles',
];

/** Counts all zero. */
export function zeroCounts(): EntityCounts {
  return {
    experiments: 0,
    runs: 0,
    params: 0,
    tags: 0,
    metricPoints: 0,
    inputs: 0,
    loggedModels: 0,
    registeredModels: 0,
    versions: 0,
    aliases: 0,
    artifactFiles: 0,
  };
}

/** What {@link MigrateOptions.onProgress} receives after each entity. */
export interface MigrateProgress {
  /** What is being copied now. */
  phase: 'experiments' | 'runs' | 'logged models' | 'artifacts' | 'registry' | 'verify';
  /** Entities handled so far (written, or found already there). */
  done: EntityCounts;
  /** Totals where they are known before the copy (experiments and runs). */
  totals: Partial<EntityCounts>;
}

/** Arguments of {@link migrate}. */
export interface MigrateOptions {
  /** Where the data comes from (as `resolveTrackingStore` returns it). */
  source: GuardedTrackingStore;
  /** Where it goes. A store with import support keeps ids; another gets new ones, tagged for reruns. */
  target: GuardedTrackingStore;
  /** The source registry; the registry is migrated when both registries are given. */
  sourceRegistry?: GuardedRegistryStore;
  targetRegistry?: GuardedRegistryStore;
  /**
   * `keep` (default): artifact locations are kept, the files stay where they are. `copy`: the target
   * store picks its own locations under its artifact root and every file is copied there. Without
   * import support in the target, runs get new ids and so new locations: files are then always copied.
   */
  artifacts?: 'keep' | 'copy';
  /** Read everything, write nothing, report what would be written. */
  dryRun?: boolean;
  /** Called after each entity with the counts so far. */
  onProgress?: (progress: MigrateProgress) => void;
  /** Options for resolving the source's artifact repositories (e.g. `trackingUri` for `mlflow-artifacts:`). */
  sourceArtifactOptions?: StoreFactoryOptions;
  /** Options for resolving the target's artifact repositories. */
  targetArtifactOptions?: StoreFactoryOptions;
  /** How errors name the target (its URI, say); default "the target store". */
  targetName?: string;
  /** How artifact repositories are built; default `resolveArtifactRepository`. */
  resolveArtifacts?: (uri: string, options: StoreFactoryOptions) => Promise<ArtifactRepository>;
}

/** What {@link migrate} did. */
export interface MigrateReport {
  dryRun: boolean;
  /** True when the target imported with ids kept; false when it got new ids. */
  idsKept: boolean;
  /** The migrated set as the source holds it. */
  source: EntityCounts;
  /** The same set as the target holds it after the copy (equal to `source`, or migrate fails); zeros in a dry run. */
  target: EntityCounts;
  /** Entities written by this call (in a dry run: that would be written). */
  written: EntityCounts;
  /** Entities found already there from an earlier run and left alone. */
  skipped: EntityCounts;
  /** Source id → target id of runs (equal when ids are kept). */
  runIds: Map<string, string>;
  /** Source id → target id of experiments. */
  experimentIds: Map<string, string>;
  /** Things the caller should know (what was not copied, and why). */
  notes: string[];
}

/** The tag that names a run's source id in a target without import support, so a rerun can skip it. */
export const SOURCE_RUN_TAG = 'labbook.migrate.sourceRunId';
/** Set while a run is being copied into a target without import support; removed when it is complete. */
export const INCOMPLETE_TAG = 'labbook.migrate.incomplete';
/** The tag that names an experiment's source id where the target could not keep that id. */
export const SOURCE_EXPERIMENT_TAG = 'labbook.migrate.sourceExperimentId';
/** The tag that names a logged model's source id in a target without import support. */
export const SOURCE_MODEL_TAG = 'labbook.migrate.sourceModelId';
/** Prefix of migrate's own tags, left out of the tag counts. */
export const MIGRATE_TAG_PREFIX = 'labbook.migrate.';
