/**
 * Mounting MLflow RPCs: each is served under `/api/2.0/mlflow/<path>` and `/ajax-api/2.0/mlflow/<path>`
 * (after the static prefix), reads its arguments from the query string (GET) or a JSON body, and
 * answers JSON.
 */
import { LabbookError } from '@labbook/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Args } from '../request-args.js';
import { checkRequest, queryArgs, stringifyExperimentIds } from '../request-check.js';
import { refuseDeepNesting } from '../json-depth.js';
import { type RpcSchema, rpcSchema } from '../wire-schemas.js';

/** HTTP methods MLflow's RPCs use. */
export type RpcMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One RPC: its path below `mlflow/`, the methods it answers and its handler. */
export interface Rpc {
  path: string;
  methods: RpcMethod[];
  handler: (args: Args, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  /** Largest raw body, when the RPC has a limit of its own (log-batch). */
  bodyLimit?: number;
}

/** Awaits a store call that returns nothing and answers MLflow's empty message, `{}`. */
export async function done(call: Promise<void>): Promise<Record<string, never>> {
  await call;
  return {};
}

/** The API roots every RPC is served under. */
export const API_ROOTS = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;

const JSON_TYPE = /^application\/json\b/i;

function bodyArgs(request: FastifyRequest): Args {
  const type = String(request.headers['content-type'] ?? '');
  let body = request.body;
  const empty = body === undefined || body === null || body === '';
  if (!empty && !JSON_TYPE.test(type)) {
    throw new LabbookError(
      'INVALID_PARAMETER_VALUE',
      type === '' ? 'Content-Type header is missing' : `Content-Type must be application/json, got '${type}'`,
      { field: 'content-type' },
    );
  }
  // Legacy clients send a JSON string that holds the JSON object; MLflow decodes it twice.
  if (typeof body === 'string' && body !== '') {
    try {
      body = JSON.parse(body);
    } catch {
      throw new LabbookError('MALFORMED_REQUEST', 'Request body is not valid JSON');
    }
  }
  if (empty) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new LabbookError('MALFORMED_REQUEST', 'Request body must be a JSON object');
  }
  refuseDeepNesting(body);
  return body as Args;
}

/** A request's arguments, checked against MLflow's schema for the RPC when it has one. */
function requestArgs(schema: RpcSchema | undefined, request: FastifyRequest): Args {
  const query = (request.query ?? {}) as Args;
  // Path parameters (`logged-models/:model_id`) override the body's copy, as MLflow's handlers set
  // them on the request message after parsing it.
  const params = (request.params ?? {}) as Args;
  const fromPath = Object.keys(params).length > 0;
  if (!schema) {
    const args = request.method === 'GET' ? query : bodyArgs(request);
    return fromPath ? { ...args, ...params } : args;
  }
  let args = stringifyExperimentIds(request.method === 'GET' ? queryArgs(schema, query) : bodyArgs(request));
  if (fromPath) args = { ...args, ...params };
  return checkRequest(schema, args);
}

/**
 * Registers RPCs under both API roots. When `disabledReason` is set (artifacts-only mode), every RPC
 * answers 503 with it as plain text, as MLflow does.
 */
export function mountRpcs(app: FastifyInstance, prefix: string, rpcs: Rpc[], disabledReason?: string): void {
  for (const root of API_ROOTS) {
    for (const rpc of rpcs) {
      // Looked up once here rather than per request: the table is keyed by method and path.
      const schemas = new Map(rpc.methods.map((method) => [method, rpcSchema(method, rpc.path)]));
      app.route({
        method: rpc.methods,
        url: `${prefix}${root}/${rpc.path}`,
        ...(rpc.bodyLimit === undefined ? {} : { bodyLimit: rpc.bodyLimit }),
        handler: async (request, reply) => {
          if (disabledReason !== undefined) {
            return reply
              .code(503)
              .type('text/plain; charset=utf-8')
              .send(`Endpoint: ${request.url.split('?')[0]} ${disabledReason}`);
          }
          return rpc.handler(requestArgs(schemas.get(request.method as RpcMethod), request), request, reply);
        },
      });
    }
  }
}
