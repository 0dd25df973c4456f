/**
 * Capability flags: the real, documented differences between MLflow's backends (mlflow-compat.md,
 * Appendix B). A store declares what it does; the suites assert exactly that behaviour. They are not
 * a way to switch tests off.
 */

/** How a tracking store behaves where MLflow's file and SQL stores differ. */
export interface TrackingCapabilities {
  /**
   * Ids of new experiments: `sequential` (1, 2, 3… as the SQL store), `random18` (18-digit random
   * integers as the file store), or `any` (only the id grammar `^[a-zA-Z0-9][\w-]{0,63}$` is checked).
   * Default `any`.
   */
  experimentIds?: 'sequential' | 'random18' | 'any';
  /** Whether the default experiment `0` may be deleted (SQL: yes, file: no). Default `false`. */
  canDeleteDefaultExperiment?: boolean;
  /**
   * How NaN metric values are kept: `exact` (as NaN, file store) or `flag` (value 0 plus an is_nan
   * flag, SQL store, so `metrics.m = 0` may match a NaN point). Both read back as NaN. Default `exact`.
   */
  nanStorage?: 'exact' | 'flag';
  /** ±Infinity read back as ±1.7976931348623157e308 (SQL store). Default `false`. */
  infClamped?: boolean;
  /** Identical metric points (key, value, timestamp, step) are stored once (SQL store). Default `false`. */
  dedupesMetricPoints?: boolean;
  /** Metric history order: `logged` (file store) or `sorted` by (timestamp, step, value) (SQL). Default `logged`. */
  historyOrder?: 'logged' | 'sorted';
  /**
   * When `searchRuns` returns a `nextPageToken`: `tokenWhenMore` (only when more results exist, file
   * store) or `tokenWhenFull` (whenever the page is full, SQL store, so the last page may be empty).
   * Default `tokenWhenMore`.
   */
  searchPaging?: 'tokenWhenMore' | 'tokenWhenFull';
  /**
   * Error code for creating a run in a deleted experiment: INVALID_PARAMETER_VALUE (SQL) or
   * INVALID_STATE (file). Default `INVALID_PARAMETER_VALUE`.
   */
  deletedExperimentRunError?: 'INVALID_PARAMETER_VALUE' | 'INVALID_STATE';
  /**
   * The store keeps MLflow 3 logged models (createLoggedModel … searchLoggedModels, `runs/outputs`,
   * metrics with a `modelId`): the logged-model tests run. Default `false` (they check that the guard
   * answers FEATURE_DISABLED instead).
   */
  loggedModels?: boolean;
}

/** How a registry store behaves where backends may differ. */
export interface RegistryCapabilities {
  /** When registry searches return a `nextPageToken` (see {@link TrackingCapabilities.searchPaging}). Default `tokenWhenMore`. */
  searchPaging?: 'tokenWhenMore' | 'tokenWhenFull';
}

/** What an artifact repository's test set-up can do. */
export interface ArtifactCapabilities {
  /**
   * The test can create a symlink inside the repository root through a local path (give
   * `localRoot`); the suite then checks that a symlink pointing outside the root is never followed,
   * for reading or writing.
   */
  symlinks?: boolean;
  /** The local folder that backs the repository root (needed when `symlinks` is true). */
  localRoot?: (repo: import('@labbook/core').ArtifactRepository) => string;
}

/** Tracking capabilities with every default filled in. */
export type ResolvedTrackingCapabilities = Required<TrackingCapabilities>;

/** Fills the defaults of {@link TrackingCapabilities}. */
export function resolveTrackingCapabilities(caps: TrackingCapabilities = {}): ResolvedTrackingCapabilities {
  return {
    experimentIds: caps.experimentIds ?? 'any',
    canDeleteDefaultExperiment: caps.canDeleteDefaultExperiment ?? false,
    nanStorage: caps.nanStorage ?? 'exact',
    infClamped: caps.infClamped ?? false,
    dedupesMetricPoints: caps.dedupesMetricPoints ?? false,
    historyOrder: caps.historyOrder ?? 'logged',
    searchPaging: caps.searchPaging ?? 'tokenWhenMore',
    deletedExperimentRunError: caps.deletedExperimentRunError ?? 'INVALID_PARAMETER_VALUE',
    loggedModels: caps.loggedModels ?? false,
  };
}

/** Fills the defaults of {@link RegistryCapabilities}. */
export function resolveRegistryCapabilities(caps: RegistryCapabilities = {}): Required<RegistryCapabilities> {
  return { searchPaging: caps.searchPaging ?? 'tokenWhenMore' };
}
