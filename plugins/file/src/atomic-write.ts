import { randomBytes } from 'node:crypto';
import { lstatSync, promises as fsp, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TEMP_PREFIX } from './constants.js';
import { ioError } from './io-error.js';

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
 * Writes a whole file so that readers see either the old or the new content, never a prefix: write a
 * temp file in the same folder, fsync it (so a power loss cannot leave an empty file behind the
 * rename), then rename it over the target.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, fsync = true): Promise<void> {
  const tmp = tempPathFor(target);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, 'wx');
    await handle.writeFile(data);
    if (fsync) await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, target);
  } catch (error) {
    if (handle) await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw ioError(`writing ${target}`, error);
  }
}

/**
 * Creates a file with `data` only if it does not exist yet, atomically: the content is complete before
 * the name appears (temp file + `link`, which fails when the target exists). Returns false when the
 * target already existed.
 */
export async function createFileExclusive(target: string, data: string | Uint8Array, fsync = true): Promise<boolean> {
  const tmp = tempPathFor(target);
  try {
    const handle = await fsp.open(tmp, 'wx');
    try {
      await handle.writeFile(data);
      if (fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fsp.link(tmp, target);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  } catch (error) {
    throw ioError(`creating ${target}`, error);
  } finally {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
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
