/**
 * The HTTP layer of the REST stores: auth, timeouts, retries with backoff and jitter (idempotent calls
 * only) and MLflow's `{error_code, message}` bodies turned back into LabbookErrors. Global fetch only.
 */
import { type ErrorCode, ErrorCode as Codes, LabbookError, errorCodeFromHttpStatus } from '../errors.js';

/** Settings of a {@link RestClient}; every field falls back to the LABBOOK_/MLFLOW_ environment. */
export interface RestClientOptions {
  username?: string;
  password?: string;
  token?: string;
  /** Per-request timeout in milliseconds (default 120 s). */
  timeoutMs?: number;
  /** Attempts after the first for idempotent calls (default 5). */
  maxRetries?: number;
  /** First backoff in milliseconds (default 100, doubled each attempt, with jitter). */
  backoffMs?: number;
  fetch?: typeof fetch;
}

function env(name: string): string | undefined {
  const v = process.env[`LABBOOK_${name}`] ?? process.env[`MLFLOW_${name}`];
  return v === undefined || v === '' ? undefined : v;
}

const RETRYABLE = (status: number) => status === 408 || status === 429 || status >= 500;

/** A JSON client for one MLflow-compatible server. */
export class RestClient {
  readonly baseUrl: string;
  private readonly headers: Record<string, string> = {};
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(baseUrl: string, options: RestClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    const token = options.token ?? env('TRACKING_TOKEN');
    const user = options.username ?? env('TRACKING_USERNAME');
    const pass = options.password ?? env('TRACKING_PASSWORD');
    if (user !== undefined && pass !== undefined) this.headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    else if (token !== undefined) this.headers.authorization = `Bearer ${token}`;
    const t = Number(env('HTTP_REQUEST_TIMEOUT'));
    this.timeoutMs = options.timeoutMs ?? (Number.isFinite(t) && t > 0 ? t * 1000 : 120_000);
    const r = Number(env('HTTP_REQUEST_MAX_RETRIES'));
    this.maxRetries = options.maxRetries ?? (Number.isFinite(r) && r >= 0 ? r : 5);
    this.backoffMs = options.backoffMs ?? 100;
    this.fetchFn = options.fetch ?? fetch;
  }

  /** Headers every request carries (auth). */
  authHeaders(): Record<string, string> {
    return { ...this.headers };
  }

  /** GET with query parameters (arrays become repeated keys); always retried. */
  get<T>(path: string, query: Record<string, unknown> = {}): Promise<T> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) for (const x of v) qs.append(k, String(x));
      else qs.append(k, String(v));
    }
    const s = qs.toString();
    return this.call<T>('GET', s === '' ? path : `${path}?${s}`, undefined, true);
  }

  /** POST/PATCH/DELETE with a JSON body; retried only when `idempotent`. */
  send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body: unknown, idempotent = false): Promise<T> {
    return this.call<T>(method, path, body, idempotent);
  }

  private async call<T>(method: string, path: string, body: unknown, idempotent: boolean): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        const init: RequestInit = {
          method,
          headers: { ...this.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          signal: AbortSignal.timeout(this.timeoutMs),
        };
        if (body !== undefined) init.body = JSON.stringify(body);
        response = await this.fetchFn(url, init);
      } catch (cause) {
        if (idempotent && attempt < this.maxRetries) {
          await this.sleep(attempt);
          continue;
        }
        throw this.unreachable(method, path, cause, { attempts: attempt + 1, elapsedMs: Date.now() - started, idempotent });
      }
      if (response.ok) {
        const text = await response.text();
        return (text === '' ? {} : JSON.parse(text)) as T;
      }
      if (idempotent && RETRYABLE(response.status) && attempt < this.maxRetries) {
        await response.body?.cancel();
        await this.sleep(attempt);
        continue;
      }
      throw await errorFromResponse(response, method, path);
    }
  }

  /**
   * The one place a fetch that never got a response becomes an error. fetch only says "fetch failed";
   * the useful part (ECONNREFUSED, ENOTFOUND, ...) is in its cause, and someone whose script cannot
   * log needs the host, port, and what was already tried, to know whether to start a server or fix a URI.
   */
  private unreachable(
    method: string,
    path: string,
    cause: unknown,
    tried: { attempts: number; elapsedMs: number; idempotent: boolean },
  ): LabbookError {
    const timedOut = (cause as Error | undefined)?.name === 'TimeoutError';
    const where = serverAddress(this.baseUrl);
    const reason = timedOut ? `no response within ${this.timeoutMs} ms` : describeNetworkFailure(cause);
    const attempts = `${tried.attempts} attempt${tried.attempts === 1 ? '' : 's'} over ${formatDuration(tried.elapsedMs)}`;
    const retried = tried.idempotent ? attempts : `${attempts}; ${method} is not retried, as it may not be safe to repeat`;
    const next = timedOut
      ? `Check that the server at ${where.origin} is up and not overloaded, or raise the timeout (timeoutMs, or LABBOOK_HTTP_REQUEST_TIMEOUT in seconds).`
      : `Check that the tracking server is running${LOOPBACK.test(where.host) ? ` (start one with \`labbook server --port ${where.port}\`)` : ' and reachable from this machine'}, and that the tracking URI ${where.origin} is right (it comes from the trackingUri option, setTrackingUri(), LABBOOK_TRACKING_URI or MLFLOW_TRACKING_URI).`;
    return new LabbookError(
      timedOut ? 'DEADLINE_EXCEEDED' : 'TEMPORARILY_UNAVAILABLE',
      `[labbook] [rest] ${method} ${path}: could not reach the server at host ${where.host}, port ${where.port} (${reason}) after ${retried}. ${next}`,
      { cause },
    );
  }

  private sleep(attempt: number): Promise<void> {
    const base = this.backoffMs * 2 ** attempt;
    const ms = Math.min(base / 2 + Math.random() * base, 30_000);
    return new Promise((r) => setTimeout(r, ms));
  }
}

/** Host and port of a base URL, with the scheme's default port filled in and any credentials left out. */
function serverAddress(baseUrl: string): { host: string; port: string; origin: string } {
  try {
    const u = new URL(baseUrl);
    const port = u.port !== '' ? u.port : u.protocol === 'https:' ? '443' : '80';
    // hostname keeps IPv6 brackets, which is what the user typed and can paste back.
    return { host: u.hostname, port, origin: `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}` };
  } catch {
    return { host: baseUrl, port: '?', origin: baseUrl };
  }
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing is listening on that port',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed, temporarily',
  ECONNRESET: 'connection reset by the server',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'the server closed the connection',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for response headers',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate could not be verified',
};

/** "ECONNREFUSED: connection refused …", from the error fetch throws (whose cause holds the code). */
function describeNetworkFailure(error: unknown): string {
  // undici wraps the socket error in `cause`; with several addresses (localhost → ::1 and 127.0.0.1)
  // that cause is an AggregateError whose own code may be missing.
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const rec = e as { code?: unknown; errors?: unknown; cause?: unknown; message?: unknown };
    const code =
      typeof rec.code === 'string'
        ? rec.code
        : Array.isArray(rec.errors)
          ? (rec.errors as { code?: unknown }[]).find((x) => typeof x?.code === 'string')?.code
          : undefined;
    if (typeof code === 'string') return NETWORK_CODES[code] ? `${code}: ${NETWORK_CODES[code]}` : code;
    if (rec.cause === undefined && typeof rec.message === 'string' && rec.message !== '') return rec.message;
    e = rec.cause;
  }
  return String((error as Error | undefined)?.message ?? error);
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Turns a failed response into a LabbookError carrying the server's error code. */
export async function errorFromResponse(response: Response, method: string, path: string): Promise<LabbookError> {
  const text = await response.text().catch(() => '');
  let code: ErrorCode = errorCodeFromHttpStatus(response.status);
  let message = `[labbook] [rest] ${method} ${path} failed with HTTP ${response.status}`;
  try {
    const body = JSON.parse(text) as { error_code?: string; message?: string };
    if (typeof body.error_code === 'string' && body.error_code in Codes) code = body.error_code as ErrorCode;
    if (typeof body.message === 'string') message = body.message;
  } catch {
    if (text !== '') message = `${message}: ${text.slice(0, 500)}`;
  }
  return new LabbookError(code, message);
}
