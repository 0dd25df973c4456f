/**
 * labbook's import routes, which MLflow's REST API lacks: `POST /api/2.0/labbook/{experiments,runs,
 * logged-models}/import` copy an entity with its id (what `labbook migrate` sends a labbook server),
 * answering `{ "outcome": "created" | "exists" }`. They pass the same request guard as every write
 * (Host, Origin, auth) and answer MLflow's error JSON.
 *
 * A run travels whole in one request, with every point of every metric: the server's body limit
 * (`bodyLimit`, 50 MB by default: roughly half a million points with short keys) bounds it, and a
 * larger run is refused with 413 RESOURCE_EXHAUSTED naming the limit. Import is all or nothing per
 * entity, so a run is not split across requests.
 */
import { type GuardedTrackingStore, type ImportOutcome, LabbookError } from '@labbook/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ArtifactLocations } from '../artifact-locations.js';
import { importedExperiment, importedLoggedModel, importedRun } from '../import-bodies.js';
import { refuseDeepNesting } from '../json-depth.js';
import type { Args } from '../request-args.js';

/** Where the import routes live, below the static prefix. */
export const IMPORT_ROOT = '/api/2.0/labbook';

const JSON_TYPE = /^application\/json\b/i;

type Importer = (body: Args) => Promise<ImportOutcome>;

function invalid(message: string, field?: string): LabbookError {
  return new LabbookError('INVALID_PARAMETER_VALUE', message, field === undefined ? {} : { field });
}

function featureDisabled(what: string): LabbookError {
  return new LabbookError(
    'FEATURE_DISABLED',
    `This labbook server's tracking store cannot import ${what} with their ids. Copy them with MLflow's create calls instead (labbook migrate falls back to that, giving new ids), or back the server with a store that imports (the file, MySQL and PostgreSQL stores do).`,
  );
}

/** The JSON object of an import request, or INVALID_PARAMETER_VALUE saying what is wrong with it. */
function bodyOf(request: FastifyRequest): Args {
  let body: unknown = request.body;
  if (body === undefined || body === null || body === '') return {};
  const type = String(request.headers['content-type'] ?? '');
  if (!JSON_TYPE.test(type)) {
    throw invalid(type === '' ? 'Content-Type header is missing' : `Content-Type must be application/json, got '${type}'`, 'content-type');
  }
  // A JSON string holding the JSON object, as legacy clients send MLflow's RPCs.
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      throw invalid('Request body is not valid JSON: send the entity as a JSON object.');
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('Request body must be a JSON object.');
  refuseDeepNesting(body);
  return body as Args;
}

/**
 * A client-chosen artifact URI, vetted as `experiments/create` vets `artifact_location` (the same
 * rule for runs and models: no `..`, fragments or control characters, local folders only inside the
 * server's artifact roots). `''` asks for the store's default and is kept.
 */
function checkedLocation(locations: ArtifactLocations, location: string, field: string): string {
  if (location === '') return location;
  try {
    return locations.checkExperimentLocation(location);
  } catch (error) {
    if (!LabbookError.is(error) || error.code !== 'INVALID_PARAMETER_VALUE') throw error;
    throw invalid(
      `${error.message.replace(/^Invalid artifact location/, `Invalid ${field}`)}. Import with an empty ${field} to get this server's default location (labbook migrate --copy-artifacts does so and copies the files), or add that folder to the server's allowedArtifactRoots option.`,
      field,
    );
  }
}

/**
 * The refusals of an import route: a body over the limit names the limit; malformed JSON is
 * INVALID_PARAMETER_VALUE; FEATURE_DISABLED is answered 400 (not core's 501), since a 5xx would make
 * clients retry a request that can never succeed here. Everything else goes to the app's handler.
 */
function importErrors(app: FastifyInstance, bodyLimit: number) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (LabbookError.is(error) && error.code === 'FEATURE_DISABLED') return reply.code(400).send(error.toJSON());
    if (error.statusCode === 413) {
      return reply
        .code(413)
        .header('connection', 'close')
        .send({
          error_code: 'RESOURCE_EXHAUSTED',
          message: `Request body exceeds this server's limit of ${bodyLimit} bytes: an imported run travels in one request with its whole metric history. Raise the server's bodyLimit option to import it.`,
        });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
      return reply.code(400).send(invalid('Request body is not valid JSON: send the entity as a JSON object.').toJSON());
    }
    return app.errorHandler(error, request, reply);
  };
}

/**
 * Mounts the import routes. `disabledReason` (artifacts-only mode) makes them answer 503 as every
 * RPC then does; the store is not touched.
 */
export function mountImportRoutes(
  app: FastifyInstance,
  prefix: string,
  store: GuardedTrackingStore,
  locations: ArtifactLocations,
  disabledReason?: string,
): void {
  const importers: Record<string, Importer> = {
    experiments: async (body) => {
      if (!store.supportsImport) throw featureDisabled('experiments');
      const experiment = importedExperiment(body);
      const artifactLocation = checkedLocation(locations, experiment.artifactLocation, 'experiment.artifact_location');
      return store.importExperiment({ ...experiment, artifactLocation });
    },
    runs: async (body) => {
      if (!store.supportsImport) throw featureDisabled('runs');
      const imported = importedRun(body);
      const artifactUri = checkedLocation(locations, imported.run.info.artifactUri, 'run.info.artifact_uri');
      return store.importRun({ ...imported, run: { ...imported.run, info: { ...imported.run.info, artifactUri } } });
    },
    'logged-models': async (body) => {
      if (!store.supportsLoggedModels || !store.supportsLoggedModelImport) throw featureDisabled('logged models');
      const model = importedLoggedModel(body);
      const artifactUri = checkedLocation(locations, model.info.artifactUri, 'model.info.artifact_uri');
      return store.importLoggedModel({ ...model, info: { ...model.info, artifactUri } });
    },
  };
  const errorHandler = importErrors(app, app.initialConfig.bodyLimit ?? 1024 * 1024);
  for (const [entity, importer] of Object.entries(importers)) {
    app.route({
      method: 'POST',
      url: `${prefix}${IMPORT_ROOT}/${entity}/import`,
      errorHandler,
      handler: async (request, reply) => {
        if (disabledReason !== undefined) {
          return reply
            .code(503)
            .type('text/plain; charset=utf-8')
            .send(`Endpoint: ${request.url.split('?')[0]} ${disabledReason}`);
        }
        return { outcome: await importer(bodyOf(request)) };
      },
    });
  }
}
