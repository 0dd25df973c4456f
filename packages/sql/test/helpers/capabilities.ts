import type { TrackingCapabilities } from '@labbook/testkit';

/**
 * What the testkit should expect of the SQL core's tracking store, on every dialect: MLflow's SQL
 * store behaviours (sequential experiment ids, NaN as a flag, ±Inf clamped, duplicate points folded
 * by the primary key, a page token whenever a page is full).
 */
export const SQL_STORE_CAPABILITIES: TrackingCapabilities = {
  experimentIds: 'sequential',
  canDeleteDefaultExperiment: true,
  nanStorage: 'flag',
  infClamped: true,
  dedupesMetricPoints: true,
  historyOrder: 'sorted',
  searchPaging: 'tokenWhenFull',
  deletedExperimentRunError: 'INVALID_PARAMETER_VALUE',
  loggedModels: true,
};
