/** MLflow's validation limits (mlflow/utils/validation.py), one place for all of them. */
export const LIMITS = {
  /** Metric, param and run tag keys; experiment and model tag keys. */
  entityKeyLength: 250,
  paramValueLength: 6000,
  runTagValueLength: 8000,
  experimentTagValueLength: 5000,
  experimentNameLength: 500,
  modelTagValueLength: 100000,
  aliasLength: 255,
  registeredModelNameLength: 256,
  datasetNameLength: 500,
  datasetDigestLength: 36,
  datasetSourceLength: 65535,
  datasetSchemaLength: 1048575,
  datasetProfileLength: 16777215,
  inputTagKeyLength: 255,
  inputTagValueLength: 500,
  artifactLocationLength: 2048,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  batchRequestBytes: 1_000_000,
  searchRunsMaxResults: 50000,
  searchExperimentsMaxResults: 50000,
  searchRegisteredModelsMaxResults: 1000,
  searchModelVersionsMaxResults: 200000,
  metricHistoryBulkRunIds: 100,
  modelDescriptionLength: 5000,
  searchLoggedModelsMaxResults: 50000,
  loggedModelNameLength: 500,
  loggedModelTagValueLength: 8000,
  loggedModelStatusMessageLength: 1000,
  modelVersionSourceLength: 500,
} as const;

/** Defaults MLflow uses when `max_results` is not given. */
export const DEFAULTS = {
  searchRunsMaxResults: 1000,
  searchExperimentsMaxResults: 1000,
  searchRegisteredModelsMaxResults: 100,
  searchModelVersionsMaxResults: 10000,
  /** MLflow's `SearchLoggedModels.max_results` default. */
  searchLoggedModelsMaxResults: 50,
  /** `mlflow.search_runs` (the fluent call that returns a table) reads this many runs at most. */
  fluentSearchRunsMaxResults: 100000,
} as const;

/** Tags that cannot be changed once set. */
export const IMMUTABLE_TAGS: ReadonlySet<string> = new Set(['mlflow.user', 'mlflow.artifactLocation']);
