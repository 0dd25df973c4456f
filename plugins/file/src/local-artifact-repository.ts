import { createReadStream, createWriteStream, realpathSync, type WriteStream } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import {
  type ArtifactBody,
  type ArtifactRepository,
  type FileInfo,
  LabbookError,
  type TransferOptions,
  isFileUri,
  isInside,
  localPathFromUri,
  normalizeArtifactPath,
  notFound,
  withProgress,
} from '@labbook/core/plugin';
import { isTempName, tempPathFor } from './atomic-write.js';
import { MSG } from './constants.js';
import { ioError, isMissing } from './errors.js';
import { assertRealPathInside, containedPath } from './uri.js';

/** Options of {@link LocalArtifactRepository}. */
export interface LocalArtifactRepositoryOptions {
  /** fsync files before they appear under their final name. Default false (artifacts are large). */
  fsync?: boolean;
}

/**
 * The files of one run (or model version) in a local folder, for `file:` URIs and bare paths. Writes go
 * to a temp file that is renamed into place, so a reader never sees half a file; every path is
 * checked to stay under the root, through symlinks too.
 */
export class LocalArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  /** Absolute local path of the root. */
  readonly rootPath: string;
  private readonly fsync: boolean;

  constructor(uri: string, options: LocalArtifactRepositoryOptions = {}) {
    this.rootPath = localPathFromUri(uri);
    this.rootUri = isFileUri(uri) ? uri : pathToFileURL(this.rootPath).href;
    this.fsync = options.fsync ?? false;
  }

  /** The real path of the root (symlinks resolved), or the plain path while it does not exist. */
  private realRoot(): string {
    try {
      return realpathSync(this.rootPath);
    } catch {
      return this.rootPath;
    }
  }

  private resolvePath(path = ''): string {
    // The same check core's safeArtifactRepository makes, again here: this class is usable unwrapped.
    const normalized = normalizeArtifactPath(path);
    if (normalized === '') return this.rootPath;
    const target = containedPath(this.rootPath, ...normalized.split('/'));
    assertRealPathInside(this.rootPath, target);
    return target;
  }

  async put(path: string, body: ArtifactBody, options: TransferOptions = {}): Promise<void> {
    const target = this.resolvePath(path);
    if (target === this.rootPath) throw new LabbookError('INVALID_PARAMETER_VALUE', `${MSG} cannot write to the artifact root itself`);
    await fsp.mkdir(dirname(target), { recursive: true }).catch((error) => {
      throw ioError(`creating folder for ${path}`, error);
    });
    assertRealPathInside(this.rootPath, dirname(target));
    const tmp = tempPathFor(target);
    let done = 0;
    let out: WriteStream | undefined;
    try {
      if (typeof body === 'string' || body instanceof Uint8Array) {
        const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
        const handle = await fsp.open(tmp, 'wx');
        try {
          await handle.writeFile(data);
          if (this.fsync) await handle.sync();
        } finally {
          await handle.close();
        }
        done = data.length;
      } else {
        out = createWriteStream(tmp, { flags: 'wx' });
        const counter = async function* (source: AsyncIterable<Uint8Array>) {
          for await (const chunk of source) {
            done += chunk.length;
            options.onProgress?.({ path, bytesDone: done, ...(options.size !== undefined ? { bytesTotal: options.size } : {}) });
            yield chunk;
          }
        };
        await pipeline(body as AsyncIterable<Uint8Array>, counter, out, { signal: options.signal });
        if (this.fsync) {
          const h = await fsp.open(tmp, 'r');
          await h.sync();
          await h.close();
        }
      }
      await fsp.rename(tmp, target);
      options.onProgress?.({ path, bytesDone: done, bytesTotal: done });
    } catch (error) {
      // A failed pipeline can reject while the file is still being opened: removing it before the
      // stream has closed would let the open create it afterwards and leave it behind.
      const stream = out;
      if (stream && !stream.closed) await new Promise<void>((resolve) => stream.once('close', () => resolve()));
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      if ((error as Error).name === 'AbortError') {
        throw new LabbookError('CANCELLED', `${MSG} upload of ${path} was aborted`, { cause: error });
      }
      throw ioError(`writing artifact ${path}`, error);
    }
  }

  async get(path: string, options: Pick<TransferOptions, 'signal' | 'onProgress'> = {}): Promise<Readable> {
    const target = this.resolvePath(path);
    let st: import('node:fs').Stats;
    try {
      st = await fsp.stat(target);
    } catch (error) {
      if (isMissing(error)) throw notFound(`${MSG} artifact '${path}' not found`);
      throw ioError(`reading artifact ${path}`, error);
    }
    if (!st.isFile()) throw notFound(`${MSG} artifact '${path}' is not a file`);
    return withProgress(createReadStream(target, { signal: options.signal }), path, st.size, options.onProgress);
  }

  async list(path = ''): Promise<FileInfo[]> {
    let dir: string;
    try {
      dir = this.resolvePath(path);
    } catch (error) {
      // A folder reached through a symlink that leaves the root lists as nothing, like a missing one.
      if (LabbookError.is(error) && /symlink/.test(error.message)) return [];
      throw error;
    }
    const onPath = await this.foldersOnPath(path);
    // Reached through a link back to a folder above it (`a/loop/…` with `loop -> ..`): the same
    // files again under a longer name, as a link leaving the root lists as nothing.
    if (onPath === undefined) return [];
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw ioError(`listing artifacts under ${path || '/'}`, error);
    }
    const realRoot = this.realRoot();
    const out: FileInfo[] = [];
    for (const e of entries) {
      if (isTempName(e.name)) continue;
      const rel = path === '' ? e.name : `${path}/${e.name}`;
      const full = join(dir, e.name);
      let st: import('node:fs').Stats;
      try {
        // Symlinks are listed only when they stay inside the root.
        if (e.isSymbolicLink() && !isInside(realRoot, realpathSync(full))) continue;
        st = await fsp.stat(full);
      } catch {
        continue;
      }
      // A folder already on the path (`loop -> ..`, `self -> .`, or a bind mount) would make every
      // walk of the tree repeat it until the path grows too long: 8 files downloaded as hundreds.
      if (st.isDirectory() && onPath.has(folderKey(st))) continue;
      out.push(st.isDirectory() ? { path: rel, isDir: true } : { path: rel, isDir: false, fileSize: st.size });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * The identities (device and inode, so links and mounts compare equal to their targets) of the
   * root and of each folder from it down to `path`; undefined when one repeats, i.e. `path` runs
   * through a loop.
   */
  private async foldersOnPath(path: string): Promise<Set<string> | undefined> {
    const keys = new Set<string>();
    const segments = path === '' || path === '.' ? [] : path.split('/');
    for (let i = 0; i <= segments.length; i++) {
      let st: import('node:fs').Stats;
      try {
        st = await fsp.stat(join(this.rootPath, ...segments.slice(0, i)));
      } catch {
        // Missing (the listing will be empty) or unreadable: nothing above can loop back to it.
        return keys;
      }
      const key = folderKey(st);
      if (keys.has(key)) return undefined;
      keys.add(key);
    }
    return keys;
  }

  async delete(path = ''): Promise<void> {
    const target = this.resolvePath(path);
    try {
      if (target === this.rootPath) {
        for (const name of await fsp.readdir(target).catch(() => [] as string[])) {
          await fsp.rm(join(target, name), { recursive: true, force: true });
        }
      } else await fsp.rm(target, { recursive: true, force: true });
    } catch (error) {
      throw ioError(`deleting artifact ${path}`, error);
    }
  }

  async uploadFile(localFile: string, path: string, options: TransferOptions = {}): Promise<void> {
    await this.put(path, createReadStream(localFile), options);
  }

  async downloadFile(path: string, localFile: string, options: TransferOptions = {}): Promise<void> {
    const source = await this.get(path, options);
    await fsp.mkdir(dirname(localFile), { recursive: true });
    try {
      await pipeline(source, createWriteStream(localFile), { signal: options.signal });
    } catch (error) {
      throw ioError(`downloading artifact ${path}`, error);
    }
  }
}

function folderKey(st: import('node:fs').Stats): string {
  return `${st.dev}:${st.ino}`;
}
