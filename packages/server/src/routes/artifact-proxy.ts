/**
 * MLflow's artifact proxy, `/api/2.0/mlflow-artifacts/artifacts[/<path>]`: list, download, upload
 * (streamed) and delete under the artifacts destination. With `--no-serve-artifacts` every route
 * answers 503 as MLflow does.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ArtifactRepository, LabbookError, toWire } from '@labbook/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendArtifact } from '../artifact-download.js';
import { limitBytes } from '../body-limit-stream.js';
import { requestFilePath, requestFolderPath } from '../request-paths.js';

const ROOT = '/api/2.0/mlflow-artifacts';

/** Default of `maxArtifactUploadBytes`: 5 GiB. */
export const ARTIFACT_UPLOAD_MAX_BYTES = 5 * 1024 ** 3;

function limitHint(limit: number): string {
  return `The server's artifact upload limit is ${limit} bytes: upload a smaller file, or restart the server with a larger maxArtifactUploadBytes option (LABBOOK_SERVER_MAX_ARTIFACT_UPLOAD_BYTES).`;
}

function wildcard(request: FastifyRequest): string {
  return (request.params as Record<string, string>)['*'] ?? '';
}

/**
 * Registers the proxy routes; `repo` undefined means artifacts are not served. Uploads over
 * `maxUploadBytes` are refused with 413.
 */
export function mountArtifactProxy(
  app: FastifyInstance,
  prefix: string,
  repo: ArtifactRepository | undefined,
  maxUploadBytes = ARTIFACT_UPLOAD_MAX_BYTES,
): void {
  const base = `${prefix}${ROOT}`;
  const disabled = (request: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(503)
      .type('text/plain; charset=utf-8')
      .send(`Endpoint: ${request.url.split('?')[0]} disabled due to the labbook server running without --serve-artifacts.`);

  app.get(`${base}/artifacts`, async (request, reply) => {
    if (!repo) return disabled(request, reply);
    const path = requestFolderPath((request.query as Record<string, string | undefined>).path);
    const files = await repo.list(path);
    const strip = path === '' ? 0 : path.length + 1;
    // MLflow's proxy lists basenames, not paths from the root.
    return files.length > 0 ? { files: toWire(files.map((f) => ({ ...f, path: f.path.slice(strip) }))) } : {};
  });
  app.get(`${base}/artifacts/*`, async (request, reply) => {
    if (!repo) return disabled(request, reply);
    return sendArtifact(reply, repo, requestFilePath(wildcard(request)));
  });
  app.delete(`${base}/artifacts/*`, async (request, reply) => {
    if (!repo) return disabled(request, reply);
    await repo.delete(requestFilePath(wildcard(request)));
    return {};
  });
  for (const action of ['create', 'complete', 'abort']) {
    app.post(`${base}/mpu/${action}/*`, async (request, reply) => {
      if (!repo) return disabled(request, reply);
      throw new LabbookError(
        'NOT_IMPLEMENTED',
        `Multipart upload through the proxy is not supported by this server's artifact repository (${action})`,
      );
    });
  }
  app.register(async (scope) => {
    // Uploads stream to the repository whatever their Content-Type: no parser reads them first.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.put(`${base}/artifacts/*`, async (request, reply) => {
      if (!repo) return disabled(request, reply);
      const path = requestFilePath(wildcard(request));
      const size = Number(request.headers['content-length']);
      if (Number.isFinite(size) && size > maxUploadBytes) {
        throw new LabbookError('RESOURCE_EXHAUSTED', `Artifact upload of ${size} bytes refused. ${limitHint(maxUploadBytes)}`, {
          field: 'body',
          limit: maxUploadBytes,
        });
      }
      const body = request.body as Readable | undefined;
      if (!body) {
        await repo.put(path, '');
        return {};
      }
      // Content-Length may be absent (chunked) or wrong, so the bytes are also counted as they stream.
      const limited = limitBytes(maxUploadBytes, 'artifact upload', limitHint(maxUploadBytes));
      const put = repo.put(path, limited, Number.isFinite(size) && size > 0 ? { size } : {}).catch((error: unknown) => {
        // A repository that fails before reading would otherwise leave the request stream waiting forever.
        limited.destroy();
        throw error;
      });
      // Both must settle before answering: the repository removes its partial file on the way out.
      const [stored, streamed] = await Promise.allSettled([put, pipeline(body, limited)]);
      if (streamed.status === 'rejected' && LabbookError.is(streamed.reason) && streamed.reason.code === 'RESOURCE_EXHAUSTED')
        throw streamed.reason;
      if (stored.status === 'rejected') throw stored.reason;
      if (streamed.status === 'rejected') throw streamed.reason;
      return {};
    });
  });
}
