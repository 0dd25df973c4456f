/**
 * Run and model-version artifacts as MLflow's UI routes serve them: `artifacts/list` (an RPC),
 * `/get-artifact`, `/model-versions/get-artifact` and `/ajax-api/2.0/mlflow/upload-artifact`.
 */
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  LabbookError,
  type GuardedRegistryStore,
  type GuardedTrackingStore,
  normalizeArtifactPath,
  parseRunsUri,
  appendToUri,
  isRunsUri,
  toWire,
} from '@labbook/core';
import type { FastifyInstance } from 'fastify';
import type { ArtifactLocations } from '../artifact-locations.js';
import { sendArtifact } from '../artifact-download.js';
import { limitBytes } from '../body-limit-stream.js';
import { resolveLoggedModelUri } from '../logged-model-uri.js';
import { type Args, optional, required, runId } from '../request-args.js';
import { requestFilePath, requestFolderPath } from '../request-paths.js';
import type { Rpc } from './rpc.js';

/** MLflow's limit on one `upload-artifact` body. */
export const UPLOAD_ARTIFACT_MAX_BYTES = 10 * 1024 * 1024;

/** The `artifacts/list` RPC: direct children of a folder of a run's artifacts, paths relative to the run's root. */
export function runArtifactRpcs(tracking: GuardedTrackingStore, locations: ArtifactLocations): Rpc[] {
  return [
    {
      path: 'artifacts/list',
      methods: ['GET'],
      handler: async (a) => {
        const path = requestFolderPath(optional(a, 'path'));
        const run = await tracking.getRun(runId(a));
        const repo = await locations.repositoryFor(run.info.artifactUri);
        const files = await repo.list(path);
        return { root_uri: run.info.artifactUri, ...(files.length > 0 ? { files: toWire(files) } : {}) };
      },
    },
  ];
}

async function modelVersionRoot(registry: GuardedRegistryStore, tracking: GuardedTrackingStore | undefined, a: Args): Promise<string> {
  const uri = await resolveLoggedModelUri(tracking, await registry.getModelVersionDownloadUri(required(a, 'name'), required(a, 'version')));
  if (!isRunsUri(uri)) return uri;
  if (!tracking) throw new LabbookError('INVALID_PARAMETER_VALUE', `Cannot resolve '${uri}' without a tracking store`);
  const { runId: id, path } = parseRunsUri(uri);
  const run = await tracking.getRun(id);
  return appendToUri(run.info.artifactUri, normalizeArtifactPath(path, 'source'));
}

/** Registers the non-RPC artifact routes under the static prefix. */
export function mountRunArtifactRoutes(
  app: FastifyInstance,
  prefix: string,
  stores: { tracking: GuardedTrackingStore; registry: GuardedRegistryStore },
  locations: ArtifactLocations,
): void {
  app.get(`${prefix}/get-artifact`, async (request, reply) => {
    const a = request.query as Args;
    const path = requestFilePath(optional(a, 'path'));
    const run = await stores.tracking.getRun(runId(a));
    return sendArtifact(reply, await locations.repositoryFor(run.info.artifactUri), path);
  });
  app.get(`${prefix}/model-versions/get-artifact`, async (request, reply) => {
    const a = request.query as Args;
    const path = requestFilePath(optional(a, 'path'));
    const root = await modelVersionRoot(stores.registry, stores.tracking, a);
    return sendArtifact(reply, await locations.repositoryFor(root), path);
  });
  app.register(async (scope) => {
    // The body streams straight to the repository: no parser reads it first.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.post(`${prefix}/ajax-api/2.0/mlflow/upload-artifact`, async (request) => {
      const a = request.query as Args;
      // MLflow's checks, in its order and with its text (a UI route: no proto schema).
      const runUuid = optional(a, 'run_uuid') || optional(a, 'run_id');
      if (!runUuid) throw new LabbookError('INVALID_PARAMETER_VALUE', 'Request must specify run_uuid.', { field: 'run_uuid' });
      if (!optional(a, 'path')) throw new LabbookError('INVALID_PARAMETER_VALUE', 'Request must specify path.', { field: 'path' });
      const path = requestFilePath(optional(a, 'path'));
      // A declared length over the limit was refused by the request guard (app.ts) before any byte was read.
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared === 0 && request.headers['transfer-encoding'] === undefined) {
        throw new LabbookError('INVALID_PARAMETER_VALUE', 'Request must specify data.', { field: 'body' });
      }
      const run = await stores.tracking.getRun(runUuid);
      const repo = await locations.repositoryFor(run.info.artifactUri);
      const body = request.body as Readable | undefined;
      const limited = limitBytes(UPLOAD_ARTIFACT_MAX_BYTES, 'upload-artifact');
      if (body) {
        await Promise.all([repo.put(path, limited), pipeline(body, limited)]);
      } else {
        await repo.put(path, '');
      }
      return {};
    });
  });
}
