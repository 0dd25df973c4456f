/**
 * Every failure answered as MLflow does, `{error_code, message}` with MLflow's status; no stack trace
 * ever reaches a client. Unexpected errors are logged with the request id the client also sees.
 */
import { LabbookError } from '@labbook/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

function fastifyErrorCode(error: FastifyError, status: number): string {
  if (status === 413) return 'RESOURCE_EXHAUSTED';
  if (status === 415) return 'INVALID_PARAMETER_VALUE';
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) return 'MALFORMED_REQUEST';
  if (status === 404) return 'ENDPOINT_NOT_FOUND';
  return status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR';
}

/**
 * Installs the error and not-found handlers; call it before any route is added (Fastify binds a
 * route to the error handler present when the route is registered). `fallback()` returns what answers
 * GETs for pages (the UI's index.html), once the UI is mounted.
 */
export function installErrorReplies(
  app: FastifyInstance,
  isApiPath: (path: string) => boolean,
  fallback: () => ((reply: FastifyReply) => FastifyReply) | undefined,
): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (LabbookError.is(error)) {
      const status = error.code === 'RESOURCE_EXHAUSTED' && error.field === 'body' ? 413 : error.httpStatus;
      if (status >= 500) request.log.error({ err: error, reqId: request.id }, 'request failed');
      // A refused body is left unread: the connection cannot carry another request after it.
      if (status === 413 || error.field === 'body') reply.header('connection', 'close');
      return reply.code(status).send(error.toJSON());
    }
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error, reqId: request.id }, 'request failed');
      return reply.code(500).send({ error_code: 'INTERNAL_ERROR', message: `Internal error (request id ${request.id})` });
    }
    return reply.code(status).send({ error_code: fastifyErrorCode(error, status), message: error.message });
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const wantsPage = request.method === 'GET' && /text\/html/.test(String(request.headers.accept ?? ''));
    const page = fallback();
    if (page && wantsPage && !isApiPath(path)) return page(reply);
    return reply.code(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint for ${request.method} ${path}` });
  });
}
