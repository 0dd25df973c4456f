import type { Readable } from 'node:stream';
import type { FileInfo } from '../entities/tracking.js';

/** Progress of one transfer. `bytesTotal` is unknown for streams of unknown length. */
export interface TransferProgress {
  path: string;
  bytesDone: number;
  bytesTotal?: number;
}

/** Options of a single transfer. */
export interface TransferOptions {
  /** Called as bytes move; repositories call it at least once at the end. */
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
  /** Size in bytes when the caller knows it (lets repositories pick multipart uploads). */
  size?: number;
  contentType?: string;
}

/** What {@link ArtifactRepository.put} accepts. Strings are written as UTF-8. */
export type ArtifactBody = Readable | AsyncIterable<Uint8Array> | Uint8Array | string;

/**
 * The files under one root URI (a run's or a model version's artifact folder), moved as streams so
 * that a file larger than memory passes through in bounded memory.
 *
 * Every `path` a repository receives has already been normalised and checked by core
 * (`normalizeArtifactPath`): relative, `/`-separated, no `.`/`..` segments, no `\`, `#`, NUL or
 * control characters; `''` is the root. Repositories keep a defensive containment check of their own.
 * Every method fails with a `LabbookError` (`RESOURCE_DOES_NOT_EXIST` for a missing file).
 */
export interface ArtifactRepository {
  /** The URI this repository is rooted at. */
  readonly rootUri: string;
  /** Writes one file, replacing it if present. A failed write never leaves a partial file visible. */
  put(path: string, body: ArtifactBody, options?: TransferOptions): Promise<void>;
  /** Opens one file for reading. */
  get(path: string, options?: Pick<TransferOptions, 'signal' | 'onProgress'>): Promise<Readable>;
  /**
   * Direct children of a folder (`''` = root): paths relative to the root, sorted, folders marked with
   * `isDir`. A file path or a missing path gives `[]`.
   */
  list(path?: string): Promise<FileInfo[]>;
  /** Removes a file or a folder tree (`''`/absent = everything). A missing path is not an error. */
  delete(path?: string): Promise<void>;
  /** Optional fast path: upload a local file (multipart, parallel parts, SFTP fastPut…). */
  uploadFile?(localFile: string, path: string, options?: TransferOptions): Promise<void>;
  /** Optional fast path: download one file to a local path. */
  downloadFile?(path: string, localFile: string, options?: TransferOptions): Promise<void>;
  /** Releases connections. Optional. */
  close?(): Promise<void>;
}
