/** MLflow's tracking RPCs over a {@link GuardedTrackingStore}. */
import { LabbookError, type Metric, type GuardedTrackingStore, fromWire, metricFromWire, toWire } from '@labbook/core';
import { type Args, defined, optional, optionalInt, optionalKeyValues, optionalList, required, runId, tagValue } from '../request-args.js';
import { pageResponse } from '../responses.js';
import { recordLoggedModel } from './logged-model-history.js';
import { done, type Rpc } from './rpc.js';

/** MLflow's limit on a log-batch request's raw body. */
export const LOG_BATCH_MAX_BYTES = 1_000_000;

/** A log-batch's metrics; their fields were checked against MLflow's schema (wire-schemas.ts). */
function metricsOf(args: Args): Metric[] {
  return ((args.metrics as Args[] | undefined) ?? []).map((m) => metricFromWire(m));
}

/**
 * The tracking RPCs. `checkArtifactLocation` vets a client-chosen experiment artifact location
 * before the store sees it and returns the one to use (a relative location is placed under the
 * server's artifact root; the server decides which local folders clients may point at).
 */
export function trackingRpcs(store: GuardedTrackingStore, checkArtifactLocation: (location: string) => string): Rpc[] {
  return [
    {
      path: 'experiments/create',
      methods: ['POST'],
      handler: async (a) => {
        const given = optional(a, 'artifact_location') || undefined;
        const location = given === undefined ? undefined : checkArtifactLocation(given);
        return { experiment_id: await store.createExperiment(required(a, 'name'), location, optionalKeyValues(a, 'tags')) };
      },
    },
    {
      path: 'experiments/get',
      methods: ['GET'],
      handler: async (a) => ({ experiment: toWire(await store.getExperiment(required(a, 'experiment_id'))) }),
    },
    {
      path: 'experiments/get-by-name',
      methods: ['GET'],
      handler: async (a) => {
        const name = required(a, 'experiment_name');
        const experiment = await store.getExperimentByName(name);
        if (!experiment) throw new LabbookError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
        return { experiment: toWire(experiment) };
      },
    },
    {
      path: 'experiments/search',
      methods: ['POST', 'GET'],
      handler: async (a) =>
        pageResponse(
          'experiments',
          await store.searchExperiments(
            defined({
              viewType: optional(a, 'view_type') as never,
              maxResults: optionalInt(a, 'max_results'),
              filter: optional(a, 'filter'),
              orderBy: optionalList(a, 'order_by'),
              pageToken: optional(a, 'page_token'),
            }),
          ),
        ),
    },
    { path: 'experiments/delete', methods: ['POST'], handler: (a) => done(store.deleteExperiment(required(a, 'experiment_id'))) },
    { path: 'experiments/restore', methods: ['POST'], handler: (a) => done(store.restoreExperiment(required(a, 'experiment_id'))) },
    {
      path: 'experiments/update',
      methods: ['POST'],
      handler: (a) => done(store.renameExperiment(required(a, 'experiment_id'), required(a, 'new_name'))),
    },
    {
      path: 'experiments/set-experiment-tag',
      methods: ['POST'],
      handler: (a) => done(store.setExperimentTag(required(a, 'experiment_id'), { key: required(a, 'key'), value: tagValue(a) })),
    },
    {
      path: 'experiments/delete-experiment-tag',
      methods: ['POST'],
      handler: (a) => done(store.deleteExperimentTag(required(a, 'experiment_id'), required(a, 'key'))),
    },
    {
      path: 'runs/create',
      methods: ['POST'],
      handler: async (a) => ({
        run: toWire(
          await store.createRun(
            defined({
              experimentId: optional(a, 'experiment_id') || '0',
              userId: optional(a, 'user_id'),
              startTime: optionalInt(a, 'start_time'),
              tags: optionalKeyValues(a, 'tags'),
              runName: optional(a, 'run_name'),
            }),
          ),
        ),
      }),
    },
    { path: 'runs/get', methods: ['GET'], handler: async (a) => ({ run: toWire(await store.getRun(runId(a))) }) },
    {
      path: 'runs/update',
      methods: ['POST'],
      handler: async (a) => ({
        run_info: toWire(
          await store.updateRunInfo(
            runId(a),
            defined({
              status: optional(a, 'status') as never,
              endTime: optionalInt(a, 'end_time'),
              runName: optional(a, 'run_name'),
            }),
          ),
        ),
      }),
    },
    { path: 'runs/delete', methods: ['POST'], handler: (a) => done(store.deleteRun(required(a, 'run_id'))) },
    { path: 'runs/restore', methods: ['POST'], handler: (a) => done(store.restoreRun(required(a, 'run_id'))) },
    {
      path: 'runs/log-metric',
      methods: ['POST'],
      handler: async (a) => done(store.logBatch(runId(a), { metrics: [metricFromWire(a)] })),
    },
    {
      path: 'runs/log-parameter',
      methods: ['POST'],
      handler: (a) => done(store.logBatch(runId(a), { params: [{ key: required(a, 'key'), value: tagValue(a) }] })),
    },
    {
      path: 'runs/set-tag',
      methods: ['POST'],
      handler: (a) => done(store.logBatch(runId(a), { tags: [{ key: required(a, 'key'), value: tagValue(a) }] })),
    },
    { path: 'runs/delete-tag', methods: ['POST'], handler: (a) => done(store.deleteTag(required(a, 'run_id'), required(a, 'key'))) },
    {
      path: 'runs/log-batch',
      methods: ['POST'],
      bodyLimit: LOG_BATCH_MAX_BYTES,
      handler: async (a) => {
        const params = optionalKeyValues(a, 'params') ?? [];
        const tags = optionalKeyValues(a, 'tags') ?? [];
        return done(store.logBatch(required(a, 'run_id'), { metrics: metricsOf(a), params, tags }));
      },
    },
    {
      path: 'runs/log-inputs',
      methods: ['POST'],
      handler: async (a) => done(store.logInputs(required(a, 'run_id'), fromWire(a.datasets ?? []))),
    },
    {
      path: 'runs/log-model',
      methods: ['POST'],
      handler: (a) => done(recordLoggedModel(store, required(a, 'run_id'), required(a, 'model_json'))),
    },
    {
      path: 'runs/search',
      methods: ['POST'],
      handler: async (a) => {
        const maxResults = optionalInt(a, 'max_results');
        return pageResponse(
          'runs',
          await store.searchRuns(
            defined({
              experimentIds: optionalList(a, 'experiment_ids') ?? [],
              filter: optional(a, 'filter'),
              viewType: optional(a, 'run_view_type') as never,
              maxResults,
              orderBy: optionalList(a, 'order_by'),
              pageToken: optional(a, 'page_token'),
            }),
          ),
        );
      },
    },
    {
      path: 'metrics/get-history',
      methods: ['GET'],
      handler: async (a) => {
        const maxResults = optionalInt(a, 'max_results');
        return pageResponse(
          'metrics',
          await store.getMetricHistory(
            runId(a),
            required(a, 'metric_key'),
            defined({
              // MLflow's handler passes 0 when absent; both mean "everything".
              maxResults: maxResults === 0 ? undefined : maxResults,
              pageToken: optional(a, 'page_token'),
            }),
          ),
        );
      },
    },
  ];
}
