import { Readable } from 'node:stream';
import {
  type ArtifactBody,
  type ArtifactRepository,
  type FileInfo,
  invalidParameter,
  notFound,
  type TransferOptions,
} from '@labbook/core/plugin';
import { stateFor } from './shared-state.js';

async function collect(body: ArtifactBody): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * Files kept in memory under one URI. (An in-memory repository necessarily holds whole files: it is
 * for tests and examples, not for data larger than memory.)
 */
export class MemoryArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  private readonly files: Map<string, Buffer>;
  private readonly prefix: string;

  constructor(uri: string) {
    this.rootUri = uri.replace(/\/+$/, '');
    // Every repository of the process shares one file map; a repository sees its own prefix.
    this.files = stateFor('artifacts', 'all', () => new Map<string, Buffer>());
    this.prefix = `${this.rootUri}/`;
  }

  private key(path: string): string {
    // Core has normalised the path; refuse anything else defensively.
    if (path.split('/').some((s) => s === '..' || s === '.')) throw invalidParameter(`Invalid path '${path}'`, { field: 'path' });
    return `${this.prefix}${path}`;
  }

  async put(path: string, body: ArtifactBody, options: TransferOptions = {}): Promise<void> {
    const data = await collect(body);
    this.files.set(this.key(path), data);
    options.onProgress?.({ path, bytesDone: data.length, bytesTotal: data.length });
  }

  async get(path: string, options: Pick<TransferOptions, 'onProgress'> = {}): Promise<Readable> {
    const data = this.files.get(this.key(path));
    if (!data) throw notFound(`Artifact '${path}' not found in ${this.rootUri}`);
    options.onProgress?.({ path, bytesDone: data.length, bytesTotal: data.length });
    return Readable.from([data]);
  }

  async list(path = ''): Promise<FileInfo[]> {
    const base = path === '' ? this.prefix : `${this.key(path)}/`;
    const entries = new Map<string, FileInfo>();
    for (const [key, data] of this.files) {
      if (!key.startsWith(base)) continue;
      const rest = key.slice(base.length);
      const slash = rest.indexOf('/');
      const rel = (path === '' ? '' : `${path}/`) + (slash < 0 ? rest : rest.slice(0, slash));
      entries.set(rel, slash < 0 ? { path: rel, isDir: false, fileSize: data.length } : { path: rel, isDir: true });
    }
    return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(path = ''): Promise<void> {
    const exact = path === '' ? undefined : this.key(path);
    const under = path === '' ? this.prefix : `${exact}/`;
    for (const key of [...this.files.keys()]) if (key === exact || key.startsWith(under)) this.files.delete(key);
  }
}
