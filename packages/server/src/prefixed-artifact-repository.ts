import {
  type ArtifactBody,
  type ArtifactRepository,
  type FileInfo,
  type TransferOptions,
  appendToUri,
  joinArtifactPath,
} from '@labbook/core';
import type { Readable } from 'node:stream';

/**
 * A view of one folder of a repository as a repository of its own: how the server maps a run's
 * `mlflow-artifacts:/<exp>/<run>/artifacts` root onto the artifacts destination. Paths reaching it
 * are already normalised, so joining cannot climb out of the prefix.
 */
export class PrefixedArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;

  constructor(
    private readonly inner: ArtifactRepository,
    private readonly prefix: string,
  ) {
    this.rootUri = appendToUri(inner.rootUri, prefix);
  }

  put(path: string, body: ArtifactBody, options?: TransferOptions): Promise<void> {
    return this.inner.put(joinArtifactPath(this.prefix, path), body, options);
  }

  get(path: string, options?: Pick<TransferOptions, 'signal' | 'onProgress'>): Promise<Readable> {
    return this.inner.get(joinArtifactPath(this.prefix, path), options);
  }

  async list(path = ''): Promise<FileInfo[]> {
    const strip = this.prefix === '' ? 0 : this.prefix.length + 1;
    return (await this.inner.list(joinArtifactPath(this.prefix, path))).map((f) => ({ ...f, path: f.path.slice(strip) }));
  }

  delete(path = ''): Promise<void> {
    return this.inner.delete(joinArtifactPath(this.prefix, path));
  }
}
