/**
 * The scoring server: MLflow's `mlflow models serve` protocol (`POST /invocations`, `GET /ping`,
 * `/health`, `/version`) over one loaded model, as a small Fastify app of its own. It shares the
 * tracking server's request guard (Host allow-list, cross-origin refusal, auth, early refusal of
 * oversized bodies) and its error replies, so every failure is `{error_code, message}`.
 */
import { randomUUID } from 'node:crypto';
import {
  LabbookError,
  type LabbookModel,
  type LoadedModel,
  type LoadModelOptions,
  loadModel,
  type ModelSignature,
  type Tensor,
} from '@labbook/core';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AuthOptions } from '../auth.js';
import { installErrorReplies } from '../error-replies.js';
import { MAX_JSON_DEPTH, refuseDeepNesting } from '../json-depth.js';
import { installRequestGuard } from '../request-guard.js';
import { SERVER_VERSION } from '../version.js';
import { PredictBatcher } from './batching.js';
import { requestTensor, tensorBodyPlan } from './request-tensor.js';
import { type ParsedRequest, parseCsvInput, parseJsonInput } from './parse-input.js';
import { predictionsBody } from './predictions.js';
import { scanTensorBody } from './tensor-body.js';

/** MLflow's default `MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT`, in seconds. */
export const DEFAULT_SCORING_TIMEOUT_SECONDS = 60;
/**
 * Largest `/invocations` body by default. MLflow's servers set none (uvicorn and gunicorn read any
 * size); 50 MiB is the tracking server's JSON limit, far above a scoring batch and well below what
 * would exhaust the process while a body is parsed.
 */
export const DEFAULT_SCORING_BODY_LIMIT = 50 * 1024 * 1024;

const CONTENT_TYPES = ['text/csv', 'application/json'];

/** Options of {@link createScoringServer} / {@link startScoringServer}, named after `mlflow models serve`'s flags. */
export interface ScoringServerOptions {
  /** The model to load: a path, `runs:/…`, `models:/name/version`, `models:/name@alias`… */
  modelUri?: string;
  /** An already-loaded model instead of `modelUri` (it is not closed with the server). */
  model?: LabbookModel | LoadedModel;
  /** Passed to `loadModel` (client, plugins, cache folder). */
  loadOptions?: LoadModelOptions;
  /** Interface to bind (`-h/--host`), default `MLFLOW_HOST` or `127.0.0.1`. */
  host?: string;
  /** Port (`-p/--port`), default `MLFLOW_PORT` or 5000; 0 picks a free one. */
  port?: number;
  /**
   * Seconds a request may take (`-t/--timeout`), default `MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT` or
   * 60: slower predictions are answered 504 DEADLINE_EXCEEDED, slower uploads are cut off.
   */
  timeoutSeconds?: number;
  /** Largest request body in bytes, default `LABBOOK_SCORING_SERVER_MAX_REQUEST_BYTES` or 50 MiB; larger ones get 413. */
  bodyLimit?: number;
  /**
   * Host header values accepted. Default: when bound to a loopback address, the localhost names
   * (DNS-rebinding protection); otherwise every host, since load balancers and clients then reach
   * the server by names and addresses it cannot know. `*` allows all.
   */
  allowedHosts?: string[];
  /** Origins allowed to POST cross-origin, answered with CORS headers; default none. */
  corsAllowedOrigins?: string[];
  /** Origins allowed to POST without CORS headers (a proxy's page). */
  allowedOrigins?: string[];
  /** Require authentication on `/invocations` (and `/ping`); `/health` and `/version` stay open. */
  auth?: AuthOptions;
  /** Pino logger options or `false` (default) to stay quiet. */
  logger?: boolean | Record<string, unknown>;
  /**
   * Dynamic micro-batching (default true): concurrent requests to a model whose signature is one
   * float tensor with a first dimension of -1 run as one predict over their stacked rows, the
   * outputs cut back per request. `false` runs every request on its own.
   */
  batching?: boolean;
}

/** A scoring server that listens. */
export interface RunningScoringServer {
  /** Base URL, e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** The model being served. */
  model: LabbookModel | LoadedModel;
  /** Stops accepting connections, lets requests in flight finish, then closes the model it loaded. */
  close(): Promise<void>;
}

function numberFrom(value: number | undefined, envName: string, fallback: number, what: string): number {
  const raw = value ?? (process.env[envName] ? Number(process.env[envName]) : fallback);
  if (!Number.isFinite(raw) || raw <= 0) {
    const from = value === undefined ? `${envName}=${process.env[envName]}` : `${what} ${value}`;
    throw new LabbookError('INVALID_PARAMETER_VALUE', `${from} is not a positive number (${what}).`);
  }
  return raw;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}

/** `undefined` when the Content-Type is one MLflow scores (`application/json` or `text/csv`, optionally `charset=utf-8`). */
function unsupportedContentType(header: string | undefined): string | undefined {
  const [type = '', ...parameters] = (header ?? '').split(';').map((p) => p.trim());
  const ok =
    CONTENT_TYPES.includes(type.toLowerCase()) &&
    parameters.every((p) => {
      const [key, value = ''] = p.split('=').map((s) => s.trim().toLowerCase());
      return key === 'charset' && value.replace(/^"|"$/g, '') === 'utf-8';
    });
  return ok
    ? undefined
    : `This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got '${header ?? ''}'.`;
}

function signatureOf(model: LabbookModel | LoadedModel): ModelSignature | undefined {
  return (model as Partial<LabbookModel>).signature;
}

/**
 * False when `text` holds at most MAX_JSON_DEPTH `[` and `{` characters: nesting needs an opener per
 * level, so such a body cannot be too deep and the walk over every parsed value (a tensor body's
 * thousands of numbers) can be skipped. Openers inside strings only make the count an over-estimate.
 */
function mayNestTooDeep(text: string): boolean {
  let openers = 0;
  for (const opener of ['[', '{']) {
    for (let at = text.indexOf(opener); at >= 0; at = text.indexOf(opener, at + 1)) {
      if (++openers > MAX_JSON_DEPTH) return true;
    }
  }
  return false;
}

function isCsv(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === 'text/csv';
}

function parseBody(request: FastifyRequest, signature: ModelSignature | undefined): ParsedRequest {
  const text = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
  if (isCsv(request)) return parseCsvInput(text, signature?.inputs);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new LabbookError(
      'BAD_REQUEST',
      `Failed to parse input from JSON. Ensure that input is a valid JSON formatted string. Error: ${(error as Error).message}`,
    );
  }
  if (json !== null && typeof json === 'object' && mayNestTooDeep(text)) {
    try {
      refuseDeepNesting(json);
    } catch (error) {
      throw new LabbookError('BAD_REQUEST', (error as Error).message);
    }
  }
  return parseJsonInput(json, signature?.inputs);
}

/** Errors from predict: labbook's typed errors (schema enforcement among them) as they are, anything else as MLflow words it. */
function predictError(error: unknown): LabbookError {
  if (LabbookError.is(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new LabbookError(
    'BAD_REQUEST',
    `Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe is compatible with the model for inference. Error: ${detail}`,
    { cause: error },
  );
}

/**
 * Builds the scoring app over a loaded model without listening. Use {@link startScoringServer} to
 * load a model by URI and listen.
 */
export function createScoringServer(
  model: LabbookModel | LoadedModel,
  options: Omit<ScoringServerOptions, 'model' | 'modelUri' | 'loadOptions'> = {},
): FastifyInstance {
  const timeoutMs =
    numberFrom(options.timeoutSeconds, 'MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT', DEFAULT_SCORING_TIMEOUT_SECONDS, 'timeout in seconds') *
    1000;
  const bodyLimit = Math.floor(
    numberFrom(options.bodyLimit, 'LABBOOK_SCORING_SERVER_MAX_REQUEST_BYTES', DEFAULT_SCORING_BODY_LIMIT, 'body limit in bytes'),
  );
  const host = options.host ?? process.env.MLFLOW_HOST ?? '127.0.0.1';
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit,
    // Node cuts off a request whose body has not fully arrived by then (slow uploads hold no slot forever).
    requestTimeout: timeoutMs,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  // Every body is read as bytes whatever it claims to be, so the handler answers the content type
  // itself, with MLflow's 415 message, rather than Fastify's; a tensor body is scanned from the
  // bytes (tensor-body.ts), anything else decoded as UTF-8 and parsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  installErrorReplies(
    app,
    () => true,
    () => undefined,
  );
  installRequestGuard(
    app,
    '',
    {
      host,
      ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : isLoopback(host) ? {} : { allowedHosts: ['*'] }),
      ...(options.corsAllowedOrigins ? { corsAllowedOrigins: options.corsAllowedOrigins } : {}),
      ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
      ...(options.auth ? { auth: options.auth } : {}),
    },
    [{ suffix: '/invocations', bytes: bodyLimit }],
  );

  // Keep-alive connections would hold close() open until their idle timeout: once closing, every
  // response (those in flight included) tells the client to drop the connection.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  const signature = signatureOf(model);
  // Worked out once per model, not per request.
  const plan = tensorBodyPlan(signature?.inputs);
  const batchable = plan !== undefined && plan.spec.shape[0] === -1 && options.batching !== false;
  const batchers = batchable
    ? {
        named: new PredictBatcher(model, (t) => ({ [plan.spec.name!]: t })),
        bare: new PredictBatcher(model, (t) => t),
      }
    : undefined;
  // MLflow answers a newline: some health checkers refuse an empty 200.
  const ping = async (_request: FastifyRequest, reply: FastifyReply) => reply.type('application/json').send('\n');
  app.get('/ping', ping);
  app.get('/health', ping);
  app.get('/version', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(SERVER_VERSION));

  // The typed tensor is what predict would enforce anyway; predict (or the batch's) takes it as it is.
  const predictTensor = (t: { tensor: Tensor; named: boolean }): Promise<unknown> => {
    if (batchers) return (t.named ? batchers.named : batchers.bare).predict(t.tensor);
    const input = t.named ? { [plan!.spec.name!]: t.tensor } : t.tensor;
    return Promise.resolve().then(() => model.predict(input));
  };
  const predict = (request: FastifyRequest): Promise<unknown> => {
    if (plan && Buffer.isBuffer(request.body) && !isCsv(request)) {
      const scanned = scanTensorBody(request.body, plan);
      if (scanned) return predictTensor(scanned);
    }
    const { input, params } = parseBody(request, signature);
    if (plan && params === undefined) {
      const t = requestTensor(input, plan);
      if (t) return predictTensor(t);
    }
    return Promise.resolve().then(() => model.predict(input, params));
  };

  app.post('/invocations', async (request, reply) => {
    const unsupported = unsupportedContentType(request.headers['content-type']);
    if (unsupported) return reply.code(415).send({ error_code: 'BAD_REQUEST', message: unsupported });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new LabbookError(
              'DEADLINE_EXCEEDED',
              `Request processing time exceeded limit (${timeoutMs / 1000} s; set MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT or --timeout to allow more).`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      const predicting = predict(request);
      // A prediction that loses the race still settles later; its outcome must not be unhandled.
      predicting.catch(() => undefined);
      const predictions = await Promise.race([predicting, deadline]).catch((error: unknown) => {
        throw predictError(error);
      });
      return reply.type('application/json').send(predictionsBody(predictions));
    } finally {
      clearTimeout(timer);
    }
  });
  return app;
}

/**
 * Loads a model (by `modelUri`, or takes `model`) and serves it as `mlflow models serve` does;
 * resolves once the server accepts connections, so `/ping` answers 200 from the first request.
 *
 * ```ts
 * const server = await startScoringServer({ modelUri: 'models:/iris@champion', port: 5001 });
 * // POST ${server.url}/invocations {"inputs": [[5.1, 3.5, 1.4, 0.2]]}
 * await server.close();
 * ```
 */
export async function startScoringServer(options: ScoringServerOptions): Promise<RunningScoringServer> {
  if (!options.model && !options.modelUri)
    throw new LabbookError(
      'INVALID_PARAMETER_VALUE',
      'startScoringServer needs modelUri (a path, runs:/ or models:/ URI) or a loaded model.',
    );
  const owned = !options.model;
  const model = options.model ?? (await loadModel(options.modelUri!, options.loadOptions));
  const host = options.host ?? process.env.MLFLOW_HOST ?? '127.0.0.1';
  const port = options.port ?? (process.env.MLFLOW_PORT ? Number(process.env.MLFLOW_PORT) : 5000);
  let app: FastifyInstance;
  try {
    app = createScoringServer(model, { ...options, host });
    await app.listen({ host, port });
  } catch (error) {
    if (owned) await model.close?.();
    throw error;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${bound}`,
    model,
    close: () => {
      closing ??= app.close().then(async () => {
        if (owned) await model.close?.();
      });
      return closing;
    },
  };
}
