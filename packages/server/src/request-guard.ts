/**
 * Checks every request passes before routing: the Host allow-list and cross-origin refusal (DNS
 * rebinding, CVE-2025-14279), authentication, and early refusal of bodies whose declared size is over
 * a route's limit. Also the security headers of every response.
 */
import type { FastifyInstance } from 'fastify';
import { authChecker } from './auth.js';
import type { ServerOptions } from './options.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function hostOf(header: string | undefined): string {
  const host = (header ?? '').toLowerCase();
  // `[::1]:5000` keeps its brackets; `name:5000` loses its port.
  return host.startsWith('[') ? host.replace(/\]:\d+$/, ']') : host.replace(/:\d+$/, '');
}

function isLoopbackOrigin(origin: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(origin.hostname.toLowerCase());
}

/** Registers the guard hooks on `app`. `limits` maps a path suffix to its largest body. */
export function installRequestGuard(app: FastifyInstance, prefix: string, options: ServerOptions, limits: [suffix: string, bytes: number][]): void {
  const bound = options.host ?? '127.0.0.1';
  const allowed = new Set((options.allowedHosts ?? ['localhost', '127.0.0.1', '[::1]', bound]).map((h) => h.toLowerCase()));
  const origins = new Set(options.corsAllowedOrigins ?? []);
  const check = options.auth ? authChecker(options.auth) : undefined;
  const open = new Set([`${prefix}/health`, `${prefix}/version`]);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const path = request.url.split('?')[0] ?? '';
    if (!allowed.has('*') && !allowed.has(hostOf(request.headers.host)) && !open.has(path)) {
      return reply.code(403).send({ error_code: 'PERMISSION_DENIED', message: 'Invalid Host header' });
    }
    const origin = request.headers.origin;
    if (origin && !SAFE_METHODS.has(request.method) && !origins.has(origin) && !origins.has('*')) {
      let permitted = false;
      try {
        const url = new URL(origin);
        permitted = url.host.toLowerCase() === (request.headers.host ?? '').toLowerCase() || isLoopbackOrigin(url);
      } catch {
        permitted = false;
      }
      if (!permitted) return reply.code(403).send({ error_code: 'PERMISSION_DENIED', message: 'Cross-origin request refused' });
    }
    if (check && !open.has(path) && !check(request.headers.authorization)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="labbook"')
        .send({ error_code: 'UNAUTHENTICATED', message: 'You are not authenticated. Please see the documentation for details on how to authenticate.' });
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    for (const [suffix, bytes] of limits) {
      if (declared > bytes && path.endsWith(suffix)) {
        return reply
          .code(413)
          .header('connection', 'close')
          .send({ error_code: 'RESOURCE_EXHAUSTED', message: `Request body of ${declared} bytes exceeds the limit of ${bytes} bytes for ${suffix}` });
      }
    }
    if (origin && (origins.has(origin) || origins.has('*'))) reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
    return undefined;
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff').header('x-frame-options', 'SAMEORIGIN');
    return payload;
  });
}
