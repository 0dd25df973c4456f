/**
 * Metric histories of many runs at once: MLflow's `metrics/get-history-bulk` (UI route) and
 * `metrics/get-history-bulk-interval` (RPC), and labbook's downsampled history for charts.
 */
import {
  LabbookError,
  type Metric,
  type GuardedTrackingStore,
  numberToWire,
  readMetricColumns,
  readWholeMetricHistory,
} from '@labbook/core';
import { LIMITS } from '@labbook/core/plugin';
import type { FastifyInstance } from 'fastify';
import { downsampleMinMax } from '../metric-downsampling.js';
import { type Args, optional, optionalInt, optionalList, required } from '../request-args.js';
import type { Rpc } from './rpc.js';

const MAX_RUN_IDS = LIMITS.metricHistoryBulkRunIds;
const BULK_MAX_RESULTS = 25_000;
/** MLflow's default for get-history-bulk-interval (its range is checked in wire-schemas.ts). */
const INTERVAL_MAX_RESULTS = 2_500;
/** Most buckets a downsampled history may ask for: more would defeat its purpose. */
export const MAX_BUCKETS = 5_000;
const DEFAULT_BUCKETS = 1_000;

function outOfRange(field: string, value: number, low: number, high: number): LabbookError {
  return new LabbookError(
    'INVALID_PARAMETER_VALUE',
    `Invalid value ${value} for parameter '${field}': it must be between ${low} and ${high}`,
    {
      field,
      limit: high,
    },
  );
}

/** The UI route's run ids, with MLflow's messages for that route (it has no proto schema). */
function bulkRunIds(a: Args): string[] {
  const ids = optionalList(a, 'run_id') ?? [];
  if (ids.length === 0) {
    throw new LabbookError('INVALID_PARAMETER_VALUE', 'GetMetricHistoryBulk request must specify at least one run_id.', {
      field: 'run_id',
    });
  }
  if (ids.length > MAX_RUN_IDS) {
    throw new LabbookError(
      'INVALID_PARAMETER_VALUE',
      `GetMetricHistoryBulk request cannot specify more than ${MAX_RUN_IDS} run_ids. Received ${ids.length} run_ids.`,
      { field: 'run_id', limit: MAX_RUN_IDS },
    );
  }
  return ids;
}

function withRunId(m: Metric, runId: string) {
  return { key: m.key, value: numberToWire(m.value), timestamp: m.timestamp, step: m.step, run_id: runId };
}

/** Picks at most `max` steps spread evenly over the sorted `steps`, always keeping the first and last. */
export function sampleSteps(steps: number[], max: number): Set<number> {
  if (steps.length <= max) return new Set(steps);
  const picked = new Set<number>();
  const stride = (steps.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) picked.add(steps[Math.round(i * stride)] as number);
  return picked;
}

/** `metrics/get-history-bulk-interval`: the RPC form, served under both API roots. */
export function metricBulkRpcs(store: GuardedTrackingStore): Rpc[] {
  return [
    {
      path: 'metrics/get-history-bulk-interval',
      methods: ['GET'],
      handler: async (a) => {
        // run_ids, metric_key and max_results were checked against MLflow's schema (wire-schemas.ts).
        const runIds = optionalList(a, 'run_ids') ?? [];
        const key = required(a, 'metric_key');
        const start = optionalInt(a, 'start_step');
        const end = optionalInt(a, 'end_step');
        if ((start === undefined) !== (end === undefined)) {
          throw new LabbookError('INVALID_PARAMETER_VALUE', 'If either start step or end step are specified, both must be specified.', {
            field: start === undefined ? 'start_step' : 'end_step',
          });
        }
        if (start !== undefined && end !== undefined && start > end) {
          throw new LabbookError(
            'INVALID_PARAMETER_VALUE',
            `end_step must be greater than start_step. Found start_step=${start} and end_step=${end}.`,
            {
              field: 'end_step',
            },
          );
        }
        const max = optionalInt(a, 'max_results') ?? INTERVAL_MAX_RESULTS;
        const histories = await Promise.all(runIds.map(async (id) => [id, await readWholeMetricHistory(store, id, key)] as const));
        const inRange = (m: Metric) => start === undefined || end === undefined || (m.step >= start && m.step <= end);
        const steps = [...new Set(histories.flatMap(([, h]) => h.filter(inRange).map((m) => m.step)))].sort((x, y) => x - y);
        const keep = sampleSteps(steps, max);
        const metrics = histories.flatMap(([id, h]) =>
          h
            .filter((m) => inRange(m) && keep.has(m.step))
            .sort((x, y) => x.step - y.step || x.timestamp - y.timestamp)
            .map((m) => withRunId(m, id)),
        );
        return metrics.length > 0 ? { metrics } : {};
      },
    },
  ];
}

/** The UI routes: `/ajax-api/2.0/mlflow/metrics/get-history-bulk` and `/ajax-api/2.0/labbook/metrics/downsampled`. */
export function mountMetricBulkRoutes(app: FastifyInstance, prefix: string, store: GuardedTrackingStore): void {
  app.get(`${prefix}/ajax-api/2.0/mlflow/metrics/get-history-bulk`, async (request) => {
    const a = request.query as Args;
    const runIds = bulkRunIds(a);
    const key = optional(a, 'metric_key');
    if (key === undefined) {
      throw new LabbookError('INVALID_PARAMETER_VALUE', 'GetMetricHistoryBulk request must specify a metric_key.', { field: 'metric_key' });
    }
    const max = Math.min(optionalInt(a, 'max_results') ?? BULK_MAX_RESULTS, BULK_MAX_RESULTS);
    if (max < 1) throw outOfRange('max_results', max, 1, BULK_MAX_RESULTS);
    // As MLflow: runs in id order, each run's points by timestamp, step, value; max_results in all.
    const metrics: ReturnType<typeof withRunId>[] = [];
    for (const id of [...runIds].sort()) {
      const history = await store.getMetricHistory(id, key, { maxResults: max });
      const points = [...history.items].sort((x, y) => x.timestamp - y.timestamp || x.step - y.step || x.value - y.value);
      for (const m of points) metrics.push(withRunId(m, id));
    }
    return { metrics: metrics.slice(0, max) };
  });
  app.get(`${prefix}/ajax-api/2.0/labbook/metrics/downsampled`, async (request) => {
    const a = request.query as Args;
    const runId = required(a, 'run_id');
    const key = required(a, 'metric_key');
    const axis = optional(a, 'x_axis') ?? 'step';
    if (axis !== 'step' && axis !== 'timestamp') {
      throw new LabbookError('INVALID_PARAMETER_VALUE', `Invalid value '${axis}' for parameter 'x_axis': expected 'step' or 'timestamp'`, {
        field: 'x_axis',
      });
    }
    const buckets = optionalInt(a, 'buckets') ?? DEFAULT_BUCKETS;
    if (buckets < 1 || buckets > MAX_BUCKETS) throw outOfRange('buckets', buckets, 1, MAX_BUCKETS);
    const d = downsampleMinMax(await readMetricColumns(store, runId, key), axis, buckets);
    return {
      run_id: runId,
      metric_key: key,
      x_axis: axis,
      total_points: d.totalPoints,
      x: d.x,
      min: d.min.map(numberToWire),
      max: d.max.map(numberToWire),
      last: d.last.map(numberToWire),
    };
  });
}
