/**
 * Checks every request passes before routing: the Host allow-list and cross-origin refusal (DNS
 * rebinding, CVE-2025-14279), authentication, and early refusal of bodies whose declared size is over
 * a route's limit. Also the security headers of every response.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
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
  const writers = new Set(
    [...(options.corsAllowedOrigins ?? []), ...(options.allowedOrigins ?? [])].map((o) => (o === '*' ? o : (originOf(o) ?? o))),
  );
  const check = options.auth ? authChecker(options.auth) : undefined;
  const open = new Set([`${prefix}/health`, `${prefix}/version`]);

  const limited = limits.length > 0;
  const refuseOverLimit = (path: string, declared: number, reply: FastifyReply): boolean => {
    for (const { suffix, bytes, refusal } of limits) {
      if (declared > bytes && path.endsWith(suffix)) {
        const { status, ...body } = refusal ?? {
          status: 413,
          error_code: 'RESOURCE_EXHAUSTED',
          message: `Request body of ${declared} bytes exceeds the limit of ${bytes} bytes for ${suffix}`,
        };
        reply.code(status).header('connection', 'close').send(body);
        return true;
      }
    }
    return false;
  };
  const allowCors = (origin: string | undefined, reply: FastifyReply) => {
    if (origin && (origins.has(origin) || origins.has('*'))) reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
  };

  // A callback hook rather than an async one: every request passes here, and without auth nothing
  // in it waits, so it should not cost a promise and a microtask turn per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    const url = request.url;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (!allowed.has('*') && !allowed.has(hostOf(request.headers.host)) && !open.has(path)) {
      reply.code(403).send({ error_code: 'PERMISSION_DENIED', message: 'Invalid Host header' });
      return;
    }
    const origin = request.headers.origin;
    if (origin && !SAFE_METHODS.has(request.method) && !writers.has('*')) {
      const given = originOf(origin);
      // Only the page this server itself serves (same scheme, host and port): another port of the
      // same loopback host is another program, which must not change state here.
      const own = originOf(`${request.protocol}://${request.headers.host ?? ''}`);
      if (given === undefined || (given !== own && !writers.has(given))) {
        reply.code(403).send({
          error_code: 'PERMISSION_DENIED',
          message: `Cross-origin request from ${given ?? 'an opaque or malformed origin'} refused: only ${own ?? "the server's own origin"} may change state. To allow another origin, add it to the server's allowedOrigins (or corsAllowedOrigins) option.`,
        });
        return;
      }
    }
    const length = request.headers['content-length'];
    const declared = length === undefined ? 0 : Number(length);
    if (!check || open.has(path)) {
      if (limited && refuseOverLimit(path, declared, reply)) return;
      allowCors(origin, reply);
      done();
      return;
    }
    check(request.headers.authorization, request.ip).then((outcome) => {
      if (!outcome.ok && outcome.retryAfterSeconds !== undefined) {
        reply
          .code(429)
          .header('retry-after', String(outcome.retryAfterSeconds))
          .send({
            error_code: 'RESOURCE_EXHAUSTED',
            message: `Too many failed authentication attempts from ${request.ip}. Retry after ${outcome.retryAfterSeconds} seconds with valid credentials.`,
          });
        return;
      }
      if (!outcome.ok) {
        reply.code(401).header('www-authenticate', 'Basic realm="labbook"').send({
          error_code: 'UNAUTHENTICATED',
          message:
            'You are not authenticated. Send an Authorization header: "Basic <base64 user:password>" for a user of the server\'s password file, or "Bearer <token>" with one of its tokens.',
        });
        return;
      }
      if (limited && refuseOverLimit(path, declared, reply)) return;
      allowCors(origin, reply);
      done();
    }, done);
  });

  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff').header('x-frame-options', 'SAMEORIGIN');
    done(null, payload);
  });
}
