/** MLflow's model registry RPCs over a {@link GuardedRegistryStore}. */
import {
  LabbookError,
  type GuardedRegistryStore,
  type GuardedTrackingStore,
  type ModelVersion,
  parseLoggedModelUri,
  toWire,
} from '@labbook/core';
import { LIMITS } from '@labbook/core/plugin';
import {
  type Args,
  defined,
  optional,
  optionalBool,
  optionalInt,
  optionalKeyValues,
  optionalList,
  required,
  tagValue,
} from '../request-args.js';
import { loggedModelVersionSource, resolveLoggedModelUri } from '../logged-model-uri.js';
import { pageResponse } from '../responses.js';
import { done, type Rpc } from './rpc.js';

// The server checks this before the store does, with MLflow's handler message (handlers.py).
const SEARCH_MODELS_MAX_RESULTS = LIMITS.searchRegisteredModelsMaxResults;

function searchOptions(a: Args, maxLimit?: number) {
  const maxResults = optionalInt(a, 'max_results');
  if (maxLimit !== undefined && maxResults !== undefined && maxResults > maxLimit) {
    throw new LabbookError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value ${maxResults} for parameter 'max_results': it must be at most ${maxLimit}`,
      {
        field: 'max_results',
        limit: maxLimit,
      },
    );
  }
  return defined({ filter: optional(a, 'filter'), maxResults, orderBy: optionalList(a, 'order_by'), pageToken: optional(a, 'page_token') });
}

/**
 * A version as MLflow 3 writes it, with `model_id` when the version was made from a logged model:
 * the store's, or (for a registry that keeps none) the one a `models:/<model_id>` source names.
 */
function withModelId(v: ModelVersion): unknown {
  const wire = toWire(v) as Record<string, unknown>;
  const modelId = v.modelId ?? parseLoggedModelUri(v.source)?.modelId;
  return modelId === undefined ? wire : { ...wire, model_id: modelId };
}

/**
 * The registry RPCs. `checkSource` vets a new model version's `source` against its run before the
 * store sees it (CVE-2023-1177 and its successors). `tracking` resolves `models:/<model_id>` sources
 * (MLflow 3 logged models) to the model's files and run.
 */
export function registryRpcs(
  store: GuardedRegistryStore,
  checkSource: (source: string, runId: string | undefined, tags: { key: string }[] | undefined) => Promise<void>,
  tracking?: GuardedTrackingStore,
): Rpc[] {
  const model = (m: unknown) => ({ registered_model: toWire(m) });
  const version = (v: ModelVersion) => ({ model_version: withModelId(v) });
  return [
    {
      path: 'registered-models/create',
      methods: ['POST'],
      handler: async (a) =>
        model(await store.createRegisteredModel(required(a, 'name'), optionalKeyValues(a, 'tags'), optional(a, 'description'))),
    },
    {
      path: 'registered-models/rename',
      methods: ['POST'],
      handler: async (a) => model(await store.renameRegisteredModel(required(a, 'name'), required(a, 'new_name'))),
    },
    {
      path: 'registered-models/update',
      methods: ['PATCH'],
      handler: async (a) => model(await store.updateRegisteredModel(required(a, 'name'), optional(a, 'description') ?? '')),
    },
    { path: 'registered-models/delete', methods: ['DELETE'], handler: (a) => done(store.deleteRegisteredModel(required(a, 'name'))) },
    { path: 'registered-models/get', methods: ['GET'], handler: async (a) => model(await store.getRegisteredModel(required(a, 'name'))) },
    {
      path: 'registered-models/search',
      methods: ['GET'],
      handler: async (a) =>
        pageResponse('registered_models', await store.searchRegisteredModels(searchOptions(a, SEARCH_MODELS_MAX_RESULTS))),
    },
    {
      path: 'registered-models/get-latest-versions',
      methods: ['POST', 'GET'],
      handler: async (a) => {
        const versions = await store.getLatestVersions(required(a, 'name'), optionalList(a, 'stages'));
        return versions.length > 0 ? { model_versions: toWire(versions) } : {};
      },
    },
    {
      path: 'registered-models/set-tag',
      methods: ['POST'],
      handler: (a) => done(store.setRegisteredModelTag(required(a, 'name'), { key: required(a, 'key'), value: tagValue(a) })),
    },
    {
      path: 'registered-models/delete-tag',
      methods: ['DELETE'],
      handler: (a) => done(store.deleteRegisteredModelTag(required(a, 'name'), required(a, 'key'))),
    },
    {
      path: 'registered-models/alias',
      methods: ['POST'],
      handler: (a) => done(store.setRegisteredModelAlias(required(a, 'name'), required(a, 'alias'), required(a, 'version'))),
    },
    {
      path: 'registered-models/alias',
      methods: ['DELETE'],
      handler: (a) => done(store.deleteRegisteredModelAlias(required(a, 'name'), required(a, 'alias'))),
    },
    {
      path: 'registered-models/alias',
      methods: ['GET'],
      handler: async (a) => version(await store.getModelVersionByAlias(required(a, 'name'), required(a, 'alias'))),
    },
    {
      path: 'model-versions/create',
      methods: ['POST'],
      handler: async (a) => {
        const source = required(a, 'source');
        const tags = optionalKeyValues(a, 'tags');
        // MLflow 3 registers `models:/<model_id>`: the model must exist, and its run is the version's
        // run unless one is given.
        const logged = await loggedModelVersionSource(
          tracking,
          source,
          optional(a, 'model_id') || undefined,
          optional(a, 'run_id') || undefined,
        );
        const runId = logged ? logged.runId : optional(a, 'run_id') || undefined;
        await checkSource(source, runId, tags);
        return version(
          await store.createModelVersion(
            defined({
              name: required(a, 'name'),
              source,
              runId,
              tags,
              runLink: optional(a, 'run_link'),
              description: optional(a, 'description'),
              ...(logged ? { modelId: logged.model.info.modelId } : {}),
            }),
          ),
        );
      },
    },
    {
      path: 'model-versions/update',
      methods: ['PATCH'],
      handler: async (a) =>
        version(await store.updateModelVersion(required(a, 'name'), required(a, 'version'), optional(a, 'description') ?? '')),
    },
    {
      path: 'model-versions/transition-stage',
      methods: ['POST'],
      handler: async (a) =>
        version(
          await store.transitionModelVersionStage(
            required(a, 'name'),
            required(a, 'version'),
            required(a, 'stage'),
            optionalBool(a, 'archive_existing_versions') ?? false,
          ),
        ),
    },
    {
      path: 'model-versions/delete',
      methods: ['DELETE'],
      handler: (a) => done(store.deleteModelVersion(required(a, 'name'), required(a, 'version'))),
    },
    {
      path: 'model-versions/get',
      methods: ['GET'],
      handler: async (a) => version(await store.getModelVersion(required(a, 'name'), required(a, 'version'))),
    },
    {
      path: 'model-versions/get-download-uri',
      methods: ['GET'],
      handler: async (a) => ({
        artifact_uri: await resolveLoggedModelUri(
          tracking,
          await store.getModelVersionDownloadUri(required(a, 'name'), required(a, 'version')),
        ),
      }),
    },
    {
      path: 'model-versions/search',
      methods: ['GET'],
      handler: async (a) => {
        const page = await store.searchModelVersions(searchOptions(a));
        const out = pageResponse('model_versions', page);
        if (page.items.length > 0) out.model_versions = page.items.map(withModelId);
        return out;
      },
    },
    {
      path: 'model-versions/set-tag',
      methods: ['POST'],
      handler: (a) =>
        done(store.setModelVersionTag(required(a, 'name'), required(a, 'version'), { key: required(a, 'key'), value: tagValue(a) })),
    },
    {
      path: 'model-versions/delete-tag',
      methods: ['DELETE'],
      handler: (a) => done(store.deleteModelVersionTag(required(a, 'name'), required(a, 'version'), required(a, 'key'))),
    },
  ];
}
