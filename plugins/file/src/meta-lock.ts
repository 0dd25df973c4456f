import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { LabbookError } from '@labbook/core';
import { MSG, TEMP_PREFIX } from './constants.js';

const LOCK_NAME = `${TEMP_PREFIX}meta.lock`;
const WAIT_MS = 10_000;
const STALE_MS = 30_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs a read-modify-write of a folder's `meta.yaml` under an exclusive lock file in that folder, so
 * two processes changing different fields (status, name, lifecycle) never lose each other's change.
 * A lock whose holder is gone (dead pid) or older than 30 s is broken. The lock file's name starts with
 * the temp prefix, so listings ignore it.
 */
export async function withMetaLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const path = join(dir, LOCK_NAME);
  const deadline = Date.now() + WAIT_MS;
  let delay = 1;
  for (;;) {
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      handle = undefined;
      try {
        return await fn();
      } finally {
        await fsp.rm(path, { force: true });
      }
    } catch (error) {
      if (handle) await handle.close().catch(() => undefined);
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    try {
      const [text, st] = await Promise.all([fsp.readFile(path, 'utf8'), fsp.stat(path)]);
      const pid = Number(text);
      if ((Number.isInteger(pid) && pid > 0 && !alive(pid)) || Date.now() - st.mtimeMs > STALE_MS) {
        await fsp.rm(path, { force: true });
        continue;
      }
    } catch {
      // Released meanwhile, or still being written: try again.
    }
    if (Date.now() > deadline) {
      throw new LabbookError('TEMPORARILY_UNAVAILABLE', `${MSG} timed out waiting for the lock on ${dir}/meta.yaml`);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 20);
  }
}
