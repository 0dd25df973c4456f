import { randomUUID } from 'node:crypto';
import {
  type ArtifactRepository,
  LabbookError,
  type RegistryStore,
  type TrackingStore,
  fromWire,
  metricFromWire,
  normalizeArtifactPath,
  resolveArtifactRepository,
  resolveRegistryStore,
  resolveTrackingStore,
  toWire,
  validatedRegistryStore,
  validatedTrackingStore,
} from '@labbook/core';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { authChecker } from './auth.js';
import type { RunningServer, ServerOptions } from './options.js';

/** MLflow's limit on a log-batch request's raw body. */
const LOG_BATCH_MAX_BYTES = 1_000_000;

type Obj = Record<string, unknown>;
type Handler = (args: Obj, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

const VERSION = '2.17.0';

function missing(name: string): LabbookError {
  return new LabbookError(
    'INVALID_PARAMETER_VALUE',
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  );
}

function req(args: Obj, name: string): string {
  const v = args[name];
  if (v === undefined || v === null || v === '') throw missing(name);
  return String(v);
}

function opt(args: Obj, name: string): string | undefined {
  const v = args[name];
  return v === undefined || v === null ? undefined : String(v);
}

function optNum(args: Obj, name: string): number | undefined {
  const v = args[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n))
    throw new LabbookError('INVALID_PARAMETER_VALUE', `Invalid value ${JSON.stringify(v)} for parameter '${name}'`);
  return n;
}

function list(args: Obj, name: string): string[] | undefined {
  const v = args[name];
  if (v === undefined || v === null) return undefined;
  return (Array.isArray(v) ? v : [v]).map(String);
}

function tags(v: unknown): { key: string; value: string }[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((t: Obj) => ({ key: String(t.key ?? ''), value: String(t.value ?? '') }));
}

function page<T>(key: string, p: { items: T[]; nextPageToken?: string }): Obj {
  const out: Obj = {};
  if (p.items.length > 0) out[key] = toWire(p.items);
  if (p.nextPageToken) out.next_page_token = p.nextPageToken;
  return out;
}

function trackingRoutes(t: TrackingStore): Record<string, [string, Handler]> {
  return {
    'experiments/create': ['POST', async (a) => ({
      experiment_id: await t.createExperiment(req(a, 'name'), opt(a, 'artifact_location') || undefined, tags(a.tags)),
    })],
    'experiments/get': ['GET', async (a) => ({ experiment: toWire(await t.getExperiment(req(a, 'experiment_id'))) })],
    'experiments/get-by-name': ['GET', async (a) => {
      const name = req(a, 'experiment_name');
      const e = await t.getExperimentByName(name);
      if (!e) throw new LabbookError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
      return { experiment: toWire(e) };
    }],
    'experiments/search': ['POST', async (a) => page('experiments', await t.searchExperiments({
      viewType: opt(a, 'view_type') as never, maxResults: optNum(a, 'max_results'), filter: opt(a, 'filter'),
      orderBy: list(a, 'order_by'), pageToken: opt(a, 'page_token'),
    }))],
    'experiments/delete': ['POST', async (a) => (await t.deleteExperiment(req(a, 'experiment_id')), {})],
    'experiments/restore': ['POST', async (a) => (await t.restoreExperiment(req(a, 'experiment_id')), {})],
    'experiments/update': ['POST', async (a) => (await t.renameExperiment(req(a, 'experiment_id'), req(a, 'new_name')), {})],
    'experiments/set-experiment-tag': ['POST', async (a) => (
      await t.setExperimentTag(req(a, 'experiment_id'), { key: req(a, 'key'), value: String(a.value ?? '') }), {})],
    'experiments/delete-experiment-tag': ['POST', async (a) => (await t.deleteExperimentTag(req(a, 'experiment_id'), req(a, 'key')), {})],
    'runs/create': ['POST', async (a) => ({ run: toWire(await t.createRun({
      experimentId: opt(a, 'experiment_id') ?? '0', userId: opt(a, 'user_id'), startTime: optNum(a, 'start_time'),
      tags: tags(a.tags), runName: opt(a, 'run_name'),
    })) })],
    'runs/get': ['GET', async (a) => ({ run: toWire(await t.getRun(opt(a, 'run_id') ?? req(a, 'run_uuid'))) })],
    'runs/update': ['POST', async (a) => ({ run_info: toWire(await t.updateRunInfo(opt(a, 'run_id') ?? req(a, 'run_uuid'), {
      status: opt(a, 'status') as never, endTime: optNum(a, 'end_time'), runName: opt(a, 'run_name'),
    })) })],
    'runs/delete': ['POST', async (a) => (await t.deleteRun(req(a, 'run_id')), {})],
    'runs/restore': ['POST', async (a) => (await t.restoreRun(req(a, 'run_id')), {})],
    'runs/log-metric': ['POST', async (a) => (await t.logBatch(opt(a, 'run_id') ?? req(a, 'run_uuid'), {
      metrics: [metricFromWire({ ...a, key: req(a, 'key'), value: a.value ?? (() => { throw missing('value'); })(), timestamp: req(a, 'timestamp') })],
    }), {})],
    'runs/log-parameter': ['POST', async (a) => (await t.logBatch(opt(a, 'run_id') ?? req(a, 'run_uuid'), {
      params: [{ key: req(a, 'key'), value: String(a.value ?? '') }],
    }), {})],
    'runs/set-tag': ['POST', async (a) => (await t.logBatch(opt(a, 'run_id') ?? req(a, 'run_uuid'), {
      tags: [{ key: req(a, 'key'), value: String(a.value ?? '') }],
    }), {})],
    'runs/delete-tag': ['POST', async (a) => (await t.deleteTag(req(a, 'run_id'), req(a, 'key')), {})],
    'runs/log-batch': ['POST', async (a) => (await t.logBatch(req(a, 'run_id'), {
      metrics: Array.isArray(a.metrics) ? a.metrics.map((m: Obj) => metricFromWire(m)) : [],
      params: tags(a.params) ?? [], tags: tags(a.tags) ?? [],
    }), {})],
    'runs/log-inputs': ['POST', async (a) => (await t.logInputs(req(a, 'run_id'), fromWire(a.datasets ?? [])), {})],
    'runs/search': ['POST', async (a) => page('runs', await t.searchRuns({
      experimentIds: list(a, 'experiment_ids') ?? [], filter: opt(a, 'filter'), viewType: opt(a, 'run_view_type') as never,
      maxResults: optNum(a, 'max_results'), orderBy: list(a, 'order_by'), pageToken: opt(a, 'page_token'),
    }))],
    'metrics/get-history': ['GET', async (a) => page('metrics', await t.getMetricHistory(
      opt(a, 'run_id') ?? req(a, 'run_uuid'), req(a, 'metric_key'),
      { maxResults: optNum(a, 'max_results'), pageToken: opt(a, 'page_token') },
    ))],
  };
}

function registryRoutes(r: RegistryStore): Record<string, [string, Handler]> {
  const rm = (m: unknown) => ({ registered_model: toWire(m) });
  const mv = (m: unknown) => ({ model_version: toWire(m) });
  const search = (a: Obj) => ({ filter: opt(a, 'filter'), maxResults: optNum(a, 'max_results'), orderBy: list(a, 'order_by'), pageToken: opt(a, 'page_token') });
  return {
    'registered-models/create': ['POST', async (a) => rm(await r.createRegisteredModel(req(a, 'name'), tags(a.tags), opt(a, 'description')))],
    'registered-models/rename': ['POST', async (a) => rm(await r.renameRegisteredModel(req(a, 'name'), req(a, 'new_name')))],
    'registered-models/update': ['PATCH', async (a) => rm(await r.updateRegisteredModel(req(a, 'name'), opt(a, 'description') ?? ''))],
    'registered-models/delete': ['DELETE', async (a) => (await r.deleteRegisteredModel(req(a, 'name')), {})],
    'registered-models/get': ['GET', async (a) => rm(await r.getRegisteredModel(req(a, 'name')))],
    'registered-models/search': ['GET', async (a) => page('registered_models', await r.searchRegisteredModels(search(a)))],
    'registered-models/get-latest-versions': ['POST', async (a) => {
      const v = await r.getLatestVersions(req(a, 'name'), list(a, 'stages'));
      return v.length ? { model_versions: toWire(v) } : {};
    }],
    'registered-models/set-tag': ['POST', async (a) => (await r.setRegisteredModelTag(req(a, 'name'), { key: req(a, 'key'), value: String(a.value ?? '') }), {})],
    'registered-models/delete-tag': ['DELETE', async (a) => (await r.deleteRegisteredModelTag(req(a, 'name'), req(a, 'key')), {})],
    'registered-models/alias': ['POST', async (a) => (await r.setRegisteredModelAlias(req(a, 'name'), req(a, 'alias'), req(a, 'version')), {})],
    'model-versions/create': ['POST', async (a) => mv(await r.createModelVersion({
      name: req(a, 'name'), source: req(a, 'source'), runId: opt(a, 'run_id'), tags: tags(a.tags), runLink: opt(a, 'run_link'), description: opt(a, 'description'),
    }))],
    'model-versions/update': ['PATCH', async (a) => mv(await r.updateModelVersion(req(a, 'name'), req(a, 'version'), opt(a, 'description') ?? ''))],
    'model-versions/transition-stage': ['POST', async (a) => mv(await r.transitionModelVersionStage(
      req(a, 'name'), req(a, 'version'), req(a, 'stage'), a.archive_existing_versions === true || a.archive_existing_versions === 'true'))],
    'model-versions/delete': ['DELETE', async (a) => (await r.deleteModelVersion(req(a, 'name'), req(a, 'version')), {})],
    'model-versions/get': ['GET', async (a) => mv(await r.getModelVersion(req(a, 'name'), req(a, 'version')))],
    'model-versions/get-download-uri': ['GET', async (a) => ({ artifact_uri: await r.getModelVersionDownloadUri(req(a, 'name'), req(a, 'version')) })],
    'model-versions/search': ['GET', async (a) => page('model_versions', await r.searchModelVersions(search(a)))],
    'model-versions/set-tag': ['POST', async (a) => (await r.setModelVersionTag(req(a, 'name'), req(a, 'version'), { key: req(a, 'key'), value: String(a.value ?? '') }), {})],
    'model-versions/delete-tag': ['DELETE', async (a) => (await r.deleteModelVersionTag(req(a, 'name'), req(a, 'version'), req(a, 'key')), {})],
  };
}

function defaultHosts(host: string): string[] {
  return ['localhost', '127.0.0.1', '[::1]', host];
}

/** Builds the Fastify app without listening. */
export async function createServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  const prefix = (options.staticPrefix ?? '').replace(/\/+$/, '');
  const serveArtifacts = options.serveArtifacts ?? true;
  const artifactRoot = options.defaultArtifactRoot ?? (serveArtifacts ? 'mlflow-artifacts:/' : './mlruns');
  const backend = options.backendStoreUri ?? './mlruns';
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 50 * 1024 * 1024,
    genReqId: () => randomUUID(),
  });
  const allowed = new Set((options.allowedHosts ?? defaultHosts(options.host ?? '127.0.0.1')).map((h) => h.toLowerCase()));
  const origins = new Set(options.corsAllowedOrigins ?? []);
  const check = options.auth ? authChecker(options.auth) : undefined;

  app.addHook('onRequest', async (request, reply) => {
    const host = (request.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
    if (!allowed.has('*') && !allowed.has(host)) {
      reply.code(403).send({ error_code: 'PERMISSION_DENIED', message: 'Invalid Host header' });
      return reply;
    }
    const origin = request.headers.origin;
    if (origin && !['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
      let sameOrigin = false;
      try {
        sameOrigin = new URL(origin).host.toLowerCase() === (request.headers.host ?? '').toLowerCase();
      } catch {}
      if (!sameOrigin && !origins.has(origin)) {
        reply.code(403).send({ error_code: 'PERMISSION_DENIED', message: 'Cross-origin request refused' });
        return reply;
      }
    }
    if (check && !request.url.startsWith(`${prefix}/health`) && !check(request.headers.authorization)) {
      reply
        .code(401)
        .header('www-authenticate', 'Basic realm="labbook"')
        .send({ error_code: 'UNAUTHENTICATED', message: 'You are not authenticated.' });
      return reply;
    }
    if (request.url.includes('/runs/log-batch') && Number(request.headers['content-length'] ?? 0) > LOG_BATCH_MAX_BYTES) {
      reply.code(413).header('connection', 'close').send({ error_code: 'RESOURCE_EXHAUSTED', message: `Request body exceeds ${LOG_BATCH_MAX_BYTES} bytes` });
      return reply;
    }
    if (origin && origins.has(origin)) reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
  });

  app.setErrorHandler((error, request, reply) => {
    if (LabbookError.is(error)) {
      reply.code(error.httpStatus).send(error.toJSON());
      return;
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error, reqId: request.id }, 'request failed');
    const code = status === 413 ? 'RESOURCE_EXHAUSTED' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR';
    reply.code(status === 413 ? 413 : status).send({
      error_code: code,
      message: status < 500 ? (error as Error).message : `Internal error (request id ${request.id})`,
    });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint for ${request.method} ${request.url.split('?')[0]}` });
  });
  // Bodies of other types reach handlers unparsed; JSON routes refuse them by Content-Type.
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));

  app.get(`${prefix}/health`, async () => 'OK');
  app.get(`${prefix}/version`, async () => VERSION);

  if (!options.artifactsOnly) {
    const tracking = validatedTrackingStore(options.trackingStore ?? (await resolveTrackingStore(backend, { artifactRoot })));
    const registry = validatedRegistryStore(options.registryStore ?? (await resolveRegistryStore(options.registryStoreUri ?? backend, {})));
    const routes = { ...trackingRoutes(tracking), ...registryRoutes(registry) };
    routes['registered-models/alias/get'] = ['GET', async (a) => ({ model_version: toWire(await registry.getModelVersionByAlias(req(a, 'name'), req(a, 'alias'))) })];
    routes['registered-models/alias/delete'] = ['DELETE', async (a) => (await registry.deleteRegisteredModelAlias(req(a, 'name'), req(a, 'alias')), {})];
    for (const api of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
      for (const [path, [method, handler]] of Object.entries(routes)) {
        const url = `${prefix}${api}/${path.replace(/\/(get|delete)$/, (m) => (path.startsWith('registered-models/alias/') ? '' : m))}`;
        app.route({
          method: method as 'GET',
          url,
          ...(path === 'runs/log-batch' ? { bodyLimit: LOG_BATCH_MAX_BYTES } : {}),
          handler: async (request, reply) => {
            let args: Obj;
            if (method === 'GET') args = (request.query ?? {}) as Obj;
            else {
              if (!String(request.headers['content-type'] ?? '').includes('application/json') && request.headers['content-length'] !== '0')
                throw new LabbookError('BAD_REQUEST', 'Content-Type must be application/json');
              args = (request.body ?? {}) as Obj;
              if (typeof args !== 'object' || Array.isArray(args)) throw new LabbookError('MALFORMED_REQUEST', 'Request body must be a JSON object');
            }
            return handler(args, request, reply);
          },
        });
      }
    }
    app.addHook('onClose', async () => {
      await tracking.close?.();
      await registry.close?.();
    });
  }

  if (serveArtifacts) {
    const repo: ArtifactRepository =
      options.artifactRepository ?? (await resolveArtifactRepository(options.artifactsDestination ?? './mlartifacts', {}));
    const base = `${prefix}/api/2.0/mlflow-artifacts/artifacts`;
    const pathOf = (request: FastifyRequest) => normalizeArtifactPath((request.params as Obj)['*'] as string);
    app.get(base, async (request) => {
      const p = normalizeArtifactPath(((request.query as Obj).path as string) ?? '');
      const files = await repo.list(p);
      const strip = p === '' ? 0 : p.length + 1;
      return files.length ? { files: files.map((f) => toWire({ ...f, path: f.path.slice(strip) })) } : {};
    });
    app.get(`${base}/*`, async (request, reply) => {
      const p = pathOf(request);
      const stream = await repo.get(p);
      reply
        .header('content-type', 'application/octet-stream')
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `attachment; filename="${encodeURIComponent(p.split('/').pop() ?? 'file')}"`);
      return reply.send(stream);
    });
    // Uploads stream to the repository whatever their Content-Type: no parser reads them first.
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
      scope.put(`${base}/*`, async (request) => {
        const p = pathOf(request);
        await repo.put(p, (request.body as NodeJS.ReadableStream | undefined) ? (request.body as import('node:stream').Readable) : '');
        return {};
      });
    });
    app.delete(`${base}/*`, async (request) => {
      await repo.delete(pathOf(request));
      return {};
    });
  }
  return app;
}

/** Builds the server and listens; resolves when it accepts connections. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const app = await createServer(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 5000 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  const h = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${h}:${port}${(options.staticPrefix ?? '').replace(/\/+$/, '')}`, close: () => app.close() };
}

