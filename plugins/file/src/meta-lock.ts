import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { LabbookError } from '@labbook/core/plugin';
import { MSG, TEMP_PREFIX } from './constants.js';

const LOCK_NAME = `${TEMP_PREFIX}meta.lock`;
const WAIT_MS = 10_000;
const STALE_MS = 30_000;
const EMPTY_STALE_MS = 1_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** unlink(2) that ignores a missing file (`rm` would lstat first: one more trip to the disk). */
async function unlinkIfThere(path: string): Promise<void> {
  try {
    await fsp.unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
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
    // The lock appears with its owner's pid already in it (written aside, then hard-linked into
    // place), so a process killed while taking it never leaves an empty lock nobody can judge.
    const claim = join(dir, `${TEMP_PREFIX}meta.lock.${process.pid}.${randomBytes(4).toString('hex')}`);
    let acquired = false;
    try {
      await fsp.writeFile(claim, String(process.pid));
      await fsp.link(claim, path);
      acquired = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        // The folder itself is gone: a concurrent delete moved it to .trash (or removed it) after the
        // caller found it. A typed answer, not a 500 with a raw ENOENT.
        throw new LabbookError(
          'RESOURCE_DOES_NOT_EXIST',
          `${MSG} ${dir} was moved or deleted while this change waited for it (a concurrent delete?); look the entity up again and retry`,
          {
            cause: error,
          },
        );
      }
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        await fsp.rm(claim, { force: true });
        throw error;
      }
    } finally {
      if (!acquired) await fsp.rm(claim, { force: true });
    }
    if (acquired) {
      // The claim is only a second name of the lock now: removed while `fn` runs, not before.
      const unclaimed = unlinkIfThere(claim);
      // Awaited after `fn`; this only keeps a failure from counting as unhandled meanwhile.
      unclaimed.catch(() => undefined);
      try {
        return await fn();
      } finally {
        await unlinkIfThere(path);
        await unclaimed;
      }
    }
    try {
      const [text, st] = await Promise.all([fsp.readFile(path, 'utf8'), fsp.stat(path)]);
      const pid = Number(text);
      const age = Date.now() - st.mtimeMs;
      // An empty lock comes from an older writer killed mid-claim: stale after a moment.
      const orphan = text === '' && age > EMPTY_STALE_MS;
      if ((Number.isInteger(pid) && pid > 0 && !alive(pid)) || orphan || age > STALE_MS) {
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
