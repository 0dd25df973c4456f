import { randomUUID } from 'node:crypto';
import {
  type ArtifactRepository,
  LabbookError,
  type GuardedRegistryStore,
  type GuardedTrackingStore,
  resolveArtifactRepository,
  resolveRegistryStore,
  resolveTrackingStore,
  safeArtifactRepository,
  validatedRegistryStore,
  validatedTrackingStore,
} from '@labbook/core';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { ArtifactLocations } from './artifact-locations.js';
import { installErrorReplies } from './error-replies.js';
import { isLocalUri } from './local-uri.js';
import { modelVersionSourceChecker } from './model-version-source.js';
import type { ServerOptions } from './options.js';
import { installRequestGuard } from './request-guard.js';
import { ARTIFACT_UPLOAD_MAX_BYTES, mountArtifactProxy } from './routes/artifact-proxy.js';
import { mountImportRoutes } from './routes/import.js';
import { loggedModelRpcs, mountLoggedModelArtifactRoutes } from './routes/logged-models.js';
import { metricBulkRpcs, mountMetricBulkRoutes } from './routes/metric-bulk.js';
import { registryRpcs } from './routes/registry.js';
import { mountRpcs } from './routes/rpc.js';
import { mountRunArtifactRoutes, runArtifactRpcs, UPLOAD_ARTIFACT_MAX_BYTES } from './routes/run-artifacts.js';
import { LOG_BATCH_MAX_BYTES, trackingRpcs } from './routes/tracking.js';
import { defaultUiDir, mountUi } from './routes/ui.js';
import { mountUiHelperRoutes } from './routes/ui-helpers.js';
import { SERVER_VERSION } from './version.js';

const ARTIFACTS_ONLY_REASON =
  'disabled due to the labbook server running in `--artifacts-only` mode. To enable tracking operations, restart the server without `--artifacts-only`.';

function sourcePattern(options: ServerOptions): RegExp | undefined {
  const pattern = options.modelVersionSourcePattern ?? process.env.MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX;
  if (pattern === undefined || pattern === '') return undefined;
  return pattern instanceof RegExp ? pattern : new RegExp(pattern);
}

function maxArtifactUploadBytes(options: ServerOptions): number {
  const name = 'LABBOOK_SERVER_MAX_ARTIFACT_UPLOAD_BYTES';
  const given = options.maxArtifactUploadBytes ?? (process.env[name] ? Number(process.env[name]) : ARTIFACT_UPLOAD_MAX_BYTES);
  if (!Number.isSafeInteger(given) || given < 0) {
    const from = options.maxArtifactUploadBytes === undefined ? `${name}=${process.env[name]}` : `maxArtifactUploadBytes ${given}`;
    throw new LabbookError(
      'INVALID_PARAMETER_VALUE',
      `${from} is not a byte count: give a whole number of bytes, e.g. ${ARTIFACT_UPLOAD_MAX_BYTES} for 5 GiB`,
    );
  }
  return given;
}

const PROXY_WILDCARD = '/mlflow-artifacts/artifacts/';

/**
 * `//model-versions/get-artifact` reaches its route, as on MLflow's server (Werkzeug merges
 * slashes). Only the route part is merged: an artifact proxy path keeps its own slashes, so that
 * `artifacts///etc/passwd` is still refused as absolute rather than read as `etc/passwd`.
 */
export function mergeRouteSlashes(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (!path.includes('//')) return url;
  const at = path.indexOf(PROXY_WILDCARD);
  const route = at < 0 ? path : path.slice(0, at + PROXY_WILDCARD.length);
  const rest = at < 0 ? '' : path.slice(at + PROXY_WILDCARD.length);
  return `${route.replace(/\/{2,}/g, '/')}${rest}${q < 0 ? '' : url.slice(q)}`;
}

/**
 * Builds the server's Fastify app without listening: MLflow's REST API over the configured stores,
 * the artifact proxy, the UI, `/health` and `/version`.
 */
export async function createServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  const prefix = (options.staticPrefix ?? '').replace(/\/+$/, '');
  const serveArtifacts = options.serveArtifacts ?? true;
  const backend = options.backendStoreUri ?? './mlruns';
  const destinationUri = options.artifactsDestination ?? './mlartifacts';
  const artifactRoot = options.defaultArtifactRoot ?? (serveArtifacts ? 'mlflow-artifacts:/' : backend);
  const uploadLimit = maxArtifactUploadBytes(options);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 50 * 1024 * 1024,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    // close() waits for requests in flight but drops idle keep-alive connections, so shutdown ends.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    rewriteUrl: (request) => mergeRouteSlashes(request.url ?? '/'),
  });

  // Empty JSON bodies mean `{}` (MLflow); other bodies are read as text so handlers can refuse their type.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    return parseJson(request, body as string, done);
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const proxyRepo: ArtifactRepository | undefined = serveArtifacts
    ? safeArtifactRepository(options.artifactRepository ?? (await resolveArtifactRepository(destinationUri, {})))
    : undefined;
  // Local folders a client may name as an experiment's artifact location: where this server already
  // keeps artifacts (the file store keeps them beside its metadata), plus any the operator allows.
  const localRoots = [artifactRoot, destinationUri, backend, ...(options.allowedArtifactRoots ?? [])].filter(isLocalUri);
  const locations = new ArtifactLocations({
    ...(proxyRepo ? { destination: proxyRepo } : {}),
    destinationUri,
    localRoots,
    defaultRoot: artifactRoot,
  });

  let fallback: ((reply: FastifyReply) => FastifyReply) | undefined;
  const apiRoots = ['/api/', '/ajax-api/', '/get-artifact', '/model-versions/'].map((p) => `${prefix}${p}`);
  installErrorReplies(
    app,
    (path) => apiRoots.some((root) => path.startsWith(root)),
    () => fallback,
  );
  installRequestGuard(app, prefix, options, [
    { suffix: '/runs/log-batch', bytes: LOG_BATCH_MAX_BYTES },
    {
      suffix: '/upload-artifact',
      bytes: UPLOAD_ARTIFACT_MAX_BYTES,
      refusal: { status: 400, error_code: 'INVALID_PARAMETER_VALUE', message: 'Artifact size is too large. Max size is 10MB.' },
    },
  ]);

  app.get(`${prefix}/health`, async (_request, reply) => reply.type('text/plain; charset=utf-8').send('OK'));
  app.get(`${prefix}/version`, async (_request, reply) => reply.type('text/plain; charset=utf-8').send(SERVER_VERSION));

  let tracking: GuardedTrackingStore | undefined;
  let registry: GuardedRegistryStore | undefined;
  if (!options.artifactsOnly) {
    // Resolved stores come guarded; a store passed in is guarded here unless it already is.
    tracking = options.trackingStore
      ? validatedTrackingStore(options.trackingStore)
      : await resolveTrackingStore(backend, { artifactRoot });
    registry = options.registryStore
      ? validatedRegistryStore(options.registryStore)
      : await resolveRegistryStore(options.registryStoreUri ?? backend, {});
  }
  const rpcStoresMissing = tracking === undefined || registry === undefined;
  // In artifacts-only mode the RPCs exist and answer 503, as MLflow's do; stores are never opened.
  const t = tracking ?? (new Proxy({}, {}) as GuardedTrackingStore);
  const r = registry ?? (new Proxy({}, {}) as GuardedRegistryStore);
  const pattern = sourcePattern(options);
  mountRpcs(
    app,
    prefix,
    [
      ...trackingRpcs(t, (location) => locations.checkExperimentLocation(location)),
      ...metricBulkRpcs(t),
      ...runArtifactRpcs(t, locations),
      ...loggedModelRpcs(t, locations),
      ...registryRpcs(
        r,
        modelVersionSourceChecker({
          locations,
          ...(tracking ? { tracking } : {}),
          ...(pattern !== undefined ? { pattern } : {}),
        }),
        tracking,
      ),
    ],
    rpcStoresMissing ? ARTIFACTS_ONLY_REASON : undefined,
  );
  mountImportRoutes(app, prefix, t, locations, rpcStoresMissing ? ARTIFACTS_ONLY_REASON : undefined);
  if (tracking && registry) {
    mountMetricBulkRoutes(app, prefix, tracking);
    mountRunArtifactRoutes(app, prefix, { tracking, registry }, locations);
    mountLoggedModelArtifactRoutes(app, prefix, tracking, locations);
    mountUiHelperRoutes(
      app,
      prefix,
      tracking,
      locations,
      options.deploymentsTarget ?? (process.env.MLFLOW_DEPLOYMENTS_TARGET || undefined),
    );
  }
  mountArtifactProxy(app, prefix, proxyRepo, uploadLimit);

  fallback = await mountUi(app, prefix, options.uiDir === undefined ? defaultUiDir() : options.uiDir || undefined);

  app.addHook('onClose', async () => {
    await Promise.allSettled([tracking?.close?.(), registry?.close?.(), proxyRepo?.close?.()]);
  });
  return app;
}
