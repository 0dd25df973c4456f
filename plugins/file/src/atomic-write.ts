import { randomBytes } from 'node:crypto';
import { lstatSync, promises as fsp, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LabbookError } from '@labbook/core/plugin';
import { TEMP_PREFIX } from './constants.js';
import { ioError } from './errors.js';

/** A temporary name in the same folder as `target`, so that a rename over `target` is atomic. */
export function tempPathFor(target: string): string {
  // Keep the name short: a long key plus a suffix must still fit in NAME_MAX.
  const base = basename(target).slice(0, 100);
  return join(dirname(target), `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}-${base}`);
}

/** True for names of labbook's temporary files and folders. */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/**
 * Every fsync of the store goes through here: one call is one wait for the disk, however many files it
 * syncs. A seam for the tests that pin how many waits a write path costs, so a change that adds one
 * cannot slip in unnoticed.
 */
export const fsyncs = {
  async syncAll(handles: readonly fsp.FileHandle[]): Promise<void> {
    await Promise.all(handles.map((h) => h.sync()));
  },
};

/** Removes a file if it is there: unlink(2) alone, where `rm` would lstat first. */
export async function removeQuietly(path: string): Promise<void> {
  await fsp.unlink(path).catch(() => undefined);
}

/** One file to write: its path and content. */
export interface FileToWrite {
  path: string;
  data: string | Uint8Array;
}

/**
 * Creates the files (each must not exist yet), writes them, and, with `fsync`, syncs them all together
 * before closing: the disk is waited for once, not once per file, and when this resolves every file is
 * complete on disk, so a name published afterwards (rename, link) can never point at an empty file. On
 * failure the files written so far are removed.
 */
export async function writeFilesSynced(files: readonly FileToWrite[], fsync: boolean): Promise<void> {
  const handles: Array<fsp.FileHandle | undefined> = new Array(files.length);
  let error: unknown;
  // Opened and written side by side: each is a trip through the thread pool, and they overlap.
  const written = await Promise.allSettled(
    files.map(async (f, i) => {
      const h = await fsp.open(f.path, 'wx');
      handles[i] = h;
      await h.writeFile(f.data);
    }),
  );
  for (const r of written) if (r.status === 'rejected') error ??= r.reason;
  const open = handles.filter((h): h is fsp.FileHandle => h !== undefined);
  if (error === undefined && fsync && open.length > 0) {
    try {
      await fsyncs.syncAll(open);
    } catch (e) {
      error = e;
    }
  }
  const closed = await Promise.allSettled(open.map((h) => h.close()));
  for (const r of closed) if (r.status === 'rejected') error ??= r.reason;
  if (error !== undefined) {
    await Promise.all(files.map((f, i) => (handles[i] ? removeQuietly(f.path) : undefined)));
    throw error;
  }
}

/**
 * Files written under temp names beside their targets and synced together, waiting to be published
 * one by one in the caller's order: {@link replace} renames a temp over its target, {@link create}
 * links it to a target that must not exist yet. {@link discard} removes what is left; call it in a
 * `finally`.
 */
export class StagedFiles {
  private readonly temps: Array<string | undefined>;
  private readonly linked: string[] = [];

  private constructor(
    private readonly targets: readonly string[],
    temps: string[],
  ) {
    this.temps = temps;
  }

  /** Writes and syncs (one wait) a temp file for every target. */
  static async stage(files: readonly FileToWrite[], fsync: boolean): Promise<StagedFiles> {
    const temps = files.map((f) => tempPathFor(f.path));
    await writeFilesSynced(
      files.map((f, i) => ({ path: temps[i]!, data: f.data })),
      fsync,
    );
    return new StagedFiles(
      files.map((f) => f.path),
      temps,
    );
  }

  /** Renames file `i` over its target: readers see the old content or the new, never a prefix. */
  async replace(i: number): Promise<void> {
    const tmp = this.take(i);
    try {
      await fsp.rename(tmp, this.targets[i]!);
    } catch (error) {
      await removeQuietly(tmp);
      throw ioError(`writing ${this.targets[i]}`, error);
    }
  }

  /**
   * Links file `i` to its target only if the target does not exist (link(2) fails then): of two
   * writers racing, exactly one wins. False when the target already existed.
   */
  async create(i: number): Promise<boolean> {
    const tmp = this.take(i);
    this.linked.push(tmp);
    try {
      await fsp.link(tmp, this.targets[i]!);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw ioError(`creating ${this.targets[i]}`, error);
    }
  }

  /** Removes the temps of files linked or never published. */
  async discard(): Promise<void> {
    const left = [...this.linked, ...this.temps.filter((t): t is string => t !== undefined)];
    this.linked.length = 0;
    this.temps.fill(undefined);
    await Promise.all(left.map(removeQuietly));
  }

  private take(i: number): string {
    const tmp = this.temps[i];
    if (tmp === undefined)
      throw new LabbookError('INTERNAL_ERROR', `staged file ${i} was already published (a bug in the file store: please report it)`);
    this.temps[i] = undefined;
    return tmp;
  }
}

/**
 * Replaces whole files so that readers see either the old or the new content, never a prefix: temp
 * files in the same folders, synced together (so a power loss cannot leave an empty file behind a
 * rename), then renamed over the targets in order.
 */
export async function writeFilesAtomic(files: readonly FileToWrite[], fsync = true): Promise<void> {
  let staged: StagedFiles;
  try {
    staged = await StagedFiles.stage(files, fsync);
  } catch (error) {
    throw ioError(`writing ${files.map((f) => f.path).join(', ')}`, error);
  }
  try {
    for (let i = 0; i < files.length; i++) await staged.replace(i);
  } finally {
    await staged.discard();
  }
}

/** {@link writeFilesAtomic} for one file. */
export async function writeFileAtomic(target: string, data: string | Uint8Array, fsync = true): Promise<void> {
  await writeFilesAtomic([{ path: target, data }], fsync);
}

/**
 * Creates a file with `data` only if it does not exist yet, atomically: the content is complete before
 * the name appears (temp file + `link`, which fails when the target exists). Returns false when the
 * target already existed.
 */
export async function createFileExclusive(target: string, data: string | Uint8Array, fsync = true): Promise<boolean> {
  let staged: StagedFiles;
  try {
    staged = await StagedFiles.stage([{ path: target, data }], fsync);
  } catch (error) {
    throw ioError(`creating ${target}`, error);
  }
  try {
    return await staged.create(0);
  } finally {
    await staged.discard();
  }
}

/** Temp entries younger than this are left alone even when their writer looks dead (clock skew, NFS). */
const STALE_TEMP_MS = 60_000;

function writerAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a temp file or folder left behind by a writer that was killed: its pid (in the name) is no
 * longer running and it is older than a minute. Returns true when it was removed.
 */
export function sweepStaleTemp(path: string, name: string): boolean {
  const pid = Number(/^\.lbtmp-(\d+)-/.exec(name)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0 || writerAlive(pid)) return false;
  try {
    const st = lstatSync(path);
    if (Date.now() - st.mtimeMs < STALE_TEMP_MS) return false;
    rmSync(path, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
}
