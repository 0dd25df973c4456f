/**
 * MLflow 3's logged-model RPCs (`logged-models/…`, `runs/outputs`) over a {@link GuardedTrackingStore},
 * and the UI's logged-model file download. The guard validates every input and answers
 * FEATURE_DISABLED for stores without logged models, so the handlers only translate MLflow's JSON.
 */
import {
  type GuardedTrackingStore,
  type LoggedModel,
  type LoggedModelOrderBy,
  type LoggedModelStatus,
  parseLoggedModelStatus,
  toWire,
} from '@labbook/core';
import type { FastifyInstance } from 'fastify';
import type { ArtifactLocations } from '../artifact-locations.js';
import { sendArtifact } from '../artifact-download.js';
import { type Args, defined, optional, optionalInt, optionalKeyValues, optionalList, required } from '../request-args.js';
import { invalidValue } from '../request-check.js';
import { requestFilePath, requestFolderPath } from '../request-paths.js';
import { pageResponse } from '../responses.js';
import { done, type Rpc } from './rpc.js';

const MODEL = 'logged-models/:model_id';

/** `{ model }` as MLflow answers create, get, finalize and set-tags. */
function modelReply(model: LoggedModel): { model: unknown } {
  return { model: toWire(model) };
}

/** An optional list of objects (search `datasets`, `order_by`, run-output `models`). */
function objectList(args: Args, name: string): Args[] {
  const v = args[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidValue(name, v);
  return v.map((item: unknown, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw invalidValue(`${name}[${i}]`, item);
    return item as Args;
  });
}

function text(item: Args, name: string): string | undefined {
  const v = item[name];
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

function orderByOf(args: Args): LoggedModelOrderBy[] {
  return objectList(args, 'order_by').map((o, i) => {
    const fieldName = text(o, 'field_name');
    // MLflow's proto marks field_name required; naming the entry saves the client a guess.
    if (fieldName === undefined) throw invalidValue(`order_by[${i}].field_name`, o.field_name ?? null);
    const entry: LoggedModelOrderBy = { fieldName };
    if (typeof o.ascending === 'boolean') entry.ascending = o.ascending;
    const datasetName = text(o, 'dataset_name');
    const datasetDigest = text(o, 'dataset_digest');
    if (datasetName !== undefined) entry.datasetName = datasetName;
    if (datasetDigest !== undefined) entry.datasetDigest = datasetDigest;
    return entry;
  });
}

function datasetsOf(args: Args): { datasetName: string; datasetDigest?: string }[] {
  return objectList(args, 'datasets').map((d, i) => {
    const datasetName = text(d, 'dataset_name');
    if (datasetName === undefined) throw invalidValue(`datasets[${i}].dataset_name`, d.dataset_name ?? null);
    const datasetDigest = text(d, 'dataset_digest');
    return datasetDigest === undefined ? { datasetName } : { datasetName, datasetDigest };
  });
}

function finalStatus(args: Args): LoggedModelStatus {
  const given = args.status;
  // The schema already mapped numbers to names; Python's short names (READY) are accepted too.
  const status = parseLoggedModelStatus(given);
  if (status === undefined) throw invalidValue('status', given);
  return status;
}

/** The logged-model RPCs, served under both API roots like every RPC. */
export function loggedModelRpcs(store: GuardedTrackingStore, locations: ArtifactLocations): Rpc[] {
  return [
    {
      path: 'logged-models',
      methods: ['POST'],
      handler: async (a) =>
        modelReply(
          await store.createLoggedModel(
            defined({
              experimentId: required(a, 'experiment_id'),
              name: optional(a, 'name') || undefined,
              modelType: optional(a, 'model_type') || undefined,
              sourceRunId: optional(a, 'source_run_id') || undefined,
              params: optionalKeyValues(a, 'params'),
              tags: optionalKeyValues(a, 'tags'),
            }),
          ),
        ),
    },
    {
      path: 'logged-models/search',
      methods: ['POST'],
      handler: async (a) =>
        pageResponse(
          'models',
          await store.searchLoggedModels(
            defined({
              experimentIds: optionalList(a, 'experiment_ids') ?? [],
              filter: optional(a, 'filter') || undefined,
              datasets: datasetsOf(a),
              orderBy: orderByOf(a),
              maxResults: optionalInt(a, 'max_results'),
              pageToken: optional(a, 'page_token') || undefined,
            }),
          ),
        ),
    },
    { path: MODEL, methods: ['GET'], handler: async (a) => modelReply(await store.getLoggedModel(required(a, 'model_id'))) },
    {
      path: MODEL,
      methods: ['PATCH'],
      handler: async (a) => modelReply(await store.finalizeLoggedModel(required(a, 'model_id'), finalStatus(a))),
    },
    { path: MODEL, methods: ['DELETE'], handler: (a) => done(store.deleteLoggedModel(required(a, 'model_id'))) },
    {
      path: `${MODEL}/tags`,
      methods: ['PATCH'],
      handler: async (a) => {
        const modelId = required(a, 'model_id');
        await store.setLoggedModelTags(modelId, optionalKeyValues(a, 'tags') ?? []);
        return modelReply(await store.getLoggedModel(modelId));
      },
    },
    {
      path: `${MODEL}/tags/:tag_key`,
      methods: ['DELETE'],
      handler: (a) => done(store.deleteLoggedModelTag(required(a, 'model_id'), required(a, 'tag_key'))),
    },
    {
      path: `${MODEL}/params`,
      methods: ['POST'],
      handler: (a) => done(store.logLoggedModelParams(required(a, 'model_id'), optionalKeyValues(a, 'params') ?? [])),
    },
    {
      path: `${MODEL}/artifacts/directories`,
      methods: ['GET'],
      handler: async (a) => {
        const path = requestFolderPath(optional(a, 'artifact_directory_path'), 'artifact_directory_path');
        const model = await store.getLoggedModel(required(a, 'model_id'));
        const repo = await locations.repositoryFor(model.info.artifactUri);
        const files = await repo.list(path);
        return { root_uri: model.info.artifactUri, ...(files.length > 0 ? { files: toWire(files) } : {}) };
      },
    },
    {
      path: 'runs/outputs',
      methods: ['POST'],
      handler: (a) =>
        done(
          store.logOutputs(
            required(a, 'run_id'),
            objectList(a, 'models').map((m, i) => {
              const modelId = text(m, 'model_id');
              if (modelId === undefined) throw invalidValue(`models[${i}].model_id`, m.model_id ?? null);
              return { modelId, step: optionalInt(m, 'step') ?? 0 };
            }),
          ),
        ),
    },
  ];
}

/**
 * The UI's download of one file of a logged model, `GET /ajax-api/2.0/mlflow/logged-models/<id>/artifacts/files`,
 * with the same path rule as run artifacts (no `..`, no encodings of it, nothing outside the model's files).
 */
export function mountLoggedModelArtifactRoutes(
  app: FastifyInstance,
  prefix: string,
  tracking: GuardedTrackingStore,
  locations: ArtifactLocations,
): void {
  app.get(`${prefix}/ajax-api/2.0/mlflow/${MODEL}/artifacts/files`, async (request, reply) => {
    const a = request.query as Args;
    const path = requestFilePath(optional(a, 'artifact_file_path'), 'artifact_file_path');
    const { model_id: modelId } = request.params as { model_id: string };
    const model = await tracking.getLoggedModel(modelId);
    return sendArtifact(reply, await locations.repositoryFor(model.info.artifactUri), path);
  });
}
