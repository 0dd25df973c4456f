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
    if (user !== undefined && pass !== undefined)
      this.headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
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
        const timedOut = (cause as Error)?.name === 'TimeoutError';
        throw new LabbookError(
          timedOut ? 'DEADLINE_EXCEEDED' : 'TEMPORARILY_UNAVAILABLE',
          `[labbook] [rest] ${method} ${path} ${timedOut ? `timed out after ${this.timeoutMs} ms` : 'failed to reach the server'}`,
          { cause },
        );
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

  private sleep(attempt: number): Promise<void> {
    const base = this.backoffMs * 2 ** attempt;
    const ms = Math.min(base / 2 + Math.random() * base, 30_000);
    return new Promise((r) => setTimeout(r, ms));
  }
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
