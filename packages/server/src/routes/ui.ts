/**
 * Hosting of the web UI (`@labbook/ui`'s static build) at the static prefix. The UI routes by URL
 * hash, so any other GET that asks for HTML gets index.html; API paths keep their JSON 404s.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Everything the UI loads comes from this server: the policy makes a stray CDN link fail loudly
 * instead of leaking a request off the machine.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'self'",
  "base-uri 'self'",
].join('; ');

/** The installed UI's build folder, if `@labbook/ui` is installed and built. */
export function defaultUiDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@labbook/ui/package.json');
    const dist = join(dirname(pkg), 'dist');
    return existsSync(join(dist, 'index.html')) ? dist : undefined;
  } catch {
    return undefined;
  }
}

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>labbook</title>
<p>The labbook tracking server is running. Its web UI (<code>@labbook/ui</code>) is not installed or not built;
the REST API is at <code>api/2.0/mlflow/</code>.</p>`;

/** Serves the UI from `uiDir` (or a note that it is missing) under `prefix`. */
export async function mountUi(
  app: FastifyInstance,
  prefix: string,
  uiDir: string | undefined,
): Promise<(reply: FastifyReply) => FastifyReply> {
  const root = `${prefix}/`;
  if (!uiDir) {
    const page = (reply: FastifyReply) =>
      reply.code(200).type('text/html; charset=utf-8').header('content-security-policy', CONTENT_SECURITY_POLICY).send(NOT_BUILT_PAGE);
    app.get(root, async (_request, reply) => page(reply));
    return page;
  }
  await app.register(fastifyStatic, {
    root: uiDir,
    prefix: root,
    index: ['index.html'],
    wildcard: true,
    setHeaders(res, path) {
      res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
      // Vite names assets by content hash; index.html must be re-read on every load.
      res.setHeader(
        'cache-control',
        path.endsWith('index.html')
          ? 'no-cache'
          : /[/\\]assets[/\\]/.test(path)
            ? 'public, max-age=31536000, immutable'
            : 'public, max-age=300',
      );
    },
  });
  return (reply) =>
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('cache-control', 'no-cache').sendFile('index.html', uiDir);
}
