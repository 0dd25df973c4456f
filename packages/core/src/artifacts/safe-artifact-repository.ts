import type { Readable } from 'node:stream';
import type { FileInfo } from '../entities/tracking.js';
import type { ArtifactBody, ArtifactRepository, TransferOptions } from '../interfaces/artifact-repository.js';
import { labbookChannels, traced } from '../diagnostics/channels.js';
import { normalizeArtifactFilePath, normalizeArtifactPath } from './artifact-path.js';

const BRAND = Symbol.for('labbook:safe-artifact-repository');

/**
 * An ArtifactRepository whose every path is normalised and checked by core before the wrapped
 * repository sees it (see `normalizeArtifactPath`), so every backend refuses the same hostile inputs
 * with the same error.
 */
export class SafeArtifactRepository implements ArtifactRepository {
  readonly inner: ArtifactRepository;

  constructor(inner: ArtifactRepository) {
    this.inner = inner;
    Object.defineProperty(this, BRAND, { value: true });
  }

  get rootUri(): string {
    return this.inner.rootUri;
  }

  put(path: string, body: ArtifactBody, options?: TransferOptions): Promise<void> {
    const safe = normalizeArtifactFilePath(path);
    return traced(labbookChannels.artifactsPut, { rootUri: this.rootUri, path: safe }, () => this.inner.put(safe, body, options));
  }

  get(path: string, options?: Pick<TransferOptions, 'signal' | 'onProgress'>): Promise<Readable> {
    const safe = normalizeArtifactFilePath(path);
    return traced(labbookChannels.artifactsGet, { rootUri: this.rootUri, path: safe }, () => this.inner.get(safe, options));
  }

  list(path?: string): Promise<FileInfo[]> {
    return this.inner.list(normalizeArtifactPath(path));
  }

  delete(path?: string): Promise<void> {
    return this.inner.delete(normalizeArtifactPath(path));
  }

  uploadFile(localFile: string, path: string, options?: TransferOptions): Promise<void> {
    const safe = normalizeArtifactFilePath(path);
    if (this.inner.uploadFile) return this.inner.uploadFile(localFile, safe, options);
    return import('node:fs').then(({ createReadStream, promises }) =>
      promises.stat(localFile).then((st) => this.inner.put(safe, createReadStream(localFile), { ...options, size: st.size })),
    );
  }

  async downloadFile(path: string, localFile: string, options?: TransferOptions): Promise<void> {
    const safe = normalizeArtifactFilePath(path);
    if (this.inner.downloadFile) return this.inner.downloadFile(safe, localFile, options);
    const { createWriteStream } = await import('node:fs');
    const { pipeline } = await import('node:stream/promises');
    const source = await this.inner.get(safe, options);
    await pipeline(source, createWriteStream(localFile));
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

/** Wraps a repository in {@link SafeArtifactRepository}, once. */
export function safeArtifactRepository(repo: ArtifactRepository): SafeArtifactRepository {
  if ((repo as unknown as Record<symbol, unknown>)[BRAND] === true) return repo as SafeArtifactRepository;
  return new SafeArtifactRepository(repo);
}
