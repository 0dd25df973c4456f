/**
 * MLflow's request schemas, one table for every RPC the server answers: the proto fields of each
 * request message (what protobuf's `ParseDict` accepts) and the checks MLflow's handler runs after
 * parsing (`_assert_required`, `_assert_string`, …, in the handler's order, since the first failing
 * check names the error). Read from `mlflow/server/handlers.py` and the `.proto` files;
 * `request-check.ts` applies it, and the raw-HTTP tests are generated from it.
 */

/** A proto scalar type as protobuf's JSON parser reads it. */
export type ScalarType = 'string' | 'int' | 'double' | 'bool';

/** One proto field: a scalar, an enum (by name or number) or a nested message; maybe repeated. */
export type FieldType =
  | { kind: 'scalar'; type: ScalarType }
  | { kind: 'enum'; values: Readonly<Record<string, number>> }
  | { kind: 'message'; fields: MessageFields };

export interface Field {
  readonly type: FieldType;
  readonly repeated?: boolean;
}

/** A request message's fields by JSON name. */
export type MessageFields = Readonly<Record<string, Field>>;

/**
 * One of MLflow's handler checks. The type checks (`string`, `int`, `double`, `bool`, `array`,
 * `items:string`) run only when protobuf could not parse the request, as in MLflow; the others
 * always run when the field is present (or, for `required`, always).
 */
export type Check =
  | 'required'
  | 'string'
  | 'int'
  | 'double'
  | 'bool'
  | 'array'
  | 'items:string'
  | { max: number; message?: string }
  | { range: [number, number]; message: string }
  | { maxItems: number; message: (count: number) => string }
  | { itemsRequire: readonly string[] };

/** The schema of one RPC: its request message and its handler's checks, in order. */
export interface RpcSchema {
  readonly fields: MessageFields;
  readonly checks: Readonly<Record<string, readonly Check[]>>;
}

const s = (): Field => ({ type: { kind: 'scalar', type: 'string' } });
const i = (): Field => ({ type: { kind: 'scalar', type: 'int' } });
const d = (): Field => ({ type: { kind: 'scalar', type: 'double' } });
const b = (): Field => ({ type: { kind: 'scalar', type: 'bool' } });
const list = (field: Field): Field => ({ ...field, repeated: true });
const message = (fields: MessageFields): Field => ({ type: { kind: 'message', fields } });
const enumOf = (values: Record<string, number>): Field => ({ type: { kind: 'enum', values } });

const VIEW_TYPE = { ACTIVE_ONLY: 1, DELETED_ONLY: 2, ALL: 3 };
const RUN_STATUS = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 };
const LOGGED_MODEL_STATUS = {
  LOGGED_MODEL_STATUS_UNSPECIFIED: 0,
  LOGGED_MODEL_PENDING: 1,
  LOGGED_MODEL_READY: 2,
  LOGGED_MODEL_UPLOAD_FAILED: 3,
};
const KEY_VALUE = message({ key: s(), value: s() });
const METRIC = message({
  key: s(),
  value: d(),
  timestamp: i(),
  step: i(),
  dataset_name: s(),
  dataset_digest: s(),
  model_id: s(),
  run_id: s(),
});
const DATASET_INPUT = message({
  tags: list(KEY_VALUE),
  dataset: message({ name: s(), digest: s(), source_type: s(), source: s(), schema: s(), profile: s() }),
});

const REQ_STR: readonly Check[] = ['required', 'string'];
const STR_REQ: readonly Check[] = ['string', 'required'];
const STR: readonly Check[] = ['string'];
const INT: readonly Check[] = ['int'];
const ORDER_BY: readonly Check[] = ['array', 'items:string'];

/** The RPCs' schemas by `<METHOD> <path below mlflow/>`. */
export const RPC_SCHEMAS: Readonly<Record<string, RpcSchema>> = {
  // Tracking
  'POST experiments/create': {
    fields: { name: s(), artifact_location: s(), tags: list(KEY_VALUE) },
    checks: { name: REQ_STR, artifact_location: STR, tags: ['array'] },
  },
  'GET experiments/get': { fields: { experiment_id: s() }, checks: { experiment_id: REQ_STR } },
  'GET experiments/get-by-name': { fields: { experiment_name: s() }, checks: { experiment_name: REQ_STR } },
  'POST experiments/search': {
    fields: { max_results: i(), page_token: s(), filter: s(), order_by: list(s()), view_type: enumOf(VIEW_TYPE) },
    checks: { view_type: INT, max_results: INT, order_by: ['array'], filter: STR, page_token: STR },
  },
  'POST experiments/delete': { fields: { experiment_id: s() }, checks: { experiment_id: REQ_STR } },
  'POST experiments/restore': { fields: { experiment_id: s() }, checks: { experiment_id: REQ_STR } },
  'POST experiments/update': { fields: { experiment_id: s(), new_name: s() }, checks: { experiment_id: REQ_STR, new_name: STR_REQ } },
  'POST experiments/set-experiment-tag': {
    fields: { experiment_id: s(), key: s(), value: s() },
    checks: { experiment_id: REQ_STR, key: REQ_STR, value: STR },
  },
  'POST experiments/delete-experiment-tag': { fields: { experiment_id: s(), key: s() }, checks: { experiment_id: REQ_STR, key: REQ_STR } },
  'POST runs/create': {
    fields: { experiment_id: s(), user_id: s(), run_name: s(), start_time: i(), tags: list(KEY_VALUE) },
    checks: { experiment_id: STR, start_time: INT, run_name: STR },
  },
  'POST runs/update': {
    fields: { run_id: s(), run_uuid: s(), status: enumOf(RUN_STATUS), end_time: i(), run_name: s() },
    checks: { run_id: REQ_STR, end_time: INT, status: STR, run_name: STR },
  },
  'POST runs/delete': { fields: { run_id: s() }, checks: { run_id: REQ_STR } },
  'POST runs/restore': { fields: { run_id: s() }, checks: { run_id: REQ_STR } },
  'GET runs/get': { fields: { run_id: s(), run_uuid: s() }, checks: { run_id: REQ_STR } },
  'POST runs/log-metric': {
    fields: {
      run_id: s(),
      run_uuid: s(),
      key: s(),
      value: d(),
      timestamp: i(),
      step: i(),
      model_id: s(),
      dataset_name: s(),
      dataset_digest: s(),
    },
    checks: {
      run_id: REQ_STR,
      key: REQ_STR,
      value: ['required', 'double'],
      timestamp: ['int', 'required'],
      step: INT,
      model_id: STR,
      dataset_name: STR,
      dataset_digest: STR,
    },
  },
  'POST runs/log-parameter': {
    fields: { run_id: s(), run_uuid: s(), key: s(), value: s() },
    checks: { run_id: REQ_STR, key: REQ_STR, value: STR },
  },
  'POST runs/set-tag': {
    fields: { run_id: s(), run_uuid: s(), key: s(), value: s() },
    checks: { run_id: REQ_STR, key: REQ_STR, value: STR },
  },
  'POST runs/delete-tag': { fields: { run_id: s(), key: s() }, checks: { run_id: REQ_STR, key: REQ_STR } },
  'POST runs/log-batch': {
    fields: { run_id: s(), metrics: list(METRIC), params: list(KEY_VALUE), tags: list(KEY_VALUE) },
    checks: {
      run_id: STR_REQ,
      metrics: ['array', { itemsRequire: ['key', 'value', 'timestamp'] }],
      params: ['array', { itemsRequire: ['key'] }],
      tags: ['array', { itemsRequire: ['key'] }],
    },
  },
  'POST runs/log-inputs': {
    fields: { run_id: s(), datasets: list(DATASET_INPUT), models: list(message({ model_id: s() })) },
    // MLflow 2.x requires datasets (3.x made it optional when models joined): a request that logs
    // nothing is refused rather than answered 200.
    checks: { run_id: REQ_STR, datasets: ['required', 'array'], models: ['array'] },
  },
  'POST runs/log-model': { fields: { run_id: s(), model_json: s() }, checks: { run_id: STR_REQ, model_json: STR_REQ } },
  'POST runs/search': {
    fields: {
      experiment_ids: list(s()),
      filter: s(),
      run_view_type: enumOf(VIEW_TYPE),
      max_results: i(),
      order_by: list(s()),
      page_token: s(),
    },
    checks: { experiment_ids: ['array'], filter: STR, max_results: ['int', { max: 50_000 }], order_by: ORDER_BY },
  },
  'POST runs/outputs': {
    fields: { run_id: s(), models: list(message({ model_id: s(), step: i() })) },
    checks: { run_id: REQ_STR, models: ['required', 'array', { itemsRequire: ['model_id'] }] },
  },

  // Logged models (MLflow 3). `:model_id` and `:tag_key` come from the path, which always has them
  // (the guard checks their form), so they have no checks here.
  'POST logged-models': {
    fields: { experiment_id: s(), name: s(), model_type: s(), source_run_id: s(), params: list(KEY_VALUE), tags: list(KEY_VALUE) },
    checks: { experiment_id: REQ_STR, name: STR, model_type: STR, source_run_id: STR, params: ['array'], tags: ['array'] },
  },
  'GET logged-models/:model_id': { fields: { model_id: s() }, checks: {} },
  'PATCH logged-models/:model_id': {
    fields: { model_id: s(), status: enumOf(LOGGED_MODEL_STATUS) },
    checks: { status: ['required'] },
  },
  'DELETE logged-models/:model_id': { fields: { model_id: s() }, checks: {} },
  'POST logged-models/search': {
    fields: {
      experiment_ids: list(s()),
      filter: s(),
      datasets: list(message({ dataset_name: s(), dataset_digest: s() })),
      max_results: i(),
      order_by: list(message({ field_name: s(), ascending: b(), dataset_name: s(), dataset_digest: s() })),
      page_token: s(),
    },
    checks: {
      experiment_ids: ['required', 'array', 'items:string'],
      filter: STR,
      datasets: ['array', { itemsRequire: ['dataset_name'] }],
      max_results: INT,
      order_by: ['array', { itemsRequire: ['field_name'] }],
      page_token: STR,
    },
  },
  'PATCH logged-models/:model_id/tags': {
    fields: { model_id: s(), tags: list(KEY_VALUE) },
    checks: { tags: ['array', { itemsRequire: ['key'] }] },
  },
  'DELETE logged-models/:model_id/tags/:tag_key': { fields: { model_id: s(), tag_key: s() }, checks: {} },
  'POST logged-models/:model_id/params': {
    fields: { model_id: s(), params: list(KEY_VALUE) },
    checks: { params: ['array', { itemsRequire: ['key'] }] },
  },
  'GET logged-models/:model_id/artifacts/directories': {
    fields: { model_id: s(), artifact_directory_path: s(), page_token: s() },
    checks: { artifact_directory_path: STR, page_token: STR },
  },

  'GET artifacts/list': {
    fields: { run_id: s(), run_uuid: s(), path: s(), page_token: s() },
    checks: { run_id: STR_REQ, path: STR, page_token: STR },
  },
  'GET metrics/get-history': {
    fields: { run_id: s(), run_uuid: s(), metric_key: s(), page_token: s(), max_results: i() },
    checks: { run_id: STR_REQ, metric_key: STR_REQ, page_token: STR },
  },
  'GET metrics/get-history-bulk-interval': {
    fields: { run_ids: list(s()), metric_key: s(), start_step: i(), end_step: i(), max_results: i() },
    checks: {
      run_ids: [
        'required',
        'array',
        'items:string',
        {
          maxItems: 100,
          message: (n) => `GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received ${n} run_ids.`,
        },
      ],
      metric_key: REQ_STR,
      start_step: INT,
      end_step: INT,
      max_results: ['int', { range: [1, 2500], message: 'max_results must be between 1 and 2500.' }],
    },
  },

  // Model registry
  'POST registered-models/create': {
    fields: { name: s(), tags: list(KEY_VALUE), description: s(), deployment_job_id: s() },
    checks: { name: STR_REQ, tags: ['array'], description: STR },
  },
  'POST registered-models/rename': { fields: { name: s(), new_name: s() }, checks: { name: STR_REQ, new_name: STR_REQ } },
  'PATCH registered-models/update': {
    fields: { name: s(), description: s(), deployment_job_id: s() },
    checks: { name: STR_REQ, description: STR },
  },
  'DELETE registered-models/delete': { fields: { name: s() }, checks: { name: STR_REQ } },
  'GET registered-models/get': { fields: { name: s() }, checks: { name: STR_REQ } },
  'GET registered-models/search': {
    fields: { filter: s(), max_results: i(), order_by: list(s()), page_token: s() },
    checks: { filter: STR, max_results: ['int', { max: 1000 }], order_by: ORDER_BY, page_token: STR },
  },
  'POST registered-models/get-latest-versions': { fields: { name: s(), stages: list(s()) }, checks: { name: STR_REQ, stages: ORDER_BY } },
  'POST registered-models/set-tag': { fields: { name: s(), key: s(), value: s() }, checks: { name: STR_REQ, key: STR_REQ, value: STR } },
  'DELETE registered-models/delete-tag': { fields: { name: s(), key: s() }, checks: { name: STR_REQ, key: STR_REQ } },
  'POST registered-models/alias': {
    fields: { name: s(), alias: s(), version: s() },
    checks: { name: STR_REQ, alias: STR_REQ, version: STR_REQ },
  },
  'DELETE registered-models/alias': { fields: { name: s(), alias: s() }, checks: { name: STR_REQ, alias: STR_REQ } },
  'GET registered-models/alias': { fields: { name: s(), alias: s() }, checks: { name: STR_REQ, alias: STR_REQ } },
  'POST model-versions/create': {
    fields: { name: s(), source: s(), run_id: s(), tags: list(KEY_VALUE), run_link: s(), description: s(), model_id: s() },
    checks: { name: STR_REQ, source: STR_REQ, run_id: STR, tags: ['array'], run_link: STR, description: STR, model_id: STR },
  },
  'PATCH model-versions/update': {
    fields: { name: s(), version: s(), description: s() },
    checks: { name: STR_REQ, version: STR_REQ, description: STR },
  },
  'POST model-versions/transition-stage': {
    fields: { name: s(), version: s(), stage: s(), archive_existing_versions: b() },
    checks: { name: STR_REQ, version: STR_REQ, stage: STR_REQ, archive_existing_versions: ['bool'] },
  },
  'DELETE model-versions/delete': { fields: { name: s(), version: s() }, checks: { name: STR_REQ, version: STR_REQ } },
  'GET model-versions/get': { fields: { name: s(), version: s() }, checks: { name: STR_REQ, version: STR_REQ } },
  // MLflow's handler checks nothing here; the store's own errors answer a missing name or version.
  'GET model-versions/get-download-uri': { fields: { name: s(), version: s() }, checks: {} },
  'GET model-versions/search': {
    fields: { filter: s(), max_results: i(), order_by: list(s()), page_token: s() },
    checks: { filter: STR, max_results: ['int', { max: 200_000 }], order_by: ORDER_BY, page_token: STR },
  },
  'POST model-versions/set-tag': {
    fields: { name: s(), version: s(), key: s(), value: s() },
    checks: { name: STR_REQ, version: STR_REQ, key: STR_REQ, value: STR },
  },
  'DELETE model-versions/delete-tag': {
    fields: { name: s(), version: s(), key: s() },
    checks: { name: STR_REQ, version: STR_REQ, key: STR_REQ },
  },
};

/** RPCs MLflow serves under more than one method with one request message. */
const ALSO: Readonly<Record<string, string>> = {
  'GET experiments/search': 'POST experiments/search',
  'GET registered-models/get-latest-versions': 'POST registered-models/get-latest-versions',
};

/** The schema for a method and path, when MLflow defines one. */
export function rpcSchema(method: string, path: string): RpcSchema | undefined {
  const key = `${method} ${path}`;
  return RPC_SCHEMAS[key] ?? (ALSO[key] === undefined ? undefined : RPC_SCHEMAS[ALSO[key]]);
}
