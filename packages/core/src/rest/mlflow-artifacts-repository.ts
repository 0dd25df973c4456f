import { Readable } from 'node:stream';
import type { FileInfo } from '../entities/tracking.js';
import { LabbookError } from '../errors.js';
import type { ArtifactBody, ArtifactRepository, TransferOptions } from '../interfaces/artifact-repository.js';
import { RestClient, type RestClientOptions, errorFromResponse } from './http-client.js';
import { fromWire } from './wire.js';

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
          throw new LabbookError(
            'INVALID_PARAMETER_VALUE',
            `[labbook] [rest] ${uri} has no host and the tracking URI is not http(s)`,
          );
        // The tracking URI may carry the server's static prefix (`http://host/mlflow`): keep it.
        server = t.replace(/[?#].*$/, '').replace(/\/+$/, '');
      }
      root = decodeURIComponent(u.pathname);
    } else {
      const i = u.pathname.indexOf(PREFIX);
      if (i < 0)
        throw new LabbookError('INVALID_PARAMETER_VALUE', `[labbook] [rest] ${uri} is not an mlflow-artifacts URL`);
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
    let payload: NonNullable<RequestInit['body']>;
    if (typeof body === 'string') payload = body;
    else if (body instanceof Uint8Array) payload = body;
    else {
      const readable = body instanceof Readable ? body : Readable.from(body);
      payload = Readable.toWeb(readable) as unknown as NonNullable<RequestInit['body']>;
    }
    const init: RequestInit & { duplex: 'half' } = {
      method: 'PUT',
      headers: { ...this.client.authHeaders(), 'content-type': options.contentType ?? 'application/octet-stream' },
      body: payload,
      duplex: 'half',
    };
    if (options.signal) init.signal = options.signal;
    const res = await this.fetch(`${PREFIX}/${this.rel(path)}`, init);
    if (!res.ok) throw await errorFromResponse(res, 'PUT', path);
    await res.body?.cancel();
    options.onProgress?.({ path, bytesDone: options.size ?? 0, ...(options.size ? { bytesTotal: options.size } : {}) });
  }

  async get(path: string, options: Pick<TransferOptions, 'signal' | 'onProgress'> = {}): Promise<Readable> {
    const init: RequestInit = { headers: this.client.authHeaders() };
    if (options.signal) init.signal = options.signal;
    const res = await this.fetch(`${PREFIX}/${this.rel(path)}`, init);
    if (!res.ok) throw await errorFromResponse(res, 'GET', path);
    if (res.body === null) return Readable.from([]);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
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
