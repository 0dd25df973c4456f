import type { ModelVersion, RegisteredModel } from '../entities/registry.js';
import type { Experiment, PagedList, Run } from '../entities/tracking.js';
import { pageCandidates } from './answer-query.js';
import {
  buildExperimentsQuery,
  buildModelVersionsQuery,
  buildRegisteredModelsQuery,
  buildRunsQuery,
  type SearchRequest,
} from './build-query.js';

/*
 * Searches over string requests, for plugins of contract v1, which called them with what they were
 * given. Stores of contract v2 receive parsed queries and return candidates instead.
 */

/** @deprecated Plugin contract v1: return candidates from a v2 store instead. Filters, orders and pages runs (already limited to experiments and view type). */
export function searchRunsInMemory(runs: readonly Run[], options: SearchRequest = {}): PagedList<Run> {
  return pageCandidates(buildRunsQuery({ ...options, experimentIds: [] }), runs);
}

/** @deprecated Plugin contract v1. Experiments in memory (already limited to the view type). */
export function searchExperimentsInMemory(experiments: readonly Experiment[], options: SearchRequest = {}): PagedList<Experiment> {
  return pageCandidates(buildExperimentsQuery(options), experiments);
}

/** @deprecated Plugin contract v1. Registered models in memory. */
export function searchRegisteredModelsInMemory(
  models: readonly RegisteredModel[],
  options: SearchRequest = {},
): PagedList<RegisteredModel> {
  return pageCandidates(buildRegisteredModelsQuery(options), models);
}

/** @deprecated Plugin contract v1. Model versions in memory. */
export function searchModelVersionsInMemory(versions: readonly ModelVersion[], options: SearchRequest = {}): PagedList<ModelVersion> {
  return pageCandidates(buildModelVersionsQuery(options), versions);
}
