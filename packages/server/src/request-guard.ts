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

/** `scheme://host[:port]` as browsers send it in Origin (lower case, default port left out), or undefined. */
function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    // Opaque origins (`null`, `file:`, `data:`) serialize as "null": never one that may be allowed.
    return url.origin === 'null' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

/**
 * A body limit on the routes whose path ends in `suffix`, checked on the declared length before
 * any byte is read. `refusal` is the answer when MLflow has a fixed one for that route; otherwise
 * 413 RESOURCE_EXHAUSTED names the limit.
 */
export interface BodyLimit {
  suffix: string;
  bytes: number;
  refusal?: { status: number; error_code: string; message: string };
}

/** Registers the guard hooks on `app`. */
export function installRequestGuard(app: FastifyInstance, prefix: string, options: ServerOptions, limits: BodyLimit[]): void {
  const bound = options.host ?? '127.0.0.1';
  const allowed = new Set((options.allowedHosts ?? ['localhost', '127.0.0.1', '[::1]', bound]).map((h) => h.toLowerCase()));
  const origins = new Set(options.corsAllowedOrigins ?? []);
  // Origins that may change state: the CORS ones plus those allowed without CORS headers.
  const writers = new Set([...(options.corsAllowedOrigins ?? []), ...(options.allowedOrigins ?? [])].map((o) => (o === '*' ? o : (originOf(o) ?? o))));
  const check = options.auth ? authChecker(options.auth) : undefined;
  const open = new Set([`${prefix}/health`, `${prefix}/version`]);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const path = request.url.split('?')[0] ?? '';
    if (!allowed.has('*') && !allowed.has(hostOf(request.headers.host)) && !open.has(path)) {
      return reply.code(403).send({ error_code: 'PERMISSION_DENIED', message: 'Invalid Host header' });
    }
    const origin = request.headers.origin;
    if (origin && !SAFE_METHODS.has(request.method) && !writers.has('*')) {
      const given = originOf(origin);
      // Only the page this server itself serves (same scheme, host and port): another port of the
      // same loopback host is another program, which must not change state here.
      const own = originOf(`${request.protocol}://${request.headers.host ?? ''}`);
      if (given === undefined || (given !== own && !writers.has(given))) {
        return reply.code(403).send({
          error_code: 'PERMISSION_DENIED',
          message: `Cross-origin request from ${given ?? 'an opaque or malformed origin'} refused: only ${own ?? "the server's own origin"} may change state. To allow another origin, add it to the server's allowedOrigins (or corsAllowedOrigins) option.`,
        });
      }
    }
    if (check && !open.has(path)) {
      const outcome = await check(request.headers.authorization, request.ip);
      if (!outcome.ok && outcome.retryAfterSeconds !== undefined) {
        return reply
          .code(429)
          .header('retry-after', String(outcome.retryAfterSeconds))
          .send({
            error_code: 'RESOURCE_EXHAUSTED',
            message: `Too many failed authentication attempts from ${request.ip}. Retry after ${outcome.retryAfterSeconds} seconds with valid credentials.`,
          });
      }
      if (!outcome.ok) {
        return reply
          .code(401)
          .header('www-authenticate', 'Basic realm="labbook"')
          .send({
            error_code: 'UNAUTHENTICATED',
            message:
              'You are not authenticated. Send an Authorization header: "Basic <base64 user:password>" for a user of the server\'s password file, or "Bearer <token>" with one of its tokens.',
          });
      }
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    for (const { suffix, bytes, refusal } of limits) {
      if (declared > bytes && path.endsWith(suffix)) {
        const { status, ...body } = refusal ?? {
          status: 413,
          error_code: 'RESOURCE_EXHAUSTED',
          message: `Request body of ${declared} bytes exceeds the limit of ${bytes} bytes for ${suffix}`,
        };
        return reply.code(status).header('connection', 'close').send(body);
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
