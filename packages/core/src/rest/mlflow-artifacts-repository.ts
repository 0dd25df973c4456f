import { Readable } from 'node:stream';
import type { FileInfo } from '../entities/tracking.js';
import { LabbookError } from '../errors.js';
import type { ArtifactBody, ArtifactRepository, TransferOptions } from '../interfaces/artifact-repository.js';
import { RestClient, type RestClientOptions, errorFromResponse } from './http-client.js';
import { fromWire } from './wire.js';
import { artifactBodyBuffer, artifactBodyStream } from '../artifacts/artifact-body.js';
import { withProgress } from '../artifacts/stream-helpers.js';
import { putStream } from './streaming-put.js';

const PREFIX = '/api/2.0/mlflow-artifacts/artifacts';

/** Options of a {@link MlflowArtifactsRepository}. */
export interface MlflowArtifactsRepositoryOptions extends RestClientOptions {
  /** Server for `mlflow-artifacts:/path` URIs without a host (default: LABBOOK_/MLFLOW_TRACKING_URI). */
  trackingUri?: string;
}

function encodePath(p: string): string {
  return p
    .split('/')
    .filter((s) => s !== '')
    .map(encodeURIComponent)
    .join('/');
}

/**
 * The artifact proxy of an MLflow-compatible server: `mlflow-artifacts://host/path`,
 * `mlflow-artifacts:/path` (host from the tracking URI) or `http(s)://host/api/2.0/mlflow-artifacts/artifacts/path`.
 * Uploads and downloads stream through fetch in bounded memory.
 */
export class MlflowArtifactsRepository implements ArtifactRepository {
  readonly rootUri: string;
  private readonly client: RestClient;
  private readonly base: string;

  constructor(uri: string, options: MlflowArtifactsRepositoryOptions = {}) {
    this.rootUri = uri;
    const u = new URL(uri);
    let server: string;
    let root: string;
    if (u.protocol === 'mlflow-artifacts:') {
      if (u.host !== '') {
        server = `http://${u.host}`;
      } else {
        const t = options.trackingUri ?? process.env.LABBOOK_TRACKING_URI ?? process.env.MLFLOW_TRACKING_URI;
        if (t === undefined || !/^https?:/.test(t))
          throw new LabbookError('INVALID_PARAMETER_VALUE', `[labbook] [rest] ${uri} has no host and the tracking URI is not http(s)`);
        // The tracking URI may carry the server's static prefix (`http://host/mlflow`): keep it.
        server = t.replace(/[?#].*$/, '').replace(/\/+$/, '');
      }
      root = decodeURIComponent(u.pathname);
    } else {
      const i = u.pathname.indexOf(PREFIX);
      if (i < 0) throw new LabbookError('INVALID_PARAMETER_VALUE', `[labbook] [rest] ${uri} is not an mlflow-artifacts URL`);
      server = `${u.origin}${u.pathname.slice(0, i)}`;
      root = decodeURIComponent(u.pathname.slice(i + PREFIX.length));
    }
    this.client = new RestClient(server, options);
    this.base = encodePath(root);
  }

  private rel(path: string): string {
    return [this.base, encodePath(path)].filter((s) => s !== '').join('/');
  }

  async put(path: string, body: ArtifactBody, options: TransferOptions = {}): Promise<void> {
    const url = `${PREFIX}/${this.rel(path)}`;
    const headers = { ...this.client.authHeaders(), 'content-type': options.contentType ?? 'application/octet-stream' };
    const whole = artifactBodyBuffer(body);
    let res: Response;
    if (whole) {
      const init: RequestInit = { method: 'PUT', headers, body: whole };
      if (options.signal) init.signal = options.signal;
      res = await this.fetch(url, init);
    } else {
      // Counted as the socket takes it, so a long upload through the server shows its progress.
      const readable = withProgress(artifactBodyStream(body), path, options.size, options.onProgress);
      const sized: Record<string, string> = { ...headers };
      if (options.size !== undefined) sized['content-length'] = String(options.size);
      try {
        res = await putStream(`${this.client.baseUrl}${url}`, sized, readable, options.signal);
      } catch (cause) {
        if ((cause as Error).name === 'AbortError')
          throw new LabbookError('CANCELLED', `[labbook] [rest] upload of ${path} was aborted`, { cause });
        throw new LabbookError('TEMPORARILY_UNAVAILABLE', `[labbook] [rest] PUT ${url} failed`, { cause });
      }
    }
    if (!res.ok) throw await errorFromResponse(res, 'PUT', path);
    await res.body?.cancel();
    // A stream reported its bytes as they went; a whole body is reported once, sent.
    if (whole) options.onProgress?.({ path, bytesDone: whole.length, bytesTotal: whole.length });
  }

  async get(path: string, options: Pick<TransferOptions, 'signal' | 'onProgress'> = {}): Promise<Readable> {
    const init: RequestInit = { headers: this.client.authHeaders() };
    if (options.signal) init.signal = options.signal;
    const res = await this.fetch(`${PREFIX}/${this.rel(path)}`, init);
    if (!res.ok) throw await errorFromResponse(res, 'GET', path);
    if (res.body === null) return withProgress(Readable.from([]), path, 0, options.onProgress);
    const length = Number(res.headers.get('content-length') ?? Number.NaN);
    return withProgress(
      Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>),
      path,
      Number.isSafeInteger(length) && length >= 0 ? length : undefined,
      options.onProgress,
    );
  }

  async list(path = ''): Promise<FileInfo[]> {
    const r = await this.client.get<{ files?: unknown[] }>(PREFIX, { path: this.rel(path) === '' ? undefined : this.rel(path) });
    const prefix = path === '' ? '' : `${path.replace(/\/+$/, '')}/`;
    return ((r.files ?? []) as Record<string, unknown>[])
      .map((f) => fromWire<{ path: string; isDir?: boolean; fileSize?: number | string }>(f))
      .map((f) => {
        const info: FileInfo = { path: prefix + f.path, isDir: f.isDir === true };
        if (!info.isDir && f.fileSize !== undefined) info.fileSize = Number(f.fileSize);
        return info;
      })
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(path = ''): Promise<void> {
    const res = await this.fetch(`${PREFIX}/${this.rel(path)}`, {
      method: 'DELETE',
      headers: this.client.authHeaders(),
    });
    if (!res.ok && res.status !== 404) throw await errorFromResponse(res, 'DELETE', path);
    await res.body?.cancel();
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.client.baseUrl}${path}`, init);
    } catch (cause) {
      throw new LabbookError('TEMPORARILY_UNAVAILABLE', `[labbook] [rest] ${init.method ?? 'GET'} ${path} failed`, {
        cause,
      });
    }
  }
}
